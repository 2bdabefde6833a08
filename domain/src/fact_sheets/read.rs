use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Select};
use uuid::Uuid;

use super::FactSheet;
use crate::{
    authz::{self, Action},
    db::INSERT_CHUNK,
    error::{Error, Result},
    external_ids,
    principal::Principal,
};
use entity::fact_sheet;

pub async fn get(
    db: &impl ConnectionTrait,
    principal: &Principal,
    id: Uuid,
) -> Result<Option<FactSheet>> {
    authz::require(principal, Action::Read)?;
    Ok(one_of_workspace(principal, id).one(db).await?)
}

/// The select of fact sheet `id` in the caller's workspace, for every single-sheet reader.
pub(super) fn one_of_workspace(principal: &Principal, id: Uuid) -> Select<fact_sheet::Entity> {
    fact_sheet::Entity::find()
        .filter(fact_sheet::Column::WorkspaceId.eq(principal.workspace_id))
        .filter(fact_sheet::Column::Id.eq(id))
}

/// Like [`get`], for a fact sheet that must exist.
pub async fn require(
    db: &impl ConnectionTrait,
    principal: &Principal,
    id: Uuid,
) -> Result<FactSheet> {
    get(db, principal, id)
        .await?
        .ok_or_else(|| Error::not_found("fact sheet", id))
}

/// Many fact sheets by id in as few statements as the bind limits allow (for DataLoaders).
pub async fn get_many(
    db: &impl ConnectionTrait,
    principal: &Principal,
    ids: &[Uuid],
) -> Result<Vec<FactSheet>> {
    authz::require(principal, Action::Read)?;
    let mut rows = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(INSERT_CHUNK) {
        rows.extend(
            fact_sheet::Entity::find()
                .filter(fact_sheet::Column::WorkspaceId.eq(principal.workspace_id))
                .filter(fact_sheet::Column::Id.is_in(chunk.iter().copied()))
                .all(db)
                .await?,
        );
    }
    Ok(rows)
}

pub async fn by_external_id(
    db: &impl ConnectionTrait,
    principal: &Principal,
    namespace: &str,
    value: &str,
) -> Result<Option<FactSheet>> {
    authz::require(principal, Action::Read)?;
    match external_ids::find(db, principal.workspace_id, namespace, value).await? {
        Some(id) => get(db, principal, id).await,
        None => Ok(None),
    }
}
