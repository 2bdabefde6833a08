//! `wayfinder import --format backstage FILE`: Backstage's example catalog imported from a file,
//! the report on stdout, and exit code 1 for a malformed document.

use serde_json::Value;
use testkit::TestDb;

use crate::{
    cli::{stdout_of, wayfinder},
    http_backstage::{CATALOG, catalog},
};

#[tokio::test]
async fn the_cli_imports_a_backstage_catalog_file_and_reports_a_malformed_document() {
    let db = TestDb::new().await;
    let url = db.is_postgres().then(|| db.url.clone());
    let dir = tempfile::tempdir().unwrap();
    let run = || wayfinder(dir.path(), &url);
    stdout_of(run().args(["workspace", "create", "acme"]));

    let file = dir.path().join("catalog-info.yaml");
    std::fs::write(&file, catalog(CATALOG)).unwrap();
    let out = stdout_of(
        run()
            .args(["import", "--workspace", "acme", "--format", "backstage"])
            .arg(&file),
    );
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["created"]["factSheets"], 11, "{report:#}");
    assert_eq!(report["created"]["relations"], 5, "{report:#}");
    assert!(
        report["warnings"]
            .to_string()
            .contains("user:default/breanna.davison is skipped"),
        "{report:#}"
    );

    let broken = dir.path().join("broken.yaml");
    std::fs::write(&broken, catalog(&["components/invalid-component.yaml"])).unwrap();
    let out = run()
        .args(["import", "--workspace", "acme", "--format", "backstage"])
        .arg(&broken)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["errors"][0]["line"], 1);
    assert_eq!(
        report["errors"][0]["ref"],
        "component:default/invalid component"
    );
}
