//! Tenant isolation in the database itself. Every domain query filters by workspace; on
//! PostgreSQL row-level security enforces the same again, so a query that forgot its filter
//! still returns nothing foreign. The policies compare `workspace_id` with the transaction-local
//! setting [`WORKSPACE_SETTING`], which [`enter_workspace`] sets at the start of every
//! transaction that touches tenant data. Outside such a transaction the setting is empty and
//! the policies match no row at all: forgetting to enter a workspace fails closed.

use sea_orm::{
    AccessMode, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, ExecResult, QueryResult,
    Statement,
};
use uuid::Uuid;

use super::{
    StatementCounter,
    cancel::Canceller,
    is_postgres,
    scoped_transaction::{ScopedTransaction, is_not_live_db},
    siblings::{InFlight, Permit, SiblingPool},
};
use crate::error::Result;

/// The PostgreSQL setting the row-level security policies read.
pub const WORKSPACE_SETTING: &str = "wayfinder.workspace_id";

/// Scopes the current transaction to `workspace_id` (PostgreSQL; a no-op on SQLite, which has
/// no row-level security and relies on the domain's filters). Transaction-local, so a pooled
/// connection never carries one tenant's scope into another's request.
///
/// The same statement (the function `wayfinder_enter_workspace`, which the migrations create)
/// checks that the workspace is live: a deleted one gets no scope and the
/// caller [`Error::Unauthenticated`](crate::error::Error::Unauthenticated), so its tokens stop working
/// at the next transaction. This is what lets the workspace cache above skip the look-up.
pub async fn enter_workspace(db: &impl ConnectionTrait, workspace_id: Uuid) -> Result<()> {
    if is_postgres(db) {
        db.query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT wayfinder_enter_workspace($1)",
            [workspace_id.into()],
        ))
        .await
        .map_err(|e| {
            if is_not_live_db(&e) {
                crate::error::Error::Unauthenticated
            } else {
                e.into()
            }
        })?;
    }
    Ok(())
}

/// Scopes the current transaction to no workspace at all, so the policies match no row, in the
/// one round trip [`enter_workspace`] takes (PostgreSQL; a no-op on SQLite, like it). For work
/// that must cost the same whether or not the workspace it was asked about exists.
pub async fn enter_no_workspace(db: &impl ConnectionTrait) -> Result<()> {
    if is_postgres(db) {
        db.query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT set_config($1, '', true)",
            [WORKSPACE_SETTING.into()],
        ))
        .await?;
    }
    Ok(())
}

/// The connection one request reads a workspace through: on PostgreSQL a [`ScopedTransaction`]
/// (begun and scoped in one round trip), on SQLite the shared pool (a transaction there would
/// pin a snapshot and hide the request's own writes, which commit on another connection).
pub struct TenantConnection {
    link: Link,
    /// Set only when statements are being counted (a debug option); `None` costs nothing.
    statements: Option<StatementCounter>,
    /// Where [`super::Siblings`] come from, and the workspace they are scoped to.
    siblings: Option<(SiblingPool, Uuid)>,
    /// A sibling holds one of its pool's permits until it is dropped.
    _permit: Option<Permit>,
    /// A request's connection counts as in flight for its sibling pool while it lives.
    _in_flight: Option<InFlight>,
}

enum Link {
    Shared(DatabaseConnection),
    Scoped(ScopedTransaction),
}

impl TenantConnection {
    /// A connection of `pool` reading `workspace_id`: on PostgreSQL a [`ScopedTransaction`] (in
    /// `access` mode when given, its statements cancelled by `canceller` when it is dropped
    /// while they run), on SQLite the shared pool.
    pub(super) async fn open(
        pool: &DatabaseConnection,
        workspace_id: Uuid,
        access: Option<AccessMode>,
        canceller: Option<&Canceller>,
    ) -> Result<Self> {
        if is_postgres(pool) {
            let tx = ScopedTransaction::begin(
                pool.get_postgres_connection_pool(),
                workspace_id,
                access,
                canceller,
            )
            .await?;
            Ok(Self::over(Link::Scoped(tx)))
        } else {
            Ok(Self::shared(pool.clone()))
        }
    }

    pub fn shared(conn: DatabaseConnection) -> Self {
        Self::over(Link::Shared(conn))
    }

    fn over(link: Link) -> Self {
        Self {
            link,
            statements: None,
            siblings: None,
            _permit: None,
            _in_flight: None,
        }
    }

    /// Lets independent reads of this request open siblings scoped to `workspace_id`.
    pub fn with_siblings(self, pool: SiblingPool, workspace_id: Uuid) -> Self {
        Self {
            _in_flight: Some(pool.enter()),
            siblings: Some((pool, workspace_id)),
            ..self
        }
    }

    pub(super) fn holding(self, permit: Permit) -> Self {
        Self {
            _permit: Some(permit),
            ..self
        }
    }

    /// Whether no other request reads through this connection's store (see
    /// [`super::Siblings::runs_alone`]); a connection without siblings never claims so.
    pub(super) fn alone(&self) -> bool {
        self.siblings.as_ref().is_some_and(|(pool, _)| pool.alone())
    }

    pub(super) fn start_sibling<T, F, Fut>(&self, read: F) -> Option<super::Beside<T>>
    where
        F: FnOnce(TenantConnection) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = Result<T>> + Send + 'static,
        T: Send + 'static,
    {
        let (pool, workspace_id) = self.siblings.as_ref()?;
        pool.start(*workspace_id, self.statements.clone(), read)
    }

    /// Counts every statement run through this connection into `counter`.
    pub fn counting(self, counter: StatementCounter) -> Self {
        Self {
            statements: Some(counter),
            ..self
        }
    }

    fn count_one(&self) {
        if let Some(counter) = &self.statements {
            counter.add_one();
        }
    }
}

/// Forwards to whichever connection this is.
macro_rules! delegate {
    ($self:ident, $c:ident => $call:expr) => {
        match &$self.link {
            Link::Shared($c) => $call,
            Link::Scoped($c) => $call,
        }
    };
}

#[async_trait::async_trait]
impl ConnectionTrait for TenantConnection {
    fn get_database_backend(&self) -> DbBackend {
        delegate!(self, c => c.get_database_backend())
    }
    async fn execute_raw(&self, stmt: Statement) -> std::result::Result<ExecResult, DbErr> {
        self.count_one();
        delegate!(self, c => c.execute_raw(stmt).await)
    }
    async fn execute_unprepared(&self, sql: &str) -> std::result::Result<ExecResult, DbErr> {
        self.count_one();
        delegate!(self, c => c.execute_unprepared(sql).await)
    }
    async fn query_one_raw(
        &self,
        stmt: Statement,
    ) -> std::result::Result<Option<QueryResult>, DbErr> {
        self.count_one();
        delegate!(self, c => c.query_one_raw(stmt).await)
    }
    async fn query_all_raw(&self, stmt: Statement) -> std::result::Result<Vec<QueryResult>, DbErr> {
        self.count_one();
        delegate!(self, c => c.query_all_raw(stmt).await)
    }
}
