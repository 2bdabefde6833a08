use sea_orm_migration::{prelude::*, schema::*};

/// Each fact row, and each touch of an event source, names the ingestion that stored it.
///
/// A team's facts kept in memory used to be dropped whenever an ingestion touched one of the
/// team's sources, and read again in full: in a workspace where CI sends events all day, that
/// was nearly every read. With the stamp, a reader that knows which versions touched its
/// sources reads only the rows those ingestions stored and appends them. Rows stored before
/// this migration keep no stamp; a touch without one makes readers load in full, as before.
#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLES: [&str; 5] = [
    "change_facts",
    "deployment_facts",
    "incident_facts",
    "work_item_facts",
    "event_touches",
];

const COLUMN: &str = "ingest_id";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in TABLES {
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .add_column(uuid_null(COLUMN))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in TABLES {
            manager
                .alter_table(Table::alter().table(table).drop_column(COLUMN).to_owned())
                .await?;
        }
        Ok(())
    }
}
