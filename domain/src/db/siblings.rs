//! Side-by-side reads within one request. A request reads through one connection (on
//! PostgreSQL one transaction), so its statements run one after the other, and while the
//! database executes one the other core decodes nothing. A read made of independent heavy
//! statements (a team's metrics: incidents, deployments and changes of a year) runs some of
//! them *beside* itself, on sibling connections reading the same workspace.
//!
//! A request that runs alone gets its siblings on reader threads of their own, with a pool whose
//! connections belong to those threads. The request itself runs on one actix worker thread, and
//! decoding the rows of all its reads there kept that thread busy for two thirds of a cold team
//! query while the other core idled (measured with `perf`). A connection is served by the
//! runtime that opened it, hence the separate pool. While other requests run, siblings stay on
//! the request's thread (see [`SiblingPool`]).
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
    sync::{
        Arc, OnceLock,
        atomic::{AtomicUsize, Ordering},
    },
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

use super::{StatementCounter, cancel::Canceller, tenant::TenantConnection};
use crate::error::{Error, Result};

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

    /// Whether this connection's request is the only one in flight, so that cores idle: a read
    /// may then spend CPU to finish sooner. Under load the cheaper way is the faster one.
    fn runs_alone(&self) -> bool;
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
///
/// A request that runs alone gets its siblings on the reader threads, where they use the idle
/// core. When other requests are in flight, no core idles, and extra threads only add switching
/// and cache misses: then siblings come from the main pool and run on the request's own thread
/// (BENCHMARKS.md has both measured under 16 clients of cold team metrics).
#[derive(Clone)]
pub struct SiblingPool {
    /// On the reader threads, with connections opened there; `None` in tests over a bare pool.
    readers: Option<Lane>,
    /// From the main pool, on the caller's runtime.
    within: Lane,
    /// Requests reading through this store right now (see [`InFlight`]).
    in_flight: Arc<AtomicUsize>,
    /// Cancels a sibling's statement when the sibling is dropped while it runs.
    canceller: Option<Canceller>,
}

#[derive(Clone)]
struct Lane {
    conn: DatabaseConnection,
    /// The runtime the reads run on; `None`: the caller's.
    runtime: Option<Handle>,
    permits: Arc<Semaphore>,
}

impl Lane {
    fn new(conn: DatabaseConnection, runtime: Option<Handle>, permits: usize) -> Self {
        Self {
            conn,
            runtime,
            permits: Arc::new(Semaphore::new(permits)),
        }
    }
}

impl SiblingPool {
    /// Siblings for a server over `main`, a pool of `max_connections`: on the reader threads
    /// (from a pool of their own, opened there with `options`) while a request runs alone,
    /// from `main` otherwise. One permit per core in each lane, at most half of
    /// `max_connections`; none with a pool of one.
    pub async fn on_reader_threads(
        main: DatabaseConnection,
        mut options: ConnectOptions,
        max_connections: u32,
    ) -> Result<Self> {
        let mut pool = Self::within(main, max_connections);
        let permits = permits(max_connections);
        if permits == 0 {
            return Ok(pool);
        }
        // Lazy: a CLI command that never reads metrics opens no connection for it at start-up;
        // a server's pool fills in the background.
        options
            .max_connections(permits as u32)
            .min_connections(1)
            .connect_lazy(true);
        let runtime = reader_threads().handle().clone();
        let conn = runtime
            .spawn(async move { Database::connect(options).await })
            .await
            .map_err(|e| Error::Internal(format!("opening the reader pool failed: {e}")))??;
        pool.readers = Some(Lane::new(conn, Some(runtime), permits));
        Ok(pool)
    }

    /// Siblings from `conn` itself, on the caller's runtime, at most half of `max_connections`
    /// at a time, so that requests holding a connection can never leave their siblings none.
    pub fn within(conn: DatabaseConnection, max_connections: u32) -> Self {
        Self {
            readers: None,
            within: Lane::new(conn, None, permits(max_connections)),
            in_flight: Arc::default(),
            canceller: None,
        }
    }

    /// Siblings whose statements `canceller` cancels when they are dropped while running.
    pub(super) fn cancelled_by(self, canceller: Option<Canceller>) -> Self {
        Self { canceller, ..self }
    }

    /// Counts a request as in flight until the guard is dropped.
    pub(super) fn enter(&self) -> InFlight {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight(self.in_flight.clone())
    }

    /// No other request reads through this store right now.
    pub(super) fn alone(&self) -> bool {
        self.in_flight.load(Ordering::Relaxed) <= 1
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
        let lane = match &self.readers {
            Some(readers) if self.alone() => readers,
            _ => &self.within,
        };
        let permit = lane.permits.clone().try_acquire_owned().ok()?;
        let conn = lane.conn.clone();
        let canceller = self.canceller.clone();
        let task = async move {
            let sibling = TenantConnection::open(
                &conn,
                workspace_id,
                Some(AccessMode::ReadOnly),
                canceller.as_ref(),
            )
            .await?;
            let sibling = match statements {
                Some(counter) => sibling.counting(counter),
                None => sibling,
            };
            read(sibling.holding(permit)).await
        };
        let runtime = lane.runtime.clone().unwrap_or_else(Handle::current);
        Some(Beside::spawn_on(&runtime, task))
    }
}

/// A request in flight, counted by its [`SiblingPool`] until dropped.
pub(super) struct InFlight(Arc<AtomicUsize>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
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

    fn runs_alone(&self) -> bool {
        self.alone()
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

    /// Tests and platform operations read one thing at a time.
    fn runs_alone(&self) -> bool {
        true
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

    /// A transaction writes: never a reason to spend more on a read.
    fn runs_alone(&self) -> bool {
        false
    }
}

/// Keeps the permit for as long as the sibling lives.
pub(super) type Permit = OwnedSemaphorePermit;
