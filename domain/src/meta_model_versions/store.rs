//! Reading and writing meta model versions. A change never edits a version; it appends the next
//! one, inside the caller's transaction together with any forced data changes.

use chrono::Utc;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Select,
    SqlErr,
};
use uuid::Uuid;

use super::{Impact, MetaModelEdit, impact::assess_and_apply};
use crate::{
    authz::{self, Action},
    error::{Error, Result},
    meta_model::{MetaModel, MetaModelVersion, check_consistency, default_meta_model},
    principal::Principal,
};
use entity::meta_model_version;

#[derive(Debug, Clone)]
pub struct MetaModelChange {
    pub version: MetaModelVersion,
    pub impact: Impact,
}

fn to_version(row: meta_model_version::Model) -> Result<MetaModelVersion> {
    let model = serde_json::from_value(row.document).map_err(|e| {
        Error::Internal(format!(
            "meta model version {} does not parse: {e}",
            row.version
        ))
    })?;
    Ok(MetaModelVersion {
        version: row.version,
        model,
        summary: row.summary,
        created_by: row.created_by,
        created_at: row.created_at,
    })
}

pub async fn install_default(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
    actor: &str,
) -> Result<MetaModelVersion> {
    insert(
        db,
        workspace_id,
        1,
        &default_meta_model(),
        "default meta model",
        actor,
    )
    .await
}

async fn insert(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
    version: i32,
    model: &MetaModel,
    summary: &str,
    actor: &str,
) -> Result<MetaModelVersion> {
    let now = Utc::now();
    let document = serde_json::to_value(model).map_err(|e| Error::Internal(e.to_string()))?;
    let result = meta_model_version::Entity::insert(meta_model_version::ActiveModel {
        workspace_id: Set(workspace_id),
        version: Set(version),
        document: Set(document),
        summary: Set(summary.to_owned()),
        created_by: Set(actor.to_owned()),
        created_at: Set(now),
    })
    .exec_without_returning(db)
    .await;
    match result {
        Ok(_) => Ok(MetaModelVersion {
            version,
            model: model.clone(),
            summary: summary.to_owned(),
            created_by: actor.to_owned(),
            created_at: now,
        }),
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            Err(Error::conflict(format!(
                "meta model version {version} was written concurrently; reload and retry"
            )))
        }
        Err(e) => Err(e.into()),
    }
}

/// The current meta model of the caller's workspace.
pub async fn current(db: &impl ConnectionTrait, principal: &Principal) -> Result<MetaModelVersion> {
    authz::require(principal, Action::Read)?;
    current_of(db, principal.workspace_id).await
}

pub(crate) async fn current_of(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
) -> Result<MetaModelVersion> {
    let row = newest_first(workspace_id)
        .one(db)
        .await?
        .ok_or_else(|| no_meta_model(workspace_id))?;
    to_version(row)
}

/// The workspace's versions, the current one first.
pub(super) fn newest_first(workspace_id: Uuid) -> Select<meta_model_version::Entity> {
    meta_model_version::Entity::find()
        .filter(meta_model_version::Column::WorkspaceId.eq(workspace_id))
        .order_by_desc(meta_model_version::Column::Version)
}

/// Every workspace is created with a meta model, so its absence is a broken invariant.
pub(super) fn no_meta_model(workspace_id: Uuid) -> Error {
    Error::Internal(format!("workspace {workspace_id} has no meta model"))
}

pub async fn version(
    db: &impl ConnectionTrait,
    principal: &Principal,
    version: i32,
) -> Result<Option<MetaModelVersion>> {
    authz::require(principal, Action::Read)?;
    meta_model_version::Entity::find()
        .filter(meta_model_version::Column::WorkspaceId.eq(principal.workspace_id))
        .filter(meta_model_version::Column::Version.eq(version))
        .one(db)
        .await?
        .map(to_version)
        .transpose()
}

/// Every version, newest first.
pub async fn history(
    db: &impl ConnectionTrait,
    principal: &Principal,
) -> Result<Vec<MetaModelVersion>> {
    authz::require(principal, Action::Read)?;
    meta_model_version::Entity::find()
        .filter(meta_model_version::Column::WorkspaceId.eq(principal.workspace_id))
        .order_by_desc(meta_model_version::Column::Version)
        .all(db)
        .await?
        .into_iter()
        .map(to_version)
        .collect()
}

/// Applies one admin edit: the new model must be consistent, and the stored data must stay
/// valid under it (or the admin forces the change, which then migrates the data with history).
/// `expected_version` guards against two admins editing the same base.
pub async fn apply_edit(
    db: &impl ConnectionTrait,
    principal: &Principal,
    edit: &MetaModelEdit,
    expected_version: Option<i32>,
    force: bool,
) -> Result<MetaModelChange> {
    authz::require(principal, Action::AdministerMetaModel)?;
    crate::features::require_enabled(
        db,
        principal.workspace_id,
        crate::features::Feature::MetaModelCustomization,
    )
    .await?;
    let current = current_of(db, principal.workspace_id).await?;
    if let Some(expected) = expected_version
        && expected != current.version
    {
        return Err(Error::conflict(format!(
            "the meta model is at version {}, not {expected}",
            current.version
        )));
    }
    let next = edit.apply(&current.model)?;
    if next == current.model {
        // Nothing changed: a new version would only tell readers' caches and the history that
        // something did.
        return Ok(MetaModelChange {
            version: current,
            impact: Impact::default(),
        });
    }
    Error::check(check_consistency(&next))?;
    let renamed_values = match edit {
        MetaModelEdit::RenameAttributeOption(rename) => {
            super::option_rename::move_stored_values(db, principal, rename).await?
        }
        _ => 0,
    };
    let mut impact = assess_and_apply(db, principal, &current.model, &next, force).await?;
    if renamed_values > 0 {
        impact.affected_fact_sheets += renamed_values;
        impact
            .details
            .push(format!("{renamed_values} fact sheets' values renamed"));
    }
    let version = insert(
        db,
        principal.workspace_id,
        current.version + 1,
        &next,
        &edit.summary(),
        &principal.subject,
    )
    .await?;
    tracing::info!(workspace = %principal.workspace_slug, subject = %principal.subject, version = version.version, summary = %version.summary, "meta model changed");
    Ok(MetaModelChange { version, impact })
}
