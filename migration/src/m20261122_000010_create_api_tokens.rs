use sea_orm_migration::{prelude::*, schema::*};

use crate::{index, primary_key};

/// API tokens of technical users. Only the SHA-256 of a token's secret is stored; the token
/// names its workspace and id, so the exchange reads one row by primary key.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("api_tokens")
                    .col(uuid("workspace_id"))
                    .col(uuid("id"))
                    .col(string("name"))
                    .col(string("role"))
                    .col(string_len("token_hash", 64))
                    .col(string("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("expires_at"))
                    .col(timestamp_with_time_zone_null("revoked_at"))
                    .col(timestamp_with_time_zone_null("last_used_at"))
                    .primary_key(&mut primary_key(&["workspace_id", "id"]))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("api_tokens", &["workspace_id", "created_at"]))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("api_tokens").to_owned())
            .await
    }
}
