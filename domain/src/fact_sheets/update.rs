use chrono::Utc;
use sea_orm::{ConnectionTrait, sea_query::Expr};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::{FactSheet, create::check_name, hierarchy::check_parent};
use crate::{
    attributes::{Attributes, completion, index_values, merge_patch, validate_attributes},
    authz::{self, Action},
    error::{Error, FieldError, Result},
    external_ids::{self, ExternalId},
    fact_sheet_store,
    history::{self, ChangeKind},
    meta_model::MetaModel,
    principal::Principal,
};
use entity::fact_sheet::Column;

/// A field of a partial update: left alone, cleared, or set.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Patch<T> {
    #[default]
    Keep,
    Clear,
    Set(T),
}

#[derive(Debug, Clone, Default)]
pub struct FactSheetPatch {
    pub id: Uuid,
    /// When given, the update only applies if the fact sheet is still at this revision.
    pub expected_revision: Option<i32>,
    pub name: Option<String>,
    pub description: Patch<String>,
    /// Merged into the stored attributes; a key set to null is removed.
    pub attributes: Option<Attributes>,
    pub parent_id: Patch<Uuid>,
    /// Replaces all external IDs when given.
    pub external_ids: Option<Vec<ExternalId>>,
}

/// Applies a partial update: only the given fields change. The result is validated as a whole
/// (a merge may not leave a required attribute empty) and recorded as one revision.
pub async fn update(
    db: &impl ConnectionTrait,
    principal: &Principal,
    model: &MetaModel,
    patch: FactSheetPatch,
) -> Result<FactSheet> {
    authz::require(principal, Action::WriteInventory)?;
    let current = fact_sheet_store::load_for_write(db, principal, patch.id).await?;
    fact_sheet_store::check_expected_revision(&current, patch.expected_revision)?;
    let fs_type = model
        .fact_sheet_type(&current.fact_sheet_type)
        .ok_or_else(|| {
            Error::Internal(format!(
                "fact sheet type {} missing from the meta model",
                current.fact_sheet_type
            ))
        })?;

    let mut errors: Vec<FieldError> = Vec::new();
    let mut changes: fact_sheet_store::ColumnChanges = Vec::new();
    let mut diff = Map::new();

    let mut name = current.name.clone();
    if let Some(new_name) = &patch.name {
        errors.extend(check_name(new_name));
        name = new_name.trim().to_owned();
        if name != current.name {
            diff.insert(
                "name".into(),
                history::field_diff(Some(&json!(current.name)), Some(&json!(name))),
            );
            changes.push((Column::Name, Expr::value(name.clone())));
        }
    }
    let description = match &patch.description {
        Patch::Keep => current.description.clone(),
        Patch::Clear => None,
        Patch::Set(d) if d.trim().is_empty() => None,
        Patch::Set(d) => Some(d.clone()),
    };
    if description != current.description {
        diff.insert(
            "description".into(),
            history::field_diff(
                current.description.as_ref().map(|d| json!(d)).as_ref(),
                description.as_ref().map(|d| json!(d)).as_ref(),
            ),
        );
        changes.push((Column::Description, Expr::value(description.clone())));
    }
    if name != current.name || description != current.description {
        changes.push((
            Column::SearchText,
            Expr::value(fact_sheet_store::search_text(&name, description.as_deref())),
        ));
    }

    let stored = current.attributes.as_object().cloned().unwrap_or_default();
    let mut attributes = stored.clone();
    if let Some(patch_attributes) = &patch.attributes {
        // Only the keys sent are checked for validity; required keys are checked on the result.
        let merged = merge_patch(&stored, patch_attributes);
        match validate_attributes(&fs_type.attributes, &merged, &fs_type.key, "attributes") {
            Ok(a) => attributes = a,
            Err(e) => errors.extend(e),
        }
    }

    let parent_id = match patch.parent_id {
        Patch::Keep => current.parent_id,
        Patch::Clear => None,
        Patch::Set(p) => Some(p),
    };
    if parent_id != current.parent_id {
        if let Some(parent) = parent_id {
            errors.extend(
                check_parent(
                    db,
                    principal.workspace_id,
                    &fs_type.key,
                    Some(current.id),
                    parent,
                )
                .await?,
            );
        }
        diff.insert(
            "parentId".into(),
            history::field_diff(
                current.parent_id.map(|p| json!(p)).as_ref(),
                parent_id.map(|p| json!(p)).as_ref(),
            ),
        );
        changes.push((Column::ParentId, Expr::value(parent_id)));
    }
    if let Some(ids) = &patch.external_ids {
        errors
            .extend(external_ids::check(db, principal.workspace_id, Some(current.id), ids).await?);
    }
    Error::check(errors)?;

    for (key, old, new) in crate::attributes::merge::diff(&stored, &attributes) {
        diff.insert(format!("attributes.{key}"), history::field_diff(old, new));
    }
    let attributes_changed = stored != attributes;
    if attributes_changed {
        changes.push((
            Column::Attributes,
            Expr::value(Value::Object(attributes.clone())),
        ));
    }
    let score = completion(&fs_type.attributes, &attributes);
    if score != current.completion {
        changes.push((Column::Completion, Expr::value(score)));
    }
    if let Some(ids) = &patch.external_ids {
        let before = external_ids::for_fact_sheets(db, principal, &[current.id])
            .await?
            .remove(&current.id)
            .unwrap_or_default();
        let mut after = ids.clone();
        after.sort();
        if before != after {
            diff.insert(
                "externalIds".into(),
                history::field_diff(Some(&json!(before)), Some(&json!(after))),
            );
            external_ids::replace(db, principal.workspace_id, current.id, ids).await?;
        }
    }

    if diff.is_empty() {
        // Nothing changed: no new revision, no history noise.
        return Ok(current);
    }
    fact_sheet_store::next_revision(
        db,
        principal,
        &current,
        fact_sheet_store::Revision {
            changes,
            kind: ChangeKind::Updated,
            diff: Value::Object(diff),
            comment: None,
            at: Utc::now(),
        },
    )
    .await?;
    if attributes_changed {
        fact_sheet_store::write_index(
            db,
            principal.workspace_id,
            current.id,
            index_values(&fs_type.attributes, &attributes),
        )
        .await?;
    }
    super::require(db, principal, current.id).await
}
