//! Expensive queries take turns on a few slots through the real HTTP server, and cheap ones
//! pass them: a dashboard tile does not wait behind a burst of traversals.

use std::time::Duration;

use api::config::Config;
use async_graphql::{BatchRequest, Request};
use domain::Role;
use serde_json::json;

use crate::support::TestApp;

/// 100 items of `edges { node { id name } }`: 400, above the test's threshold of 100.
const EXPENSIVE: &str = "{ factSheets(first: 100) { edges { node { id name } } } }";

#[tokio::test]
async fn an_expensive_query_waits_for_its_slot_while_a_cheap_one_passes() {
    let app = TestApp::new().await;
    for name in ["alpha", "beta", "gamma"] {
        app.create_fact_sheet("Team", name).await;
    }
    let server = app.spawn(Config {
        heavy_query_cost: 100,
        heavy_query_slots: 1,
        ..Config::default()
    });
    let token = server.token("acme", Role::Viewer);
    // The test takes the only slot itself.
    let held = server
        .heavy_queries
        .turn(&mut BatchRequest::Single(Request::new(EXPENSIVE)))
        .await;

    let expensive = server.graphql(Some(&token), json!({ "query": EXPENSIVE }));
    tokio::pin!(expensive);
    // Until the server has the request waiting at the slots (a point to wait for, not a
    // measured time).
    let queued = async {
        while server.heavy_queries.waiting() == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    };
    tokio::select! {
        (status, body) = &mut expensive => {
            panic!("the expensive query ran while the only slot was taken: {status} {body}")
        }
        () = queued => {}
    }

    let (status, body) = server
        .graphql(Some(&token), json!({ "query": "{ viewer { subject } }" }))
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(body["data"]["viewer"]["subject"].is_string(), "{body}");
    assert_eq!(
        server.heavy_queries.waiting(),
        1,
        "the expensive query still waits"
    );

    drop(held);
    let (status, body) = expensive.await;
    assert_eq!(status, 200, "{body}");
    let names: Vec<&str> = body["data"]["factSheets"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["node"]["name"].as_str())
        .collect();
    assert_eq!(names.len(), 3, "{body}");
    assert_eq!(server.heavy_queries.waiting(), 0);
}
