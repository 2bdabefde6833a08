//! Storing advisories (OSV records) and matching them against every component they may affect.
//!
//! An admin's advisories are private to the workspace; the platform operator's are shared by
//! every workspace and stored under [`SHARED_WORKSPACE`]. Storing an advisory again replaces it
//! (aliases and affected packages included) and re-matches it: a component still affected
//! keeps its open match, one no longer affected has it resolved, a newly affected one gets one.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, Statement,
    sea_query::OnConflict,
};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{
    SHARED_WORKSPACE, Severity, Verdict,
    matching::{self, AffectedEntry, VerdictCache},
};
use crate::{
    authz::{self, Action},
    db::{INSERT_CHUNK, WORKSPACE_SETTING, enter_workspace, is_postgres},
    error::{Error, FieldError, Result},
    limits,
    principal::Principal,
    security_log::Audit,
    workspaces,
};
use entity::{advisory, advisory_alias, advisory_package, vulnerability_match};

/// An advisory to store, read from an OSV record by the caller.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAdvisory {
    /// The OSV id (`GHSA-jfh8-c2jp-5v3q`).
    pub id: String,
    /// Other ids of the same advisory (`CVE-2021-44228`), by which it is found too.
    pub aliases: Vec<String>,
    pub summary: Option<String>,
    pub severity: Severity,
    pub cvss_vector: Option<String>,
    pub modified: Option<DateTime<Utc>>,
    /// The OSV record as given, kept for display and re-evaluation.
    pub document: Value,
    pub packages: Vec<NewAdvisoryPackage>,
}

/// One `affected` entry: the package in OSV's terms and the entry as given.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAdvisoryPackage {
    pub ecosystem: String,
    pub package: String,
    pub affected: Value,
}

/// What storing a batch of advisories did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AdvisoryImportSummary {
    pub advisories: u64,
    /// Workspaces whose components were matched.
    pub workspaces: u64,
    pub opened: u64,
    pub resolved: u64,
}

/// Admin: stores `advisories` privately to the caller's workspace, replacing any of the same
/// id, and matches them against its components. Run it in a transaction.
pub async fn upsert_advisories(
    db: &impl ConnectionTrait,
    principal: &Principal,
    advisories: Vec<NewAdvisory>,
    evaluate: impl Fn(&str, &Value, &str) -> Verdict,
) -> Result<AdvisoryImportSummary> {
    authz::require(principal, Action::AdministerWorkspace)?;
    check(&advisories)?;
    let workspace_id = principal.workspace_id;
    store(db, workspace_id, &advisories).await?;
    let entries = entries_of(workspace_id, &advisories);
    let mut summary = AdvisoryImportSummary {
        advisories: advisories.len() as u64,
        ..Default::default()
    };
    let ids = ids_of(&advisories);
    let mut cache = VerdictCache::new();
    rematch(
        db,
        workspace_id,
        workspace_id,
        &ids,
        &entries,
        &evaluate,
        &mut cache,
        &mut summary,
    )
    .await?;
    Audit::new("advisories stored", "private advisories stored")
        .by(principal)
        .log();
    Ok(summary)
}

/// Platform operation (the operator's import; no workspace role): stores `advisories` as shared
/// by every workspace, replacing any shared one of the same id, and matches them against every
/// live workspace's components, entering each workspace in turn. Run it in a platform write
/// transaction ([`crate::db::Store::begin_platform_write`]), which it leaves scoped to the last
/// workspace it entered; only trusted callers reach it. Each workspace costs a few statements
/// however large it is: only the components of the advisories' packages are read, through the
/// workspace-first package index.
pub async fn upsert_shared_advisories(
    db: &impl ConnectionTrait,
    advisories: Vec<NewAdvisory>,
    evaluate: impl Fn(&str, &Value, &str) -> Verdict,
) -> Result<AdvisoryImportSummary> {
    check(&advisories)?;
    enter_shared(db).await?;
    store(db, SHARED_WORKSPACE, &advisories).await?;
    let entries = entries_of(SHARED_WORKSPACE, &advisories);
    let ids = ids_of(&advisories);
    let mut summary = AdvisoryImportSummary {
        advisories: advisories.len() as u64,
        ..Default::default()
    };
    let mut cache = VerdictCache::new();
    for workspace in workspaces::list(db).await? {
        enter_workspace(db, workspace.id).await?;
        rematch(
            db,
            workspace.id,
            SHARED_WORKSPACE,
            &ids,
            &entries,
            &evaluate,
            &mut cache,
            &mut summary,
        )
        .await?;
    }
    Ok(summary)
}

