use sea_orm_migration::prelude::*;

use crate::{drop_index, index};

/// Change facts by source and time *with their change id*, so reading a team's changes for a
/// metric window (which filters them by id) never visits the table rows. Replaces the index
/// on `(workspace_id, source, time)`, which answers every query it did before.
/// On PostgreSQL it becomes an index-only scan once (auto)vacuum has marked the pages
/// all-visible. BENCHMARKS.md has the measurement.
#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLE: &str = "change_facts";
const BY_TIME: [&str; 3] = ["workspace_id", "source", "time"];
const COVERED: [&str; 4] = ["workspace_id", "source", "time", "change_id"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.create_index(index(TABLE, &COVERED)).await?;
        manager.drop_index(drop_index(TABLE, &BY_TIME)).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.create_index(index(TABLE, &BY_TIME)).await?;
        manager.drop_index(drop_index(TABLE, &COVERED)).await
    }
}
