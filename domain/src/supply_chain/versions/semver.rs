//! SemVer 2.0 precedence (the `semver` crate), as npm, crates.io and Go modules use it.
//!
//! Build metadata never affects precedence (`1.0.0+a` == `1.0.0+b`). Each registry spells the
//! same version a little differently, handled here before parsing.

use std::cmp::Ordering;

use semver::Version;

/// npm: node-semver accepts a leading `v` or `=` (`v1.2.3`, `=1.2.3`) and surrounding spaces.
pub fn compare_npm(a: &str, b: &str) -> Option<Ordering> {
    let read = |v: &str| {
        let v = v.trim();
        let v = v.strip_prefix('=').unwrap_or(v).trim_start();
        let v = v
            .strip_prefix('v')
            .or_else(|| v.strip_prefix('V'))
            .unwrap_or(v);
        parse_padded(v)
    };
    Some(read(a)?.cmp_precedence(&read(b)?))
}

/// crates.io: plain SemVer.
pub fn compare_cargo(a: &str, b: &str) -> Option<Ordering> {
    Some(parse_padded(a.trim())?.cmp_precedence(&parse_padded(b.trim())?))
}

/// Go modules: SemVer behind a `v` (`v1.2.3`, `v0.0.0-20211209124913-491a49abca63`; a
/// pseudo-version is a prerelease, so it orders below the release it precedes). OSV writes Go
/// versions without the `v`, so it is optional here. `+incompatible` is build metadata.
pub fn compare_go(a: &str, b: &str) -> Option<Ordering> {
    let read = |v: &str| {
        let v = v.trim();
        Version::parse(v.strip_prefix('v').unwrap_or(v)).ok()
    };
    Some(read(a)?.cmp_precedence(&read(b)?))
}

/// An OSV `SEMVER` range: SemVer, with an optional leading `v`.
pub fn compare_osv_semver(a: &str, b: &str) -> Option<Ordering> {
    let read = |v: &str| {
        let v = v.trim();
        parse_padded(v.strip_prefix('v').unwrap_or(v))
    };
    Some(read(a)?.cmp_precedence(&read(b)?))
}

/// Reads a SemVer version; a bare `major` or `major.minor` with nothing after it is read as
/// `major.0.0` / `major.minor.0`, because advisories write range bounds that way (`"introduced":
/// "0.1"` in the GitHub Advisory Database) and they mean that release.
fn parse_padded(v: &str) -> Option<Version> {
    if let Ok(version) = Version::parse(v) {
        return Some(version);
    }
    let parts: Vec<&str> = v.split('.').collect();
    let numeric = |p: &&str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    if parts.len() <= 2 && parts.iter().all(numeric) {
        let mut padded = parts.join(".");
        for _ in parts.len()..3 {
            padded.push_str(".0");
        }
        return Version::parse(&padded).ok();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npm_accepts_a_leading_v_and_equals_sign() {
        assert_eq!(compare_npm("v1.2.3", "=1.2.3"), Some(Ordering::Equal));
        assert_eq!(compare_npm("1.0.0-rc.1", "1.0.0"), Some(Ordering::Less));
        assert_eq!(
            compare_npm("1.0.0-alpha.10", "1.0.0-alpha.9"),
            Some(Ordering::Greater)
        );
        assert_eq!(
            compare_npm("1.0.0+build.1", "1.0.0+build.2"),
            Some(Ordering::Equal)
        );
        assert_eq!(compare_npm("latest", "1.0.0"), None);
    }

    #[test]
    fn cargo_reads_short_advisory_bounds_as_their_release() {
        assert_eq!(compare_cargo("0.1", "0.1.0"), Some(Ordering::Equal));
        assert_eq!(compare_cargo("0.1", "0.1.44"), Some(Ordering::Less));
        assert_eq!(compare_cargo("0.1.0-alpha", "0.1"), Some(Ordering::Less));
        assert_eq!(compare_cargo("v1.0.0", "1.0.0"), None);
        assert_eq!(compare_cargo("1.0.x", "1.0.0"), None);
    }

    #[test]
    fn go_pseudo_versions_order_before_the_release_they_precede() {
        let pseudo = "v0.3.8-0.20220722155223-a9d1f4ebd5ab";
        assert_eq!(compare_go(pseudo, "v0.3.8"), Some(Ordering::Less));
        assert_eq!(compare_go(pseudo, "v0.3.7"), Some(Ordering::Greater));
        assert_eq!(
            compare_go(
                "v0.0.0-20211209124913-491a49abca63",
                "v0.0.0-20220101000000-000000000000"
            ),
            Some(Ordering::Less)
        );
        assert_eq!(
            compare_go("v2.0.0+incompatible", "2.0.0"),
            Some(Ordering::Equal)
        );
        assert_eq!(compare_go("v1.2", "v1.2.0"), None);
    }
}