/// Scopes the transaction to the shared advisories (PostgreSQL; nothing on SQLite): the
/// row-level security policies let a transaction write only rows of the workspace it is scoped
/// to, and shared rows belong to the nil workspace, which no principal can enter.
async fn enter_shared(db: &impl ConnectionTrait) -> Result<()> {
    if is_postgres(db) {
        db.query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT set_config($1, $2, true)",
            [
                WORKSPACE_SETTING.into(),
                SHARED_WORKSPACE.to_string().into(),
            ],
        ))
        .await?;
    }
    Ok(())
}

fn check(advisories: &[NewAdvisory]) -> Result<()> {
    let mut errors = Vec::new();
    let mut seen = BTreeSet::new();
    for (i, a) in advisories.iter().enumerate() {
        let at = |field: &str| format!("advisories.{i}.{field}");
        if a.id.trim().is_empty() {
            errors.push(FieldError::new(at("id"), "must not be empty"));
        } else if !seen.insert(a.id.as_str()) {
            errors.push(FieldError::new(at("id"), "appears twice in the batch"));
        }
        errors.extend(limits::check_text(&at("id"), &a.id));
        for (j, alias) in a.aliases.iter().enumerate() {
            errors.extend(limits::check_text(&at(&format!("aliases.{j}")), alias));
        }
        for (field, text) in [("summary", &a.summary), ("cvssVector", &a.cvss_vector)] {
            if let Some(text) = text {
                errors.extend(limits::check_text(&at(field), text));
            }
        }
        errors.extend(limits::check_json(&at("document"), &a.document));
        for (j, p) in a.packages.iter().enumerate() {
            let at = |field: &str| format!("advisories.{i}.affected.{j}.{field}");
            errors.extend(limits::check_text(&at("ecosystem"), &p.ecosystem));
            errors.extend(limits::check_text(&at("package"), &p.package));
            errors.extend(limits::check_json(&at("affected"), &p.affected));
        }
    }
    Error::check(errors)
}

fn ids_of(advisories: &[NewAdvisory]) -> Vec<String> {
    advisories.iter().map(|a| a.id.clone()).collect()
}

fn entries_of(workspace_id: Uuid, advisories: &[NewAdvisory]) -> Vec<AffectedEntry> {
    advisories
        .iter()
        .flat_map(|a| {
            a.packages.iter().map(|p| AffectedEntry {
                advisory_workspace_id: workspace_id,
                advisory_id: a.id.clone(),
                ecosystem: p.ecosystem.clone(),
                package: p.package.clone(),
                affected: p.affected.clone(),
                severity: a.severity,
            })
        })
        .collect()
}

