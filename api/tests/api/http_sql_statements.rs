//! The `debug_sql_statement_header` option: each GraphQL response says how many SQL statements
//! its request read with, counted per request even while other requests run and batch loaders
//! work in spawned tasks, and nothing is said when the option is off.

use std::sync::atomic::Ordering;

use api::{
    config::Config,
    graphql::{SchemaOptions, build_schema},
};
use domain::Role;
use serde_json::{Value, json};

use crate::{
    n_plus_one::{DEPTH_3, seed},
    support::{Server, TestApp},
};

const HEADER: &str = "x-wayfinder-sql-statements";

/// Posts `query` and returns the header (if any) and the body.
async fn post(server: &Server, query: &str) -> (Option<usize>, Value) {
    let token = server.token("acme", Role::Member);
    let response = server
        .client
        .post(format!("{}/graphql", server.base))
        .bearer_auth(token)
        .json(&json!({ "query": query }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let statements = response
        .headers()
        .get(HEADER)
        .map(|v| v.to_str().unwrap().parse().unwrap());
    let body: Value = response.json().await.unwrap();
    assert!(body.get("errors").is_none(), "{body:#}");
    (statements, body)
}

/// Depth-3 traversal over 100 artifacts; the complexity limit is lifted as in `n_plus_one`.
fn debug_config(on: bool) -> Config {
    Config {
        debug_sql_statement_header: on,
        max_query_complexity: 100_000_000,
        ..Config::default()
    }
}

#[tokio::test]
async fn the_header_counts_each_requests_statements_like_the_database_does() {
    let mut app = TestApp::new().await;
    app.schema = build_schema(&SchemaOptions {
        max_complexity: 100_000_000,
        ..SchemaOptions::default()
    });
    seed(&app, 100).await;
    let (store, counter) = app.counting_store().await;
    let direct = app.run_on(store, &app.admin, DEPTH_3, json!({})).await;
    assert!(direct.get("errors").is_none(), "{direct:#}");
    let expected = counter.load(Ordering::SeqCst);
    assert!(
        (1..=1 + 1 + 2 * 2).contains(&expected),
        "{expected} statements"
    );

    let server = app.spawn(debug_config(true));
    // The server's first request also reads the meta model document into its shared cache
    // (one statement more); later ones read only its version, as the uncached schema run above
    // reads the whole model: one statement either way.
    let (first, _) = post(&server, DEPTH_3).await;
    assert_eq!(
        first,
        Some(expected + 1),
        "the first request, filling the cache"
    );
    let (alone, body) = post(&server, DEPTH_3).await;
    assert_eq!(
        body["data"]["factSheets"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        100
    );
    assert_eq!(alone, Some(expected), "a request alone");

    // Concurrent requests keep their own counts: a depth-3 query beside a one-statement-page
    // query neither adds to the other.
    let small = "{ factSheets(first: 1) { edges { node { id } } } }";
    let (small_alone, _) = post(&server, small).await;
    let (deep, shallow) = tokio::join!(post(&server, DEPTH_3), post(&server, small));
    assert_eq!(deep.0, Some(expected), "the depth-3 query beside another");
    assert_eq!(shallow.0, small_alone, "the small query beside another");
    assert!(small_alone.unwrap() < expected);
}

#[tokio::test]
async fn the_header_is_absent_unless_turned_on() {
    let app = TestApp::new().await;
    seed(&app, 3).await;
    let server = app.spawn(debug_config(false));
    let (statements, body) = post(&server, DEPTH_3).await;
    assert_eq!(
        body["data"]["factSheets"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert_eq!(statements, None);
}
