//! A request's transaction on PostgreSQL, begun and scoped to its workspace in one round trip.
//!
//! sea-orm's transaction sends `BEGIN` as a message of its own (and `SET TRANSACTION READ ONLY`
//! as another), so a request paid a round trip for each before the scope and then its first
//! statement: four round trips for one fact sheet by id, and PostgreSQL spent as much CPU on
//! them as on the statement. Here the scope and `BEGIN` travel as one simple-protocol message,
//! `SELECT wayfinder_enter_workspace('…'); BEGIN`. Its rows are not read, so a workspace that is
//! not live has to answer with an error (SQLSTATE [`NOT_LIVE`], raised by the function the
//! migrations create). The scope comes first on purpose: PostgreSQL takes statements before a
//! `BEGIN` of the same message into the transaction it begins (so the transaction-local scope
//! holds), and when the scope fails no transaction has begun, so the connection goes back to
//! the pool clean.
//!
//! Statements run over the pooled sqlx connection exactly as sea-orm runs them (prepared, with
//! sea-query's values bound), and rows come back as sea-orm's [`QueryResult`], so the domain's
//! queries do not see the difference. Dropping the transaction queues its `ROLLBACK` without
//! waiting, and the pool's release check flushes it, as with sea-orm's.

use std::sync::Arc;

use sea_orm::{
    AccessMode, ConnectionTrait, DbBackend, DbErr, ExecResult, QueryResult, RuntimeErr, Statement,
    Values,
    sqlx::{self, AssertSqlSafe, PgPool, Postgres, Transaction, query::Query},
};
use sea_query_sqlx::SqlxValues;
use tokio::sync::Mutex;
use uuid::Uuid;

use super::cancel::{Canceller, Unfinished, transaction_name};
use crate::error::{Error, Result};

/// The SQLSTATE `wayfinder_enter_workspace` raises for a workspace that does not exist or was
/// deleted (the migration `m20261202_000110_create_enter_workspace_function` defines both).
pub const NOT_LIVE: &str = "WF401";

/// One pooled PostgreSQL connection inside a transaction scoped to one workspace.
pub struct ScopedTransaction {
    tx: Mutex<Transaction<'static, Postgres>>,
    /// Where a statement still running when this is dropped gets cancelled, and the name it
    /// runs under (see [`super::cancel`]).
    cancel: Option<(Canceller, String)>,
    unfinished: Unfinished,
}

impl ScopedTransaction {
    /// Begins a transaction (in `access` mode when given) on a connection of `pool`, scoped to
    /// `workspace_id`; [`Error::Unauthenticated`] when that workspace is not live. With a
    /// `canceller`, a statement left running when the transaction is dropped is cancelled.
    pub async fn begin(
        pool: &PgPool,
        workspace_id: Uuid,
        access: Option<AccessMode>,
        canceller: Option<&Canceller>,
    ) -> Result<Self> {
        let mode = match access {
            Some(AccessMode::ReadOnly) => " READ ONLY",
            Some(AccessMode::ReadWrite) => " READ WRITE",
            None => "",
        };
        let cancel = canceller.map(|c| (c.clone(), transaction_name()));
        // The name is set transaction-locally, so it goes with the transaction.
        let name = match &cancel {
            Some((_, name)) => format!(", set_config('application_name', '{name}', true)"),
            None => String::new(),
        };
        // A `Uuid` prints as hex digits and dashes only, and so does the name, so inlining them
        // is safe; the simple protocol that lets `BEGIN` share the message has no bind
        // parameters.
        let begin = AssertSqlSafe(format!(
            "SELECT wayfinder_enter_workspace('{}'){name}; BEGIN{mode}",
            workspace_id.hyphenated()
        ));
        match pool.begin_with(begin).await {
            Ok(tx) => Ok(Self {
                tx: Mutex::new(tx),
                cancel,
                unfinished: Unfinished::default(),
            }),
            Err(e) if is_not_live(&e) => Err(Error::Unauthenticated),
            Err(e) => Err(conn_err(e).into()),
        }
    }
}

impl Drop for ScopedTransaction {
    fn drop(&mut self) {
        if self.unfinished.any()
            && let Some((canceller, name)) = self.cancel.take()
        {
            canceller.cancel(name);
        }
    }
}

/// Whether `e` is the error a workspace that is not live raises on entering it.
pub fn is_not_live(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.code().as_deref() == Some(NOT_LIVE))
}

/// [`is_not_live`] for an error that came through sea-orm.
pub fn is_not_live_db(e: &DbErr) -> bool {
    match e {
        DbErr::Query(RuntimeErr::SqlxError(e))
        | DbErr::Exec(RuntimeErr::SqlxError(e))
        | DbErr::Conn(RuntimeErr::SqlxError(e)) => is_not_live(e),
        _ => false,
    }
}

/// A sea-orm statement as sqlx runs it: prepared (and cached per connection), values bound.
/// Takes the statement by value, so its values (hundreds of ids on a traversal) move rather
/// than being copied.
fn query(stmt: Statement) -> Query<'static, Postgres, SqlxValues> {
    let values = stmt.values.unwrap_or(Values(Vec::new()));
    sqlx::query_with(AssertSqlSafe(stmt.sql), SqlxValues(values))
}

fn conn_err(e: sqlx::Error) -> DbErr {
    DbErr::Conn(RuntimeErr::SqlxError(Arc::new(e)))
}

fn exec_err(e: sqlx::Error) -> DbErr {
    DbErr::Exec(RuntimeErr::SqlxError(Arc::new(e)))
}

fn query_err(e: sqlx::Error) -> DbErr {
    DbErr::Query(RuntimeErr::SqlxError(Arc::new(e)))
}

#[async_trait::async_trait]
impl ConnectionTrait for ScopedTransaction {
    fn get_database_backend(&self) -> DbBackend {
        DbBackend::Postgres
    }

    async fn execute_raw(&self, stmt: Statement) -> std::result::Result<ExecResult, DbErr> {
        let mut tx = self.tx.lock().await;
        self.unfinished.begin();
        let done = query(stmt).execute(&mut **tx).await;
        self.unfinished.end();
        Ok(done.map_err(exec_err)?.into())
    }

    async fn execute_unprepared(&self, sql: &str) -> std::result::Result<ExecResult, DbErr> {
        let mut tx = self.tx.lock().await;
        self.unfinished.begin();
        let done = sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
            .execute(&mut **tx)
            .await;
        self.unfinished.end();
        Ok(done.map_err(exec_err)?.into())
    }

    async fn query_one_raw(
        &self,
        stmt: Statement,
    ) -> std::result::Result<Option<QueryResult>, DbErr> {
        let mut tx = self.tx.lock().await;
        self.unfinished.begin();
        let row = query(stmt).fetch_optional(&mut **tx).await;
        self.unfinished.end();
        Ok(row.map_err(query_err)?.map(Into::into))
    }

    async fn query_all_raw(&self, stmt: Statement) -> std::result::Result<Vec<QueryResult>, DbErr> {
        let mut tx = self.tx.lock().await;
        self.unfinished.begin();
        let rows = query(stmt).fetch_all(&mut **tx).await;
        self.unfinished.end();
        Ok(rows
            .map_err(query_err)?
            .into_iter()
            .map(Into::into)
            .collect())
    }
}
