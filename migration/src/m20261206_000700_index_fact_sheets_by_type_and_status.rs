use sea_orm_migration::prelude::*;

use crate::{drop_index, index};

/// The active fact sheets of one type, with their names, from the index alone: the members of
/// a report filtered by type and the fact sheets at each step of a relation path (an
/// artifact's owning Team, the cloud resources it runs on). Without it, PostgreSQL read the
/// whole `fact_sheets` table for each of them and hashed every active fact sheet to find a
/// few hundred teams (BENCHMARKS.md, "Reports at --scale max", has the profile).
#[derive(DeriveMigrationName)]
pub struct Migration;

const COLUMNS: [&str; 5] = ["workspace_id", "type", "status", "id", "name"];

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
