//! A large import refreshes PostgreSQL's planner statistics of the tables it wrote, so that a
//! workspace just filled is planned for its real size; a small one leaves them alone.

use std::time::Duration;

use api::config::Config;
use domain::{Role, exchange::STATISTICS_AFTER_ROWS};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::json;

use crate::support::{Server, TestApp};

/// How often `fact_sheets` has been analyzed, as PostgreSQL counts it.
async fn analyze_count(app: &TestApp) -> i64 {
    let statement = Statement::from_string(
        DbBackend::Postgres,
        "SELECT analyze_count FROM pg_stat_user_tables WHERE relname = 'fact_sheets'",
    );
    let row = app.world.db.conn().query_one_raw(statement).await.unwrap();
    row.expect("fact_sheets has statistics")
        .try_get_by_index(0)
        .unwrap()
}

/// `count` new software artifacts as NDJSON, their external ids starting with `prefix`.
fn artifacts(prefix: &str, count: usize) -> String {
    (0..count)
        .map(|n| {
            let line = json!({ "kind": "factSheet", "ref": { "externalId": { "namespace": "cmdb", "value": format!("{prefix}-{n}") } }, "type": "SoftwareArtifact", "name": format!("{prefix} {n}") });
            format!("{line}\n")
        })
        .collect()
}

async fn import(server: &Server, body: String) {
    let (status, report) = server
        .post_import("acme", Role::Member, "", "application/x-ndjson", body)
        .await;
    assert_eq!(status, 200, "{report}");
}

#[tokio::test]
async fn a_large_import_refreshes_the_planners_statistics_and_a_small_one_does_not() {
    let app = TestApp::new().await;
    if !app.world.db.is_postgres() {
        // SQLite keeps no per-value statistics for a new workspace to be missing from.
        return;
    }
    let server = app.spawn(Config::default());

    let before = analyze_count(&app).await;
    import(&server, artifacts("small", 3)).await;
    // The refresh runs after the answer; give one that wrongly started the time to show.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        analyze_count(&app).await,
        before,
        "three lines refresh nothing"
    );

    import(&server, artifacts("large", STATISTICS_AFTER_ROWS)).await;
    let mut after = analyze_count(&app).await;
    for _ in 0..100 {
        if after > before {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        after = analyze_count(&app).await;
    }
    assert!(
        after > before,
        "fact_sheets analyzed after {STATISTICS_AFTER_ROWS} lines"
    );
}
