use sea_orm_migration::{prelude::*, schema::*};

use crate::primary_key;

/// Shared rate-limit counters, so that several API replicas spend one budget. Rows live for a
/// window or two and are deleted as they expire; the table stays as small as the set of
/// budgets in use, which is why it has no index but its primary key.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("rate_limit_windows")
                    .col(uuid("workspace_id"))
                    .col(string("bucket_key"))
                    .col(big_integer("window_start"))
                    .col(big_integer("count"))
                    .primary_key(&mut primary_key(&[
                        "workspace_id",
                        "bucket_key",
                        "window_start",
                    ]))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("rate_limit_windows").to_owned())
            .await
    }
}
