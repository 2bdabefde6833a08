//! Evaluating components against advisories and writing the outcome, shared by the two ways
//! matches change: a new SBOM (one artifact against every visible advisory) and new advisories
//! (those advisories against every component of their packages).
//!
//! Each distinct (affected entry, version) is evaluated once per call, however many artifacts
//! hold that version: popular packages appear in most SBOMs at a handful of versions.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, sea_query::Expr,
};
use serde_json::Value;
use uuid::Uuid;

use super::{
    Severity, Verdict,
    match_plan::{DesiredMatch, MatchPlan, plan},
};
use crate::{db::INSERT_CHUNK, error::Result};
use entity::{component, vulnerability_match};

/// A component with a package name, as matching reads it.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    pub id: Uuid,
    pub fact_sheet_id: Uuid,
    pub ecosystem: String,
    pub package: String,
    pub version: Option<String>,
}

/// One `affected` entry of a stored or incoming advisory.
#[derive(Debug, Clone)]
pub(crate) struct AffectedEntry {
    pub advisory_workspace_id: Uuid,
    pub advisory_id: String,
    pub ecosystem: String,
    pub package: String,
    pub affected: Value,
    pub severity: Severity,
}

/// Verdicts already reached in this call, by entry (its index in the entries given) and version.
pub(crate) type VerdictCache = HashMap<(usize, String), Verdict>;

/// A package's advisories (by workspace and id), each with the indexes of its entries naming
/// the package.
type AdvisoriesOfPackage<'a> = BTreeMap<(Uuid, &'a str), Vec<usize>>;

/// A component row as matching reads it: id, artifact, ecosystem, package, version.
type CandidateRow = (Uuid, Uuid, Option<String>, Option<String>, Option<String>);

/// The matches `candidates` have with `entries`. Per (component, advisory): affected when any of
/// the advisory's entries for the package says so (with that entry's fix), otherwise unknown
/// when any entry cannot place the version (or the component has none), otherwise no match.
pub(crate) fn evaluate_all(
    candidates: &[Candidate],
    entries: &[AffectedEntry],
    evaluate: &impl Fn(&str, &Value, &str) -> Verdict,
    cache: &mut VerdictCache,
) -> Vec<DesiredMatch> {
    // Per package, the advisories naming it, each with its entries' indexes, in a stable order.
    let mut by_package: HashMap<(&str, &str), AdvisoriesOfPackage> = HashMap::new();
    for (index, entry) in entries.iter().enumerate() {
        by_package
            .entry((&entry.ecosystem, &entry.package))
            .or_default()
            .entry((entry.advisory_workspace_id, &entry.advisory_id))
            .or_default()
            .push(index);
    }
    let mut matches = Vec::new();
    for candidate in candidates {
        let Some(advisories) = by_package.get(&(&*candidate.ecosystem, &*candidate.package)) else {
            continue;
        };
        for ((advisory_workspace_id, advisory_id), indexes) in advisories {
            let mut unknown = false;
            let mut affected = None;
            for &index in indexes {
                let verdict = match &candidate.version {
                    None => Verdict::Unknown,
                    Some(version) => cache
                        .entry((index, version.clone()))
                        .or_insert_with(|| {
                            let entry = &entries[index];
                            evaluate(&entry.ecosystem, &entry.affected, version)
                        })
                        .clone(),
                };
                match verdict {
                    Verdict::Affected { fixed_in } => {
                        affected = Some(fixed_in);
                        break;
                    }
                    Verdict::Unknown => unknown = true,
                    Verdict::NotAffected => {}
                }
            }
            if affected.is_none() && !unknown {
                continue;
            }
            matches.push(DesiredMatch {
                fact_sheet_id: candidate.fact_sheet_id,
                component_id: candidate.id,
                advisory_workspace_id: *advisory_workspace_id,
                advisory_id: (*advisory_id).to_owned(),
                ecosystem: candidate.ecosystem.clone(),
                package: candidate.package.clone(),
                version: candidate.version.clone(),
                severity: entries[indexes[0]].severity,
                unknown: affected.is_none(),
                fixed_in: affected.flatten(),
            });
        }
    }
    matches
}

/// Components of `workspace_id` whose package is one of `packages` (ecosystem, package), read
/// per ecosystem through the workspace-first package index.
pub(crate) async fn candidates_of_packages(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
    packages: &BTreeMap<String, Vec<String>>,
) -> Result<Vec<Candidate>> {
    let mut found = Vec::new();
    for (ecosystem, names) in packages {
        for chunk in names.chunks(INSERT_CHUNK) {
            let rows: Vec<CandidateRow> = component::Entity::find()
                .select_only()
                .columns([
                    component::Column::Id,
                    component::Column::FactSheetId,
                    component::Column::Ecosystem,
                    component::Column::Package,
                    component::Column::Version,
                ])
                .filter(component::Column::WorkspaceId.eq(workspace_id))
                .filter(component::Column::Ecosystem.eq(ecosystem.as_str()))
                .filter(component::Column::Package.is_in(chunk.iter().map(String::as_str)))
                .into_tuple()
                .all(db)
                .await?;
            found.extend(rows.into_iter().filter_map(
                |(id, fact_sheet_id, ecosystem, package, version)| {
                    Some(Candidate {
                        id,
                        fact_sheet_id,
                        ecosystem: ecosystem?,
                        package: package?,
                        version,
                    })
                },
            ));
        }
    }
    Ok(found)
}

/// Carries out `plan` for `workspace_id`'s matches in a few multi-row statements.
pub(crate) async fn apply(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
    plan: &MatchPlan,
    now: DateTime<Utc>,
) -> Result<()> {
    for chunk in plan.resolve.chunks(INSERT_CHUNK) {
        vulnerability_match::Entity::update_many()
            .col_expr(vulnerability_match::Column::ResolvedAt, Expr::value(now))
            .filter(vulnerability_match::Column::WorkspaceId.eq(workspace_id))
            .filter(vulnerability_match::Column::Id.is_in(chunk.iter().copied()))
            .exec(db)
            .await?;
    }
    let rewritten: Vec<Uuid> = plan.rewrite.iter().map(|row| row.id).collect();
    for chunk in rewritten.chunks(INSERT_CHUNK) {
        vulnerability_match::Entity::delete_many()
            .filter(vulnerability_match::Column::WorkspaceId.eq(workspace_id))
            .filter(vulnerability_match::Column::Id.is_in(chunk.iter().copied()))
            .exec(db)
            .await?;
    }
    let rows: Vec<_> = plan.rewrite.iter().chain(&plan.open).cloned().collect();
    for chunk in rows.chunks(INSERT_CHUNK) {
        vulnerability_match::Entity::insert_many(
            chunk
                .iter()
                .cloned()
                .map(vulnerability_match::ActiveModel::from),
        )
        .exec_without_returning(db)
        .await?;
    }
    Ok(())
}

/// Plans and applies in one step; the counts of (opened, resolved, open after).
pub(crate) async fn reconcile(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
    open: Vec<vulnerability_match::Model>,
    desired: Vec<DesiredMatch>,
    now: DateTime<Utc>,
) -> Result<Reconciled> {
    let planned = plan(workspace_id, open, desired, now);
    apply(db, workspace_id, &planned, now).await?;
    Ok(Reconciled {
        opened: planned.open.len() as u64,
        resolved: planned.resolve.len() as u64,
        open_after: planned.open_after,
    })
}

#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Reconciled {
    pub opened: u64,
    pub resolved: u64,
    pub open_after: u64,
}
