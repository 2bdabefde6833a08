use sea_orm_migration::{prelude::*, schema::*};

use crate::primary_key;

/// The history: one row per revision of a fact sheet. Keyed by (workspace, fact sheet, revision)
/// so a fact sheet's history is one index range, newest first, and a revision cannot be written
/// twice (two concurrent writers of the same revision collide here instead of losing a change).
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("changes")
                    .col(uuid("workspace_id"))
                    .col(uuid("fact_sheet_id"))
                    .col(integer("revision"))
                    .col(string("kind"))
                    .col(json_binary("diff"))
                    .col(text_null("comment"))
                    .col(string("actor"))
                    .col(timestamp_with_time_zone("at"))
                    .primary_key(&mut primary_key(&[
                        "workspace_id",
                        "fact_sheet_id",
                        "revision",
                    ]))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("changes").to_owned())
            .await
    }
}
