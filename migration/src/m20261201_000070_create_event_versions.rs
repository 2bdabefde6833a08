use sea_orm_migration::{prelude::*, schema::*};

use crate::{m20261122_000030_enable_row_level_security::isolate_tenant_table, primary_key};

/// One counter per workspace, raised in the same transaction as every ingestion that stores a
/// new event. Metrics are cached under it (with the inventory and meta model versions), so a
/// dashboard opened again between two ingestions is served from memory, exactly, on every
/// replica.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("event_versions")
                    .col(uuid("workspace_id"))
                    .col(big_integer("version"))
                    .primary_key(&mut primary_key(&["workspace_id"]))
                    .to_owned(),
            )
            .await?;
        isolate_tenant_table(manager, "event_versions").await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("event_versions").to_owned())
            .await
    }
}
