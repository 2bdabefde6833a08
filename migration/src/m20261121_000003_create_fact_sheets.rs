use sea_orm_migration::{prelude::*, schema::*};

use crate::{index, primary_key};

/// Fact sheets keep their attributes as one JSON document (the source of truth, validated by the
/// meta model) and mirror the filterable values into `attribute_values`, a narrow index table
/// that makes attribute filters and facet counts plain indexed SQL on both databases.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("fact_sheets")
                    .col(uuid("workspace_id"))
                    .col(uuid("id"))
                    .col(string("type"))
                    .col(string("name"))
                    .col(text_null("description"))
                    .col(json_binary("attributes"))
                    .col(string("status"))
                    .col(integer("revision"))
                    .col(double("completion"))
                    .col(uuid_null("parent_id"))
                    .col(text("search_text"))
                    .col(string("created_by"))
                    .col(string("updated_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .primary_key(&mut primary_key(&["workspace_id", "id"]))
                    .to_owned(),
            )
            .await?;
        for columns in [
            &["workspace_id", "type", "name", "id"][..],
            &["workspace_id", "name", "id"],
            &["workspace_id", "updated_at", "id"],
            &["workspace_id", "completion", "id"],
            &["workspace_id", "parent_id"],
        ] {
            manager.create_index(index("fact_sheets", columns)).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table("external_ids")
                    .col(uuid("workspace_id"))
                    .col(string("namespace"))
                    .col(string("value"))
                    .col(uuid("fact_sheet_id"))
                    .primary_key(&mut primary_key(&["workspace_id", "namespace", "value"]))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("external_ids", &["workspace_id", "fact_sheet_id"]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("attribute_values")
                    .col(uuid("workspace_id"))
                    .col(uuid("fact_sheet_id"))
                    .col(string("key"))
                    .col(integer("ordinal"))
                    .col(string_null("value_text"))
                    .col(double_null("value_number"))
                    .primary_key(&mut primary_key(&[
                        "workspace_id",
                        "fact_sheet_id",
                        "key",
                        "ordinal",
                    ]))
                    .to_owned(),
            )
            .await?;
        for columns in [
            &["workspace_id", "key", "value_text", "fact_sheet_id"][..],
            &["workspace_id", "key", "value_number", "fact_sheet_id"],
        ] {
            manager
                .create_index(index("attribute_values", columns))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["attribute_values", "external_ids", "fact_sheets"] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
