//! `POST /import` of bodies larger than the import's batches, and of bodies that arrive in many
//! small chunks: the same report as any import, line by line.

use api::config::Config;
use domain::Role;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::{Server, TestApp};

const ARTIFACTS: usize = 40;
const APIS: usize = 30;

fn ext(value: String) -> Value {
    json!({ "externalId": { "namespace": "bulk", "value": value } })
}

/// 70 fact sheets and 1,200 relations (more than one batch of relation lines), where line
/// `bad` names an API no line creates and the relation of the first line after the fact
/// sheets comes again later in the same batch, with an attribute set.
fn body(bad: usize) -> (String, usize) {
    let mut lines = Vec::new();
    for a in 0..ARTIFACTS {
        lines.push(json!({ "kind": "factSheet", "ref": ext(format!("A-{a}")), "type": "SoftwareArtifact", "name": format!("artifact {a}") }));
    }
    for p in 0..APIS {
        lines.push(json!({ "kind": "factSheet", "ref": ext(format!("P-{p}")), "type": "API", "name": format!("api {p}") }));
    }
    for a in 0..ARTIFACTS {
        for p in 0..APIS {
            lines.push(json!({ "kind": "relation", "type": "artifactConsumesApi", "from": ext(format!("A-{a}")), "to": ext(format!("P-{p}")) }));
        }
    }
    lines.insert(ARTIFACTS + APIS + 500, json!({ "kind": "relation", "type": "artifactConsumesApi", "from": ext("A-0".into()), "to": ext("P-0".into()), "attributes": { "usage": "critical" } }));
    lines.insert(bad - 1, json!({ "kind": "relation", "type": "artifactConsumesApi", "from": ext("A-0".into()), "to": ext("P-missing".into()) }));
    let count = lines.len();
    (lines.iter().map(|l| format!("{l}\n")).collect(), count)
}

async fn import(server: &Server, query: &str, body: String) -> (u16, Value) {
    server
        .post_import("acme", Role::Member, query, "application/x-ndjson", body)
        .await
}

fn count(report: &Value, outcome: &str) -> (u64, u64) {
    (
        report[outcome]["factSheets"].as_u64().unwrap(),
        report[outcome]["relations"].as_u64().unwrap(),
    )
}

fn error_lines(report: &Value) -> Vec<u64> {
    report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["line"].as_u64().unwrap())
        .collect()
}

async fn relation_count(app: &TestApp) -> u64 {
    use sea_orm::{EntityTrait, PaginatorTrait};
    entity::relation::Entity::find()
        .count(app.db.conn())
        .await
        .unwrap()
}

#[tokio::test]
async fn an_atomic_import_larger_than_a_batch_with_one_bad_line_in_the_middle_writes_nothing() {
    let app = TestApp::new().await;
    let server = app.spawn(Config::default());
    let (body, _) = body(700);
    let (status, report) = import(&server, "", body).await;
    assert_eq!(status, 422, "{report:#}");
    assert_eq!(error_lines(&report), vec![700], "{report:#}");
    assert_eq!(app.fact_sheet_count().await, 0);
    assert_eq!(relation_count(&app).await, 0);
}

#[tokio::test]
async fn a_partial_import_larger_than_a_batch_writes_all_but_the_bad_line_and_again_nothing() {
    let app = TestApp::new().await;
    let server = app.spawn(Config::default());
    let (body, _) = body(1_100);
    let (status, report) = import(&server, "mode=partial", body.clone()).await;
    assert_eq!(status, 422, "{report:#}");
    assert_eq!(error_lines(&report), vec![1_100], "{report:#}");
    let relations = (ARTIFACTS * APIS) as u64;
    assert_eq!(count(&report, "created"), (70, relations), "{report:#}");
    assert_eq!(
        count(&report, "updated"),
        (0, 1),
        "the repeated line sets an attribute"
    );
    assert_eq!(relation_count(&app).await, relations);

    let (status, again) = import(&server, "mode=partial", body).await;
    assert_eq!(status, 422, "{again:#}");
    assert_eq!(error_lines(&again), vec![1_100]);
    assert_eq!(count(&again, "created"), (0, 0), "{again:#}");
    assert_eq!(count(&again, "updated"), (0, 0), "{again:#}");
    assert_eq!(count(&again, "unchanged"), (70, relations + 1));
}

