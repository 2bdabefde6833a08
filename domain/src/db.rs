//! Opening the database and drawing transactions from it.
//!
//! SQLite allows one writer at a time and answers a second one with "database is locked" when a
//! read transaction tries to upgrade. Rather than retry, writers queue on an in-process lock
//! (SQLite is only ever used by one process), while readers run concurrently under WAL.
//! PostgreSQL needs no such lock.

use std::{sync::Arc, time::Duration};

use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseBackend, DatabaseConnection,
    DatabaseTransaction, TransactionTrait,
    sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous},
};
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::Result;

#[derive(Clone)]
pub struct Store {
    conn: DatabaseConnection,
    writer: Option<Arc<Mutex<()>>>,
}

/// Pool and timeout settings; the defaults suit a small service.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    pub max_connections: u32,
    pub acquire_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            max_connections: 16,
            acquire_timeout: Duration::from_secs(10),
        }
    }
}

impl Store {
    pub async fn connect(url: &str, options: &StoreOptions) -> Result<Self> {
        let mut connect = ConnectOptions::new(url.to_owned());
        connect
            .max_connections(options.max_connections)
            .min_connections(1)
            .acquire_timeout(options.acquire_timeout)
            .sqlx_logging(false)
            .map_sqlx_sqlite_opts(|o| {
                o.create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(10))
                    .foreign_keys(true)
            });
        let conn = Database::connect(connect).await?;
        Ok(Self::from_connection(conn))
    }

    pub fn from_connection(conn: DatabaseConnection) -> Self {
        let writer = (conn.get_database_backend() == DatabaseBackend::Sqlite)
            .then(|| Arc::new(Mutex::new(())));
        Self { conn, writer }
    }

    pub fn connection(&self) -> &DatabaseConnection {
        &self.conn
    }

    pub fn backend(&self) -> DatabaseBackend {
        self.conn.get_database_backend()
    }

    /// A transaction for a request that writes. Dropping it without `commit` rolls back, so a
    /// rejected request leaves nothing behind.
    pub async fn begin_write(&self) -> Result<WriteTransaction> {
        let guard = match &self.writer {
            Some(lock) => Some(lock.clone().lock_owned().await),
            None => None,
        };
        let tx = self.conn.begin().await?;
        Ok(WriteTransaction { tx, _guard: guard })
    }

    pub async fn ping(&self) -> Result<()> {
        self.conn.ping().await?;
        Ok(())
    }
}

pub struct WriteTransaction {
    tx: DatabaseTransaction,
    _guard: Option<OwnedMutexGuard<()>>,
}

impl WriteTransaction {
    pub async fn commit(self) -> Result<()> {
        self.tx.commit().await?;
        Ok(())
    }
}

impl std::ops::Deref for WriteTransaction {
    type Target = DatabaseTransaction;

    fn deref(&self) -> &Self::Target {
        &self.tx
    }
}

/// True when the statement runs on PostgreSQL; used where the two dialects need different SQL.
pub fn is_postgres(db: &impl ConnectionTrait) -> bool {
    db.get_database_backend() == DatabaseBackend::Postgres
}
