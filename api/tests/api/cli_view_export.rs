//! `wayfinder export --view …` against the test database: a saved view written as CSV and as
//! xlsx to a file holds the rows GraphQL gives for it, standard output stays empty, and a
//! private view is found only for its owner (`--as`).

use calamine::{Data, Reader, Xlsx, open_workbook};
use domain::Role;
use serde_json::{Value, json};

use crate::{cli::wayfinder, support::TestApp};

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
    id(json!({ "type": "SoftwareArtifact", "name": "ledger", "description": "line one\nline two" })).await;
    let relate = r#"mutation($input: CreateRelationInput!) { createRelation(input: $input) { relation { id } } }"#;
    for artifact in [checkout, billing] {
        app.data(
            relate,
            json!({ "input": { "type": "teamOwnsArtifact", "fromId": team, "toId": artifact } }),
        )
        .await;
    }
}

/// A view of the artifacts named `name`, saved by `role` with `visibility`; its id.
async fn save_view(app: &TestApp, role: Role, name: &str, visibility: &str) -> String {
    let body = app
        .run_as(
            &app.as_role(role),
            r#"mutation($input: CreateSavedViewInput!) { createSavedView(input: $input) { savedView { id } } }"#,
            json!({ "input": {
                "name": name,
                "visibility": visibility,
                "filter": { "types": ["SoftwareArtifact"] },
                "columns": [
                    { "field": "NAME" },
                    { "attribute": "language", "label": "Language" },
                    { "related": [{ "type": "teamOwnsArtifact", "direction": "INCOMING" }] },
                    { "field": "DESCRIPTION" }
                ],
                "orderBy": { "field": "NAME" }
            } }),
        )
        .await;
    body["data"]["createSavedView"]["savedView"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned()
}

/// The header and the rows GraphQL gives for the view, empty cells as "".
async fn rows_in_graphql(app: &TestApp, id: &str) -> Vec<Vec<String>> {
    let body = app
        .run(
            "query($id: ID!) { savedView(id: $id) { rows(first: 500) { labels edges { cells } } } }",
            json!({ "id": id }),
        )
        .await;
    let rows = &body["data"]["savedView"]["rows"];
    let labels: Vec<String> =
        serde_json::from_value(rows["labels"].clone()).unwrap_or_else(|_| panic!("{body}"));
    let mut table = vec![labels];
    table.extend(rows["edges"].as_array().unwrap().iter().map(|edge| {
        edge["cells"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap_or_default().to_owned())
            .collect()
    }));
    table
}

fn guarded(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

fn read_csv(bytes: &[u8]) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(bytes)
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

fn read_xlsx(path: &std::path::Path) -> Vec<Vec<String>> {
    let mut workbook: Xlsx<_> = open_workbook(path).unwrap();
    let sheet = workbook.worksheet_range_at(0).unwrap().unwrap();
    sheet
        .rows()
        .map(|row| {
            row.iter()
                .map(|cell| match cell {
                    Data::Empty => String::new(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn a_view_exported_by_the_cli_as_csv_and_xlsx_holds_its_graphql_rows_and_nothing_reaches_stdout()
 {
    let app = TestApp::new().await;
    seed(&app).await;
    let id = save_view(&app, Role::Member, "Artifacts & owners", "WORKSPACE").await;
    let table = rows_in_graphql(&app, &id).await;
    assert_eq!(table.len(), 4, "{table:?}");
    let url = Some(app.db.url.clone());
    let dir = tempfile::tempdir().unwrap();

    let csv_file = dir.path().join("view.csv");
    let out = wayfinder(dir.path(), &url)
        .args([
            "export",
            "--workspace",
            "acme",
            "--view",
            "Artifacts & owners",
            "--format",
            "csv",
            "-o",
        ])
        .arg(&csv_file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(out.stdout.is_empty(), "the rows go to the file only");
    assert!(!stderr.contains("checkout"), "no row on stderr: {stderr}");
    let csv_bytes = std::fs::read(&csv_file).unwrap();
    let expected: Vec<Vec<String>> = table
        .iter()
        .map(|row| row.iter().map(|c| guarded(c)).collect())
        .collect();
    assert_eq!(read_csv(&csv_bytes), expected);

    let to_stdout = wayfinder(dir.path(), &url)
        .args([
            "export",
            "--workspace",
            "acme",
            "--view",
            &id,
            "--format",
            "csv",
        ])
        .output()
        .unwrap();
    assert!(to_stdout.status.success());
    assert_eq!(
        to_stdout.stdout, csv_bytes,
        "standard output carries the same bytes as the file, progress apart"
    );

    let xlsx_file = dir.path().join("view.xlsx");
    let out = wayfinder(dir.path(), &url)
        .args([
            "export",
            "--workspace",
            "acme",
            "--view",
            &id,
            "--format",
            "xlsx",
            "-o",
        ])
        .arg(&xlsx_file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty());
    assert_eq!(read_xlsx(&xlsx_file), table);
}

#[tokio::test]
async fn the_cli_finds_a_private_view_only_as_its_owner() {
    let app = TestApp::new().await;
    seed(&app).await;
    save_view(&app, Role::Member, "Mine", "PRIVATE").await;
    let url = Some(app.db.url.clone());
    let dir = tempfile::tempdir().unwrap();
    let export = |extra: &[&str]| {
        wayfinder(dir.path(), &url)
            .args([
                "export",
                "--workspace",
                "acme",
                "--view",
                "Mine",
                "--format",
                "csv",
            ])
            .args(extra)
            .output()
            .unwrap()
    };
    let out = export(&[]);
    assert!(!out.status.success(), "the operator does not see it");
    assert!(out.stdout.is_empty());
    let out = export(&["--as", &app.as_role(Role::Member).subject]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(read_csv(&out.stdout).len(), 4);
}
