//! The connection pool and the transactions drawn from it.
//!
//! SQLite allows one writer at a time and answers a second one with "database is locked" when a
//! read transaction tries to upgrade. Rather than retry, writers queue on an in-process lock
//! (SQLite is only ever used by one process), while readers run concurrently under WAL.
//! PostgreSQL needs no such lock.

use std::{sync::Arc, time::Duration};

use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseBackend, DatabaseConnection,
    DatabaseTransaction, SqliteTransactionMode, TransactionOptions, TransactionTrait,
    sqlx::{
        Executor,
        sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous},
    },
};
use tokio::sync::{Mutex, OwnedMutexGuard};
use uuid::Uuid;

use super::{
    cancel::Canceller,
    siblings::SiblingPool,
    tenant::{TenantConnection, enter_workspace},
};
use crate::error::{Error, Result};

#[derive(Clone)]
pub struct Store {
    conn: DatabaseConnection,
    /// SQLite: the pool bulk work runs on (see [`Store::bulk_tenant`]); `None` runs it on `conn`.
    bulk: Option<DatabaseConnection>,
    writer: Option<Arc<Mutex<()>>>,
    siblings: SiblingPool,
    /// PostgreSQL: cancels the statements of a request's transactions dropped while they run.
    canceller: Option<Canceller>,
}

/// Pool and timeout settings; the defaults suit a small service.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    pub max_connections: u32,
    pub acquire_timeout: Duration,
    /// PostgreSQL only: the role every pooled connection switches to (`SET ROLE`) before use.
    /// The migrations create `wayfinder_app` without superuser or `BYPASSRLS`, so row-level
    /// security applies to the server even when its login user owns the tables. `None` keeps
    /// the login role (CLI platform operations, migrations).
    pub tenant_role: Option<String>,
    /// A pooled connection idle at least this long is pinged before a request gets it, so one
    /// the server dropped meanwhile (a restart, an idle timeout) is replaced rather than failing
    /// the request. Busy connections are not pinged: sqlx's default pings on every acquire,
    /// one round trip more per request for a check that cannot fail between back-to-back uses.
    pub ping_after_idle: Duration,
    /// PostgreSQL only: the longest any one statement may run (`statement_timeout` on every
    /// pooled connection). A server sets its request timeout: no statement is of use after
    /// the request that wanted it has been answered.
    pub statement_timeout: Option<Duration>,
    /// SQLite only: how much of the database file each connection reads through a memory map
    /// (`mmap_size`); 0 reads every page into SQLite's own cache instead. Mapped pages are the
    /// kernel's page cache of the file, shared and reclaimable, but they count in the process's
    /// resident set, so a host that caps RSS tightly can turn the map off.
    pub sqlite_mmap_bytes: u64,
}

/// SQLite's compile-time cap on `mmap_size` on Linux: the whole file stays mapped as it grows,
/// and past it SQLite reads as without a map.
pub const SQLITE_MMAP_CAP: u64 = 2_147_418_112;

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            max_connections: 16,
            acquire_timeout: Duration::from_secs(10),
            tenant_role: None,
            ping_after_idle: Duration::from_secs(1),
            statement_timeout: None,
            sqlite_mmap_bytes: SQLITE_MMAP_CAP,
        }
    }
}

