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
                    .table("tag_groups")
                    .col(uuid("workspace_id"))
                    .col(uuid("id"))
                    .col(string("name"))
                    .col(string("mode"))
                    .col(text_null("description"))
                    .primary_key(&mut primary_key(&["workspace_id", "id"]))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index("tag_groups", &["workspace_id", "name"])
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("tags")
                    .col(uuid("workspace_id"))
                    .col(uuid("id"))
                    .col(string("name"))
                    .col(uuid_null("group_id"))
                    .col(string_null("color"))
                    .col(text_null("description"))
                    .primary_key(&mut primary_key(&["workspace_id", "id"]))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("tags", &["workspace_id", "name"]).unique().to_owned())
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("fact_sheet_tags")
                    .col(uuid("workspace_id"))
                    .col(uuid("fact_sheet_id"))
                    .col(uuid("tag_id"))
                    .primary_key(&mut primary_key(&[
                        "workspace_id",
                        "fact_sheet_id",
                        "tag_id",
                    ]))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "fact_sheet_tags",
                &["workspace_id", "tag_id", "fact_sheet_id"],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["fact_sheet_tags", "tags", "tag_groups"] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
