//! Opening the database and drawing workspace-scoped connections and transactions from it.

mod binds;
mod cancel;
mod json_rows;
mod scope;
mod scoped_transaction;
mod siblings;
mod statement_counter;
mod statistics;
mod store;
mod tenant;

pub(crate) use binds::Binds;
pub(crate) use json_rows::JsonTable;
pub use scope::TenantScope;
pub use scoped_transaction::{NOT_LIVE, ScopedTransaction};
pub use siblings::{Beside, SiblingPool, Siblings, beside_or};
pub use statement_counter::StatementCounter;
pub use statistics::StatisticsRefresher;

pub use store::{SQLITE_MMAP_CAP, Store, StoreOptions, WriteTransaction};
pub use tenant::{TenantConnection, WORKSPACE_SETTING, enter_no_workspace, enter_workspace};

use sea_orm::{ConnectionTrait, DatabaseBackend};

/// Rows per multi-row statement: their bind parameters stay far below PostgreSQL's 65,535 and
/// SQLite's 32,766.
pub(crate) const INSERT_CHUNK: usize = 1000;

/// True when the statement runs on PostgreSQL; used where the two dialects need different SQL.
pub fn is_postgres(db: &impl ConnectionTrait) -> bool {
    db.get_database_backend() == DatabaseBackend::Postgres
}

/// Inserts `rows` in multi-row statements of [`INSERT_CHUNK`] rows each, for bulk writers.
pub(crate) async fn insert_in_chunks<A: sea_orm::ActiveModelTrait>(
    db: &impl ConnectionTrait,
    rows: Vec<A>,
) -> crate::error::Result<()> {
    // Taken off the front in order, without moving the rest each time.
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(INSERT_CHUNK).collect();
        <A::Entity as sea_orm::EntityTrait>::insert_many(chunk)
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}
