//! Workspace features end to end: a platform operator changes them with the CLI, the running
//! server refuses a disabled feature with 403 and its id and a used-up quota with 429
//! LIMIT_EXCEEDED, stores nothing of a refused request, and admins read it all in GraphQL.

use domain::Role;
use serde_json::json;

use crate::{
    cli::{stdout_of, wayfinder},
    http_events::{ev, post_batch},
    support::TestApp,
};

fn feature_cli(app: &TestApp, args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    stdout_of(
        wayfinder(dir.path(), &Some(app.db.url.clone()))
            .arg("feature")
            .args(args),
    )
}

#[tokio::test]
async fn operators_switch_features_and_quotas_and_the_server_enforces_them() {
    let app = TestApp::new().await;
    let server = app.spawn(api::config::Config::default());
    let member = server.token("acme", Role::Member);
    let admin = server.token("acme", Role::Admin);
    let change = |id: &str| ev(id, "change", "2026-11-01T10:00:00Z", json!({}));

    feature_cli(
        &app,
        &[
            "set",
            "--workspace",
            "acme",
            "events.ingestion",
            "--status",
            "disabled",
        ],
    );
    let (status, body) = post_batch(&server, &member, &[change("c1")]).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN");
    assert_eq!(
        body["errors"][0]["extensions"]["feature"],
        "events.ingestion"
    );

    feature_cli(
        &app,
        &[
            "set",
            "--workspace",
            "acme",
            "events.ingestion",
            "--status",
            "enabled",
            "--quota",
            "2",
        ],
    );
    let (status, body) = post_batch(&server, &member, &[change("c1")]).await;
    assert_eq!((status, &body["accepted"]), (202, &json!(1)), "{body}");
    let (status, body) = post_batch(&server, &member, &[change("c2"), change("c3")]).await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "LIMIT_EXCEEDED");
    assert_eq!(body["errors"][0]["extensions"]["quota"], 2);
    // The refused batch stored and counted nothing: one more still fits.
    let (status, body) = post_batch(&server, &member, &[change("c2")]).await;
    assert_eq!((status, &body["accepted"]), (202, &json!(1)), "{body}");

    let (_, body) = server
        .graphql(
            Some(&admin),
            json!({ "query": "{ workspaceFeatures { edition features { id status quota used overridden } } }" }),
        )
        .await;
    let features = body["data"]["workspaceFeatures"]["features"]
        .as_array()
        .unwrap();
    let events = features
        .iter()
        .find(|f| f["id"] == "events.ingestion")
        .unwrap();
    assert_eq!(
        events,
        &json!({ "id": "events.ingestion", "status": "ENABLED", "quota": 2, "used": 2, "overridden": true })
    );
    assert_eq!(body["data"]["workspaceFeatures"]["edition"], "enterprise");
    let listed = feature_cli(&app, &["list", "--workspace", "acme"]);
    assert!(
        listed.contains("events.ingestion") && listed.contains("used 2"),
        "{listed}"
    );

    feature_cli(
        &app,
        &[
            "set",
            "--workspace",
            "acme",
            "inventory.factSheets",
            "--status",
            "enabled",
            "--quota",
            "0",
        ],
    );
    let (_, body) = server
        .graphql(
            Some(&member),
            json!({ "query": "mutation { createFactSheet(input: {type: \"Team\", name: \"Payments\"}) { factSheet { id } } }" }),
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "LIMIT_EXCEEDED",
        "{body}"
    );
    assert_eq!(
        body["errors"][0]["extensions"]["feature"],
        "inventory.factSheets"
    );

    feature_cli(&app, &["edition", "--workspace", "acme", "essentials"]);
    feature_cli(&app, &["reset", "--workspace", "acme", "events.ingestion"]);
    let (status, body) = post_batch(&server, &member, &[change("c9")]).await;
    assert_eq!(status, 403, "essentials has no Events API: {body}");
}
