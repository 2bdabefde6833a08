//! PostgreSQL work ends when its request does: a statement of a request's transaction that is
//! dropped while it runs (the request timed out, the client went away) is cancelled at once,
//! and no statement of the serving pool outlives its timeout. SQLite runs in process; there is
//! nothing to cancel there, so these tests pass trivially on it.

use std::time::{Duration, Instant};

use domain::db::{Store, StoreOptions, is_postgres};
use migration::m20261122_000030_enable_row_level_security::APP_ROLE;
use sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::support::World;

async fn serving_store(w: &World, statement_timeout: Option<Duration>) -> Store {
    Store::connect(
        &w.db.url,
        &StoreOptions {
            tenant_role: Some(APP_ROLE.into()),
            statement_timeout,
            ..StoreOptions::default()
        },
    )
    .await
    .unwrap()
}

/// Backends of this test's database running `marker`, seen by the login role.
async fn running(w: &World, marker: &str) -> i64 {
    let row =
        w.db.conn()
            .query_one_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE $1 \
             AND pid <> pg_backend_pid()",
                [format!("%{marker}%").into()],
            ))
            .await
            .unwrap()
            .unwrap();
    row.try_get_by_index(0).unwrap()
}

fn sleep_for(seconds: u32, marker: &str) -> Statement {
    Statement::from_string(
        DbBackend::Postgres,
        format!("SELECT pg_sleep({seconds}) AS {marker}"),
    )
}

#[tokio::test]
async fn a_statement_of_a_dropped_request_is_cancelled() {
    let w = World::new().await;
    if !is_postgres(w.db.conn()) {
        return;
    }
    let store = serving_store(&w, None).await;
    for marker in ["dropped_main", "dropped_again"] {
        let tenant = store.tenant(w.admin.workspace_id).await.unwrap();
        let slow = tenant.query_one_raw(sleep_for(60, marker));
        // The request gives up on the statement, as a timed-out request does.
        assert!(
            tokio::time::timeout(Duration::from_millis(300), slow)
                .await
                .is_err()
        );
        assert_eq!(running(&w, marker).await, 1, "the statement still runs");
        drop(tenant);
        let started = Instant::now();
        while running(&w, marker).await > 0 {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "{marker} still runs after its request was dropped"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    // The pool got its connections back and serves the next request.
    let tenant = store.tenant(w.admin.workspace_id).await.unwrap();
    tenant
        .query_one_raw(Statement::from_string(DbBackend::Postgres, "SELECT 1"))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_finished_request_cancels_nothing_of_the_next_one_on_its_connection() {
    let w = World::new().await;
    if !is_postgres(w.db.conn()) {
        return;
    }
    let store = Store::connect(
        &w.db.url,
        &StoreOptions {
            max_connections: 2,
            tenant_role: Some(APP_ROLE.into()),
            ..StoreOptions::default()
        },
    )
    .await
    .unwrap();
    // A request that ends normally, then another on the same pool that sleeps briefly: it must
    // finish, not be cancelled by the first one's name.
    let first = store.tenant(w.admin.workspace_id).await.unwrap();
    first
        .query_one_raw(Statement::from_string(DbBackend::Postgres, "SELECT 1"))
        .await
        .unwrap();
    drop(first);
    let second = store.tenant(w.admin.workspace_id).await.unwrap();
    second
        .query_one_raw(sleep_for(1, "undisturbed"))
        .await
        .expect("the next request's statement runs to its end");
}

#[tokio::test]
async fn no_statement_of_the_serving_pool_outlives_its_timeout() {
    let w = World::new().await;
    if !is_postgres(w.db.conn()) {
        return;
    }
    let store = serving_store(&w, Some(Duration::from_millis(200))).await;
    let tenant = store.tenant(w.admin.workspace_id).await.unwrap();
    let started = Instant::now();
    let refused = tenant
        .query_one_raw(sleep_for(30, "timed_out"))
        .await
        .expect_err("cancelled by statement_timeout");
    assert!(
        refused.to_string().contains("statement timeout"),
        "{refused}"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
}
