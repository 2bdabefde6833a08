//! A team's metrics read side by side on sibling connections equal those read one statement
//! after the other, and a request with no sibling free still gets them: siblings are an
//! optimisation, never a requirement. On PostgreSQL the siblings are transactions of their
//! own, so this also checks that each is scoped to the request's workspace.

use domain::{
    db::{Siblings, Store, StoreOptions, TenantConnection},
    events::IncomingEvent,
    meta_model_versions,
    metrics::{self, Metrics, Needs},
};
use migration::m20261122_000030_enable_row_level_security::APP_ROLE;
use sea_orm::ConnectionTrait;
use serde_json::json;
use uuid::Uuid;

use crate::{
    metrics_cache::{artifact, day, deployment, ingest, own, window},
    support::World,
};

fn event(
    source: &str,
    id: &str,
    event_type: &str,
    day_n: i64,
    data: serde_json::Value,
) -> IncomingEvent {
    IncomingEvent {
        source: source.into(),
        id: id.into(),
        event_type: event_type.into(),
        time: Some(day(day_n)),
        subject: None,
        data: Some(data),
    }
}

/// A store as the server opens it: on PostgreSQL through the restricted role, so row-level
/// security returns nothing to a sibling that is not scoped to the workspace.
async fn server_store(w: &World, max_connections: u32) -> Store {
    let options = StoreOptions {
        max_connections,
        tenant_role: w.db.is_postgres().then(|| APP_ROLE.into()),
        ..StoreOptions::default()
    };
    Store::connect(&w.db.url, &options).await.unwrap()
}

async fn team_metrics(w: &World, store: &Store, team: Uuid) -> Metrics {
    let model = meta_model_versions::current(w.db.conn(), &w.admin)
        .await
        .unwrap();
    let conn = store.tenant(w.admin.workspace_id).await.unwrap();
    metrics::for_fact_sheet(&conn, &w.admin, &model.model, team, &window(), Needs::ALL)
        .await
        .unwrap()
}

#[tokio::test]
async fn metrics_read_on_siblings_equal_metrics_read_on_one_connection() {
    let w = World::new().await;
    let team = w.plain_fact_sheet("Team", "Payments").await.id;
    for source in ["src-a", "src-b"] {
        let a = artifact(&w, source, Some(source)).await;
        own(&w, team, a).await;
    }
    ingest(
        &w,
        vec![
            event("src-a", "c1", "dev.wayfinder.change", -3, json!({})),
            event("src-b", "c2", "dev.wayfinder.change", 1, json!({})),
            // Deployed before the window, again inside it: it counts once, before.
            event(
                "src-a",
                "d0",
                "dev.wayfinder.deployment",
                -2,
                json!({"changeIds": ["c1"]}),
            ),
            event(
                "src-a",
                "d1",
                "dev.wayfinder.deployment",
                2,
                json!({"changeIds": ["c1", "c2"]}),
            ),
            deployment("src-b", "d2", day(3)),
            event(
                "src-b",
                "i1",
                "dev.wayfinder.incident.opened",
                4,
                json!({"incidentId": "I1", "deploymentId": "d2"}),
            ),
            event(
                "src-b",
                "i2",
                "dev.wayfinder.incident.resolved",
                5,
                json!({"incidentId": "I1"}),
            ),
            // Opened long before the window and still open: reported at the window end.
            event(
                "src-a",
                "i3",
                "dev.wayfinder.incident.opened",
                -30,
                json!({"incidentId": "I3", "deploymentId": "d0"}),
            ),
        ],
    )
    .await;

    // Siblings free (as many as this machine has cores).
    let side_by_side = team_metrics(&w, &server_store(&w, 16).await, team).await;
    // A pool of one connection leaves no permit: everything on the request's connection.
    let sequential = team_metrics(&w, &server_store(&w, 1).await, team).await;

    assert_eq!(side_by_side, sequential);
    assert_eq!(side_by_side.deployment_frequency.deployments, 2);
    assert_eq!(side_by_side.change_failure_rate.failed_deployments, 1);
    assert_eq!(
        side_by_side.lead_time.stats.count, 1,
        "c1 was deployed before the window"
    );
    assert_eq!(side_by_side.failed_deployment_recovery_time.open_count, 1);
}

/// The name the reader threads' runtime gives its threads.
const READER: &str = "wayfinder-reader";

/// The name of the thread a sibling of `conn` runs a statement on.
async fn sibling_thread(conn: &TenantConnection) -> Option<String> {
    conn.beside(|sibling| async move {
        sibling.execute_unprepared("SELECT 1").await?;
        Ok(std::thread::current().name().map(str::to_owned))
    })
    .expect("a sibling is free")
    .await
    .unwrap()
}

/// The point of siblings on a server: their rows are read and decoded on the reader threads,
/// not on the request's thread, and through connections that work there.
#[tokio::test]
async fn sibling_reads_run_on_the_reader_threads() {
    let w = World::new().await;
    let store = server_store(&w, 16).await;
    let conn = store.tenant(w.admin.workspace_id).await.unwrap();
    assert_eq!(sibling_thread(&conn).await.as_deref(), Some(READER));
}

#[tokio::test]
async fn a_pool_of_one_connection_has_no_siblings() {
    let w = World::new().await;
    let store = server_store(&w, 1).await;
    let conn = store.tenant(w.admin.workspace_id).await.unwrap();
    assert!(conn.beside(|_| async { Ok(()) }).is_none());
}

/// With another request in flight no core idles: siblings then stay on the request's runtime
/// rather than adding threads to a busy machine.
#[tokio::test]
async fn siblings_stay_on_the_request_runtime_while_other_requests_run() {
    let w = World::new().await;
    let store = server_store(&w, 16).await;
    let other = store.tenant(w.admin.workspace_id).await.unwrap();
    let conn = store.tenant(w.admin.workspace_id).await.unwrap();
    assert_ne!(sibling_thread(&conn).await.as_deref(), Some(READER));

    drop(other);
    assert_eq!(sibling_thread(&conn).await.as_deref(), Some(READER));
}
