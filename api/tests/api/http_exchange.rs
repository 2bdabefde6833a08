//! `GET /export` and `POST /import` over HTTP: NDJSON out, NDJSON in, the report, and who may
//! do which.

use api::config::Config;
use domain::Role;
use serde_json::{Value, json};

use crate::support::{Server, TestApp};

/// A small graph with everything an export carries: a team hierarchy, attributes, tags,
/// external IDs, a subscription, an archived fact sheet and relations with attributes.
async fn seed(app: &TestApp) -> Vec<String> {
    let create = r#"mutation($input: CreateFactSheetInput!) { createFactSheet(input: $input) { factSheet { id } } }"#;
    let id = async |input: Value| -> String {
        app.data(create, json!({ "input": input })).await["createFactSheet"]["factSheet"]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let parent = id(json!({ "type": "Team", "name": "Engineering", "externalIds": [{ "namespace": "cmdb", "value": "TEAM-1" }] })).await;
    let team = id(json!({ "type": "Team", "name": "Payments", "description": "Takes the money", "parentId": parent, "attributes": { "teamType": "streamAligned", "size": 7 }, "tags": ["pci", "tier-1"], "externalIds": [{ "namespace": "cmdb", "value": "TEAM-7" }] })).await;
    let artifact = id(json!({ "type": "SoftwareArtifact", "name": "checkout", "attributes": { "language": "kotlin" }, "externalIds": [{ "namespace": "eventSource", "value": "checkout" }] })).await;
    let api = id(json!({ "type": "API", "name": "payments-api" })).await;
    let old = id(json!({ "type": "SoftwareArtifact", "name": "legacy-billing" })).await;
    let relate = r#"mutation($input: CreateRelationInput!) { createRelation(input: $input) { relation { id } } }"#;
    app.data(
        relate,
        json!({ "input": { "type": "teamOwnsArtifact", "fromId": team, "toId": artifact } }),
    )
    .await;
    app.data(relate, json!({ "input": { "type": "artifactConsumesApi", "fromId": artifact, "toId": api, "attributes": { "usage": "critical" }, "activeFrom": "2024-01-01T00:00:00Z" } })).await;
    app.data(
        relate,
        json!({ "input": { "type": "artifactConsumesApi", "fromId": old, "toId": api } }),
    )
    .await;
    app.data(
        r#"mutation($input: SubscribeInput!) { subscribe(input: $input) { __typename } }"#,
        json!({ "input": { "factSheetId": team, "user": "ana@example.com", "role": "RESPONSIBLE" } }),
    )
    .await;
    app.data(
        r#"mutation($id: ID!) { archiveFactSheet(id: $id) { __typename } }"#,
        json!({ "id": old }),
    )
    .await;
    vec![parent, team, artifact, api, old]
}

/// `GET /export?{query}` as `role` of `workspace`: the status and the lines.
async fn export(server: &Server, workspace: &str, role: Role, query: &str) -> (u16, Vec<Value>) {
    let response = server
        .client
        .get(format!("{}/export?{query}", server.base))
        .bearer_auth(server.token(workspace, role))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned());
    let text = response.text().await.unwrap();
    if status != 200 {
        return (status, vec![serde_json::from_str(&text).unwrap()]);
    }
    assert_eq!(content_type.as_deref(), Some("application/x-ndjson"));
    let lines = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    (status, lines)
}

fn kinds(lines: &[Value]) -> Vec<&str> {
    lines.iter().map(|l| l["kind"].as_str().unwrap()).collect()
}

fn named<'a>(lines: &'a [Value], name: &str) -> &'a Value {
    lines
        .iter()
        .find(|l| l["name"] == name)
        .unwrap_or_else(|| panic!("no line for {name}"))
}

