//! External IDs tie a fact sheet to the same thing in other tools (a repository, a CMDB entry,
//! the `source` of CloudEvents). A `(namespace, value)` pair names at most one fact sheet per
//! workspace.

use std::collections::{HashMap, HashSet};

use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    authz::{self, Action},
    error::{FieldError, Result},
    limits,
    principal::Principal,
};
use entity::external_id;

/// The namespace whose values are matched against CloudEvents `source`.
pub const EVENT_SOURCE_NAMESPACE: &str = "eventSource";

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ExternalId {
    pub namespace: String,
    pub value: String,
}

/// Whether `id` has the shape every external ID must have (the uniqueness aside).
pub(crate) fn well_formed(id: &ExternalId) -> bool {
    namespace_well_formed(&id.namespace) && value_well_formed(&id.value)
}

fn namespace_well_formed(namespace: &str) -> bool {
    !namespace.trim().is_empty() && namespace.len() <= 100
}

fn value_well_formed(value: &str) -> bool {
    !value.trim().is_empty() && value.len() <= 500
}

/// Checks a full replacement set for `fact_sheet` (None while creating): well-formed, no
/// duplicates in the input, none taken by another fact sheet.
pub(crate) async fn check(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
    fact_sheet: Option<Uuid>,
    ids: &[ExternalId],
) -> Result<Vec<FieldError>> {
    if let Some(refusal) = limits::EXTERNAL_IDS.check("externalIds", ids.len()) {
        return Ok(vec![refusal]);
    }
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    for (i, id) in ids.iter().enumerate() {
        let path = format!("externalIds.{i}");
        if !namespace_well_formed(&id.namespace) {
            errors.push(FieldError::new(
                format!("{path}.namespace"),
                "must be 1 to 100 characters",
            ));
            continue;
        }
        if !value_well_formed(&id.value) {
            errors.push(FieldError::new(
                format!("{path}.value"),
                "must be 1 to 500 characters",
            ));
            continue;
        }
        if !seen.insert(id) {
            errors.push(FieldError::new(format!("{path}.value"), "is listed twice"));
            continue;
        }
        if let Some(owner) = find(db, workspace_id, &id.namespace, &id.value).await?
            && Some(owner) != fact_sheet
        {
            errors.push(FieldError::new(
                format!("{path}.value"),
                format!(
                    "`{}` in namespace `{}` already identifies fact sheet {owner}",
                    id.value, id.namespace
                ),
            ));
        }
    }
    Ok(errors)
}

/// Replaces the external IDs of a fact sheet; call [`check`] first.
pub(crate) async fn replace(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
    fact_sheet: Uuid,
    ids: &[ExternalId],
) -> Result<()> {
    external_id::Entity::delete_many()
        .filter(external_id::Column::WorkspaceId.eq(workspace_id))
        .filter(external_id::Column::FactSheetId.eq(fact_sheet))
        .exec(db)
        .await?;
    if ids.is_empty() {
        return Ok(());
    }
    external_id::Entity::insert_many(ids.iter().map(|id| external_id::ActiveModel {
        workspace_id: Set(workspace_id),
        namespace: Set(id.namespace.clone()),
        value: Set(id.value.clone()),
        fact_sheet_id: Set(fact_sheet),
    }))
    .exec_without_returning(db)
    .await?;
    Ok(())
}

pub(crate) async fn find(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
    namespace: &str,
    value: &str,
) -> Result<Option<Uuid>> {
    Ok(external_id::Entity::find()
        .filter(external_id::Column::WorkspaceId.eq(workspace_id))
        .filter(external_id::Column::Namespace.eq(namespace))
        .filter(external_id::Column::Value.eq(value))
        .one(db)
        .await?
        .map(|row| row.fact_sheet_id))
}

/// External IDs of many fact sheets in one statement (for DataLoaders), sorted per fact sheet.
pub async fn for_fact_sheets(
    db: &impl ConnectionTrait,
    principal: &Principal,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<ExternalId>>> {
    authz::require(principal, Action::Read)?;
    let workspace_id = principal.workspace_id;
    let mut map: HashMap<Uuid, Vec<ExternalId>> = HashMap::new();
    for chunk in ids.chunks(crate::db::INSERT_CHUNK) {
        let rows = external_id::Entity::find()
            .filter(external_id::Column::WorkspaceId.eq(workspace_id))
            .filter(external_id::Column::FactSheetId.is_in(chunk.iter().copied()))
            .order_by_asc(external_id::Column::Namespace)
            .order_by_asc(external_id::Column::Value)
            .all(db)
            .await?;
        for row in rows {
            map.entry(row.fact_sheet_id).or_default().push(ExternalId {
                namespace: row.namespace,
                value: row.value,
            });
        }
    }
    Ok(map)
}
