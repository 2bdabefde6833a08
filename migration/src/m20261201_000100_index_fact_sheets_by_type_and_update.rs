use sea_orm_migration::prelude::*;

use crate::{drop_index, index};

/// Fact sheets of one type by last update: "the software artifacts changed most recently",
/// the default order of an inventory list filtered by type. With only
/// `(workspace_id, updated_at, id)`, PostgreSQL walked the workspace's whole update order and
/// discarded every fact sheet of another type; with this index the page is a short range
/// (BENCHMARKS.md has the figures).
#[derive(DeriveMigrationName)]
pub struct Migration;

const COLUMNS: [&str; 4] = ["workspace_id", "type", "updated_at", "id"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(index("fact_sheets", &COLUMNS).if_not_exists().to_owned())
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(drop_index("fact_sheets", &COLUMNS))
            .await
    }
}