/// Writes the advisories under `workspace_id`, replacing their earlier aliases and packages.
async fn store(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
    advisories: &[NewAdvisory],
) -> Result<()> {
    let now = Utc::now();
    for batch in advisories.chunks(INSERT_CHUNK / 10) {
        let ids: Vec<&str> = batch.iter().map(|a| a.id.as_str()).collect();
        advisory_alias::Entity::delete_many()
            .filter(advisory_alias::Column::WorkspaceId.eq(workspace_id))
            .filter(advisory_alias::Column::AdvisoryId.is_in(ids.iter().copied()))
            .exec(db)
            .await?;
        advisory_package::Entity::delete_many()
            .filter(advisory_package::Column::WorkspaceId.eq(workspace_id))
            .filter(advisory_package::Column::AdvisoryId.is_in(ids.iter().copied()))
            .exec(db)
            .await?;
        advisory::Entity::insert_many(batch.iter().map(|a| advisory::ActiveModel {
            workspace_id: Set(workspace_id),
            id: Set(a.id.clone()),
            aliases: Set(json!(a.aliases)),
            summary: Set(a.summary.clone()),
            severity: Set(a.severity.as_str().to_owned()),
            cvss_vector: Set(a.cvss_vector.clone()),
            modified: Set(a.modified),
            document: Set(a.document.clone()),
            stored_at: Set(now),
        }))
        .on_conflict(
            OnConflict::columns([advisory::Column::WorkspaceId, advisory::Column::Id])
                .update_columns([
                    advisory::Column::Aliases,
                    advisory::Column::Summary,
                    advisory::Column::Severity,
                    advisory::Column::CvssVector,
                    advisory::Column::Modified,
                    advisory::Column::Document,
                    advisory::Column::StoredAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
        let aliases: Vec<advisory_alias::ActiveModel> = batch
            .iter()
            .flat_map(|a| {
                let distinct: BTreeSet<&str> = a
                    .aliases
                    .iter()
                    .map(String::as_str)
                    .filter(|alias| *alias != a.id)
                    .collect();
                distinct
                    .into_iter()
                    .map(|alias| advisory_alias::ActiveModel {
                        workspace_id: Set(workspace_id),
                        alias: Set(alias.to_owned()),
                        advisory_id: Set(a.id.clone()),
                    })
            })
            .collect();
        for chunk in aliases.chunks(INSERT_CHUNK) {
            advisory_alias::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(db)
                .await?;
        }
        let packages: Vec<advisory_package::ActiveModel> = batch
            .iter()
            .flat_map(|a| {
                a.packages
                    .iter()
                    .enumerate()
                    .map(|(ordinal, p)| advisory_package::ActiveModel {
                        workspace_id: Set(workspace_id),
                        advisory_id: Set(a.id.clone()),
                        ordinal: Set(ordinal as i32),
                        ecosystem: Set(p.ecosystem.clone()),
                        package: Set(p.package.clone()),
                        affected: Set(p.affected.clone()),
                    })
            })
            .collect();
        for chunk in packages.chunks(INSERT_CHUNK) {
            advisory_package::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(db)
                .await?;
        }
    }
    Ok(())
}

/// Matches the advisories `ids` (stored under `advisory_workspace_id`, with `entries`) against
/// the components of `workspace_id`, reading only the components of the packages they name.
#[allow(clippy::too_many_arguments)]
async fn rematch(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
    advisory_workspace_id: Uuid,
    ids: &[String],
    entries: &[AffectedEntry],
    evaluate: &impl Fn(&str, &Value, &str) -> Verdict,
    cache: &mut VerdictCache,
    summary: &mut AdvisoryImportSummary,
) -> Result<()> {
    let mut packages: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for entry in entries {
        packages
            .entry(entry.ecosystem.clone())
            .or_default()
            .push(entry.package.clone());
    }
    for names in packages.values_mut() {
        names.sort();
        names.dedup();
    }
    let candidates = matching::candidates_of_packages(db, workspace_id, &packages).await?;
    let desired = matching::evaluate_all(&candidates, entries, evaluate, cache);
    let mut open = Vec::new();
    for chunk in ids.chunks(INSERT_CHUNK) {
        open.extend(
            vulnerability_match::Entity::find()
                .filter(vulnerability_match::Column::WorkspaceId.eq(workspace_id))
                .filter(vulnerability_match::Column::AdvisoryWorkspaceId.eq(advisory_workspace_id))
                .filter(
                    vulnerability_match::Column::AdvisoryId.is_in(chunk.iter().map(String::as_str)),
                )
                .filter(vulnerability_match::Column::ResolvedAt.is_null())
                .all(db)
                .await?,
        );
    }
    let reconciled = matching::reconcile(db, workspace_id, open, desired, Utc::now()).await?;
    summary.workspaces += 1;
    summary.opened += reconciled.opened;
    summary.resolved += reconciled.resolved;
    Ok(())
}
