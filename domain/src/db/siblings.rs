//! Side-by-side reads within one request. A request reads through one connection (on
//! PostgreSQL one transaction), so its statements run one after the other, and while the
//! database executes one the other core decodes nothing. A read made of independent heavy
//! statements (a team's metrics: incidents, deployments and changes of a year) runs some of
//! them *beside* itself, on sibling connections reading the same workspace.
//!
//! A server's siblings run on reader threads of their own, with a pool whose connections
//! belong to those threads. The request itself runs on one actix worker thread, and decoding
//! the rows of all its reads there kept that thread busy for two thirds of a cold team query
//! while the other core idled (measured with `perf`). A connection serves only the threads of
//! the runtime that opened it, hence the separate pool.
//!
//! Siblings see what the request's own connection sees: PostgreSQL's default isolation (READ
//! COMMITTED) gives every statement its own snapshot anyway, and the fact tables siblings read
//! are written by ingestion only, never by the request itself.
//!
//! They are an optimisation, never a requirement: when none is free right now the caller runs
//! everything on its own connection. A request never waits for a permit. There are as many
//! permits as this host has cores: siblings exist to put idle cores to work, and under full
//! load, when no core is idle, the extra transactions only cost (measured: 16 clients of cold
//! team metrics).

use std::{
    future::Future,
    pin::Pin,
    sync::{Arc, OnceLock},
    task::{Context, Poll},
};

use sea_orm::{
    AccessMode, ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction,
};
use tokio::{
    runtime::{Handle, Runtime},
    sync::{OwnedSemaphorePermit, Semaphore},
    task::JoinHandle,
};
use uuid::Uuid;

use super::{StatementCounter, tenant::TenantConnection};
use crate::{Error, Result};

/// A connection that can run independent reads beside itself.
pub trait Siblings: ConnectionTrait + Sync {
    type Sibling: ConnectionTrait + Send + Sync + 'static;

    /// Starts `read` on a further connection reading the same workspace, if one is free right
    /// now; `None` tells the caller to read on this connection instead.
    fn beside<T, F, Fut>(&self, read: F) -> Option<Beside<T>>
    where
        F: FnOnce(Self::Sibling) -> Fut + Send + 'static,
        Fut: Future<Output = Result<T>> + Send + 'static,
        T: Send + 'static;
}

/// A read running beside the request. Dropping it (the request was cancelled) stops the read.
pub struct Beside<T>(JoinHandle<Result<T>>);

impl<T: Send + 'static> Beside<T> {
    fn spawn_on(runtime: &Handle, read: impl Future<Output = Result<T>> + Send + 'static) -> Self {
        Self(runtime.spawn(read))
    }
}

impl<T> Future for Beside<T> {
    type Output = Result<T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T>> {
        Pin::new(&mut self.0).poll(cx).map(|joined| {
            joined.unwrap_or_else(|e| Err(Error::Internal(format!("sibling read failed: {e}"))))
        })
    }
}

impl<T> Drop for Beside<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// `beside` if it was started, else `here` (a read of the same thing on the request's own
/// connection, which is only run in that case).
pub async fn beside_or<T>(
    beside: Option<Beside<T>>,
    here: impl Future<Output = Result<T>>,
) -> Result<T> {
    match beside {
        Some(read) => read.await,
        None => here.await,
    }
}

/// The threads siblings of every store of this process run on, one per core. Never shut
/// down: a runtime cannot be dropped from async code, and the threads idle when unused.
fn reader_threads() -> &'static Runtime {
    static READERS: OnceLock<Runtime> = OnceLock::new();
    READERS.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(cores())
            .thread_name("wayfinder-reader")
            .enable_all()
            .build()
            // Only fails when the OS refuses new threads, which no request could survive.
            .expect("the reader threads start")
    })
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// Siblings at a time beside a pool of `max_connections`: one per core, at most half the pool.
fn permits(max_connections: u32) -> usize {
    cores().min(max_connections as usize / 2)
}

