//! Side-by-side reads within one request. A request reads through one connection (on
//! PostgreSQL one transaction), so its statements run one after the other, and while the
//! database executes one the other core decodes nothing. A read made of independent heavy
//! statements (a team's metrics: incidents, deployments and changes of a year) asks for
//! *siblings*, further connections reading the same workspace, and runs its statements on them
//! at once.
//!
//! Siblings see what the request's own connection sees: PostgreSQL's default isolation (READ
//! COMMITTED) gives every statement its own snapshot anyway, and the fact tables siblings read
//! are written by ingestion only, never by the request itself.
//!
//! They are an optimisation, never a requirement: when none is free right now the caller runs
//! everything on its own connection. A request never waits for a permit. There are as many
//! permits as this host has cores (at most half the pool): siblings exist to put idle cores to
//! work, and under full load, when no core is idle, the extra transactions only cost (measured:
//! 16 clients of cold team metrics). And requests that hold a connection while their siblings
//! wait for one can never hold the whole pool, so the others finish and free theirs.

use std::sync::Arc;

use sea_orm::{AccessMode, ConnectionTrait, DatabaseConnection, DatabaseTransaction};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use uuid::Uuid;

use super::{StatementCounter, tenant::TenantConnection};
use crate::Result;

/// A connection that can open siblings for independent reads.
#[async_trait::async_trait]
pub trait Siblings: ConnectionTrait + Sync {
    type Sibling: ConnectionTrait + Send + Sync;

    /// A further connection reading the same workspace, if one is free right now.
    async fn sibling(&self) -> Result<Option<Self::Sibling>>;
}

/// The pool a [`TenantConnection`] draws siblings from, with the permits that bound them.
#[derive(Clone)]
pub struct SiblingPool {
    conn: DatabaseConnection,
    permits: Arc<Semaphore>,
}

impl SiblingPool {
    /// Siblings for requests on `conn`: as many at a time as this host has cores, and at most
    /// half of `max_connections`.
    pub fn new(conn: DatabaseConnection, max_connections: u32) -> Self {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        let permits = cores.min(max_connections as usize / 2);
        Self {
            conn,
            permits: Arc::new(Semaphore::new(permits)),
        }
    }

    /// A sibling scoped to `workspace_id`, or `None` when every permit is taken.
    pub(super) async fn open(
        &self,
        workspace_id: Uuid,
        statements: Option<StatementCounter>,
    ) -> Result<Option<TenantConnection>> {
        let Ok(permit) = self.permits.clone().try_acquire_owned() else {
            return Ok(None);
        };
        let sibling =
            TenantConnection::open(&self.conn, workspace_id, Some(AccessMode::ReadOnly)).await?;
        let sibling = match statements {
            Some(counter) => sibling.counting(counter),
            None => sibling,
        };
        Ok(Some(sibling.holding(permit)))
    }
}

#[async_trait::async_trait]
impl Siblings for TenantConnection {
    type Sibling = TenantConnection;

    async fn sibling(&self) -> Result<Option<TenantConnection>> {
        self.open_sibling().await
    }
}

/// A pool is its own sibling: every statement draws a connection of its own. Used by tests and
/// platform operations, which read without a tenant scope.
#[async_trait::async_trait]
impl Siblings for DatabaseConnection {
    type Sibling = DatabaseConnection;

    async fn sibling(&self) -> Result<Option<DatabaseConnection>> {
        Ok(Some(self.clone()))
    }
}

/// A transaction has writes of its own that no other connection sees: no siblings.
#[async_trait::async_trait]
impl Siblings for DatabaseTransaction {
    type Sibling = DatabaseConnection;

    async fn sibling(&self) -> Result<Option<DatabaseConnection>> {
        Ok(None)
    }
}

/// Keeps the permit for as long as the sibling lives.
pub(super) type Permit = OwnedSemaphorePermit;
