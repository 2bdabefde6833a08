use sea_orm_migration::{prelude::*, schema::*};

use crate::{m20261122_000030_enable_row_level_security::isolate_tenant_table, primary_key};

/// The secret each workspace shares with a webhook provider, one per provider. It is kept as
/// given, not hashed: verifying a signature means computing the provider's HMAC with it, so
/// the server must be able to read it back (see `domain::webhooks::secrets`).
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("webhook_secrets")
                    .col(uuid("workspace_id"))
                    .col(string("provider"))
                    .col(text("secret"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .col(string("updated_by"))
                    .primary_key(&mut primary_key(&["workspace_id", "provider"]))
                    .to_owned(),
            )
            .await?;
        isolate_tenant_table(manager, "webhook_secrets").await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("webhook_secrets").to_owned())
            .await
    }
}
