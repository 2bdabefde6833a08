//! Version order per ecosystem: each registry orders its versions its own way, and an
//! advisory's ranges mean what they mean only in that order (`2.12.2` > `2.4` in Maven, where a
//! string comparison says the opposite; `1.0.0-rc.1` < `1.0.0` in npm, but `1.0-SNAPSHOT` <
//! `1.0` in Maven only by its qualifier table).
//!
//! Every ordering answers `None` when a version isn't one its registry would accept, so the
//! caller reports "unknown" instead of guessing.

mod composer;
mod maven;
mod nuget;
mod pep440;
mod rubygems;
mod semver;

use std::cmp::Ordering;

use super::Ecosystem;

/// Orders two versions of one ecosystem; `None` when either can't be read in that ecosystem,
/// or when Wayfinder knows no order for it (`Ecosystem::Other`).
pub fn compare(ecosystem: &Ecosystem, a: &str, b: &str) -> Option<Ordering> {
    match ecosystem {
        Ecosystem::Maven => maven::compare(a, b),
        Ecosystem::Npm => semver::compare_npm(a, b),
        Ecosystem::CratesIo => semver::compare_cargo(a, b),
        Ecosystem::Go => semver::compare_go(a, b),
        Ecosystem::PyPI => pep440::compare(a, b),
        Ecosystem::Packagist => composer::compare(a, b),
        Ecosystem::NuGet => nuget::compare(a, b),
        Ecosystem::RubyGems => rubygems::compare(a, b),
        Ecosystem::Other(_) => None,
    }
}

/// SemVer 2.0 precedence, for OSV ranges of type `SEMVER` whatever their ecosystem.
pub fn compare_semver(a: &str, b: &str) -> Option<Ordering> {
    semver::compare_osv_semver(a, b)
}
