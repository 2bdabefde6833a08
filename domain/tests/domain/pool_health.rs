//! The pool pings only connections that sat idle (`StoreOptions::ping_after_idle`), not every
//! one it hands out. These tests pin both halves of that trade on PostgreSQL, the one backend
//! whose server can drop a pooled connection: one that was idle long enough is checked and
//! replaced, one used again at once is not checked at all.

use std::time::Duration;

use domain::db::{Store, StoreOptions};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};

use crate::support::World;

/// The one value of a one-row, one-column PostgreSQL query.
async fn scalar<T: sea_orm::TryGetable>(
    db: &DatabaseConnection,
    sql: &str,
    values: Vec<sea_orm::Value>,
) -> Result<T, sea_orm::DbErr> {
    let statement = Statement::from_sql_and_values(DbBackend::Postgres, sql, values);
    let row = db.query_one_raw(statement).await?.expect("one row");
    row.try_get_by_index(0)
}

async fn backend_pid(db: &DatabaseConnection) -> Result<i32, sea_orm::DbErr> {
    scalar(db, "SELECT pg_backend_pid()", vec![]).await
}

/// A pool of one connection whose server process `w` terminates right after it is used.
async fn pool_whose_connection_dies(w: &World, ping_after_idle: Duration) -> (Store, i32) {
    let store = Store::connect(
        &w.db.url,
        &StoreOptions {
            max_connections: 1,
            ping_after_idle,
            ..StoreOptions::default()
        },
    )
    .await
    .unwrap();
    let pid = backend_pid(store.connection()).await.unwrap();
    // sqlx pings a released connection in a task of its own before it is idle again; terminating
    // the backend before that would let the release ping replace it, which is not under test.
    let pool = store.connection().get_postgres_connection_pool();
    while pool.num_idle() < 1 {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let _: bool = scalar(
        w.db.conn(),
        "SELECT pg_terminate_backend($1)",
        vec![pid.into()],
    )
    .await
    .unwrap();
    // Termination is a signal; wait until the process is gone so the test does not race it.
    let alive = "SELECT count(*) FROM pg_stat_activity WHERE pid = $1";
    while scalar::<i64>(w.db.conn(), alive, vec![pid.into()])
        .await
        .unwrap()
        > 0
    {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    (store, pid)
}

#[tokio::test]
async fn a_connection_dropped_while_idle_is_replaced_before_use() {
    let w = World::new().await;
    if !w.db.is_postgres() {
        return;
    }
    let (store, dead) = pool_whose_connection_dies(&w, Duration::from_millis(20)).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let fresh = backend_pid(store.connection())
        .await
        .expect("the pool hands out a live connection");
    assert_ne!(fresh, dead);
}

#[tokio::test]
async fn a_connection_used_again_at_once_is_not_pinged() {
    let w = World::new().await;
    if !w.db.is_postgres() {
        return;
    }
    // Without the ping the dead connection reaches the caller: proof that connections used
    // back to back cost no extra round trip. The failed connection is then discarded.
    let (store, _) = pool_whose_connection_dies(&w, Duration::from_secs(3600)).await;
    assert!(backend_pid(store.connection()).await.is_err());
}
