//! The purl-spec `vers` syntax for version ranges: `vers:maven/>=2.0.0|<2.15.0`,
//! `vers:npm/1.2.3`, `vers:pypi/*`, `vers:nuget/!=1.0.0`.
//!
//! Constraints are joined by `|`; each is a comparator (`=`, `!=`, `<`, `<=`, `>`, `>=`; none
//! means `=`) and a percent-encoded version. Sorted by version, the `<`/`>` bounds must
//! alternate (lower, upper, lower…), so each pair is one interval; `=` adds single versions
//! and `!=` cuts them out. The scheme is a purl type and picks the ecosystem's version order.

use std::cmp::Ordering;
use std::fmt;

use super::Ecosystem;
use super::versions::compare;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparator {
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
}

impl Comparator {
    fn as_str(self) -> &'static str {
        match self {
            Comparator::Equal => "=",
            Comparator::NotEqual => "!=",
            Comparator::Less => "<",
            Comparator::LessOrEqual => "<=",
            Comparator::Greater => ">",
            Comparator::GreaterOrEqual => ">=",
        }
    }

    fn is_lower_bound(self) -> bool {
        matches!(self, Comparator::Greater | Comparator::GreaterOrEqual)
    }

    fn is_upper_bound(self) -> bool {
        matches!(self, Comparator::Less | Comparator::LessOrEqual)
    }

    fn admits(self, order: Ordering) -> bool {
        match self {
            Comparator::Equal => order == Ordering::Equal,
            Comparator::NotEqual => order != Ordering::Equal,
            Comparator::Less => order == Ordering::Less,
            Comparator::LessOrEqual => order != Ordering::Greater,
            Comparator::Greater => order == Ordering::Greater,
            Comparator::GreaterOrEqual => order != Ordering::Less,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Constraint {
    pub comparator: Comparator,
    pub version: String,
}

/// A parsed `vers:` range. `constraints` is empty for `*` (every version).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionRange {
    pub scheme: String,
    pub ecosystem: Ecosystem,
    pub constraints: Vec<Constraint>,
}

/// Why a `vers:` string was refused, in words a user can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersError(pub String);

impl fmt::Display for VersError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for VersError {}

fn refuse(message: impl Into<String>) -> VersError {
    VersError(message.into())
}

impl VersionRange {
    /// Reads a `vers:` string. Whitespace is ignored; every other mistake (missing `vers:`
    /// prefix or scheme, an empty constraint, a version the scheme's order can't read, bounds
    /// that don't alternate, `*` next to other constraints) is refused naming it.
    pub fn parse(text: &str) -> Result<VersionRange, VersError> {
        let text: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let rest = text.strip_prefix("vers:").ok_or_else(|| {
            refuse("a version range starts with \"vers:\", as in vers:npm/>=1.0.0|<2.0.0")
        })?;
        let (scheme, body) = rest.split_once('/').ok_or_else(|| {
            refuse("a version range names its scheme before a \"/\", as in vers:npm/1.2.3")
        })?;
        let scheme = scheme.to_ascii_lowercase();
        if scheme.is_empty() {
            return Err(refuse("the version range's scheme is empty"));
        }
        if body.is_empty() {
            return Err(refuse("the version range has no constraints"));
        }
        let ecosystem = Ecosystem::from_purl_type(&scheme);
        if body == "*" {
            return Ok(VersionRange {
                scheme,
                ecosystem,
                constraints: Vec::new(),
            });
        }
        let mut constraints = Vec::new();
        for (index, part) in body.split('|').enumerate() {
            let position = index + 1;
            if part == "*" {
                return Err(refuse("\"*\" stands alone: it already means every version"));
            }
            let constraint = parse_constraint(part)
                .map_err(|why| refuse(format!("constraint {position} (\"{part}\"): {why}")))?;
            let ordered = !matches!(ecosystem, Ecosystem::Other(_));
            if ordered && compare(&ecosystem, &constraint.version, &constraint.version).is_none() {
                return Err(refuse(format!(
                    "constraint {position}: \"{}\" is not a {scheme} version",
                    constraint.version
                )));
            }
            constraints.push(constraint);
        }
        let range = VersionRange {
            scheme,
            ecosystem,
            constraints,
        };
        if !matches!(range.ecosystem, Ecosystem::Other(_)) {
            range.check_bounds_alternate()?;
        }
        Ok(range)
    }

    /// Whether `version` lies in the range; `None` when the scheme has no known order or the
    /// version can't be read in it.
    pub fn contains(&self, version: &str) -> Option<bool> {
        if self.constraints.is_empty() {
            return Some(true);
        }
        let order_of =
            |constraint: &Constraint| compare(&self.ecosystem, version, &constraint.version);
        for constraint in &self.constraints {
            let order = order_of(constraint)?;
            match constraint.comparator {
                Comparator::Equal if order == Ordering::Equal => return Some(true),
                Comparator::NotEqual if order == Ordering::Equal => return Some(false),
                _ => {}
            }
        }
        let bounds = self.sorted_bounds()?;
        if bounds.is_empty() {
            // Only `=` and `!=`: a `!=`-only range is everything but those versions.
            return Some(
                self.constraints
                    .iter()
                    .all(|c| c.comparator == Comparator::NotEqual),
            );
        }
        let admits = |c: &Constraint| order_of(c).map(|order| c.comparator.admits(order));
        let mut i = 0;
        while i < bounds.len() {
            let bound = bounds[i];
            if bound.comparator.is_upper_bound() {
                // An upper bound with no lower bound before it: from the lowest version.
                if admits(bound)? {
                    return Some(true);
                }
                i += 1;
            } else if let Some(upper) = bounds.get(i + 1) {
                if admits(bound)? && admits(upper)? {
                    return Some(true);
                }
                i += 2;
            } else {
                return admits(bound);
            }
        }
        Some(false)
    }

    /// The `<`/`>` constraints in version order; `None` when one can't be ordered.
    fn sorted_bounds(&self) -> Option<Vec<&Constraint>> {
        let mut bounds: Vec<&Constraint> = self
            .constraints
            .iter()
            .filter(|c| c.comparator.is_lower_bound() || c.comparator.is_upper_bound())
            .collect();
        for bound in &bounds {
            compare(&self.ecosystem, &bound.version, &bound.version)?;
        }
        bounds.sort_by(|a, b| {
            compare(&self.ecosystem, &a.version, &b.version).unwrap_or(Ordering::Equal)
        });
        Some(bounds)
    }

    fn check_bounds_alternate(&self) -> Result<(), VersError> {
        let bounds = self
            .sorted_bounds()
            .ok_or_else(|| refuse("the version range's versions can't be ordered"))?;
        for pair in bounds.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            let same_side = (a.comparator.is_lower_bound() && b.comparator.is_lower_bound())
                || (a.comparator.is_upper_bound() && b.comparator.is_upper_bound());
            if same_side {
                return Err(refuse(format!(
                    "\"{}{}\" and \"{}{}\" bound the same side: in version order, lower and upper bounds alternate",
                    a.comparator.as_str(),
                    a.version,
                    b.comparator.as_str(),
                    b.version
                )));
            }
        }
        Ok(())
    }
}

