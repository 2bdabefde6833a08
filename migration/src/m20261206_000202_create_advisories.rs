use sea_orm_migration::{prelude::*, schema::*};

use crate::{index, m20261122_000030_enable_row_level_security::isolate_tenant_table, primary_key};

/// Advisories (OSV records), their aliases and the packages they affect. A workspace's admin
/// posts private ones; the platform operator imports shared ones, visible to every workspace.
/// A key cannot hold NULL, so shared rows carry the nil UUID as their workspace.
///
/// On PostgreSQL each table gets the usual tenant policy (a workspace reads and writes its own
/// rows) plus a second one that lets every workspace read, never write, the shared rows.
/// Writing shared rows takes a transaction scoped to the nil workspace, which only the
/// operator's import enters.
#[derive(DeriveMigrationName)]
pub struct Migration;

/// The workspace id of shared advisories (`domain::supply_chain::SHARED_WORKSPACE`).
const SHARED: &str = "00000000-0000-0000-0000-000000000000";

const TABLES: [&str; 3] = ["advisories", "advisory_aliases", "advisory_packages"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("advisories")
                    .col(uuid("workspace_id"))
                    .col(string("id"))
                    .col(json_binary("aliases"))
                    .col(text_null("summary"))
                    .col(string("severity"))
                    .col(text_null("cvss_vector"))
                    .col(timestamp_with_time_zone_null("modified"))
                    .col(json_binary("document"))
                    .col(timestamp_with_time_zone("stored_at"))
                    .primary_key(&mut primary_key(&["workspace_id", "id"]))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("advisory_aliases")
                    .col(uuid("workspace_id"))
                    .col(string("alias"))
                    .col(string("advisory_id"))
                    .primary_key(&mut primary_key(&["workspace_id", "alias", "advisory_id"]))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("advisory_packages")
                    .col(uuid("workspace_id"))
                    .col(string("advisory_id"))
                    .col(integer("ordinal"))
                    .col(string("ecosystem"))
                    .col(text("package"))
                    .col(json_binary("affected"))
                    .primary_key(&mut primary_key(&[
                        "workspace_id",
                        "advisory_id",
                        "ordinal",
                    ]))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "advisory_packages",
                &["workspace_id", "ecosystem", "package"],
            ))
            .await?;
        for table in TABLES {
            isolate_tenant_table(manager, table).await?;
            if manager.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
                manager
                    .get_connection()
                    .execute_unprepared(&format!(
                        "CREATE POLICY shared_rows_readable ON {table} FOR SELECT
                         USING (workspace_id = '{SHARED}'::uuid)"
                    ))
                    .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in TABLES {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
