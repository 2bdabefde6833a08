//! `wayfinder import --format openapi`: a public description recorded on an API fact sheet by
//! the CLI, with the report on stdout and the exit codes 0, 1 and 2.

use std::process::Output;

use serde_json::Value;
use testkit::TestDb;

use crate::cli::{stdout_of, wayfinder};

fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/openapi")
        .join(name)
}

fn report(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {} / {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[tokio::test]
async fn the_cli_imports_a_description_onto_the_api_it_names_with_exit_codes_that_tell() {
    let db = TestDb::new().await;
    let url = db.is_postgres().then(|| db.url.clone());
    let dir = tempfile::tempdir().unwrap();
    let run = || wayfinder(dir.path(), &url);
    stdout_of(run().args(["workspace", "create", "acme"]));
    let import = |args: &[&str], file: &std::path::Path| {
        run()
            .args(["import", "--workspace", "acme", "--format", "openapi"])
            .args(args)
            .arg(file)
            .output()
            .unwrap()
    };

    let out = import(&[], &fixture("petstore-2.0.yaml"));
    assert_eq!(out.status.code(), Some(0), "{}", report(&out));
    assert_eq!(report(&out)["created"]["factSheets"], 1);
    let out = import(
        &["--api", "openapi:Swagger Petstore"],
        &fixture("petstore-3.0.json"),
    );
    assert_eq!(out.status.code(), Some(0), "{}", report(&out));
    assert_eq!(report(&out)["updated"]["factSheets"], 1, "2.0 became 3.0.0");
    let out = import(&[], &fixture("petstore-3.0.yaml"));
    assert_eq!(report(&out)["unchanged"]["factSheets"], 1);

    let exported = stdout_of(run().args(["export", "--workspace", "acme"]));
    let line: Value = serde_json::from_str(exported.trim()).unwrap();
    assert_eq!(line["name"], "Swagger Petstore");
    assert_eq!(line["attributes"]["specVersion"], "3.0.0");
    assert_eq!(line["attributes"]["operationCount"], 20);

    let not_openapi = dir.path().join("catalog-info.yaml");
    std::fs::write(
        &not_openapi,
        "apiVersion: backstage.io/v1alpha1\nkind: API\n",
    )
    .unwrap();
    let out = import(&[], &not_openapi);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(report(&out)["errors"][0]["field"], "openapi");

    let out = run()
        .args(["import", "--workspace", "acme", "--api", "cmdb:API-1"])
        .arg(fixture("petstore-3.0.yaml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "--api needs --format openapi");
    let out = import(&["--api", "petstore"], &fixture("petstore-3.0.yaml"));
    assert_eq!(
        out.status.code(),
        Some(2),
        "a malformed --api is a usage error"
    );
}
