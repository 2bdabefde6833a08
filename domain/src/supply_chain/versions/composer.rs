//! Packagist: Composer's order. Composer normalises a version to four numbers and a stability
//! (`v2.1-RC2` → `2.1.0.0-RC2`) and compares those: `dev` < `alpha` < `beta` < `RC` < stable <
//! `patch`, then the stability's own number; a `-dev` suffix sorts below the same version
//! without it. Branch names (`dev-main`) have no place in the order.

use std::cmp::Ordering;

/// Stability ranks; `Dev` only for a version that is nothing but a `-dev` snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Stability {
    Dev,
    Alpha,
    Beta,
    ReleaseCandidate,
    Stable,
    Patch,
}

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Normalized {
    numbers: [u64; 4],
    stability: Stability,
    stability_numbers: Vec<u64>,
    /// `false` for a `-dev` snapshot of a pre-release, so it sorts first.
    released: bool,
}

pub fn compare(a: &str, b: &str) -> Option<Ordering> {
    Some(normalize(a)?.cmp(&normalize(b)?))
}

fn normalize(version: &str) -> Option<Normalized> {
    let lower = version.trim().to_ascii_lowercase();
    let text = lower.strip_prefix('v').unwrap_or(&lower);
    let numeric_end = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (numeric, mut rest) = text.split_at(numeric_end);
    let numeric = numeric.strip_suffix('.').unwrap_or(numeric);
    let parts: Vec<&str> = numeric.split('.').collect();
    if parts.is_empty() || parts.len() > 4 || parts.iter().any(|p| p.is_empty()) {
        return None;
    }
    let mut numbers = [0u64; 4];
    for (slot, part) in numbers.iter_mut().zip(&parts) {
        *slot = part.parse().ok()?;
    }

    let mut dev = false;
    for suffix in ["-dev", ".dev", "_dev", "dev"] {
        if let Some(stripped) = rest.strip_suffix(suffix) {
            rest = stripped;
            dev = true;
            break;
        }
    }
    let rest = rest.trim_start_matches(['-', '.', '_']);
    if rest.is_empty() {
        let stability = if dev {
            Stability::Dev
        } else {
            Stability::Stable
        };
        return Some(Normalized {
            numbers,
            stability,
            stability_numbers: Vec::new(),
            released: true,
        });
    }
    let label_end = rest
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(rest.len());
    let (label, digits) = rest.split_at(label_end);
    let stability = match label {
        "alpha" | "a" => Stability::Alpha,
        "beta" | "b" => Stability::Beta,
        "rc" => Stability::ReleaseCandidate,
        "stable" => Stability::Stable,
        "patch" | "pl" | "p" => Stability::Patch,
        _ => return None,
    };
    let mut stability_numbers = Vec::new();
    for number in digits.split(['.', '-']).filter(|n| !n.is_empty()) {
        stability_numbers.push(number.parse().ok()?);
    }
    Some(Normalized {
        numbers,
        stability,
        stability_numbers,
        released: !dev,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stabilities_order_dev_alpha_beta_rc_stable_patch() {
        let ordered = [
            "1.0.0-dev",
            "1.0.0-alpha1",
            "1.0.0-alpha2",
            "1.0.0-beta1-dev",
            "1.0.0-beta1",
            "1.0.0-RC1",
            "1.0.0-RC2",
            "1.0.0",
            "1.0.0-patch1",
            "1.0.1",
        ];
        for pair in ordered.windows(2) {
            assert_eq!(compare(pair[0], pair[1]), Some(Ordering::Less), "{pair:?}");
        }
    }

    #[test]
    fn a_leading_v_and_missing_parts_normalise_away() {
        assert_eq!(compare("v7.4.3", "7.4.3.0"), Some(Ordering::Equal));
        assert_eq!(compare("7.4", "7.4.0"), Some(Ordering::Equal));
        assert_eq!(compare("2.1-rc2", "2.1.0-RC2"), Some(Ordering::Equal));
    }

    #[test]
    fn branches_and_words_cannot_be_ordered() {
        assert_eq!(compare("dev-main", "1.0.0"), None);
        assert_eq!(compare("1.0.0-foo", "1.0.0"), None);
        assert_eq!(compare("1.2.3.4.5", "1.0.0"), None);
    }
}
