//! PostgreSQL work ends when its request ends. A request whose statement is still running at
//! the request timeout is answered 504, and the statement is cancelled in the database rather
//! than left to hold a pooled connection (and its memory) for as long as it likes; the pool
//! then serves the next request at once.

use std::time::{Duration, Instant};

use api::config::Config;
use domain::{Role, db::is_postgres};
use sea_orm::{ConnectionTrait, DbBackend, Statement, TransactionTrait};
use serde_json::json;

use crate::support::TestApp;

/// The server's statements that are running or waiting, as the login role sees them.
async fn server_statements(app: &TestApp) -> i64 {
    let row = app
        .db
        .conn()
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT count(*) FROM pg_stat_activity \
             WHERE state = 'active' AND application_name LIKE 'wayfinder %'",
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index(0).unwrap()
}

#[tokio::test]
async fn statements_of_timed_out_requests_are_cancelled_and_the_pool_recovers() {
    let _turn = crate::one_at_a_time().await;
    let app = TestApp::new().await;
    if !is_postgres(app.db.conn()) {
        return;
    }
    let server = app.spawn(Config {
        request_timeout_ms: 1_000,
        ..Config::default()
    });
    let viewer = server.token("acme", Role::Viewer);
    // Another session holds the fact sheets: every list waits, as a runaway query would run.
    let blocker = app.db.conn().begin().await.unwrap();
    blocker
        .execute_unprepared("LOCK TABLE fact_sheets IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();
    let list = json!({"query": "{ factSheets { totalCount } }"});
    let requests = (0..4).map(|_| server.graphql(Some(&viewer), list.clone()));
    for (status, body) in futures::future::join_all(requests).await {
        assert_eq!(status, 504, "{body}");
        assert_eq!(body["errors"][0]["extensions"]["code"], "LIMIT_EXCEEDED");
    }
    let started = Instant::now();
    while server_statements(&app).await > 0 {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "statements of timed-out requests still run"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // With the lock still held, health answers; once it is gone, lists work again.
    assert_eq!(server.healthz().await, 200);
    blocker.rollback().await.unwrap();
    let (status, body) = server.graphql(Some(&viewer), list).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["factSheets"]["totalCount"], 0, "{body}");
}
