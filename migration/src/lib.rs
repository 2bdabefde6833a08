//! Schema migrations. Every tenant table is keyed by `workspace_id` first (primary key and every
//! index), so a distributed PostgreSQL such as Citus can shard by tenant without a rewrite.

pub use sea_orm_migration::prelude::*;

mod m20261121_000001_create_workspaces;
mod m20261121_000002_create_meta_model_versions;
mod m20261121_000003_create_fact_sheets;
mod m20261121_000004_create_tags;
mod m20261121_000005_create_subscriptions;
mod m20261121_000006_create_relations;
mod m20261121_000007_create_changes;
mod m20261121_000008_create_events;
mod m20261122_000010_create_api_tokens;
mod m20261122_000020_create_rate_limit_windows;
pub mod m20261122_000030_enable_row_level_security;
mod m20261122_000040_create_workspace_features;
mod m20261122_000050_index_relations_by_end_and_id;
mod m20261122_000060_create_inventory_versions;
mod m20261201_000070_create_event_versions;
mod m20261201_000080_cover_change_facts_by_time;
mod m20261201_000090_store_change_ids_as_json;
mod m20261201_000100_index_fact_sheets_by_type_and_update;
mod m20261202_000110_create_enter_workspace_function;
mod m20261206_000120_cover_events_by_source;
mod m20261206_000130_add_change_actor_names;
mod m20261206_000150_index_subscriptions_by_subject_and_role;
mod m20261206_000190_create_webhook_secrets;
mod m20261206_000200_create_sboms;
mod m20261206_000201_create_components;
mod m20261206_000202_create_advisories;
mod m20261206_000203_create_vulnerability_matches;
mod m20261206_000400_index_changes_by_time;
mod m20261206_000500_create_saved_views;
mod m20261206_000600_create_version_touches;
mod m20261206_000700_index_fact_sheets_by_type_and_status;
mod m20261207_000100_stamp_facts_with_their_ingestion;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261121_000001_create_workspaces::Migration),
            Box::new(m20261121_000002_create_meta_model_versions::Migration),
            Box::new(m20261121_000003_create_fact_sheets::Migration),
            Box::new(m20261121_000004_create_tags::Migration),
            Box::new(m20261121_000005_create_subscriptions::Migration),
            Box::new(m20261121_000006_create_relations::Migration),
            Box::new(m20261121_000007_create_changes::Migration),
            Box::new(m20261121_000008_create_events::Migration),
            Box::new(m20261122_000010_create_api_tokens::Migration),
            Box::new(m20261122_000020_create_rate_limit_windows::Migration),
            Box::new(m20261122_000030_enable_row_level_security::Migration),
            Box::new(m20261122_000040_create_workspace_features::Migration),
            Box::new(m20261122_000050_index_relations_by_end_and_id::Migration),
            Box::new(m20261122_000060_create_inventory_versions::Migration),
            Box::new(m20261201_000070_create_event_versions::Migration),
            Box::new(m20261201_000080_cover_change_facts_by_time::Migration),
            Box::new(m20261201_000090_store_change_ids_as_json::Migration),
            Box::new(m20261201_000100_index_fact_sheets_by_type_and_update::Migration),
            Box::new(m20261202_000110_create_enter_workspace_function::Migration),
            Box::new(m20261206_000120_cover_events_by_source::Migration),
            Box::new(m20261206_000130_add_change_actor_names::Migration),
            Box::new(m20261206_000150_index_subscriptions_by_subject_and_role::Migration),
            Box::new(m20261206_000190_create_webhook_secrets::Migration),
            Box::new(m20261206_000200_create_sboms::Migration),
            Box::new(m20261206_000201_create_components::Migration),
            Box::new(m20261206_000202_create_advisories::Migration),
            Box::new(m20261206_000203_create_vulnerability_matches::Migration),
            Box::new(m20261206_000400_index_changes_by_time::Migration),
            Box::new(m20261206_000500_create_saved_views::Migration),
            Box::new(m20261206_000600_create_version_touches::Migration),
            Box::new(m20261206_000700_index_fact_sheets_by_type_and_status::Migration),
            Box::new(m20261207_000100_stamp_facts_with_their_ingestion::Migration),
        ]
    }
}

/// An index whose name is derived from its table and columns, so migrations stay short and
/// names stay predictable for `EXPLAIN` output.
pub(crate) fn index(table: &str, columns: &[&str]) -> IndexCreateStatement {
    let mut statement = Index::create()
        .name(index_name(table, columns))
        .table(table.to_owned())
        .to_owned();
    for column in columns {
        statement.col(String::from(*column));
    }
    statement
}

/// Drops the index [`index`] made over `columns` of `table`.
pub(crate) fn drop_index(table: &str, columns: &[&str]) -> IndexDropStatement {
    Index::drop()
        .name(index_name(table, columns))
        .table(table.to_owned())
        .to_owned()
}

fn index_name(table: &str, columns: &[&str]) -> String {
    format!("ix_{table}_{}", columns.join("_"))
}

/// A primary key over several columns, `workspace_id` first by convention.
pub(crate) fn primary_key(columns: &[&str]) -> IndexCreateStatement {
    let mut statement = Index::create().primary().to_owned();
    for column in columns {
        statement.col(String::from(*column));
    }
    statement
}