/// `body` made large: every relation line padded by trailing spaces, which JSON allows, and
/// every fact sheet given a 70,000-character description. Both the relation lines and the rows a
/// dry run plans for the fact sheets are then more than an import keeps in memory (4 MiB each),
/// so they wait in temporary files.
fn padded(body: &str) -> String {
    body.lines()
        .map(|line| {
            let mut parsed: Value = serde_json::from_str(line).unwrap();
            if parsed["kind"] == "relation" {
                return format!("{line}{}\n", " ".repeat(5_000));
            }
            parsed["description"] = json!("d".repeat(70_000));
            format!("{parsed}\n")
        })
        .collect()
}

#[tokio::test]
async fn lines_and_rows_kept_on_disk_import_like_those_kept_in_memory() {
    let app = TestApp::new().await;
    let server = app.spawn(Config::default());
    let (body, _) = body(1_100);
    let body = padded(&body);
    assert!(body.len() > 10 << 20, "{} bytes", body.len());

    let (status, dry) = import(&server, "mode=partial&validateOnly=true", body.clone()).await;
    assert_eq!(status, 422, "{dry:#}");
    assert_eq!(relation_count(&app).await, 0);
    let (status, report) = import(&server, "mode=partial", body.clone()).await;
    assert_eq!(status, 422, "{report:#}");
    assert_eq!(error_lines(&report), vec![1_100], "{report:#}");
    let relations = (ARTIFACTS * APIS) as u64;
    assert_eq!(count(&report, "created"), (70, relations), "{report:#}");
    assert_eq!(count(&report, "updated"), (0, 1), "{report:#}");
    assert_eq!(relation_count(&app).await, relations);
    for outcome in ["created", "updated", "unchanged", "errors"] {
        assert_eq!(dry[outcome], report[outcome], "the dry run's {outcome}");
    }

    let (_, again) = import(&server, "mode=partial", body).await;
    assert_eq!(count(&again, "unchanged"), (70, relations + 1), "{again:#}");
}

/// Posts `body` with chunked transfer encoding, `chunk` bytes at a time, and reads the answer.
async fn import_in_chunks(server: &Server, body: &[u8], chunk: usize) -> (u16, Value) {
    let address = server.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST /import HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {}\r\nContent-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        server.token("acme", Role::Member)
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    for piece in body.chunks(chunk) {
        stream
            .write_all(format!("{:x}\r\n", piece.len()).as_bytes())
            .await
            .unwrap();
        stream.write_all(piece).await.unwrap();
        stream.write_all(b"\r\n").await.unwrap();
        stream.flush().await.unwrap();
    }
    stream.write_all(b"0\r\n\r\n").await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    let answer = String::from_utf8(answer).unwrap();
    let status = answer[9..12].parse().unwrap();
    let (_, json) = answer.split_once("\r\n\r\n").unwrap();
    (status, serde_json::from_str(json).unwrap())
}

#[tokio::test]
async fn a_body_that_arrives_in_many_small_chunks_imports_like_one_sent_whole() {
    let app = TestApp::new().await;
    let server = app.spawn(Config::default());
    // Chunks of 5 bytes split lines, CRLF line ends and the two bytes of each `é`.
    let body = [
        json!({ "kind": "factSheet", "ref": ext("T-1".into()), "type": "Team", "name": "Équipe été" }),
        json!({ "kind": "factSheet", "ref": ext("T-2".into()), "type": "Team", "name": "Café", "parent": ext("T-1".into()) }),
        json!({ "kind": "factSheet", "ref": ext("T-3".into()), "type": "Team" }),
    ]
    .iter()
    .map(|l| format!("{l}\r\n\r\n"))
    .collect::<String>();
    let (status, report) = import_in_chunks(&server, body.as_bytes(), 5).await;
    assert_eq!(status, 422, "{report:#}");
    assert_eq!(error_lines(&report), vec![5], "{report:#}");
    assert_eq!(app.fact_sheet_count().await, 0, "atomic: nothing written");

    let valid: String = body.lines().take(4).map(|l| format!("{l}\n")).collect();
    let (status, report) = import_in_chunks(&server, valid.as_bytes(), 5).await;
    assert_eq!(status, 200, "{report:#}");
    assert_eq!(count(&report, "created"), (2, 0));
    let names = app
        .data(
            r#"{ factSheets(first: 10) { edges { node { name parent { name } } } } }"#,
            json!({}),
        )
        .await;
    let mut names: Vec<String> = names["factSheets"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].to_string())
        .collect();
    names.sort();
    assert_eq!(
        names,
        vec![
            json!({ "name": "Café", "parent": { "name": "Équipe été" } }).to_string(),
            json!({ "name": "Équipe été", "parent": null }).to_string(),
        ]
    );
}
