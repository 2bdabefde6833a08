//! A per-workspace counter raised with every recorded change to the workspace's fact sheets.
//!
//! Every write that can change what an inventory aggregate counts (a fact sheet's type, status,
//! attributes, tags, parent or relations) records a history entry: that is the product's
//! promise of a history of every change. So the counter is raised where history is written
//! ([`crate::history::record`] and the bulk import), and no write path can forget it.
//! Meta model migrations also re-index values without history; aggregates are keyed by the
//! meta model version as well, which covers them.

use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set,
    sea_query::{Expr, ExprTrait, OnConflict},
};
use uuid::Uuid;

use crate::Result;
use entity::inventory_version;

/// Raises the workspace's counter inside the caller's transaction. On PostgreSQL the row stays
/// locked until commit, so concurrent writers of one workspace queue here for the rest of
/// their transaction; inventory writes are interactive edits and imports, where that is cheap.
pub async fn raise(db: &impl ConnectionTrait, workspace_id: Uuid) -> Result<()> {
    inventory_version::Entity::insert(inventory_version::ActiveModel {
        workspace_id: Set(workspace_id),
        version: Set(1),
    })
    .on_conflict(
        OnConflict::column(inventory_version::Column::WorkspaceId)
            .value(
                inventory_version::Column::Version,
                Expr::col((
                    inventory_version::Entity,
                    inventory_version::Column::Version,
                ))
                .add(1),
            )
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// The workspace's counter as the caller's transaction sees it (0 before the first change).
pub async fn current(db: &impl ConnectionTrait, workspace_id: Uuid) -> Result<i64> {
    Ok(inventory_version::Entity::find()
        .select_only()
        .column(inventory_version::Column::Version)
        .filter(inventory_version::Column::WorkspaceId.eq(workspace_id))
        .into_tuple::<i64>()
        .one(db)
        .await?
        .unwrap_or(0))
}
