use sea_orm_migration::{prelude::*, schema::*};

use crate::{index, primary_key};

/// Events as received (for listing) plus one normalised fact table per kind (for metrics).
/// All keyed by `(workspace_id, source, event_id)`: the CloudEvents identity, so a duplicate is
/// a primary key conflict and ingestion can simply skip it. Facts are stored by `source`, not by
/// fact sheet, so an event that arrives before its fact sheet has the matching external ID is
/// kept and counts as soon as the link exists.
#[derive(DeriveMigrationName)]
pub struct Migration;

const FACT_TABLES: [&str; 4] = [
    "change_facts",
    "deployment_facts",
    "incident_facts",
    "work_item_facts",
];

fn keyed(table: &str) -> TableCreateStatement {
    Table::create()
        .table(table.to_owned())
        .col(uuid("workspace_id"))
        .col(string("source"))
        .col(string("event_id"))
        .col(timestamp_with_time_zone("time"))
        .primary_key(&mut primary_key(&["workspace_id", "source", "event_id"]))
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                keyed("events")
                    .col(string("type"))
                    .col(string_null("subject"))
                    .col(json_binary_null("data"))
                    .col(timestamp_with_time_zone("received_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(keyed("change_facts").col(string("change_id")).to_owned())
            .await?;
        manager
            .create_table(
                keyed("deployment_facts")
                    .col(string("deployment_id"))
                    .col(string("environment"))
                    .col(string("status"))
                    .col(json_binary("change_ids"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                keyed("incident_facts")
                    .col(string("incident_id"))
                    .col(string("kind"))
                    .col(string_null("deployment_id"))
                    .col(json_binary("change_ids"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                keyed("work_item_facts")
                    .col(string("item_id"))
                    .col(string("item_type"))
                    .col(string("state"))
                    .to_owned(),
            )
            .await?;
        for table in std::iter::once("events").chain(FACT_TABLES) {
            manager
                .create_index(index(table, &["workspace_id", "source", "time"]))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in FACT_TABLES.into_iter().chain(std::iter::once("events")) {
            manager
                .drop_table(Table::drop().table(table.to_owned()).to_owned())
                .await?;
        }
        Ok(())
    }
}
