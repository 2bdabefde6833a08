//! Keeping PostgreSQL's planner statistics in step with bulk writes.
//!
//! The planner estimates a workspace's rows from per-value figures that `ANALYZE` samples.
//! A workspace filled since the last sample is unknown to them: PostgreSQL then plans its
//! queries for a handful of rows, and a nested loop meant for one row runs over tens of
//! thousands (an asOf facets statement ran for minutes after 70,000 fact sheets went in).
//! Autovacuum refreshes the figures once about a tenth of a table has changed, which a large
//! import into one workspace of a big shared table may never reach, and it may be off.

use sea_orm::ConnectionTrait;

use super::Store;
use crate::error::Result;

/// Refreshes the statistics of tables a bulk write has just filled. It holds the login
/// (owning) role's store, because only a table's owner may `ANALYZE` it, and offers nothing
/// else, so a request handler given one cannot read or write through it.
#[derive(Clone)]
pub struct StatisticsRefresher {
    /// `None` on SQLite, whose statistics are averages per index prefix with no per-value
    /// figures: a new workspace is estimated like the ones sampled before it.
    owner: Option<Store>,
}

impl StatisticsRefresher {
    /// `owner` must connect as the tables' owner (the platform store, not the serving one).
    pub fn new(owner: &Store) -> Self {
        let postgres = owner.backend() == sea_orm::DatabaseBackend::Postgres;
        Self {
            owner: postgres.then(|| owner.clone()),
        }
    }

    /// `ANALYZE` of `tables` (PostgreSQL; nothing on SQLite). It samples a fixed number of rows
    /// per table, so it takes about the same time however large the tables are, and it blocks
    /// neither reads nor writes.
    pub async fn refresh(&self, tables: &[&str]) -> Result<()> {
        let Some(store) = &self.owner else {
            return Ok(());
        };
        if tables.is_empty() {
            return Ok(());
        }
        let quoted: Vec<String> = tables.iter().map(|t| format!("\"{t}\"")).collect();
        store
            .connection()
            .execute_unprepared(&format!("ANALYZE {}", quoted.join(", ")))
            .await?;
        Ok(())
    }
}
