use sea_orm_migration::{prelude::*, schema::*};

use crate::primary_key;

/// The meta model is stored as one JSON document per version: a change never edits a row, it
/// appends the next version, so every earlier model stays readable and auditable.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("meta_model_versions")
                    .col(uuid("workspace_id"))
                    .col(integer("version"))
                    .col(json_binary("document"))
                    .col(string("summary"))
                    .col(string("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .primary_key(&mut primary_key(&["workspace_id", "version"]))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("meta_model_versions").to_owned())
            .await
    }
}
