use sea_orm_migration::{prelude::*, schema::*};

use crate::{index, m20261122_000030_enable_row_level_security::isolate_tenant_table, primary_key};

/// Saved views: a named list of fact sheets (filter, columns, order) that its owner keeps for
/// themselves or shares with the workspace. The definition is one JSON document, checked
/// against the meta model whenever the view is used, so a view outlives a renamed attribute by
/// refusing it by name instead of failing a column constraint. Listing a workspace's views
/// filters by owner or visibility, hence the index.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("saved_views")
                    .col(uuid("workspace_id"))
                    .col(uuid("id"))
                    .col(string("owner"))
                    .col(string("name"))
                    .col(string("visibility"))
                    .col(json_binary("definition"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .primary_key(&mut primary_key(&["workspace_id", "id"]))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("saved_views", &["workspace_id", "owner"]))
            .await?;
        isolate_tenant_table(manager, "saved_views").await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("saved_views").to_owned())
            .await
    }
}
