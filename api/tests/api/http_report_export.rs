//! `GET /reports/export` over HTTP: a saved view as CSV and xlsx read back and compared with the
//! view's rows in GraphQL, the formula guard, who may export which view, and refusals naming
//! the parameter.

use std::io::Cursor;

use api::config::Config;
use calamine::{Data, Reader, Xlsx};
use domain::Role;
use serde_json::{Value, json};

use crate::support::{Server, TestApp};

/// Three artifacts (one named like a formula) and the team that owns two of them.
async fn seed(app: &TestApp) {
    let create = r#"mutation($input: CreateFactSheetInput!) { createFactSheet(input: $input) { factSheet { id } } }"#;
    let id = async |input: Value| -> String {
        app.data(create, json!({ "input": input })).await["createFactSheet"]["factSheet"]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let team = id(json!({ "type": "Team", "name": "Payments, \"core\"" })).await;
    let checkout = id(json!({ "type": "SoftwareArtifact", "name": "checkout", "attributes": { "language": "kotlin" } })).await;
    let billing = id(json!({ "type": "SoftwareArtifact", "name": "=HYPERLINK(\"x\")" })).await;
    id(json!({ "type": "SoftwareArtifact", "name": "-ledger", "description": "line one\nline two" })).await;
    let relate = r#"mutation($input: CreateRelationInput!) { createRelation(input: $input) { relation { id } } }"#;
    for artifact in [checkout, billing] {
        app.data(
            relate,
            json!({ "input": { "type": "teamOwnsArtifact", "fromId": team, "toId": artifact } }),
        )
        .await;
    }
}

/// A view of the artifacts saved over HTTP by `role`, and its id.
async fn save_view(server: &Server, role: Role, visibility: &str) -> String {
    let (status, body) = server
        .graphql(
            Some(&server.token("acme", role)),
            json!({
                "query": r#"mutation($input: CreateSavedViewInput!) { createSavedView(input: $input) { savedView { id } } }"#,
                "variables": { "input": {
                    "name": "Artifacts & owners",
                    "visibility": visibility,
                    "filter": { "types": ["SoftwareArtifact"] },
                    "columns": [
                        { "field": "NAME" },
                        { "attribute": "language", "label": "Language" },
                        { "related": [{ "type": "teamOwnsArtifact", "direction": "INCOMING" }] },
                        { "field": "DESCRIPTION" },
                        { "field": "COMPLETION" }
                    ],
                    "orderBy": { "field": "NAME" }
                } }
            }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body["data"]["createSavedView"]["savedView"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned()
}

/// The header and rows GraphQL gives for the view, empty cells as "".
async fn rows_in_graphql(server: &Server, role: Role, id: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let (_, body) = server
        .graphql(
            Some(&server.token("acme", role)),
            json!({
                "query": "query($id: ID!) { savedView(id: $id) { rows(first: 500) { labels edges { cells } } } }",
                "variables": { "id": id }
            }),
        )
        .await;
    let rows = &body["data"]["savedView"]["rows"];
    let labels =
        serde_json::from_value(rows["labels"].clone()).unwrap_or_else(|_| panic!("{body}"));
    let cells = rows["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|edge| {
            edge["cells"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c.as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .collect();
    (labels, cells)
}

async fn get(server: &Server, role: Role, query: &str) -> (u16, Vec<u8>) {
    let response = server
        .client
        .get(format!("{}/reports/export?{query}", server.base))
        .bearer_auth(server.token("acme", role))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.bytes().await.unwrap().to_vec())
}

fn guarded(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

#[tokio::test]
async fn a_views_csv_reads_back_as_its_graphql_rows_with_formulas_defused() {
    let app = TestApp::new().await;
    seed(&app).await;
    let server = app.spawn(Config::default());
    let id = save_view(&server, Role::Member, "PRIVATE").await;
    let (labels, rows) = rows_in_graphql(&server, Role::Member, &id).await;
    assert_eq!(rows.len(), 3);

    let (status, body) = get(&server, Role::Member, &format!("view={id}&format=csv")).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert!(
        !body.starts_with(b"\xEF\xBB\xBF"),
        "no byte order mark unless asked"
    );
    let mut reader = csv::Reader::from_reader(body.as_slice());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(header, labels);
    assert_eq!(header[2], "Team (teamOwnsArtifact)");
    let read: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    let expected: Vec<Vec<String>> = rows
        .iter()
        .map(|row| row.iter().map(|c| guarded(c)).collect())
        .collect();
    assert_eq!(read, expected);
    assert!(
        read.iter().any(|r| r[0] == "'=HYPERLINK(\"x\")"),
        "{read:?}"
    );
    assert!(
        read.iter()
            .any(|r| r[0] == "'-ledger" && r[3] == "line one\nline two")
    );
    assert!(read.iter().any(|r| r[2] == "Payments, \"core\""));
    let (_, with_bom) = get(&server, Role::Member, &format!("view={id}&bom=true")).await;
    assert!(with_bom.starts_with(b"\xEF\xBB\xBF"));
}

#[tokio::test]
async fn a_views_xlsx_holds_the_same_cells_with_formulas_as_text() {
    let app = TestApp::new().await;
    seed(&app).await;
    let server = app.spawn(Config::default());
    let id = save_view(&server, Role::Member, "WORKSPACE").await;
    let (labels, rows) = rows_in_graphql(&server, Role::Viewer, &id).await;
    let (status, body) = get(&server, Role::Viewer, &format!("view={id}&format=xlsx")).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(body)).unwrap();
    let sheet = workbook.worksheet_range_at(0).unwrap().unwrap();
    let read: Vec<Vec<String>> = sheet
        .rows()
        .map(|row| {
            row.iter()
                .map(|cell| match cell {
                    Data::Empty => String::new(),
                    Data::Float(f) => f.to_string(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect();
    assert_eq!(read[0], labels);
    assert_eq!(read[1..].to_vec(), rows);
    let formulas = workbook.worksheet_formula("Sheet1").unwrap();
    assert!(formulas.is_empty(), "no cell is a formula");
}

#[tokio::test]
async fn a_private_view_exports_for_its_owner_only_and_bad_parameters_are_named() {
    let app = TestApp::new().await;
    seed(&app).await;
    let server = app.spawn(Config::default());
    let id = save_view(&server, Role::Member, "PRIVATE").await;
    let (status, _) = get(&server, Role::Admin, &format!("view={id}")).await;
    assert_eq!(status, 404, "another user's private view is not found");
    let (status, _) = get(&server, Role::Member, &format!("view={id}")).await;
    assert_eq!(status, 200);

    for (query, field) in [
        ("format=pdf&columns=name", "format"),
        ("columns=colour", "columns"),
        ("columns=name,attribute:colour", "columns.1.attribute"),
        ("view=nope", "view"),
        (&format!("view={id}&types=Team") as &str, "types"),
        ("columns=name&sort=NAME", "sort"),
        ("", "view"),
    ] {
        let (status, body) = get(&server, Role::Member, query).await;
        assert_eq!(status, 400, "{query}");
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert!(body.to_string().contains(field), "{query}: {body}");
    }
    let (status, body) = get(&server, Role::Viewer, "columns=name,type&types=Team").await;
    assert_eq!(status, 200);
    let text = String::from_utf8(body).unwrap();
    assert_eq!(text, "Name,Type\r\n\"Payments, \"\"core\"\"\",Team\r\n");
}

#[tokio::test]
async fn a_lifecycle_column_exports_the_phase_current_today_as_graphql_rows_show_it() {
    let app = TestApp::new().await;
    let create = r#"mutation($input: CreateFactSheetInput!) { createFactSheet(input: $input) { factSheet { id } } }"#;
    for (name, lifecycle) in [
        (
            "billing",
            json!({ "plan": "2020-01-01", "active": "2021-01-01", "endOfLife": "2999-01-01" }),
        ),
        ("ledger", json!({ "plan": "2998-01-01" })),
        (
            "retired",
            json!({ "active": "2019-01-01", "endOfLife": "2020-06-30" }),
        ),
    ] {
        let input = json!({ "type": "SoftwareArtifact", "name": name, "attributes": { "lifecycle": lifecycle } });
        app.data(create, json!({ "input": input })).await;
    }
    let server = app.spawn(Config::default());
    let (status, body) = server
        .graphql(
            Some(&server.token("acme", Role::Member)),
            json!({
                "query": r#"mutation($input: CreateSavedViewInput!) { createSavedView(input: $input) { savedView { id } } }"#,
                "variables": { "input": {
                    "name": "Lifecycles",
                    "visibility": "PRIVATE",
                    "filter": { "types": ["SoftwareArtifact"] },
                    "columns": [{ "field": "NAME" }, { "attribute": "lifecycle" }],
                    "orderBy": { "field": "NAME" }
                } }
            }),
        )
        .await;
    let id = body["data"]["createSavedView"]["savedView"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{status} {body}"))
        .to_owned();
    let expected: Vec<Vec<String>> = [
        ["billing", "Active"],
        ["ledger", "Not started yet"],
        ["retired", "End of life"],
    ]
    .iter()
    .map(|row| row.iter().map(|c| c.to_string()).collect())
    .collect();

    let (labels, rows) = rows_in_graphql(&server, Role::Member, &id).await;
    assert_eq!(labels, ["Name", "Lifecycle"]);
    assert_eq!(rows, expected);

    let (status, body) = get(&server, Role::Member, &format!("view={id}&format=csv")).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let read: Vec<Vec<String>> = csv::Reader::from_reader(body.as_slice())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    assert_eq!(read, expected);

    let (status, body) = get(&server, Role::Member, &format!("view={id}&format=xlsx")).await;
    assert_eq!(status, 200);
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(body)).unwrap();
    let sheet = workbook.worksheet_range_at(0).unwrap().unwrap();
    let read: Vec<Vec<String>> = sheet
        .rows()
        .skip(1)
        .map(|row| row.iter().map(|cell| cell.to_string()).collect())
        .collect();
    assert_eq!(read, expected);
}
