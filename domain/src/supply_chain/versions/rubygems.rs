//! RubyGems: the order of `Gem::Version`. A version is split into numbers and letter runs
//! (`1.0.0.rc1` → 1, 0, 0, "rc", 1; a `-` means `.pre.`); any letter segment makes it a
//! prerelease, which sorts below the release, and missing or trailing zero segments count as
//! zero.

use std::cmp::Ordering;

#[derive(Debug, PartialEq)]
enum Segment {
    Number(u64),
    Word(String),
}

pub fn compare(a: &str, b: &str) -> Option<Ordering> {
    let (a, b) = (segments(a)?, segments(b)?);
    let zero = Segment::Number(0);
    for i in 0..a.len().max(b.len()) {
        let x = a.get(i).unwrap_or(&zero);
        let y = b.get(i).unwrap_or(&zero);
        let order = match (x, y) {
            (Segment::Number(x), Segment::Number(y)) => x.cmp(y),
            (Segment::Word(x), Segment::Word(y)) => x.cmp(y),
            (Segment::Word(_), Segment::Number(_)) => Ordering::Less,
            (Segment::Number(_), Segment::Word(_)) => Ordering::Greater,
        };
        if order != Ordering::Equal {
            return Some(order);
        }
    }
    Some(Ordering::Equal)
}

/// Gem::Version's pattern: digits first, then dot-separated alphanumerics, then an optional
/// `-` prerelease.
fn segments(version: &str) -> Option<Vec<Segment>> {
    let version = version.trim();
    if !version.starts_with(|c: char| c.is_ascii_digit())
        || !version
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        || version.contains("..")
        || version.ends_with(['.', '-'])
    {
        return None;
    }
    let version = version.replace('-', ".pre.");
    let mut segments = Vec::new();
    let mut run = String::new();
    for c in version.chars().chain(std::iter::once('.')) {
        let boundary = c == '.'
            || run
                .chars()
                .last()
                .is_some_and(|last| last.is_ascii_digit() != c.is_ascii_digit());
        if boundary && !run.is_empty() {
            segments.push(match run.parse() {
                Ok(number) => Segment::Number(number),
                Err(_) if run.bytes().all(|b| b.is_ascii_digit()) => return None,
                Err(_) => Segment::Word(std::mem::take(&mut run)),
            });
            run.clear();
        }
        if c != '.' {
            run.push(c);
        }
    }
    Some(segments)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prereleases_sort_below_their_release() {
        let ordered = [
            "1.0.0.a",
            "1.0.0.b1",
            "1.0.0.pre",
            "1.0.0.rc1",
            "1.0.0",
            "1.0.1",
            "1.10",
            "7.0.4",
        ];
        for pair in ordered.windows(2) {
            assert_eq!(compare(pair[0], pair[1]), Some(Ordering::Less), "{pair:?}");
        }
    }

    #[test]
    fn trailing_zeros_and_dashes_read_as_gem_version_reads_them() {
        assert_eq!(compare("1.0", "1"), Some(Ordering::Equal));
        assert_eq!(compare("1.0.0-rc1", "1.0.0.pre.rc1"), Some(Ordering::Equal));
        assert_eq!(compare("1.0.0rc1", "1.0.0.rc.1"), Some(Ordering::Equal));
    }

    #[test]
    fn versions_gem_version_refuses_cannot_be_ordered() {
        assert_eq!(compare("v1.0", "1.0"), None);
        assert_eq!(compare("1..0", "1.0"), None);
        assert_eq!(compare("1.0 beta", "1.0"), None);
    }
}
