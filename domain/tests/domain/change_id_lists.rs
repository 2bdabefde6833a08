//! Change-id lists are read back as stored JSON text (PostgreSQL keeps them as `json`, read with
//! no conversion) and must come back exactly, escapes and all, through both fact loaders.

use domain::{
    events::IncomingEvent,
    metrics::{Needs, load},
};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::json;
use testkit::facts::{self, day};

use crate::{metrics_cache::ingest, support::World};

/// Ids a JSON text reader gets wrong if it mishandles escapes or bytes.
fn awkward_ids() -> Vec<String> {
    [
        "plain",
        "quote\"d",
        "back\\slash",
        "ünïcode-✓",
        "tab\tnew\nline",
    ]
    .map(String::from)
    .to_vec()
}

/// Event `id` of source `svc` on day 1, of type `dev.wayfinder.{kind}`.
fn event(id: &str, kind: &str, data: serde_json::Value) -> IncomingEvent {
    facts::event("svc", id, kind, day(1), data)
}

#[tokio::test]
async fn change_id_lists_come_back_exactly_as_sent() {
    let w = World::new().await;
    let ids = awkward_ids();
    ingest(
        &w,
        vec![
            event("d1", "deployment", json!({"changeIds": ids})),
            event(
                "i1",
                "incident.opened",
                json!({"incidentId": "I1", "changeIds": ids}),
            ),
        ],
    )
    .await;
    let sources = ["svc".to_string()];
    let ws = w.admin.workspace_id;

    let all = load::load_facts(w.db.conn(), ws, &sources, day(2))
        .await
        .unwrap();
    assert_eq!(all.deployments[0].change_ids, ids);
    assert_eq!(all.incidents[0].change_ids, ids);

    let window = load::load_window_facts(w.db.conn(), ws, &sources, day(0), day(2), Needs::ALL)
        .await
        .unwrap();
    assert_eq!(window.deployments[0].change_ids, ids);
    assert_eq!(window.incidents[0].change_ids, ids);
}

#[tokio::test]
async fn postgres_keeps_change_id_lists_as_json_text() {
    let w = World::new().await;
    if !w.db.is_postgres() {
        return;
    }
    let rows = w
        .db
        .conn()
        .query_all_raw(Statement::from_string(
            w.db.conn().get_database_backend(),
            "SELECT table_name::text AS name, data_type::text AS type FROM information_schema.columns
             WHERE table_schema = current_schema() AND column_name = 'change_ids' ORDER BY 1",
        ))
        .await
        .unwrap();
    let types: Vec<(String, String)> = rows
        .iter()
        .map(|r| {
            (
                r.try_get("", "name").unwrap(),
                r.try_get("", "type").unwrap(),
            )
        })
        .collect();
    assert_eq!(
        types,
        [
            ("deployment_facts".to_string(), "json".to_string()),
            ("incident_facts".to_string(), "json".to_string()),
        ]
    );
}
