use sea_orm_migration::{prelude::*, schema::*};

use crate::{m20261122_000030_enable_row_level_security::isolate_tenant_table, primary_key};

/// One row per software artifact that has an SBOM: which document its component set came from
/// and the counts an artifact's page shows without counting its components again.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("sboms")
                    .col(uuid("workspace_id"))
                    .col(uuid("fact_sheet_id"))
                    .col(string("format"))
                    .col(string("spec_version"))
                    .col(timestamp_with_time_zone("uploaded_at"))
                    .col(string("uploaded_by"))
                    .col(integer("component_count"))
                    .col(integer("direct_count"))
                    .col(integer("license_count"))
                    .primary_key(&mut primary_key(&["workspace_id", "fact_sheet_id"]))
                    .to_owned(),
            )
            .await?;
        isolate_tenant_table(manager, "sboms").await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("sboms").to_owned())
            .await
    }
}