impl Store {
    pub async fn connect(url: &str, options: &StoreOptions) -> Result<Self> {
        let mut connect = ConnectOptions::new(url.to_owned());
        let mmap_bytes = options.sqlite_mmap_bytes;
        connect
            .max_connections(options.max_connections)
            .min_connections(1)
            .acquire_timeout(options.acquire_timeout)
            .test_before_acquire_if_idle_for(options.ping_after_idle)
            .sqlx_logging(false)
            .map_sqlx_sqlite_opts(move |o| sqlite_settings(o, mmap_bytes, SERVING_CACHE_KIB));
        let postgres = url.starts_with("postgres");
        // Settings every pooled PostgreSQL connection starts its session with.
        let mut session = Vec::new();
        if let Some(role) = options.tenant_role.as_ref().filter(|_| postgres) {
            if !role.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(Error::invalid("tenant_role", "must be a plain role name"));
            }
            session.push(format!("SET ROLE {role}"));
        }
        if let Some(timeout) = options.statement_timeout.filter(|_| postgres) {
            session.push(format!("SET statement_timeout = {}", timeout.as_millis()));
        }
        if !session.is_empty() {
            let sql = session.join("; ");
            connect.map_sqlx_postgres_pool_opts(move |pool| {
                let sql = sql.clone();
                pool.after_connect(move |conn, _| {
                    let sql = sql.clone();
                    Box::pin(async move {
                        conn.execute(sea_orm::sqlx::raw_sql(sea_orm::sqlx::AssertSqlSafe(sql)))
                            .await
                            .map(|_| ())
                    })
                })
            });
        }
        let conn = Database::connect(connect.clone()).await?;
        let bulk = if postgres {
            None
        } else {
            let mut bulk = connect.clone();
            bulk.max_connections(BULK_CONNECTIONS)
                .min_connections(0)
                .map_sqlx_sqlite_opts(|o| {
                    sqlite_settings(o, 0, BULK_CACHE_KIB)
                        .statement_cache_capacity(BULK_STATEMENTS_KEPT)
                });
            Some(Database::connect(bulk).await?)
        };
        let canceller = postgres.then(|| Canceller::lazy(url)).transpose()?;
        let siblings =
            SiblingPool::on_reader_threads(conn.clone(), connect, options.max_connections)
                .await?
                .cancelled_by(canceller.clone());
        Ok(Self {
            canceller,
            bulk,
            ..Self::over(conn, siblings)
        })
    }

    /// A store over an open pool of at most `max_connections`, which its siblings share (on
    /// the caller's runtime).
    pub fn from_connection(conn: DatabaseConnection, max_connections: u32) -> Self {
        let siblings = SiblingPool::within(conn.clone(), max_connections);
        Self::over(conn, siblings)
    }

    fn over(conn: DatabaseConnection, siblings: SiblingPool) -> Self {
        let writer = (conn.get_database_backend() == DatabaseBackend::Sqlite)
            .then(|| Arc::new(Mutex::new(())));
        Self {
            conn,
            bulk: None,
            writer,
            siblings,
            canceller: None,
        }
    }

    pub fn connection(&self) -> &DatabaseConnection {
        &self.conn
    }

    pub fn backend(&self) -> DatabaseBackend {
        self.conn.get_database_backend()
    }

    /// A transaction for a request that writes to `workspace_id`. Dropping it without `commit`
    /// rolls back, so a rejected request leaves nothing behind.
    pub async fn begin_write(&self, workspace_id: Uuid) -> Result<WriteTransaction> {
        self.begin_workspace_write_on(&self.conn, workspace_id)
            .await
    }

    /// A write transaction not (yet) scoped to one workspace: creating a workspace, or a
    /// platform operation that enters each workspace it touches itself.
    pub async fn begin_platform_write(&self) -> Result<WriteTransaction> {
        self.begin_write_on(&self.conn).await
    }

    /// A write transaction for bulk work in `workspace_id` (an import), on the bulk pool (see
    /// [`Store::bulk_tenant`]).
    pub async fn begin_bulk_write(&self, workspace_id: Uuid) -> Result<WriteTransaction> {
        self.begin_workspace_write_on(self.bulk_pool(), workspace_id)
            .await
    }

    async fn begin_workspace_write_on(
        &self,
        pool: &DatabaseConnection,
        workspace_id: Uuid,
    ) -> Result<WriteTransaction> {
        let tx = self.begin_write_on(pool).await?;
        enter_workspace(&*tx, workspace_id).await?;
        Ok(tx)
    }

    async fn begin_write_on(&self, pool: &DatabaseConnection) -> Result<WriteTransaction> {
        let guard = match &self.writer {
            Some(lock) => Some(lock.clone().lock_owned().await),
            None => None,
        };
        // IMMEDIATE takes SQLite's write lock at BEGIN, waiting out the busy timeout if another
        // connection holds it. A deferred transaction that reads first and writes later fails at
        // once with SQLITE_BUSY when anything committed in between, since SQLite cannot move
        // its snapshot forward; the in-process writer lock does not cover every writer (another
        // process, a maintenance statement), so the transaction must not rely on it alone.
        let options = TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        };
        let tx = pool.begin_with_options(options).await?;
        Ok(WriteTransaction { tx, _guard: guard })
    }

    /// The connection a request reads `workspace_id` through (see [`TenantConnection`]), able
    /// to open [`super::Siblings`].
    pub async fn tenant(&self, workspace_id: Uuid) -> Result<TenantConnection> {
        let conn =
            TenantConnection::open(&self.conn, workspace_id, None, self.canceller.as_ref()).await?;
        Ok(conn.with_siblings(self.siblings.clone(), workspace_id))
    }

    /// The connection bulk work reads `workspace_id` through: an export, which reads every
    /// fact sheet and relation once. On SQLite that is a pool of its own, without the memory map
    /// and with small caches: through the map every page a stream touched would stay in the
    /// process's resident set (a `--scale max` export alone mapped ~600 MB), and the serving
    /// pool's 64 MiB caches would fill with pages nobody reads again.
    pub async fn bulk_tenant(&self, workspace_id: Uuid) -> Result<TenantConnection> {
        TenantConnection::open(
            self.bulk_pool(),
            workspace_id,
            None,
            self.canceller.as_ref(),
        )
        .await
    }

    fn bulk_pool(&self) -> &DatabaseConnection {
        self.bulk.as_ref().unwrap_or(&self.conn)
    }

    /// Refreshes the query planner's statistics after a bulk load (`ANALYZE`). The planner
    /// otherwise guesses from stale or missing figures (on PostgreSQL until autovacuum catches
    /// up, which may be switched off) and picks plans ten times slower. PostgreSQL also gets
    /// the `VACUUM` autovacuum would run: it marks the new pages all-visible, without which no
    /// covering index is read index-only.
    pub async fn refresh_statistics(&self) -> Result<()> {
        let sql = match self.backend() {
            DatabaseBackend::Postgres => "VACUUM (ANALYZE)",
            _ => "ANALYZE",
        };
        self.conn.execute_unprepared(sql).await?;
        Ok(())
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

/// Page cache per serving connection, in KiB: 64 MiB instead of SQLite's 2 MiB. The event
/// tables' indexes outgrow 2 MiB within the first 100,000 events, and every insert then reads
/// its index pages back from the OS.
const SERVING_CACHE_KIB: u32 = 65_536;

/// Page cache per bulk connection, in KiB (see [`Store::bulk_tenant`]): a stream reads each
/// page once, and a transaction larger than any cache spills its written pages to the log as
/// the cache fills, so a large cache would only hold pages nobody reads again.
const BULK_CACHE_KIB: u32 = 2_048;

/// Prepared statements each bulk connection keeps, instead of sqlx's 100: bulk statements
/// carry thousands of values (multi-row inserts, long `IN` lists), each compiled program takes
/// megabytes, and their shapes vary with the batch, so few are run twice.
const BULK_STATEMENTS_KEPT: usize = 8;

/// Connections of the bulk pool: an import (the one writer) and exports beside it.
const BULK_CONNECTIONS: u32 = 4;

/// The settings of every SQLite connection, with `mmap_bytes` of the file read through a memory
/// map and a page cache of `cache_kib`.
fn sqlite_settings(
    o: SqliteConnectOptions,
    mmap_bytes: u64,
    cache_kib: u32,
) -> SqliteConnectOptions {
    o.create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(10))
        .foreign_keys(true)
        .pragma("cache_size", format!("-{cache_kib}"))
        // Checkpoint every 40 MiB of WAL rather than every 4 MiB: event ingestion
        // dirties pages all over the indexes, and a page rewritten by several
        // batches between two checkpoints is copied back to the database once.
        .pragma("wal_autocheckpoint", "10000")
        // sqlx runs each SQLite connection on a thread of its own and hands rows
        // to the reader through a channel of 50. A cold team metrics query reads
        // ~35,000 rows, and a deeper channel lets that thread run ahead instead of
        // waiting on the reader (cold p50 -6 to -11 % in six alternated pairs).
        // Every read collects all its rows, so the extra rows cost no memory the
        // result would not hold anyway.
        .row_buffer_size(1024)
        // Reads through a memory map of the database file instead of copying each
        // page into SQLite's cache (pcache fetches and copies stood out in `perf`
        // of a cold team metrics query; p50 -18 to -25 %, p95 -17 to -28 % with
        // the map, at 1,000,000 events). The cost, as SQLite documents: an I/O
        // error on a mapped page stops the process (SIGBUS) instead of failing one
        // statement. That is the usual trade for an embedded store on a local disk;
        // PostgreSQL is the production store.
        .pragma("mmap_size", mmap_bytes.to_string())
}
