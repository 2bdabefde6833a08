//! Replacing a software artifact's component set with the newest SBOM's, and re-matching it.
//!
//! The newest SBOM is the truth, so an upload deletes the artifact's components and inserts the
//! new ones in multi-row statements, inside the caller's transaction: a failure anywhere leaves
//! the previous set. The fact sheet's history keeps the replaced and the new counts.

use std::collections::{BTreeMap, BTreeSet};

use chrono::Utc;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{
    SHARED_WORKSPACE, Severity, Verdict,
    matching::{self, AffectedEntry, Candidate},
};
use crate::{
    authz::{self, Action},
    db::INSERT_CHUNK,
    error::{Error, FieldError, Result},
    fact_sheet_store::{self, Revision},
    history::{self, ChangeKind},
    limits,
    principal::Principal,
};
use entity::{advisory, advisory_package, component, sbom, vulnerability_match};

/// The fact sheet type whose instances have SBOMs (the default meta model's, which the public
/// contract names).
pub const SOFTWARE_ARTIFACT_TYPE: &str = "SoftwareArtifact";

/// One component as an SBOM lists it. `ecosystem` and `package` are its name in OSV's terms,
/// derived by the caller from the purl; `None` when there is no purl or it maps to no ecosystem.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewComponent {
    pub purl: Option<String>,
    pub ecosystem: Option<String>,
    pub package: Option<String>,
    pub name: String,
    pub group: Option<String>,
    pub version: Option<String>,
    /// CycloneDX `type`: library, framework, application, …
    pub kind: String,
    pub scope: Option<String>,
    /// SPDX expressions.
    pub licenses: Vec<String>,
    pub direct: bool,
    pub hashes: Vec<ComponentHash>,
}

/// A component's checksum, as the SBOM gives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComponentHash {
    pub alg: String,
    pub value: String,
}

/// What an upload answers with (the contract's `POST /sbom` response).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SbomSummary {
    pub fact_sheet_id: Uuid,
    pub components: u64,
    pub direct: u64,
    /// Distinct licence expressions.
    pub licenses: u64,
    /// (component, advisory) matches open after the upload.
    pub vulnerabilities: u64,
}