#[tokio::test]
async fn an_export_lists_fact_sheets_then_relations_with_everything_they_carry() {
    let app = TestApp::new().await;
    let ids = seed(&app).await;
    let server = app.spawn(Config::default());

    let (status, lines) = export(&server, "acme", Role::Viewer, "").await;
    assert_eq!(status, 200);
    assert_eq!(
        kinds(&lines),
        [
            "factSheet",
            "factSheet",
            "factSheet",
            "factSheet",
            "relation",
            "relation"
        ],
        "active fact sheets first, then relations between them: {lines:#?}"
    );
    let team = named(&lines, "Payments");
    assert_eq!(team["ref"], json!({ "id": ids[1] }));
    assert_eq!(team["type"], "Team");
    assert_eq!(team["description"], "Takes the money");
    assert_eq!(team["status"], "ACTIVE");
    assert_eq!(
        team["attributes"],
        json!({ "teamType": "streamAligned", "size": 7 })
    );
    assert_eq!(team["tags"], json!(["pci", "tier-1"]));
    assert_eq!(
        team["externalIds"],
        json!([{ "namespace": "cmdb", "value": "TEAM-7" }])
    );
    assert_eq!(team["parent"], json!({ "id": ids[0] }));
    assert_eq!(
        team["subscriptions"],
        json!([{ "user": "ana@example.com", "role": "RESPONSIBLE" }])
    );
    let consumes = lines
        .iter()
        .find(|l| l["type"] == "artifactConsumesApi")
        .unwrap();
    assert_eq!(consumes["from"], json!({ "id": ids[2] }));
    assert_eq!(consumes["to"], json!({ "id": ids[3] }));
    assert_eq!(consumes["attributes"], json!({ "usage": "critical" }));
    assert!(
        consumes["activeFrom"]
            .as_str()
            .unwrap()
            .starts_with("2024-01-01T00:00:00")
    );
    assert_eq!(consumes["activeUntil"], Value::Null);

    let (_, all) = export(&server, "acme", Role::Viewer, "status=ALL").await;
    assert_eq!(all.len(), 8, "the archived fact sheet and its relation too");
    assert_eq!(named(&all, "legacy-billing")["status"], "ARCHIVED");

    let (_, teams) = export(&server, "acme", Role::Viewer, "types=Team,API").await;
    assert_eq!(kinds(&teams), ["factSheet", "factSheet", "factSheet"]);

    let (status, refusal) = export(&server, "acme", Role::Viewer, "status=archived").await;
    assert_eq!(status, 400);
    assert_eq!(refusal[0]["errors"][0]["extensions"]["field"], "status");
}

#[tokio::test]
async fn an_export_pages_through_more_rows_than_one_page_holds() {
    let app = TestApp::new().await;
    let model = app.model().await;
    let sheets = (0..1_201)
        .map(|i| domain::import::ImportFactSheet {
            id: uuid::Uuid::now_v7(),
            fact_sheet_type: "API".into(),
            name: format!("api-{i}"),
            ..Default::default()
        })
        .collect();
    let tx = app
        .db
        .store
        .begin_write(app.admin.workspace_id)
        .await
        .unwrap();
    domain::import::import_graph(&*tx, &app.admin, &model, sheets, vec![], &mut |_, _| {})
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let server = app.spawn(Config::default());
    let (_, lines) = export(&server, "acme", Role::Viewer, "").await;
    assert_eq!(lines.len(), 1_201);
    let mut names: Vec<&str> = lines.iter().map(|l| l["name"].as_str().unwrap()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), 1_201, "every fact sheet exactly once");
}

#[tokio::test]
async fn an_export_holds_only_the_callers_workspace() {
    let app = TestApp::new().await;
    seed(&app).await;
    app.other_workspace().await;
    let server = app.spawn(Config::default());
    let (status, lines) = export(&server, "globex", Role::Admin, "status=ALL").await;
    assert_eq!((status, lines.len()), (200, 0), "{lines:#?}");
    let response = server
        .client
        .get(format!("{}/export", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);
}
