use sea_orm_migration::{prelude::*, schema::*};

use crate::{m20261122_000030_enable_row_level_security::isolate_tenant_table, primary_key};

/// What each raise of a workspace's inventory or events counter touched: the fact sheets a
/// change wrote (and the parents whose children it changed), or the event sources an ingestion
/// stored facts for; `*` when it touched everything (imports, meta model migrations).
///
/// The caches keyed by those counters used to drop everything on any raise, so in a busy
/// workspace (an integration syncing, CI sending events all day) they were always cold. With
/// what each version touched, a replica keeps every cached result whose inputs none of the
/// newer versions touched, still exact and still without a cache service. Writers prune rows
/// far behind the counter; readers that fall that far behind drop their caches instead.
#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLES: [&str; 2] = ["inventory_touches", "event_touches"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in TABLES {
            manager
                .create_table(
                    Table::create()
                        .table(table)
                        .col(uuid("workspace_id"))
                        .col(big_integer("version"))
                        .col(text("subject"))
                        .primary_key(&mut primary_key(&["workspace_id", "version", "subject"]))
                        .to_owned(),
                )
                .await?;
            isolate_tenant_table(manager, table).await?;
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
