use sea_orm_migration::prelude::*;

/// Change-id lists kept as `json` instead of `jsonb` on PostgreSQL (SQLite stores JSON as text
/// either way). Nothing ever queries inside these lists, while every metric window reads
/// thousands of them back as text, and `jsonb` is rebuilt into text on every read. `json` keeps
/// the validated text as sent (BENCHMARKS.md has what that saves).
#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLES: [&str; 2] = ["deployment_facts", "incident_facts"];

async fn retype(manager: &SchemaManager<'_>, to: &str) -> Result<(), DbErr> {
    if manager.get_database_backend() != sea_orm::DatabaseBackend::Postgres {
        return Ok(());
    }
    for table in TABLES {
        manager
            .get_connection()
            .execute_unprepared(&format!(
                "ALTER TABLE {table} ALTER COLUMN change_ids TYPE {to} USING change_ids::{to}"
            ))
            .await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        retype(manager, "json").await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        retype(manager, "jsonb").await
    }
}
