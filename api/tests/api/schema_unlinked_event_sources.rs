//! `unlinkedEventSources`: the sources whose events no fact sheet claims, per workspace, most
//! recent first, a page at a time; a source leaves the list once a fact sheet links it.

use chrono::{DateTime, Utc};
use domain::{
    Principal, Role,
    events::{self, IncomingEvent},
};
use serde_json::{Value, json};
use testkit::facts::{at, change, deployment, event};

use crate::support::TestApp;

const PAGE: &str = "query($after: String) { unlinkedEventSources(first: 1, after: $after) {
  totalCount pageInfo { hasNextPage endCursor }
  edges { cursor node { source eventCount unrecognizedCount firstEventTime lastEventTime lastReceivedAt } } } }";

async fn ingest(app: &TestApp, principal: &Principal, batch: Vec<IncomingEvent>) {
    let valid = events::validate(batch).unwrap();
    events::ingest(app.db.conn(), principal, valid)
        .await
        .unwrap();
}

/// Every unlinked source `principal` sees, paging one at a time, with the total each page
/// reported.
async fn all_pages(app: &TestApp, principal: &Principal) -> (Vec<Value>, Vec<Value>) {
    let (mut nodes, mut totals, mut after) = (Vec::new(), Vec::new(), Value::Null);
    loop {
        let response = app.run_as(principal, PAGE, json!({"after": after})).await;
        assert!(response.get("errors").is_none(), "{response:#}");
        let connection = &response["data"]["unlinkedEventSources"];
        totals.push(connection["totalCount"].clone());
        for edge in connection["edges"].as_array().unwrap() {
            nodes.push(edge["node"].clone());
        }
        if connection["pageInfo"]["hasNextPage"] != json!(true) {
            return (nodes, totals);
        }
        after = connection["pageInfo"]["endCursor"].clone();
    }
}

fn sources(nodes: &[Value]) -> Vec<&str> {
    nodes
        .iter()
        .map(|n| n["source"].as_str().unwrap())
        .collect()
}

fn time(value: &Value) -> DateTime<Utc> {
    value.as_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn unlinked_sources_page_most_recent_first_per_workspace_until_linked() {
    let app = TestApp::new().await;
    let globex = app.other_workspace().await;
    let started = Utc::now();
    app.data(
        r#"mutation { createFactSheet(input: {type: "SoftwareArtifact", name: "checkout", externalIds: [{namespace: "eventSource", value: "checkout"}]}) { factSheet { id } } }"#,
        json!({}),
    )
    .await;
    ingest(
        &app,
        &app.admin,
        vec![
            change("checkout", "c1", at(3, 9)),
            change("billing", "b1", at(3, 8)),
            event("billing", "b2", "deploymnet", at(5, 10), json!({})),
            deployment("billing", "b3", at(4, 10), &[]),
            change("search", "s1", at(6, 12)),
            change("alerts", "a1", at(6, 12)),
        ],
    )
    .await;
    // Another workspace: a source of its own, and one named like acme's linked source.
    ingest(
        &app,
        &globex,
        vec![
            change("checkout", "c1", at(7, 9)),
            change("globex-ci", "g1", at(7, 10)),
        ],
    )
    .await;

    let viewer = app.as_role(Role::Viewer);
    let (nodes, totals) = all_pages(&app, &viewer).await;
    // A tie on the last event time is broken by source, so paging is stable.
    assert_eq!(sources(&nodes), ["alerts", "search", "billing"]);
    assert_eq!(totals, [json!(3), json!(3), json!(3)]);
    let billing = &nodes[2];
    assert_eq!(
        (
            billing["eventCount"].clone(),
            billing["unrecognizedCount"].clone()
        ),
        (json!(3), json!(1))
    );
    assert_eq!(
        (
            time(&billing["firstEventTime"]),
            time(&billing["lastEventTime"])
        ),
        (at(3, 8), at(5, 10))
    );
    let received = time(&billing["lastReceivedAt"]);
    assert!(
        received >= started - chrono::Duration::seconds(1) && received <= Utc::now(),
        "{received}"
    );
    assert_eq!(
        (
            nodes[0]["eventCount"].clone(),
            nodes[0]["unrecognizedCount"].clone()
        ),
        (json!(1), json!(0))
    );

    let (theirs, _) = all_pages(&app, &globex).await;
    assert_eq!(
        sources(&theirs),
        ["globex-ci", "checkout"],
        "acme's link does not hide globex's source of the same name"
    );

    app.data(
        r#"mutation { createFactSheet(input: {type: "SoftwareArtifact", name: "billing", externalIds: [{namespace: "eventSource", value: "billing"}]}) { factSheet { id } } }"#,
        json!({}),
    )
    .await;
    let (nodes, totals) = all_pages(&app, &viewer).await;
    assert_eq!(sources(&nodes), ["alerts", "search"]);
    assert_eq!(totals, [json!(2), json!(2)]);
}

#[tokio::test]
async fn a_cursor_this_list_did_not_return_is_refused() {
    let app = TestApp::new().await;
    let response = app.run(PAGE, json!({"after": "bm90IGEgY3Vyc29y"})).await;
    assert_eq!(
        response["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{response:#}"
    );
}
