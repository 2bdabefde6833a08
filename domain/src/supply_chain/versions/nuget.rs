//! NuGet: NuGet's SemVer. Up to four numbers (`4.0.0.1`, missing ones are zero), then a
//! prerelease compared label by label like SemVer but ignoring case (`1.0.0-Beta` ==
//! `1.0.0-beta`); build metadata after `+` doesn't count.

use std::cmp::Ordering;

#[derive(Debug)]
struct NuGetVersion {
    numbers: [u64; 4],
    prerelease: Vec<String>,
}

pub fn compare(a: &str, b: &str) -> Option<Ordering> {
    let (a, b) = (parse(a)?, parse(b)?);
    Some(
        a.numbers
            .cmp(&b.numbers)
            .then_with(|| compare_prerelease(&a.prerelease, &b.prerelease)),
    )
}

fn parse(version: &str) -> Option<NuGetVersion> {
    let version = version.trim();
    let version = version.split_once('+').map_or(version, |(v, _)| v);
    let (release, prerelease) = match version.split_once('-') {
        Some((release, prerelease)) => (release, Some(prerelease)),
        None => (version, None),
    };
    let parts: Vec<&str> = release.split('.').collect();
    if parts.len() > 4 {
        return None;
    }
    let mut numbers = [0u64; 4];
    for (slot, part) in numbers.iter_mut().zip(&parts) {
        if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        *slot = part.parse().ok()?;
    }
    let prerelease = match prerelease {
        None => Vec::new(),
        Some(labels) => {
            let labels: Vec<String> = labels.split('.').map(str::to_ascii_lowercase).collect();
            let valid = |l: &String| {
                !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            };
            if !labels.iter().all(valid) {
                return None;
            }
            labels
        }
    };
    Some(NuGetVersion {
        numbers,
        prerelease,
    })
}

/// A release sorts above its prereleases; numeric labels compare as numbers and below
/// alphanumeric ones; a shorter label list sorts first when it is a prefix of the other.
fn compare_prerelease(a: &[String], b: &[String]) -> Ordering {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Greater,
        (false, true) => return Ordering::Less,
        (false, false) => {}
    }
    for (x, y) in a.iter().zip(b) {
        let order = match (x.parse::<u64>(), y.parse::<u64>()) {
            (Ok(x), Ok(y)) => x.cmp(&y),
            (Ok(_), Err(_)) => Ordering::Less,
            (Err(_), Ok(_)) => Ordering::Greater,
            (Err(_), Err(_)) => x.cmp(y),
        };
        if order != Ordering::Equal {
            return order;
        }
    }
    a.len().cmp(&b.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn four_part_versions_and_prereleases_order_as_nuget_does() {
        let ordered = [
            "1.0.0-alpha",
            "1.0.0-alpha.2",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-rc.1",
            "1.0.0",
            "1.0.0.1",
            "1.0.1",
            "13.0.1",
        ];
        for pair in ordered.windows(2) {
            assert_eq!(compare(pair[0], pair[1]), Some(Ordering::Less), "{pair:?}");
        }
    }

    #[test]
    fn case_missing_zeros_and_metadata_do_not_count() {
        assert_eq!(compare("1.0.0-Beta", "1.0.0-beta"), Some(Ordering::Equal));
        assert_eq!(compare("1.0", "1.0.0.0"), Some(Ordering::Equal));
        assert_eq!(compare("1.0.0+abc", "1.0.0"), Some(Ordering::Equal));
    }

    #[test]
    fn malformed_versions_cannot_be_ordered() {
        assert_eq!(compare("1.0.0.0.0", "1.0.0"), None);
        assert_eq!(compare("1.x", "1.0.0"), None);
        assert_eq!(compare("1.0.0-", "1.0.0"), None);
    }
}