/// Where a [`TenantConnection`] draws siblings from, with the permits that bound them.
#[derive(Clone)]
pub struct SiblingPool {
    conn: Option<DatabaseConnection>,
    /// The runtime `conn`'s connections belong to, which the reads run on.
    runtime: Handle,
    permits: Arc<Semaphore>,
}

impl SiblingPool {
    /// Siblings on the reader threads, from a pool of their own opened there with `options`
    /// (whose `max_connections` is the main pool's): one connection and one permit per core,
    /// at most half as many as the main pool has, none with a pool of one.
    pub async fn on_reader_threads(mut options: ConnectOptions) -> Result<Self> {
        let permits = permits(options.get_max_connections().unwrap_or(1));
        if permits == 0 {
            return Ok(Self::none());
        }
        options.max_connections(permits as u32).min_connections(1);
        let runtime = reader_threads().handle().clone();
        let conn = runtime
            .spawn(async move { Database::connect(options).await })
            .await
            .map_err(|e| Error::Internal(format!("opening the reader pool failed: {e}")))??;
        Ok(Self {
            conn: Some(conn),
            runtime,
            permits: Arc::new(Semaphore::new(permits)),
        })
    }

    /// Siblings from `conn` itself, run on the caller's runtime (which `conn` belongs to). At
    /// most half of `max_connections`, so that requests holding a connection can never leave
    /// their siblings none.
    pub fn within(conn: DatabaseConnection, max_connections: u32) -> Self {
        Self {
            conn: Some(conn),
            runtime: Handle::current(),
            permits: Arc::new(Semaphore::new(permits(max_connections))),
        }
    }

    fn none() -> Self {
        Self {
            conn: None,
            runtime: Handle::current(),
            permits: Arc::new(Semaphore::new(0)),
        }
    }

    /// Starts `read` on a sibling scoped to `workspace_id`, or `None` when every permit is taken.
    pub(super) fn start<T, F, Fut>(
        &self,
        workspace_id: Uuid,
        statements: Option<StatementCounter>,
        read: F,
    ) -> Option<Beside<T>>
    where
        F: FnOnce(TenantConnection) -> Fut + Send + 'static,
        Fut: Future<Output = Result<T>> + Send + 'static,
        T: Send + 'static,
    {
        let conn = self.conn.clone()?;
        let permit = self.permits.clone().try_acquire_owned().ok()?;
        Some(Beside::spawn_on(&self.runtime, async move {
            let sibling =
                TenantConnection::open(&conn, workspace_id, Some(AccessMode::ReadOnly)).await?;
            let sibling = match statements {
                Some(counter) => sibling.counting(counter),
                None => sibling,
            };
            read(sibling.holding(permit)).await
        }))
    }
}

impl Siblings for TenantConnection {
    type Sibling = TenantConnection;

    fn beside<T, F, Fut>(&self, read: F) -> Option<Beside<T>>
    where
        F: FnOnce(TenantConnection) -> Fut + Send + 'static,
        Fut: Future<Output = Result<T>> + Send + 'static,
        T: Send + 'static,
    {
        self.start_sibling(read)
    }
}

/// A pool is its own sibling: every statement draws a connection of its own. Used by tests and
/// platform operations, which read without a tenant scope.
impl Siblings for DatabaseConnection {
    type Sibling = DatabaseConnection;

    fn beside<T, F, Fut>(&self, read: F) -> Option<Beside<T>>
    where
        F: FnOnce(DatabaseConnection) -> Fut + Send + 'static,
        Fut: Future<Output = Result<T>> + Send + 'static,
        T: Send + 'static,
    {
        Some(Beside::spawn_on(&Handle::current(), read(self.clone())))
    }
}

/// A transaction has writes of its own that no other connection sees: no siblings.
impl Siblings for DatabaseTransaction {
    type Sibling = DatabaseConnection;

    fn beside<T, F, Fut>(&self, _read: F) -> Option<Beside<T>>
    where
        F: FnOnce(DatabaseConnection) -> Fut + Send + 'static,
        Fut: Future<Output = Result<T>> + Send + 'static,
        T: Send + 'static,
    {
        None
    }
}

/// Keeps the permit for as long as the sibling lives.
pub(super) type Permit = OwnedSemaphorePermit;
