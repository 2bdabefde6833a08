use sea_orm_migration::{prelude::*, schema::*};

use crate::{index, primary_key};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("subscriptions")
                    .col(uuid("workspace_id"))
                    .col(uuid("id"))
                    .col(uuid("fact_sheet_id"))
                    .col(string("role"))
                    .col(string("subject"))
                    .col(timestamp_with_time_zone("created_at"))
                    .primary_key(&mut primary_key(&["workspace_id", "id"]))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "subscriptions",
                    &["workspace_id", "fact_sheet_id", "subject", "role"],
                )
                .unique()
                .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("subscriptions").to_owned())
            .await
    }
}
