//! `wayfinder import` and `wayfinder export` against the configured database: a round trip
//! between two workspaces, the report on stdout and the exit codes 0, 1 and 2.

use std::process::Output;

use serde_json::{Value, json};
use testkit::TestDb;

use crate::cli::{stdout_of, wayfinder};

fn lines(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// The graph of an export with ids replaced by names, sorted.
fn graph(lines: &[Value]) -> Vec<String> {
    let names: std::collections::HashMap<&str, &str> = lines
        .iter()
        .filter(|l| l["kind"] == "factSheet")
        .map(|l| {
            (
                l["ref"]["id"].as_str().unwrap(),
                l["name"].as_str().unwrap(),
            )
        })
        .collect();
    let mut graph: Vec<String> = lines
        .iter()
        .map(|l| {
            let mut l = l.clone();
            for key in ["ref", "parent", "from", "to"] {
                if let Some(id) = l.get(key).and_then(|r| r["id"].as_str()) {
                    l[key] = json!(names[id]);
                }
            }
            l.to_string()
        })
        .collect();
    graph.sort();
    graph
}

fn report(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

#[tokio::test]
async fn a_workspace_exported_and_imported_by_the_cli_arrives_whole_with_exit_codes_that_tell() {
    let db = TestDb::new().await;
    let url = db.is_postgres().then(|| db.url.clone());
    let dir = tempfile::tempdir().unwrap();
    let run = || wayfinder(dir.path(), &url);
    for slug in ["acme", "globex"] {
        stdout_of(run().args(["workspace", "create", slug]));
    }
    let cmdb = |v: &str| json!({ "externalId": { "namespace": "cmdb", "value": v } });
    let seed: String = [
        json!({ "kind": "factSheet", "ref": cmdb("TEAM-1"), "type": "Team", "name": "Engineering", "tags": ["core"] }),
        json!({ "kind": "factSheet", "ref": cmdb("TEAM-7"), "type": "Team", "name": "Payments", "parent": cmdb("TEAM-1"), "attributes": { "size": 7 } }),
        json!({ "kind": "factSheet", "ref": cmdb("APP-42"), "type": "SoftwareArtifact", "name": "checkout" }),
        json!({ "kind": "relation", "type": "teamOwnsArtifact", "from": cmdb("TEAM-7"), "to": cmdb("APP-42") }),
    ]
    .iter()
    .map(|l| format!("{l}\n"))
    .collect();
    let file = dir.path().join("seed.ndjson");
    std::fs::write(&file, &seed).unwrap();

    let out = run()
        .args(["import", "--workspace", "acme", "--validate-only"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(report(&out)["validateOnly"], true);
    let out = run()
        .args(["import", "--workspace", "acme"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        report(&out)["created"],
        json!({ "factSheets": 3, "relations": 1 })
    );

    let exported = dir.path().join("acme.ndjson");
    stdout_of(
        run()
            .args(["export", "--workspace", "acme", "-o"])
            .arg(&exported),
    );
    let acme = std::fs::read_to_string(&exported).unwrap();
    assert_eq!(lines(&acme).len(), 4, "{acme}");
    let out = run()
        .args(["import", "--workspace", "globex", "-"])
        .stdin(std::fs::File::open(&exported).unwrap())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let globex = stdout_of(run().args([
        "export",
        "--workspace",
        "globex",
        "--types",
        "Team,SoftwareArtifact",
    ]));
    assert_eq!(graph(&lines(&globex)), graph(&lines(&acme)));

    // A refused line: exit 1, the report on stdout, nothing written (atomic).
    let bad = dir.path().join("bad.ndjson");
    std::fs::write(
        &bad,
        format!(
            "{}\n",
            json!({ "kind": "factSheet", "ref": cmdb("TEAM-7"), "attributes": { "size": -3 } })
        ),
    )
    .unwrap();
    let out = run()
        .args(["import", "--workspace", "acme"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(report(&out)["errors"][0]["line"], 1);
    assert_eq!(report(&out)["errors"][0]["field"], "attributes.size");
    let after = stdout_of(run().args(["export", "--workspace", "acme"]));
    assert_eq!(after, acme, "nothing written");

    // Usage errors: exit 2.
    for args in [
        vec![
            "import",
            "--workspace",
            "acme",
            "--api",
            "openapi:Shop",
            "-",
        ],
        vec!["import", "--workspace", "acme", "--format", "yaml", "-"],
        vec!["import", "--workspace", "acme"],
        vec!["import", "--workspace", "nope", "-"],
        vec!["export", "--workspace", "acme", "--status", "SOME"],
    ] {
        let out = run()
            .args(&args)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}