/// Member: replaces the components of software artifact `fact_sheet_id` with `components`
/// (from an SBOM in `format`, e.g. `cyclonedx-json`, at `spec_version`), records the replaced
/// and new counts in its history, and re-matches it against every advisory the workspace sees
/// (its own and the shared ones). `evaluate(ecosystem, affected entry, version)` decides whether
/// a version is affected. Run it in a transaction: on error, roll back.
pub async fn replace_components(
    db: &impl ConnectionTrait,
    principal: &Principal,
    fact_sheet_id: Uuid,
    format: &str,
    spec_version: &str,
    components: Vec<NewComponent>,
    evaluate: impl Fn(&str, &Value, &str) -> Verdict,
) -> Result<SbomSummary> {
    authz::require(principal, Action::WriteInventory)?;
    check(format, spec_version, &components)?;
    let sheet = fact_sheet_store::load_for_write(db, principal, fact_sheet_id).await?;
    if sheet.fact_sheet_type != SOFTWARE_ARTIFACT_TYPE {
        return Err(Error::invalid(
            "factSheet",
            format!(
                "is a {}, and only a {SOFTWARE_ARTIFACT_TYPE} has an SBOM",
                sheet.fact_sheet_type
            ),
        ));
    }
    let workspace_id = principal.workspace_id;
    let now = Utc::now();
    let previous = sbom::Entity::find()
        .filter(sbom::Column::WorkspaceId.eq(workspace_id))
        .filter(sbom::Column::FactSheetId.eq(fact_sheet_id))
        .one(db)
        .await?;

    component::Entity::delete_many()
        .filter(component::Column::WorkspaceId.eq(workspace_id))
        .filter(component::Column::FactSheetId.eq(fact_sheet_id))
        .exec(db)
        .await?;
    let direct = components.iter().filter(|c| c.direct).count() as u64;
    let licenses = components
        .iter()
        .flat_map(|c| &c.licenses)
        .collect::<BTreeSet<_>>()
        .len() as u64;
    let rows: Vec<component::ActiveModel> = components
        .into_iter()
        .map(|c| component::ActiveModel {
            workspace_id: Set(workspace_id),
            id: Set(Uuid::now_v7()),
            fact_sheet_id: Set(fact_sheet_id),
            purl: Set(c.purl),
            ecosystem: Set(c.ecosystem),
            package: Set(c.package),
            name: Set(c.name),
            group_name: Set(c.group),
            version: Set(c.version),
            kind: Set(c.kind),
            scope: Set(c.scope),
            licenses: Set(json!(c.licenses)),
            direct: Set(c.direct),
            hashes: Set(json!(c.hashes)),
        })
        .collect();
    let count = rows.len() as u64;
    let candidates: Vec<Candidate> = rows.iter().filter_map(candidate_of).collect();
    for chunk in rows.chunks(INSERT_CHUNK) {
        component::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await?;
    }

    let counts = |components: u64, direct: u64, licenses: u64| json!({ "components": components, "direct": direct, "licenses": licenses });
    let replaced = previous.as_ref().map(|p| {
        counts(
            p.component_count as u64,
            p.direct_count as u64,
            p.license_count as u64,
        )
    });
    let current = counts(count, direct, licenses);
    sbom::Entity::delete_many()
        .filter(sbom::Column::WorkspaceId.eq(workspace_id))
        .filter(sbom::Column::FactSheetId.eq(fact_sheet_id))
        .exec(db)
        .await?;
    sbom::Entity::insert(sbom::ActiveModel {
        workspace_id: Set(workspace_id),
        fact_sheet_id: Set(fact_sheet_id),
        format: Set(format.to_owned()),
        spec_version: Set(spec_version.to_owned()),
        uploaded_at: Set(now),
        uploaded_by: Set(principal.subject.clone()),
        component_count: Set(count as i32),
        direct_count: Set(direct as i32),
        license_count: Set(licenses as i32),
    })
    .exec_without_returning(db)
    .await?;
    fact_sheet_store::next_revision(
        db,
        principal,
        &sheet,
        Revision {
            changes: Vec::new(),
            kind: ChangeKind::Updated,
            diff: json!({ "components": history::field_diff(replaced.as_ref(), Some(&current)) }),
            comment: None,
            at: now,
        },
    )
    .await?;

    let entries = visible_entries(db, workspace_id, &candidates).await?;
    let desired = matching::evaluate_all(
        &candidates,
        &entries,
        &evaluate,
        &mut matching::VerdictCache::new(),
    );
    let open = vulnerability_match::Entity::find()
        .filter(vulnerability_match::Column::WorkspaceId.eq(workspace_id))
        .filter(vulnerability_match::Column::FactSheetId.eq(fact_sheet_id))
        .filter(vulnerability_match::Column::ResolvedAt.is_null())
        .all(db)
        .await?;
    let reconciled = matching::reconcile(db, workspace_id, open, desired, now).await?;
    Ok(SbomSummary {
        fact_sheet_id,
        components: count,
        direct,
        licenses,
        vulnerabilities: reconciled.open_after,
    })
}

/// The longest SBOM accepted, far above the largest real ones (a few thousand components).
pub const MAX_COMPONENTS: usize = 100_000;

