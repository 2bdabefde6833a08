use sea_orm_migration::{prelude::*, schema::*};

use crate::{m20261122_000030_enable_row_level_security::isolate_tenant_table, primary_key};

/// One counter per workspace, raised in the same transaction as every recorded change to its
/// fact sheets. Aggregates over the inventory (facet counts, totals) are cached under the
/// counter's value, so a cached figure is reused exactly until the inventory changes, on every
/// replica, without a cache service.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("inventory_versions")
                    .col(uuid("workspace_id"))
                    .col(big_integer("version"))
                    .primary_key(&mut primary_key(&["workspace_id"]))
                    .to_owned(),
            )
            .await?;
        isolate_tenant_table(manager, "inventory_versions").await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("inventory_versions").to_owned())
            .await
    }
}
