//! Saved views through the schema: who may keep, share, change and delete which view, another
//! user's private view answered as if it did not exist, and a view's rows.

use domain::{Principal, Role};
use serde_json::{Value, json};

use crate::{
    schema_fact_sheets::create,
    support::{TestApp, code},
};

const CREATE: &str = r#"mutation($input: CreateSavedViewInput!) { createSavedView(input: $input) { savedView { id name visibility owner } } }"#;
const UPDATE: &str = r#"mutation($input: UpdateSavedViewInput!) { updateSavedView(input: $input) { savedView { id name visibility columns { label field attribute } } } }"#;
const DELETE: &str = r#"mutation($id: ID!) { deleteSavedView(id: $id) { id } }"#;
const READ: &str = r#"query($id: ID!) { savedView(id: $id) { id name visibility filter orderBy { field direction } } }"#;
const LIST: &str = "{ savedViews { name } }";

/// A second member of `acme`, not the one [`TestApp::as_role`] gives.
fn another_member(app: &TestApp) -> Principal {
    Principal {
        subject: "dana@acme.test".into(),
        ..app.as_role(Role::Member)
    }
}

fn input(name: &str, visibility: &str) -> Value {
    json!({ "input": {
        "name": name,
        "visibility": visibility,
        "filter": { "types": ["SoftwareArtifact"] },
        "columns": [{ "field": "NAME" }]
    } })
}

/// Creates a view as `who`, asserting it was saved; its id.
async fn saved(app: &TestApp, who: &Principal, name: &str, visibility: &str) -> Value {
    let body = app.run_as(who, CREATE, input(name, visibility)).await;
    let view = &body["data"]["createSavedView"]["savedView"];
    assert_eq!(view["owner"], who.subject.as_str(), "{body}");
    assert_eq!(view["visibility"], visibility, "{body}");
    view["id"].clone()
}