fn check(format: &str, spec_version: &str, components: &[NewComponent]) -> Result<()> {
    let mut errors: Vec<FieldError> = [("format", format), ("specVersion", spec_version)]
        .into_iter()
        .filter_map(|(path, text)| limits::check_text(path, text))
        .collect();
    if components.len() > MAX_COMPONENTS {
        errors.push(FieldError::new(
            "components",
            format!("at most {MAX_COMPONENTS} components are allowed"),
        ));
    }
    for (i, c) in components.iter().enumerate() {
        let texts = [
            ("purl", c.purl.as_deref()),
            ("ecosystem", c.ecosystem.as_deref()),
            ("package", c.package.as_deref()),
            ("name", Some(c.name.as_str())),
            ("group", c.group.as_deref()),
            ("version", c.version.as_deref()),
            ("type", Some(c.kind.as_str())),
            ("scope", c.scope.as_deref()),
        ];
        errors.extend(texts.into_iter().filter_map(|(field, text)| {
            limits::check_text(&format!("components.{i}.{field}"), text?)
        }));
        for (j, license) in c.licenses.iter().enumerate() {
            errors.extend(limits::check_text(
                &format!("components.{i}.licenses.{j}"),
                license,
            ));
        }
        for (j, hash) in c.hashes.iter().enumerate() {
            errors.extend(limits::check_text(
                &format!("components.{i}.hashes.{j}.alg"),
                &hash.alg,
            ));
            errors.extend(limits::check_text(
                &format!("components.{i}.hashes.{j}.value"),
                &hash.value,
            ));
        }
        if c.ecosystem.is_some() != c.package.is_some() {
            errors.push(FieldError::new(
                format!("components.{i}.package"),
                "ecosystem and package are given together or not at all",
            ));
        }
    }
    Error::check(errors)
}

fn candidate_of(row: &component::ActiveModel) -> Option<Candidate> {
    Some(Candidate {
        id: *row.id.as_ref(),
        fact_sheet_id: *row.fact_sheet_id.as_ref(),
        ecosystem: row.ecosystem.as_ref().clone()?,
        package: row.package.as_ref().clone()?,
        version: row.version.as_ref().clone(),
    })
}

/// The affected entries of every advisory `workspace_id` sees (its own and the shared ones)
/// that name a package of `candidates`.
async fn visible_entries(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
    candidates: &[Candidate],
) -> Result<Vec<AffectedEntry>> {
    let mut packages: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for c in candidates {
        packages.entry(&c.ecosystem).or_default().insert(&c.package);
    }
    let visible = [workspace_id, SHARED_WORKSPACE];
    let mut rows = Vec::new();
    for (ecosystem, names) in &packages {
        let names: Vec<&str> = names.iter().copied().collect();
        for chunk in names.chunks(INSERT_CHUNK) {
            rows.extend(
                advisory_package::Entity::find()
                    .filter(advisory_package::Column::WorkspaceId.is_in(visible))
                    .filter(advisory_package::Column::Ecosystem.eq(*ecosystem))
                    .filter(advisory_package::Column::Package.is_in(chunk.iter().copied()))
                    .all(db)
                    .await?,
            );
        }
    }
    let mut severities = std::collections::HashMap::new();
    for workspace in visible {
        let ids: BTreeSet<&str> = rows
            .iter()
            .filter(|r| r.workspace_id == workspace)
            .map(|r| r.advisory_id.as_str())
            .collect();
        let ids: Vec<&str> = ids.into_iter().collect();
        for chunk in ids.chunks(INSERT_CHUNK) {
            let found: Vec<(String, String)> = advisory::Entity::find()
                .select_only()
                .columns([advisory::Column::Id, advisory::Column::Severity])
                .filter(advisory::Column::WorkspaceId.eq(workspace))
                .filter(advisory::Column::Id.is_in(chunk.iter().copied()))
                .into_tuple()
                .all(db)
                .await?;
            for (id, severity) in found {
                severities.insert((workspace, id), severity);
            }
        }
    }
    Ok(rows
        .into_iter()
        .map(|row| {
            let severity = severities
                .get(&(row.workspace_id, row.advisory_id.clone()))
                .and_then(|s| Severity::parse(s))
                .unwrap_or(Severity::Unknown);
            AffectedEntry {
                advisory_workspace_id: row.workspace_id,
                advisory_id: row.advisory_id,
                ecosystem: row.ecosystem,
                package: row.package,
                affected: row.affected,
                severity,
            }
        })
        .collect())
}
