//! OSV advisories (the format of the GitHub Advisory Database and osv.dev): what they say, and
//! whether a package version is affected by them.
//!
//! `parse` reads a record, `evaluate` applies OSV's evaluation rules to one version.

mod evaluate;
mod parse;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Ecosystem, Severity, Verdict, osv_package};

pub use parse::parse_advisory;

/// One advisory, with what matching and display need; the rest of the record (details,
/// references, credits) stays in the stored original.
#[derive(Debug, Clone, PartialEq)]
pub struct Advisory {
    pub id: String,
    /// Other ids of the same vulnerability (`CVE-2021-44228`), by which it is also found.
    pub aliases: Vec<String>,
    pub summary: Option<String>,
    /// `database_specific.severity` when the record states one, else the rating of its CVSS
    /// vector's base score, else `Unknown`.
    pub severity: Severity,
    pub cvss_vector: Option<String>,
    pub modified: Option<DateTime<Utc>>,
    pub published: Option<DateTime<Utc>>,
    pub affected: Vec<AffectedPackage>,
}

/// One package an advisory affects, in which ranges and which listed versions. Stored as JSON
/// beside the advisory, in OSV's own shape (`{"ecosystem", "name", "ranges", "versions"}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AffectedPackage {
    pub ecosystem: Ecosystem,
    pub name: String,
    #[serde(default)]
    pub ranges: Vec<AffectedRange>,
    #[serde(default)]
    pub versions: Vec<String>,
}

/// A range of affected versions: events in version order open (`introduced`) and close
/// (`fixed`, `last_affected`) affected intervals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AffectedRange {
    #[serde(rename = "type")]
    pub kind: RangeKind,
    pub events: Vec<RangeEvent>,
}

/// Which order a range's versions are in. `Git` ranges name commits, which say nothing about
/// a package version, so they never match one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RangeKind {
    /// SemVer 2.0 precedence, whatever the ecosystem.
    Semver,
    /// The ecosystem's own order.
    Ecosystem,
    Git,
}

/// OSV's events, serialised as OSV writes them (`{"introduced": "2.13.0"}`). `introduced: "0"`
/// means "from the first version".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RangeEvent {
    Introduced(String),
    Fixed(String),
    LastAffected(String),
    Limit(String),
}

impl RangeEvent {
    pub fn version(&self) -> &str {
        match self {
            RangeEvent::Introduced(v)
            | RangeEvent::Fixed(v)
            | RangeEvent::LastAffected(v)
            | RangeEvent::Limit(v) => v,
        }
    }
}

impl AffectedPackage {
    /// Whether this entry names the package (`ecosystem`, OSV `name`); names compare the way
    /// the ecosystem's registry compares them.
    pub fn names(&self, ecosystem: &Ecosystem, name: &str) -> bool {
        self.ecosystem == *ecosystem && self.ecosystem.same_package(&self.name, name)
    }

    /// OSV's evaluation of one version of this package: affected when it is listed in
    /// `versions` or lies in a `SEMVER` or `ECOSYSTEM` range; `Unknown` when no range holds it
    /// but one couldn't be decided because a version can't be ordered.
    pub fn evaluate(&self, version: &str) -> Verdict {
        let mut unknown = false;
        let mut affected: Option<Option<String>> = None;
        for range in &self.ranges {
            match evaluate::range(range, &self.ecosystem, version) {
                Verdict::Affected { fixed_in } => {
                    if affected.as_ref().is_none_or(|known| known.is_none()) {
                        affected = Some(fixed_in);
                    }
                }
                Verdict::Unknown => unknown = true,
                Verdict::NotAffected => {}
            }
        }
        let listed = self.versions.iter().any(|listed| listed == version.trim());
        match affected {
            Some(fixed_in) => Verdict::Affected { fixed_in },
            None if listed => Verdict::Affected { fixed_in: None },
            None if unknown => Verdict::Unknown,
            None => Verdict::NotAffected,
        }
    }

    /// The JSON kept in storage.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("an affected package is plain data")
    }

    pub fn from_json(value: &serde_json::Value) -> Result<AffectedPackage, serde_json::Error> {
        AffectedPackage::deserialize(value)
    }
}

impl Advisory {
    /// The advisory's verdict on one version of a package: every affected entry naming the
    /// package is evaluated (an advisory may list one package several times, one entry per
    /// branch); affected by any is affected, else unknown if any can't tell.
    pub fn evaluate(&self, ecosystem: &Ecosystem, name: &str, version: &str) -> Verdict {
        let mut verdict = Verdict::NotAffected;
        for entry in self.affected.iter().filter(|a| a.names(ecosystem, name)) {
            match entry.evaluate(version) {
                Verdict::Affected { fixed_in } => match &verdict {
                    Verdict::Affected { fixed_in: Some(_) } => {}
                    _ => verdict = Verdict::Affected { fixed_in },
                },
                Verdict::Unknown if verdict == Verdict::NotAffected => verdict = Verdict::Unknown,
                _ => {}
            }
        }
        verdict
    }

    /// The verdict on an SBOM component's purl. A purl without a version, or that isn't a
    /// purl, is `Unknown` when the advisory names its package and `NotAffected` otherwise.
    pub fn evaluate_purl(&self, purl: &str) -> Verdict {
        let Some((ecosystem, name, version)) = osv_package(purl) else {
            return Verdict::Unknown;
        };
        match version {
            Some(version) => self.evaluate(&ecosystem, &name, &version),
            None if self.affected.iter().any(|a| a.names(&ecosystem, &name)) => Verdict::Unknown,
            None => Verdict::NotAffected,
        }
    }
}
