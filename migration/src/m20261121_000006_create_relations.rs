use sea_orm_migration::{prelude::*, schema::*};

use crate::{index, primary_key};

/// Relations are indexed from both ends so traversal in either direction is one index range
/// scan per batch of fact sheets.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("relations")
                    .col(uuid("workspace_id"))
                    .col(uuid("id"))
                    .col(string("type"))
                    .col(uuid("from_id"))
                    .col(uuid("to_id"))
                    .col(json_binary("attributes"))
                    .col(timestamp_with_time_zone_null("active_from"))
                    .col(timestamp_with_time_zone_null("active_until"))
                    .col(integer("revision"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .primary_key(&mut primary_key(&["workspace_id", "id"]))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index("relations", &["workspace_id", "from_id", "type", "to_id"])
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("relations", &["workspace_id", "to_id", "type"]))
            .await?;
        manager
            .create_index(index("relations", &["workspace_id", "type"]))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("relations").to_owned())
            .await
    }
}