fn parse_constraint(part: &str) -> Result<Constraint, String> {
    if part.is_empty() {
        return Err("empty constraint (two \"|\" in a row?)".into());
    }
    let (comparator, version) = [
        ("!=", Comparator::NotEqual),
        ("<=", Comparator::LessOrEqual),
        (">=", Comparator::GreaterOrEqual),
        ("<", Comparator::Less),
        (">", Comparator::Greater),
        ("=", Comparator::Equal),
    ]
    .iter()
    .find_map(|(prefix, comparator)| part.strip_prefix(prefix).map(|v| (*comparator, v)))
    .unwrap_or((Comparator::Equal, part));
    if version.is_empty() {
        return Err("the comparator has no version after it".into());
    }
    let version = percent_decode(version)?;
    if version.starts_with(['<', '>', '=', '!']) {
        return Err("one comparator per constraint".into());
    }
    Ok(Constraint {
        comparator,
        version,
    })
}

fn percent_decode(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| format!("\"{}\" is not a valid percent-encoding", &text[i..]))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "the version is not UTF-8 once decoded".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(text: &str) -> VersionRange {
        VersionRange::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn a_maven_interval_holds_its_lower_bound_and_not_its_upper() {
        let log4shell = range("vers:maven/>=2.0.0|<2.15.0");
        assert_eq!(log4shell.ecosystem, Ecosystem::Maven);
        for inside in ["2.0.0", "2.0", "2.12.1", "2.14.1"] {
            assert_eq!(log4shell.contains(inside), Some(true), "{inside}");
        }
        for outside in ["2.0-beta9", "2.15.0", "2.16.0", "1.2.17"] {
            assert_eq!(log4shell.contains(outside), Some(false), "{outside}");
        }
    }

    #[test]
    fn single_versions_stars_and_exclusions() {
        let one = range("vers:npm/1.2.3");
        assert_eq!(one.contains("v1.2.3"), Some(true));
        assert_eq!(one.contains("1.2.4"), Some(false));
        assert_eq!(range("vers:pypi/*").contains("anything at all"), Some(true));
        let all_but = range("vers:nuget/!=1.0.0");
        assert_eq!(all_but.contains("1.0.0"), Some(false));
        assert_eq!(all_but.contains("2.0.0"), Some(true));
        let cut = range("vers:npm/>=1.0.0|!=1.5.0|<2.0.0");
        assert_eq!(cut.contains("1.5.0"), Some(false));
        assert_eq!(cut.contains("1.6.0"), Some(true));
    }

    #[test]
    fn several_intervals_leave_gaps_between_them() {
        let two = range("vers:pypi/>=3.2|<3.2.14|>=4.0|<4.0.6");
        assert_eq!(two.contains("3.2.13"), Some(true));
        assert_eq!(two.contains("3.2.14"), Some(false));
        assert_eq!(two.contains("3.3"), Some(false));
        assert_eq!(two.contains("4.0.5"), Some(true));
        let open_ended = range("vers:npm/<1.0.0|>=2.0.0");
        assert_eq!(open_ended.contains("0.9.0"), Some(true));
        assert_eq!(open_ended.contains("1.5.0"), Some(false));
        assert_eq!(open_ended.contains("3.0.0"), Some(true));
        let with_point = range("vers:npm/1.0.0|>=2.0.0");
        assert_eq!(with_point.contains("1.0.0"), Some(true));
        assert_eq!(with_point.contains("1.0.1"), Some(false));
    }

    #[test]
    fn versions_that_cannot_be_ordered_are_unknown() {
        assert_eq!(range("vers:npm/>=1.0.0").contains("latest"), None);
        assert_eq!(range("vers:deb/>=1.0").contains("1.1"), None);
    }

    #[test]
    fn percent_encoded_versions_are_decoded() {
        assert_eq!(
            range("vers:npm/1.0.0%2Bbuild").constraints[0].version,
            "1.0.0+build"
        );
    }

    #[test]
    fn bad_syntax_is_refused_naming_the_mistake() {
        let cases = [
            ("maven/>=2.0", "vers:"),
            ("vers:>=2.0", "scheme"),
            ("vers:npm/", "no constraints"),
            ("vers:npm/>=1.0.0||<2.0.0", "constraint 2"),
            ("vers:npm/>=", "no version"),
            ("vers:npm/>=not-a-version", "not a npm version"),
            ("vers:npm/>=1.0.0|>=1.5.0", "alternate"),
            ("vers:npm/*|1.0.0", "\"*\""),
            ("vers:npm/>=%ZZ", "percent"),
        ];
        for (text, expected) in cases {
            let error = VersionRange::parse(text).expect_err(text).to_string();
            assert!(error.contains(expected), "{text}: {error}");
        }
    }
}
