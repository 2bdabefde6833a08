//! Supply-chain data for the API tests, stored through the domain's intake as the endpoints
//! store it: the real Log4Shell advisory (shared) and CycloneDX SBOMs of log4j versions.

use domain::supply_chain::intake::{
    import_shared_advisories, post_advisories, read_advisories, upload_sbom,
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::TestApp;

pub const LOG4SHELL: &str =
    include_str!("../../../domain/tests/fixtures/osv/GHSA-jfh8-c2jp-5v3q.json");

pub const LOG4J_CORE: &str = "pkg:maven/org.apache.logging.log4j/log4j-core";

/// Imports the Log4Shell advisory as shared by every workspace.
pub async fn import_log4shell(app: &TestApp) {
    let document: Value = serde_json::from_str(LOG4SHELL).unwrap();
    let tx = app.db.store.begin_platform_write().await.unwrap();
    import_shared_advisories(&*tx, read_advisories(&document).unwrap())
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

/// A CycloneDX 1.5 SBOM of `(group, name, version, license)` components, the first of them a
/// direct dependency and the others its dependencies.
pub fn sbom(components: &[(&str, &str, &str, &str)]) -> Vec<u8> {
    let refs: Vec<String> = components
        .iter()
        .map(|(g, n, v, _)| format!("pkg:maven/{g}/{n}@{v}"))
        .collect();
    let list: Vec<Value> = components
        .iter()
        .zip(&refs)
        .map(|((group, name, version, license), purl)| {
            json!({
                "type": "library", "bom-ref": purl, "group": group, "name": name,
                "version": version, "purl": purl,
                "licenses": [{"license": {"id": license}}],
            })
        })
        .collect();
    json!({
        "bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
        "metadata": {"component": {"type": "application", "name": "app", "bom-ref": "app"}},
        "components": list,
        "dependencies": [
            {"ref": "app", "dependsOn": [refs[0].clone()]},
            {"ref": refs[0].clone(), "dependsOn": refs[1..].to_vec()},
        ],
    })
    .to_string()
    .into_bytes()
}

/// An SBOM of log4j-core at `version` with log4j-api beside it.
pub fn log4j_sbom(version: &str) -> Vec<u8> {
    sbom(&[
        (
            "org.apache.logging.log4j",
            "log4j-core",
            version,
            "Apache-2.0",
        ),
        (
            "org.apache.logging.log4j",
            "log4j-api",
            version,
            "Apache-2.0",
        ),
    ])
}

/// Stores `body` as artifact `id`'s SBOM, as the admin of the app's workspace.
pub async fn upload(app: &TestApp, id: &str, body: &[u8]) {
    let id = Uuid::parse_str(id).unwrap();
    let tx = app
        .db
        .store
        .begin_write(app.admin.workspace_id)
        .await
        .unwrap();
    upload_sbom(&*tx, &app.admin, id, None, body).await.unwrap();
    tx.commit().await.unwrap();
}

/// A fact sheet created through the schema; its id.
pub async fn create(
    app: &TestApp,
    fact_sheet_type: &str,
    name: &str,
    parent: Option<&str>,
) -> String {
    let data = app
        .data(
            "mutation($i: CreateFactSheetInput!) { createFactSheet(input: $i) { factSheet { id } } }",
            json!({ "i": { "type": fact_sheet_type, "name": name, "parentId": parent } }),
        )
        .await;
    data["createFactSheet"]["factSheet"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A relation created through the schema.
pub async fn relate(app: &TestApp, relation_type: &str, from: &str, to: &str) {
    app.data(
        "mutation($i: CreateRelationInput!) { createRelation(input: $i) { relation { id } } }",
        json!({ "i": { "type": relation_type, "fromId": from, "toId": to } }),
    )
    .await;
}

/// An artifact owned by `team` (when given) with an SBOM of log4j-core at `version`.
pub async fn log4j_artifact(
    app: &TestApp,
    name: &str,
    version: &str,
    team: Option<&str>,
) -> String {
    let id = create(app, "SoftwareArtifact", name, None).await;
    if let Some(team) = team {
        relate(app, "teamOwnsArtifact", team, &id).await;
    }
    upload(app, &id, &log4j_sbom(version)).await;
    id
}

/// A workspace-private advisory `id` affecting Maven package `package` at `version` only, posted
/// by the admin.
pub async fn post_private_advisory(app: &TestApp, id: &str, package: &str, version: &str) {
    let document = json!({
        "id": id, "summary": format!("{id} summary"), "modified": "2024-01-01T00:00:00Z",
        "database_specific": {"severity": "HIGH"},
        "affected": [{"package": {"ecosystem": "Maven", "name": package}, "versions": [version]}],
    });
    let tx = app
        .db
        .store
        .begin_write(app.admin.workspace_id)
        .await
        .unwrap();
    post_advisories(&*tx, &app.admin, &document).await.unwrap();
    tx.commit().await.unwrap();
}