async fn names_seen_by(app: &TestApp, who: &Principal) -> Vec<String> {
    let body = app.run_as(who, LIST, json!({})).await;
    body["data"]["savedViews"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|v| v["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_viewer_keeps_private_views_but_cannot_share_one() {
    let app = TestApp::new().await;
    let viewer = app.as_role(Role::Viewer);
    let id = saved(&app, &viewer, "My artifacts", "PRIVATE").await;

    let shared = app
        .run_as(&viewer, CREATE, input("For everyone", "WORKSPACE"))
        .await;
    assert_eq!(code(&shared), "FORBIDDEN", "{shared}");
    let share = app
        .run_as(
            &viewer,
            UPDATE,
            json!({ "input": { "id": id, "visibility": "WORKSPACE" } }),
        )
        .await;
    assert_eq!(code(&share), "FORBIDDEN", "{share}");

    let renamed = app
        .run_as(
            &viewer,
            UPDATE,
            json!({ "input": { "id": id, "name": "  Mine  " } }),
        )
        .await;
    assert_eq!(
        renamed["data"]["updateSavedView"]["savedView"]["name"], "Mine",
        "{renamed}"
    );
    let read = app.run_as(&viewer, READ, json!({ "id": id })).await;
    assert_eq!(read["data"]["savedView"]["visibility"], "PRIVATE", "{read}");
    assert_eq!(
        read["data"]["savedView"]["filter"]["types"],
        json!(["SoftwareArtifact"])
    );
    assert_eq!(names_seen_by(&app, &viewer).await, ["Mine"]);

    let deleted = app.run_as(&viewer, DELETE, json!({ "id": id })).await;
    assert_eq!(deleted["data"]["deleteSavedView"]["id"], id, "{deleted}");
    let read = app.run_as(&viewer, READ, json!({ "id": id })).await;
    assert_eq!(read["data"]["savedView"], Value::Null, "{read}");
}

#[tokio::test]
async fn a_shared_view_is_changed_by_its_owner_or_an_admin_and_by_no_other_member() {
    let app = TestApp::new().await;
    let owner = app.as_role(Role::Member);
    let dana = another_member(&app);
    let id = saved(&app, &owner, "Team artifacts", "WORKSPACE").await;
    assert_eq!(names_seen_by(&app, &dana).await, ["Team artifacts"]);
    let read = app.run_as(&dana, READ, json!({ "id": id })).await;
    assert_eq!(read["data"]["savedView"]["id"], id, "{read}");

    let by_dana = app
        .run_as(
            &dana,
            UPDATE,
            json!({ "input": { "id": id, "name": "Dana's now" } }),
        )
        .await;
    assert_eq!(code(&by_dana), "FORBIDDEN", "{by_dana}");
    let deleted_by_dana = app.run_as(&dana, DELETE, json!({ "id": id })).await;
    assert_eq!(code(&deleted_by_dana), "FORBIDDEN", "{deleted_by_dana}");

    let by_owner = app
        .run_as(
            &owner,
            UPDATE,
            json!({ "input": { "id": id, "name": "Owned artifacts" } }),
        )
        .await;
    assert_eq!(
        by_owner["data"]["updateSavedView"]["savedView"]["name"], "Owned artifacts",
        "{by_owner}"
    );
    let by_admin = app
        .run(
            UPDATE,
            json!({ "input": { "id": id, "columns": [{ "field": "NAME" }, { "attribute": "language", "label": "Lang" }] } }),
        )
        .await;
    assert_eq!(
        by_admin["data"]["updateSavedView"]["savedView"]["columns"],
        json!([
            { "label": null, "field": "NAME", "attribute": null },
            { "label": "Lang", "field": null, "attribute": "language" }
        ]),
        "{by_admin}"
    );
    let read = app.run_as(&owner, READ, json!({ "id": id })).await;
    assert_eq!(read["data"]["savedView"]["name"], "Owned artifacts");

    let deleted = app.run(DELETE, json!({ "id": id })).await;
    assert_eq!(deleted["data"]["deleteSavedView"]["id"], id, "{deleted}");
    assert!(names_seen_by(&app, &owner).await.is_empty());
}

#[tokio::test]
async fn another_users_private_view_is_not_found_even_by_an_admin() {
    let app = TestApp::new().await;
    let owner = app.as_role(Role::Member);
    let id = saved(&app, &owner, "Secret", "PRIVATE").await;

    for who in [app.admin.clone(), another_member(&app)] {
        let read = app.run_as(&who, READ, json!({ "id": id })).await;
        assert!(read.get("errors").is_none(), "{read}");
        assert_eq!(read["data"]["savedView"], Value::Null, "{read}");
        assert!(names_seen_by(&app, &who).await.is_empty());
        let update = app
            .run_as(
                &who,
                UPDATE,
                json!({ "input": { "id": id, "name": "Mine now" } }),
            )
            .await;
        assert_eq!(code(&update), "NOT_FOUND", "{update}");
        let delete = app.run_as(&who, DELETE, json!({ "id": id })).await;
        assert_eq!(code(&delete), "NOT_FOUND", "{delete}");
    }
    let read = app.run_as(&owner, READ, json!({ "id": id })).await;
    assert_eq!(read["data"]["savedView"]["name"], "Secret", "{read}");
}

#[tokio::test]
async fn a_views_rows_follow_its_filter_columns_and_order_page_by_page() {
    let app = TestApp::new().await;
    let team = create(&app, json!({ "type": "Team", "name": "Payments" })).await;
    for (name, language) in [
        ("checkout", "kotlin"),
        ("billing", "rust"),
        ("ledger", "go"),
    ] {
        let artifact = create(
            &app,
            json!({ "type": "SoftwareArtifact", "name": name, "attributes": { "language": language } }),
        )
        .await;
        if name != "ledger" {
            app.data(
                r#"mutation($input: CreateRelationInput!) { createRelation(input: $input) { relation { id } } }"#,
                json!({ "input": { "type": "teamOwnsArtifact", "fromId": team["id"], "toId": artifact["id"] } }),
            )
            .await;
        }
    }
    let member = app.as_role(Role::Member);
    let body = app
        .run_as(
            &member,
            CREATE,
            json!({ "input": {
                "name": "Artifacts",
                "filter": { "types": ["SoftwareArtifact"] },
                "columns": [
                    { "field": "NAME" },
                    { "attribute": "language", "label": "Language" },
                    { "related": [{ "type": "teamOwnsArtifact", "direction": "INCOMING" }] }
                ],
                "orderBy": { "field": "NAME", "direction": "DESC" }
            } }),
        )
        .await;
    let id = body["data"]["createSavedView"]["savedView"]["id"].clone();
    let page = async |after: Value| -> Value {
        let body = app
            .run_as(
                &member,
                r#"query($id: ID!, $after: String) { savedView(id: $id) { rows(first: 2, after: $after) { labels edges { cells } hasNextPage endCursor } } }"#,
                json!({ "id": id, "after": after }),
            )
            .await;
        body["data"]["savedView"]["rows"].clone()
    };
    let first = page(Value::Null).await;
    assert_eq!(
        first["labels"],
        json!(["Name", "Language", "Team (teamOwnsArtifact)"]),
        "{first}"
    );
    assert_eq!(
        first["edges"],
        json!([
            { "cells": ["ledger", "go", null] },
            { "cells": ["checkout", "kotlin", "Payments"] }
        ])
    );
    assert_eq!(first["hasNextPage"], true);
    let second = page(first["endCursor"].clone()).await;
    assert_eq!(
        second["edges"],
        json!([{ "cells": ["billing", "rust", "Payments"] }]),
        "{second}"
    );
    assert_eq!(second["hasNextPage"], false);
}
