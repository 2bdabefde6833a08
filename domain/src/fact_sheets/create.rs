use chrono::Utc;
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::{FactSheet, Status, hierarchy::check_parent};
use crate::{
    attributes::{Attributes, completion, index_values, validate_attributes},
    authz::{self, Action},
    error::{Error, FieldError, Result},
    external_ids::{self, ExternalId},
    fact_sheet_store,
    history::{self, ChangeKind, NewChange},
    meta_model::MetaModel,
    principal::Principal,
    tags,
};
use entity::fact_sheet;

#[derive(Debug, Clone, Default)]
pub struct NewFactSheet {
    pub fact_sheet_type: String,
    pub name: String,
    pub description: Option<String>,
    pub attributes: Attributes,
    pub external_ids: Vec<ExternalId>,
    pub parent_id: Option<Uuid>,
    pub tags: Vec<String>,
}

pub(crate) const MAX_NAME_LENGTH: usize = 255;

pub(crate) fn check_name(name: &str) -> Option<FieldError> {
    if name.trim().is_empty() {
        Some(FieldError::new("name", "must not be empty"))
    } else if name.chars().count() > MAX_NAME_LENGTH {
        Some(FieldError::new(
            "name",
            format!("must be at most {MAX_NAME_LENGTH} characters"),
        ))
    } else {
        None
    }
}

/// Creates a fact sheet after checking every field against the meta model; all problems are
/// reported together and nothing is written unless all pass.
pub async fn create(
    db: &impl ConnectionTrait,
    principal: &Principal,
    model: &MetaModel,
    input: NewFactSheet,
) -> Result<FactSheet> {
    authz::require(principal, Action::WriteInventory)?;
    crate::features::require_within_total(db, principal.workspace_id, 1).await?;
    let fs_type = model.require_fact_sheet_type(&input.fact_sheet_type)?;
    let mut errors: Vec<FieldError> = check_name(&input.name).into_iter().collect();
    let attributes = match validate_attributes(
        &fs_type.attributes,
        &input.attributes,
        &fs_type.key,
        "attributes",
    ) {
        Ok(a) => a,
        Err(e) => {
            errors.extend(e);
            Attributes::new()
        }
    };
    errors
        .extend(external_ids::check(db, principal.workspace_id, None, &input.external_ids).await?);
    if let Some(parent) = input.parent_id {
        errors.extend(check_parent(db, principal.workspace_id, &fs_type.key, None, parent).await?);
    }
    Error::check(errors)?;

    let now = Utc::now();
    let id = Uuid::now_v7();
    let name = input.name.trim().to_owned();
    let description = input.description.filter(|d| !d.trim().is_empty());
    let row = fact_sheet::ActiveModel {
        workspace_id: Set(principal.workspace_id),
        id: Set(id),
        fact_sheet_type: Set(fs_type.key.clone()),
        name: Set(name.clone()),
        search_text: Set(fact_sheet_store::search_text(&name, description.as_deref())),
        description: Set(description.clone()),
        attributes: Set(Value::Object(attributes.clone())),
        status: Set(Status::Active.as_str().to_owned()),
        revision: Set(1),
        completion: Set(completion(&fs_type.attributes, &attributes)),
        parent_id: Set(input.parent_id),
        created_by: Set(principal.subject.clone()),
        updated_by: Set(principal.subject.clone()),
        created_at: Set(now),
        updated_at: Set(now),
    };
    fact_sheet::Entity::insert(row)
        .exec_without_returning(db)
        .await?;
    fact_sheet_store::write_index(
        db,
        principal.workspace_id,
        id,
        index_values(&fs_type.attributes, &attributes),
    )
    .await?;
    external_ids::replace(db, principal.workspace_id, id, &input.external_ids).await?;
    let tag_names = tags::attach(db, principal, id, &input.tags, "tags").await?;

    let mut diff = Map::new();
    diff.insert(
        "type".into(),
        history::field_diff(None, Some(&json!(fs_type.key))),
    );
    diff.insert("name".into(), history::field_diff(None, Some(&json!(name))));
    if let Some(d) = &description {
        diff.insert(
            "description".into(),
            history::field_diff(None, Some(&json!(d))),
        );
    }
    for (key, value) in &attributes {
        diff.insert(
            format!("attributes.{key}"),
            history::field_diff(None, Some(value)),
        );
    }
    if let Some(parent) = input.parent_id {
        diff.insert(
            "parentId".into(),
            history::field_diff(None, Some(&json!(parent))),
        );
    }
    if !input.external_ids.is_empty() {
        diff.insert(
            "externalIds".into(),
            history::field_diff(None, Some(&json!(input.external_ids))),
        );
    }
    if !tag_names.is_empty() {
        diff.insert(
            "tags".into(),
            history::field_diff(None, Some(&json!(tag_names))),
        );
    }
    history::record(
        db,
        principal,
        NewChange {
            fact_sheet_id: id,
            revision: 1,
            kind: ChangeKind::Created,
            diff: Value::Object(diff),
            comment: None,
            at: now,
        },
    )
    .await?;
    super::require(db, principal, id).await
}
