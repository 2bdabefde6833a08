use std::collections::HashMap;

use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::Relation;
use crate::{
    authz::{self, Action},
    db::INSERT_CHUNK,
    error::Result,
    principal::Principal,
};
use entity::relation;

pub async fn get(
    db: &impl ConnectionTrait,
    principal: &Principal,
    id: Uuid,
) -> Result<Option<Relation>> {
    authz::require(principal, Action::Read)?;
    Ok(relation::Entity::find()
        .filter(relation::Column::WorkspaceId.eq(principal.workspace_id))
        .filter(relation::Column::Id.eq(id))
        .one(db)
        .await?)
}

/// Every relation touching any of `ids`, from either end, grouped by fact sheet, in one
/// statement per chunk of ids. DataLoaders call this once per traversal level, which is what
/// keeps nested queries at a statement count bounded by depth rather than by node count.
pub async fn for_fact_sheets(
    db: &impl ConnectionTrait,
    principal: &Principal,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<Relation>>> {
    authz::require(principal, Action::Read)?;
    let mut map: HashMap<Uuid, Vec<Relation>> = HashMap::new();
    for chunk in ids.chunks(INSERT_CHUNK / 2) {
        let rows = relation::Entity::find()
            .filter(relation::Column::WorkspaceId.eq(principal.workspace_id))
            .filter(
                Condition::any()
                    .add(relation::Column::FromId.is_in(chunk.iter().copied()))
                    .add(relation::Column::ToId.is_in(chunk.iter().copied())),
            )
            .order_by_asc(relation::Column::Id)
            .all(db)
            .await?;
        for r in rows {
            if chunk.contains(&r.from_id) {
                map.entry(r.from_id).or_default().push(r.clone());
            }
            if r.to_id != r.from_id && chunk.contains(&r.to_id) {
                map.entry(r.to_id).or_default().push(r);
            }
        }
    }
    Ok(map)
}
