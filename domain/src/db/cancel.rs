//! Statements cancelled when the request that started them is gone.
//!
//! A request dropped mid-statement (its timeout passed, or its client went away) drops its
//! connection's future, but not the statement: PostgreSQL runs it to the end, and the pool
//! cannot reuse the connection until it has (sqlx waits for the server to be ready before it
//! returns a connection). One slow filter sent sixteen times held every connection of the pool
//! for minutes. So each scoped transaction names itself in `application_name` (a transaction
//! local setting, gone with the transaction), counts the statements it began and did not see
//! finish, and when it is dropped with one unfinished, asks PostgreSQL to cancel whatever
//! still runs under its name.
//!
//! The cancelling statement runs on a connection of its own, in the login role: PostgreSQL lets
//! a role cancel only its own sessions, and the request connections have switched to the
//! restricted tenant role. Matching by name rather than by process id means a connection that
//! has meanwhile finished and started another request's transaction is never hit.

use std::{
    sync::atomic::{AtomicUsize, Ordering},
    time::Duration,
};

use sea_orm::sqlx::{PgPool, postgres::PgPoolOptions};
use uuid::Uuid;

/// Cancels statements by the name of the transaction that runs them.
#[derive(Clone)]
pub struct Canceller {
    pool: PgPool,
}

impl Canceller {
    /// A canceller for the database at `url`, connecting on first use.
    pub fn lazy(url: &str) -> crate::error::Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .min_connections(0)
            .acquire_timeout(Duration::from_secs(5))
            .connect_lazy(url)
            .map_err(|e| crate::error::Error::Internal(format!("canceller pool: {e}")))?;
        Ok(Self { pool })
    }

    /// Cancels, in the background, any statement running in a transaction named `name`.
    pub(super) fn cancel(&self, name: String) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let pool = self.pool.clone();
        runtime.spawn(async move {
            let cancelled = sea_orm::sqlx::query_scalar::<_, i64>(
                "SELECT count(*) FILTER (WHERE pg_cancel_backend(pid)) FROM pg_stat_activity \
                 WHERE application_name = $1 AND pid <> pg_backend_pid()",
            )
            .bind(&name)
            .fetch_one(&pool)
            .await;
            match cancelled {
                Ok(n) => tracing::debug!(transaction = %name, cancelled = n, "statements of a dropped request cancelled"),
                Err(e) => tracing::warn!(transaction = %name, error = %e, "cancelling a dropped request's statements failed"),
            }
        });
    }
}

/// The `application_name` a scoped transaction runs under.
pub(super) fn transaction_name() -> String {
    format!("wayfinder {}", Uuid::now_v7().simple())
}

/// Statements begun on a connection and not seen to finish. Counted without a drop guard on
/// purpose: a statement whose future is dropped never reaches [`Unfinished::end`].
#[derive(Default)]
pub(super) struct Unfinished(AtomicUsize);

impl Unfinished {
    pub(super) fn begin(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    pub(super) fn end(&self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }

    pub(super) fn any(&self) -> bool {
        self.0.load(Ordering::Relaxed) > 0
    }
}
