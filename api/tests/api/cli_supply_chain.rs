//! `wayfinder sbom upload` and `wayfinder advisories import` against the configured database:
//! shared advisories from a .zip and from a directory matched in every workspace, a bad file
//! named with the rest still imported, and the exit codes that tell.

use std::{io::Write, path::Path, process::Output};

use serde_json::{Value, json};
use testkit::TestDb;

use crate::cli::{stdout_of, wayfinder};

const OSV: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../domain/tests/fixtures/osv");

/// The vendored OSV records, by file name.
fn osv_files() -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(OSV)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).unwrap())
        })
        .collect();
    files.sort();
    files
}

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {} / {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A CycloneDX 1.5 SBOM of `org.apache.logging.log4j:log4j-core` at `version`.
fn log4j_core(dir: &Path, version: &str) -> std::path::PathBuf {
    let path = dir.join(format!("log4j-{version}.cdx.json"));
    let sbom = json!({
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "version": 1,
        "components": [{
            "type": "library",
            "group": "org.apache.logging.log4j",
            "name": "log4j-core",
            "version": version,
            "purl": format!("pkg:maven/org.apache.logging.log4j/log4j-core@{version}"),
        }],
    });
    std::fs::write(&path, sbom.to_string()).unwrap();
    path
}

#[tokio::test]
async fn shared_advisories_from_a_zip_and_a_directory_flag_artifacts_in_every_workspace() {
    let db = TestDb::new().await;
    let url = db.is_postgres().then(|| db.url.clone());
    let dir = tempfile::tempdir().unwrap();
    let run = || wayfinder(dir.path(), &url);
    let artifact = dir.path().join("artifact.ndjson");
    std::fs::write(
        &artifact,
        json!({ "kind": "factSheet", "ref": { "externalId": { "namespace": "cmdb", "value": "APP-42" } }, "type": "SoftwareArtifact", "name": "ledger" })
            .to_string()
            + "\n",
    )
    .unwrap();
    let sbom = log4j_core(dir.path(), "2.14.1");
    let upload = |workspace: &str| {
        run()
            .args([
                "sbom",
                "upload",
                "--workspace",
                workspace,
                "--artifact",
                "cmdb:APP-42",
            ])
            .arg(&sbom)
            .output()
            .unwrap()
    };
    for slug in ["acme", "globex"] {
        stdout_of(run().args(["workspace", "create", slug]));
        stdout_of(run().args(["import", "--workspace", slug]).arg(&artifact));
        let out = upload(slug);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let summary = json_of(&out);
        assert_eq!(
            (
                summary["components"].as_u64(),
                summary["vulnerabilities"].as_u64()
            ),
            (Some(1), Some(0))
        );
    }

    let files = osv_files();
    let archive = dir.path().join("advisories.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&archive).unwrap());
    for (name, bytes) in &files {
        zip.start_file(
            format!("advisories/{name}"),
            zip::write::SimpleFileOptions::default(),
        )
        .unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.start_file(
        "advisories/README.md",
        zip::write::SimpleFileOptions::default(),
    )
    .unwrap();
    zip.write_all(b"not an advisory, and not read").unwrap();
    zip.finish().unwrap();
    let out = run()
        .args(["advisories", "import", "--batch-size", "3"])
        .arg(&archive)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        json_of(&out),
        json!({ "files": files.len(), "refusedFiles": 0, "advisories": files.len(), "workspaces": 2, "opened": 2, "resolved": 0 })
    );
    for slug in ["acme", "globex"] {
        assert_eq!(json_of(&upload(slug))["vulnerabilities"], 1, "{slug}");
    }

    // A directory, walked below its top, with one file that is no OSV record: named, skipped.
    let tree = dir.path().join("osv/nested");
    std::fs::create_dir_all(&tree).unwrap();
    for (name, bytes) in &files {
        std::fs::write(tree.join(name), bytes).unwrap();
    }
    let mut bad: Value = serde_json::from_slice(&files[0].1).unwrap();
    bad["id"] = json!("GHSA-bad0-0000-0000");
    bad["affected"][0]["package"] = json!("not an object");
    std::fs::write(tree.join("GHSA-bad0-0000-0000.json"), bad.to_string()).unwrap();
    std::fs::write(tree.join("notes.txt"), "skipped").unwrap();
    let out = run()
        .args(["advisories", "import"])
        .arg(dir.path().join("osv"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let refused = stderr(&out);
    assert!(
        refused.contains("GHSA-bad0-0000-0000.json: affected.0.package"),
        "the file and the field are named: {refused}"
    );
    assert_eq!(
        json_of(&out),
        json!({ "files": files.len() + 1, "refusedFiles": 1, "advisories": files.len(), "workspaces": 2, "opened": 0, "resolved": 0 }),
        "the rest imported again, changing no match"
    );
}

#[tokio::test]
async fn sbom_upload_names_the_bad_field_and_the_unknown_artifact_with_exit_codes_that_tell() {
    let db = TestDb::new().await;
    let url = db.is_postgres().then(|| db.url.clone());
    let dir = tempfile::tempdir().unwrap();
    let run = || wayfinder(dir.path(), &url);
    stdout_of(run().args(["workspace", "create", "acme"]));
    let artifact = dir.path().join("artifact.ndjson");
    std::fs::write(
        &artifact,
        json!({ "kind": "factSheet", "ref": { "externalId": { "namespace": "cmdb", "value": "APP-42" } }, "type": "SoftwareArtifact", "name": "ledger" })
            .to_string()
            + "\n",
    )
    .unwrap();
    stdout_of(run().args(["import", "--workspace", "acme"]).arg(&artifact));
    let juice = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../domain/tests/fixtures/sbom/juice-shop-14.1.1.cdx-1.4.json"
    ))
    .unwrap();
    let good = dir.path().join("bom.json");
    std::fs::write(&good, &juice).unwrap();
    let out = run()
        .args([
            "sbom",
            "upload",
            "--workspace",
            "acme",
            "--artifact",
            "cmdb:APP-42",
        ])
        .arg(&good)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let uploaded = json_of(&out);
    let id = uploaded["factSheetId"].as_str().unwrap().to_owned();
    assert!(uploaded["components"].as_u64().unwrap() > 0);

    let mut broken: Value = serde_json::from_slice(&juice).unwrap();
    broken["components"][3]["version"] = json!(42);
    let bad = dir.path().join("broken.json");
    std::fs::write(&bad, broken.to_string()).unwrap();
    let out = run()
        .args(["sbom", "upload", "--workspace", "acme", "--fact-sheet", &id])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("broken.json: components.3.version"),
        "{}",
        stderr(&out)
    );
    assert!(out.stdout.is_empty());
    let out = run()
        .args(["sbom", "upload", "--workspace", "acme", "--fact-sheet", &id])
        .arg(&good)
        .output()
        .unwrap();
    assert_eq!(
        json_of(&out)["components"],
        uploaded["components"],
        "the broken upload left the set as it was"
    );

    let out = run()
        .args([
            "sbom",
            "upload",
            "--workspace",
            "acme",
            "--artifact",
            "cmdb:APP-0",
        ])
        .arg(&good)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("not found"), "{}", stderr(&out));
    let out = run()
        .args([
            "sbom",
            "upload",
            "--workspace",
            "acme",
            "--artifact",
            "APP-42",
        ])
        .arg(&good)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}
