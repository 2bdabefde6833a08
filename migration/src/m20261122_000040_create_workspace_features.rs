use sea_orm_migration::{prelude::*, schema::*};

use crate::{m20261122_000030_enable_row_level_security::isolate_tenant_table, primary_key};

/// Workspace features: each workspace has an edition (a bundle of feature defaults) and may
/// override single features (status, quota). Usage of metered features is counted per period
/// in `feature_usage`, in the same transaction as the work it meters, so a quota holds exactly
/// under concurrency and a rejected request leaves its count untouched.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("workspaces")
                    .add_column(string("edition").default("enterprise"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("workspace_features")
                    .col(uuid("workspace_id"))
                    .col(string("feature"))
                    .col(string("status"))
                    .col(big_integer_null("quota"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .col(string("updated_by"))
                    .primary_key(&mut primary_key(&["workspace_id", "feature"]))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("feature_usage")
                    .col(uuid("workspace_id"))
                    .col(string("feature"))
                    .col(string("period"))
                    .col(big_integer("used"))
                    .primary_key(&mut primary_key(&["workspace_id", "feature", "period"]))
                    .to_owned(),
            )
            .await?;
        isolate_tenant_table(manager, "workspace_features").await?;
        isolate_tenant_table(manager, "feature_usage").await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["feature_usage", "workspace_features"] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table("workspaces")
                    .drop_column("edition")
                    .to_owned(),
            )
            .await
    }
}
