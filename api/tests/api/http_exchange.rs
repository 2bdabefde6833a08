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

/// `body` posted to `/import?{query}` as `role` of `workspace`: the status and the report.
async fn import(
    server: &Server,
    workspace: &str,
    role: Role,
    query: &str,
    body: String,
) -> (u16, Value) {
    server
        .post_import(workspace, role, query, "application/x-ndjson", body)
        .await
}

fn ndjson(lines: &[Value]) -> String {
    lines.iter().map(|l| format!("{l}\n")).collect()
}

/// The graph of an export with every id replaced by its fact sheet's name, sorted: what two
/// workspaces holding the same graph have in common.
fn graph(lines: &[Value]) -> Vec<Value> {
    let names: std::collections::HashMap<String, String> = lines
        .iter()
        .filter(|l| l["kind"] == "factSheet")
        .map(|l| {
            (
                l["ref"]["id"].as_str().unwrap().to_owned(),
                l["name"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let name = |r: &Value| match r["id"].as_str() {
        Some(id) => json!(names[id]),
        None => Value::Null,
    };
    let mut graph: Vec<Value> = lines
        .iter()
        .map(|l| {
            let mut l = l.clone();
            for key in ["ref", "parent", "from", "to"] {
                if l.get(key).is_some() {
                    l[key] = name(&l[key]);
                }
            }
            l
        })
        .collect();
    graph.sort_by_key(|l| l.to_string());
    graph
}

async fn history_count(app: &TestApp) -> u64 {
    use sea_orm::{EntityTrait, PaginatorTrait};
    entity::change::Entity::find()
        .count(app.db.conn())
        .await
        .unwrap()
}

fn counts(report: &Value) -> [(u64, u64); 3] {
    ["created", "updated", "unchanged"].map(|k| {
        (
            report[k]["factSheets"].as_u64().unwrap(),
            report[k]["relations"].as_u64().unwrap(),
        )
    })
}

fn errors(report: &Value) -> Vec<(u64, &str, &str)> {
    report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["line"].as_u64().unwrap(),
                e["field"].as_str().unwrap(),
                e["code"].as_str().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn an_export_imported_into_an_empty_workspace_recreates_the_graph() {
    let app = TestApp::new().await;
    seed(&app).await;
    app.other_workspace().await;
    let server = app.spawn(Config::default());
    let (_, exported) = export(&server, "acme", Role::Viewer, "status=ALL").await;

    let (status, report) = import(&server, "globex", Role::Member, "", ndjson(&exported)).await;
    assert_eq!(status, 200, "{report:#}");
    assert_eq!(counts(&report), [(5, 3), (0, 0), (0, 0)], "{report:#}");
    assert_eq!(report["validateOnly"], false);
    assert_eq!(report["errors"], json!([]));
    assert_eq!(report["warnings"], json!([]));

    let (_, copied) = export(&server, "globex", Role::Viewer, "status=ALL").await;
    assert_eq!(graph(&copied), graph(&exported));
    let acme_ids: Vec<&Value> = exported.iter().map(|l| &l["ref"]["id"]).collect();
    assert!(
        copied
            .iter()
            .all(|l| l["kind"] == "relation" || !acme_ids.contains(&&l["ref"]["id"])),
        "the copies are new fact sheets of globex"
    );
}

#[tokio::test]
async fn an_export_imported_back_reports_every_line_unchanged_and_writes_no_history() {
    let app = TestApp::new().await;
    seed(&app).await;
    let server = app.spawn(Config::default());
    let (_, exported) = export(&server, "acme", Role::Viewer, "status=ALL").await;
    let history = history_count(&app).await;

    let (status, report) = import(&server, "acme", Role::Member, "", ndjson(&exported)).await;
    assert_eq!(status, 200, "{report:#}");
    assert_eq!(counts(&report), [(0, 0), (0, 0), (5, 3)], "{report:#}");
    assert_eq!(history_count(&app).await, history, "no history written");
    let (_, again) = export(&server, "acme", Role::Viewer, "status=ALL").await;
    assert_eq!(again, exported);
}

/// Lines 1 and 7 are good; 2, 4, 5 and 6 are not; 3 is blank.
fn mixed_body() -> String {
    [
        json!({ "kind": "factSheet", "ref": { "externalId": { "namespace": "cmdb", "value": "TEAM-9" } }, "type": "Team", "name": "Search" }).to_string(),
        json!({ "kind": "factSheet", "ref": { "externalId": { "namespace": "cmdb", "value": "TEAM-10" } }, "type": "Team", "name": "Ads", "attributes": { "size": "many" } }).to_string(),
        String::new(),
        json!({ "kind": "factSheet", "ref": { "externalId": { "namespace": "cmdb", "value": "X-1" } }, "type": "Spaceship", "name": "Enterprise" }).to_string(),
        json!({ "kind": "relation", "type": "teamOwnsArtifact", "from": { "externalId": { "namespace": "cmdb", "value": "TEAM-9" } }, "to": { "externalId": { "namespace": "cmdb", "value": "APP-404" } } }).to_string(),
        "{not json".to_owned(),
        json!({ "kind": "factSheet", "ref": { "externalId": { "namespace": "cmdb", "value": "APP-1" } }, "type": "SoftwareArtifact", "name": "search-api" }).to_string(),
    ]
    .join("\n")
}

#[tokio::test]
async fn an_atomic_import_with_bad_lines_writes_nothing_and_reports_each_with_its_field() {
    let app = TestApp::new().await;
    let server = app.spawn(Config::default());
    let history = history_count(&app).await;

    let (status, report) = import(&server, "acme", Role::Member, "", mixed_body()).await;
    assert_eq!(status, 422, "{report:#}");
    assert_eq!(
        errors(&report),
        [
            (2, "attributes.size", "BAD_USER_INPUT"),
            (4, "type", "BAD_USER_INPUT"),
            (5, "to", "NOT_FOUND"),
            (6, "", "BAD_USER_INPUT"),
        ],
        "{report:#}"
    );
    assert!(report["errors"][0]["message"].as_str().unwrap().len() > 5);
    assert_eq!(app.fact_sheet_count().await, 0, "nothing written");
    assert_eq!(history_count(&app).await, history);
}

#[tokio::test]
async fn a_partial_import_writes_the_good_lines_and_reports_the_rest() {
    let app = TestApp::new().await;
    let server = app.spawn(Config::default());
    let (status, report) =
        import(&server, "acme", Role::Member, "mode=partial", mixed_body()).await;
    assert_eq!(status, 422, "{report:#}");
    assert_eq!(errors(&report).len(), 4);
    assert_eq!(counts(&report)[0], (2, 0));
    assert_eq!(
        app.fact_sheet_count().await,
        2,
        "Search and search-api written"
    );
}

#[tokio::test]
async fn a_validate_only_import_checks_everything_and_writes_nothing() {
    let app = TestApp::new().await;
    let server = app.spawn(Config::default());
    let body = mixed_body().lines().take(1).collect::<String>();
    let (status, report) = import(&server, "acme", Role::Member, "validateOnly=true", body).await;
    assert_eq!(status, 200, "{report:#}");
    assert_eq!(report["validateOnly"], true);
    assert_eq!(counts(&report)[0], (1, 0));
    assert_eq!(app.fact_sheet_count().await, 0);

    let (status, report) = import(
        &server,
        "acme",
        Role::Member,
        "validateOnly=true&mode=partial",
        mixed_body(),
    )
    .await;
    assert_eq!((status, errors(&report).len()), (422, 4), "{report:#}");
    assert_eq!(app.fact_sheet_count().await, 0);
}

#[tokio::test]
async fn lines_may_name_fact_sheets_that_later_lines_create() {
    let app = TestApp::new().await;
    let server = app.spawn(Config::default());
    let cmdb = |v: &str| json!({ "externalId": { "namespace": "cmdb", "value": v } });
    let body = ndjson(&[
        json!({ "kind": "relation", "type": "teamOwnsArtifact", "from": cmdb("TEAM-7"), "to": cmdb("APP-42") }),
        json!({ "kind": "factSheet", "ref": cmdb("TEAM-7"), "type": "Team", "name": "Payments", "parent": cmdb("TEAM-1"), "tags": ["pci"] }),
        json!({ "kind": "factSheet", "ref": cmdb("APP-42"), "type": "SoftwareArtifact", "name": "checkout", "subscriptions": [{ "user": "ana@example.com", "role": "ACCOUNTABLE" }] }),
        json!({ "kind": "factSheet", "ref": cmdb("TEAM-1"), "type": "Team", "name": "Engineering" }),
    ]);
    let (status, report) = import(&server, "acme", Role::Member, "", body.clone()).await;
    assert_eq!(status, 200, "{report:#}");
    assert_eq!(counts(&report), [(3, 1), (0, 0), (0, 0)]);
    let (_, lines) = export(&server, "acme", Role::Viewer, "").await;
    let parent = named(&lines, "Engineering")["ref"].clone();
    let team = named(&lines, "Payments");
    assert_eq!(team["parent"], parent);
    assert_eq!(
        team["externalIds"],
        json!([{ "namespace": "cmdb", "value": "TEAM-7" }])
    );
    assert_eq!(team["tags"], json!(["pci"]));
    let owns = lines.iter().find(|l| l["kind"] == "relation").unwrap();
    assert_eq!(owns["from"], team["ref"]);
    assert_eq!(owns["to"], named(&lines, "checkout")["ref"]);

    let (status, report) = import(&server, "acme", Role::Member, "", body).await;
    assert_eq!((status, counts(&report)), (200, [(0, 0), (0, 0), (3, 1)]));
}

#[tokio::test]
async fn a_fact_sheet_of_another_workspace_is_unknown_to_an_import() {
    let app = TestApp::new().await;
    let theirs = seed(&app).await;
    app.other_workspace().await;
    let server = app.spawn(Config::default());
    let (_, before) = export(&server, "acme", Role::Viewer, "status=ALL").await;

    let relation = ndjson(&[
        json!({ "kind": "relation", "type": "teamOwnsArtifact", "from": { "id": theirs[1] }, "to": { "id": theirs[2] } }),
    ]);
    let (status, report) = import(&server, "globex", Role::Admin, "", relation).await;
    assert_eq!(status, 422, "{report:#}");
    assert_eq!(
        errors(&report),
        [(1, "from", "NOT_FOUND"), (1, "to", "NOT_FOUND")],
        "{report:#}"
    );
    let nowhere = uuid::Uuid::now_v7().to_string();
    let control = ndjson(&[
        json!({ "kind": "relation", "type": "teamOwnsArtifact", "from": { "id": nowhere }, "to": { "id": nowhere } }),
    ]);
    let (_, control) = import(&server, "globex", Role::Admin, "", control).await;
    assert_eq!(
        report
            .to_string()
            .replace(&theirs[1], "X")
            .replace(&theirs[2], "X"),
        control.to_string().replace(&nowhere, "X"),
        "acme's ids fail exactly like ids that exist nowhere"
    );

    // A fact sheet line naming acme's id makes a new fact sheet of globex's own.
    let sheet = ndjson(&[
        json!({ "kind": "factSheet", "ref": { "id": theirs[1] }, "type": "Team", "name": "Renamed" }),
    ]);
    let (status, report) = import(&server, "globex", Role::Admin, "", sheet).await;
    assert_eq!((status, counts(&report)[0]), (200, (1, 0)), "{report:#}");
    let (_, globex) = export(&server, "globex", Role::Viewer, "").await;
    assert_eq!(globex.len(), 1);
    assert_ne!(globex[0]["ref"]["id"], json!(theirs[1]));
    assert!(
        !report.to_string().contains("Payments"),
        "nothing of acme shows"
    );
    let (_, after) = export(&server, "acme", Role::Viewer, "status=ALL").await;
    assert_eq!(after, before, "acme unchanged");
}

#[tokio::test]
async fn only_members_import_and_the_request_must_be_ndjson() {
    let app = TestApp::new().await;
    let server = app.spawn(Config {
        max_import_body_bytes: 2_000,
        ..Config::default()
    });
    let line = ndjson(&[
        json!({ "kind": "factSheet", "ref": { "externalId": { "namespace": "cmdb", "value": "T" } }, "type": "Team", "name": "T" }),
    ]);
    let (status, body) = import(&server, "acme", Role::Viewer, "", line.clone()).await;
    assert_eq!(
        (status, body["errors"][0]["extensions"]["code"].as_str()),
        (403, Some("FORBIDDEN"))
    );
    let (status, body) = import(&server, "acme", Role::Member, "format=ldif", line.clone()).await;
    assert_eq!(status, 400);
    assert_eq!(body["errors"][0]["extensions"]["field"], "format");
    let (status, body) = import(
        &server,
        "acme",
        Role::Member,
        "mode=sometimes",
        line.clone(),
    )
    .await;
    assert_eq!(
        (status, &body["errors"][0]["extensions"]["field"]),
        (400, &json!("mode"))
    );
    let (status, _) = import(&server, "acme", Role::Member, "", line.repeat(40)).await;
    assert_eq!(status, 413, "the import body limit holds");
    let response = server
        .client
        .post(format!("{}/import", server.base))
        .bearer_auth(server.token("acme", Role::Member))
        .header("content-type", "application/json")
        .body(line.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 415);
    let response = server
        .client
        .post(format!("{}/import", server.base))
        .header("content-type", "application/x-ndjson")
        .body(line)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);
    assert_eq!(app.fact_sheet_count().await, 0);
}

#[tokio::test]
async fn a_line_sets_what_it_names_clears_nulls_merges_attributes_and_checks_cardinality() {
    let app = TestApp::new().await;
    let ids = seed(&app).await;
    let server = app.spawn(Config::default());
    let body = ndjson(&[
        json!({ "kind": "factSheet", "ref": { "externalId": { "namespace": "cmdb", "value": "TEAM-7" } }, "description": null, "attributes": { "size": 9 }, "parent": null }),
        json!({ "kind": "factSheet", "ref": { "id": ids[0] }, "type": "Team", "name": "Platform" }),
        json!({ "kind": "relation", "type": "teamOwnsArtifact", "from": { "id": ids[0] }, "to": { "id": ids[2] } }),
    ]);
    let (status, report) = import(&server, "acme", Role::Member, "mode=partial", body).await;
    assert_eq!(status, 422, "{report:#}");
    assert_eq!(
        errors(&report),
        [(3, "to", "BAD_USER_INPUT")],
        "an artifact has one owner"
    );
    assert_eq!(counts(&report), [(0, 0), (2, 0), (0, 0)]);
    let (_, lines) = export(&server, "acme", Role::Viewer, "").await;
    let team = named(&lines, "Payments");
    assert_eq!(team["description"], Value::Null);
    assert_eq!(
        team["attributes"],
        json!({ "teamType": "streamAligned", "size": 9 })
    );
    assert_eq!(team["parent"], Value::Null);
    assert_eq!(
        team["tags"],
        json!(["pci", "tier-1"]),
        "left out, left alone"
    );
    assert_eq!(named(&lines, "Platform")["ref"], json!({ "id": ids[0] }));
}

#[tokio::test]
async fn an_import_counts_once_against_the_rate_limit_however_many_lines_it_has() {
    let app = TestApp::new().await;
    let server = app.spawn(Config {
        rate_limit_per_token_per_minute: 2,
        rate_limit_burst_seconds: 60,
        ..Config::default()
    });
    let lines: Vec<Value> = (0..20)
        .map(|i| json!({ "kind": "factSheet", "ref": { "externalId": { "namespace": "cmdb", "value": format!("API-{i}") } }, "type": "API", "name": format!("api-{i}") }))
        .collect();
    let token = server.token("acme", Role::Member);
    let mut statuses = Vec::new();
    for _ in 0..3 {
        let response = server
            .client
            .post(format!("{}/import", server.base))
            .bearer_auth(&token)
            .header("content-type", "application/x-ndjson")
            .body(ndjson(&lines))
            .send()
            .await
            .unwrap();
        statuses.push(response.status().as_u16());
    }
    assert_eq!(statuses, [200, 200, 429]);
}
