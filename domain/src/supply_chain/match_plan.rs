//! How a set of open matches becomes the set a fresh evaluation asks for, without losing when
//! each finding was first seen: the pure half of matching, apart from the database.
//!
//! A match is known by its artifact, advisory, package and version, not by its component row:
//! an SBOM upload replaces every component, and a vulnerability still present in the new set
//! must keep its `opened_at`, or remediation times would restart at every upload.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Severity;
use entity::vulnerability_match;

/// A match that the evaluation says should be open now.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DesiredMatch {
    pub fact_sheet_id: Uuid,
    pub component_id: Uuid,
    pub advisory_workspace_id: Uuid,
    pub advisory_id: String,
    pub ecosystem: String,
    pub package: String,
    pub version: Option<String>,
    pub severity: Severity,
    pub fixed_in: Option<String>,
    pub unknown: bool,
}

type MatchKey = (Uuid, Uuid, String, String, String, Option<String>);

impl DesiredMatch {
    fn key(&self) -> MatchKey {
        (
            self.fact_sheet_id,
            self.advisory_workspace_id,
            self.advisory_id.clone(),
            self.ecosystem.clone(),
            self.package.clone(),
            self.version.clone(),
        )
    }
}

fn key_of(row: &vulnerability_match::Model) -> MatchKey {
    (
        row.fact_sheet_id,
        row.advisory_workspace_id,
        row.advisory_id.clone(),
        row.ecosystem.clone(),
        row.package.clone(),
        row.version.clone(),
    )
}

/// The writes that turn the open matches into the desired ones.
#[derive(Debug, Default)]
pub(crate) struct MatchPlan {
    /// New findings, opened now.
    pub open: Vec<vulnerability_match::Model>,
    /// Findings still present whose component, severity or fix changed: same id, same
    /// `opened_at`.
    pub rewrite: Vec<vulnerability_match::Model>,
    /// Findings no longer present, resolved now.
    pub resolve: Vec<Uuid>,
    /// Findings open after the plan is carried out.
    pub open_after: u64,
}

/// Plans the writes. `open` must be every open match within the scope `desired` was evaluated
/// for (one artifact against all advisories, or some advisories against all artifacts): an open
/// match outside `desired` is resolved. An SBOM listing the same package version twice has two
/// findings, so keys are paired off one by one.
pub(crate) fn plan(
    workspace_id: Uuid,
    open: Vec<vulnerability_match::Model>,
    desired: Vec<DesiredMatch>,
    now: DateTime<Utc>,
) -> MatchPlan {
    let mut by_key: HashMap<MatchKey, Vec<vulnerability_match::Model>> = HashMap::new();
    for row in open {
        by_key.entry(key_of(&row)).or_default().push(row);
    }
    let mut result = MatchPlan {
        open_after: desired.len() as u64,
        ..MatchPlan::default()
    };
    for wanted in desired {
        let kept = by_key.get_mut(&wanted.key()).and_then(Vec::pop);
        let row = vulnerability_match::Model {
            workspace_id,
            id: kept.as_ref().map_or_else(Uuid::now_v7, |k| k.id),
            fact_sheet_id: wanted.fact_sheet_id,
            component_id: wanted.component_id,
            advisory_workspace_id: wanted.advisory_workspace_id,
            advisory_id: wanted.advisory_id,
            ecosystem: wanted.ecosystem,
            package: wanted.package,
            version: wanted.version,
            severity: wanted.severity.as_str().to_owned(),
            fixed_in: wanted.fixed_in,
            unknown: wanted.unknown,
            opened_at: kept.as_ref().map_or(now, |k| k.opened_at),
            resolved_at: None,
        };
        match kept {
            None => result.open.push(row),
            Some(old) if old != row => result.rewrite.push(row),
            Some(_) => {}
        }
    }
    result.resolve = by_key.into_values().flatten().map(|row| row.id).collect();
    result
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn desired(component_id: Uuid, version: &str) -> DesiredMatch {
        DesiredMatch {
            fact_sheet_id: Uuid::from_u128(1),
            component_id,
            advisory_workspace_id: Uuid::nil(),
            advisory_id: "GHSA-1".into(),
            ecosystem: "Maven".into(),
            package: "g:a".into(),
            version: Some(version.into()),
            severity: Severity::Critical,
            fixed_in: Some("2.0".into()),
            unknown: false,
        }
    }

    fn stored(wanted: &DesiredMatch, opened_at: DateTime<Utc>) -> vulnerability_match::Model {
        let mut p = plan(
            Uuid::from_u128(9),
            Vec::new(),
            vec![wanted.clone()],
            opened_at,
        );
        p.open.pop().unwrap()
    }

    #[test]
    fn a_finding_still_present_keeps_its_id_and_opening_time_under_a_new_component() {
        let then = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let old = stored(&desired(Uuid::from_u128(10), "1.0"), then);
        let p = plan(
            Uuid::from_u128(9),
            vec![old.clone()],
            vec![desired(Uuid::from_u128(11), "1.0")],
            Utc::now(),
        );
        assert!(p.open.is_empty() && p.resolve.is_empty());
        assert_eq!(p.rewrite.len(), 1);
        assert_eq!((p.rewrite[0].id, p.rewrite[0].opened_at), (old.id, then));
        assert_eq!(p.rewrite[0].component_id, Uuid::from_u128(11));
    }

    #[test]
    fn an_unchanged_finding_is_not_written_again() {
        let old = stored(&desired(Uuid::from_u128(10), "1.0"), Utc::now());
        let p = plan(
            Uuid::from_u128(9),
            vec![old],
            vec![desired(Uuid::from_u128(10), "1.0")],
            Utc::now(),
        );
        assert!(p.open.is_empty() && p.rewrite.is_empty() && p.resolve.is_empty());
        assert_eq!(p.open_after, 1);
    }

    #[test]
    fn a_new_version_resolves_the_old_finding_and_opens_another() {
        let old = stored(&desired(Uuid::from_u128(10), "1.0"), Utc::now());
        let p = plan(
            Uuid::from_u128(9),
            vec![old.clone()],
            vec![desired(Uuid::from_u128(11), "1.1")],
            Utc::now(),
        );
        assert_eq!(p.resolve, vec![old.id]);
        assert_eq!(p.open.len(), 1);
        assert_eq!(p.open[0].version.as_deref(), Some("1.1"));
    }

    #[test]
    fn the_same_version_listed_twice_is_two_findings_paired_off_one_by_one() {
        let first = stored(&desired(Uuid::from_u128(10), "1.0"), Utc::now());
        let p = plan(
            Uuid::from_u128(9),
            vec![first.clone()],
            vec![
                desired(Uuid::from_u128(10), "1.0"),
                desired(Uuid::from_u128(12), "1.0"),
            ],
            Utc::now(),
        );
        assert_eq!(p.open.len(), 1);
        assert_ne!(p.open[0].id, first.id);
        assert!(p.resolve.is_empty());
        assert_eq!(p.open_after, 2);
    }
}
