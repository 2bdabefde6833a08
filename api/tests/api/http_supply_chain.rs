//! `POST /sbom` and `POST /advisories` through the real HTTP server: the vendored real SBOMs
//! answered with the counts their parser reads, artifacts named by id or external ID and never
//! across workspaces, broken and oversized documents refused with nothing stored, the roles
//! each endpoint needs, and the real Log4Shell advisory flagging the artifact that uses it.

use api::config::Config;
use domain::{
    Role,
    supply_chain::{intake::new_components, sbom},
};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::{Server, TestApp, code};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../domain/tests/fixtures");

fn fixture(path: &str) -> Vec<u8> {
    std::fs::read(format!("{FIXTURES}/{path}")).unwrap()
}

/// A CycloneDX 1.5 SBOM of `org.apache.logging.log4j:log4j-core` at `version`.
fn log4j_core(version: &str) -> Vec<u8> {
    json!({
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
    })
    .to_string()
    .into_bytes()
}

/// `body` posted to `/sbom?{query}` with `token` (none: unauthenticated) as `content_type`.
async fn post_sbom(
    server: &Server,
    token: Option<&str>,
    query: &str,
    content_type: &str,
    body: Vec<u8>,
) -> (u16, Value) {
    let mut request = server
        .client
        .post(format!("{}/sbom?{query}", server.base))
        .header("content-type", content_type)
        .body(body);
    if let Some(t) = token {
        request = request.bearer_auth(t);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn post_advisories(server: &Server, role: Role, body: Vec<u8>) -> (u16, Value) {
    let response = server
        .client
        .post(format!("{}/advisories", server.base))
        .bearer_auth(server.token("acme", role))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Components stored in every workspace, read from the database directly.
async fn stored_components(app: &TestApp) -> u64 {
    entity::component::Entity::find()
        .count(app.db.conn())
        .await
        .unwrap()
}

/// A software artifact of acme with the external ID `cmdb:<value>`, created through `/import`.
async fn artifact_with_external_id(server: &Server, workspace: &str, value: &str) -> String {
    let line = json!({
        "kind": "factSheet",
        "ref": { "externalId": { "namespace": "cmdb", "value": value } },
        "type": "SoftwareArtifact",
        "name": value,
    });
    let (status, report) = server
        .post_import(
            workspace,
            Role::Member,
            "",
            "application/x-ndjson",
            format!("{line}\n"),
        )
        .await;
    assert_eq!(status, 200, "{report:#}");
    let (_, found) = server
        .graphql(
            Some(&server.token(workspace, Role::Viewer)),
            json!({
                "query": "query($v: String!) { factSheetByExternalId(namespace: \"cmdb\", value: $v) { id } }",
                "variables": { "v": value },
            }),
        )
        .await;
    found["data"]["factSheetByExternalId"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn every_vendored_sbom_is_answered_with_the_counts_its_parser_reads() {
    let app = TestApp::new().await;
    let server = app.spawn(Config::default());
    let member = server.token("acme", Role::Member);
    for (file, content_type) in [
        (
            "juice-shop-14.1.1.cdx-1.4.json",
            "application/vnd.cyclonedx+json",
        ),
        ("dropwizard-1.3.15.cdx-1.2.json", "application/json"),
        (
            "laravel-7.12.0.cdx-1.2.json",
            "application/vnd.cyclonedx+json",
        ),
        (
            "laravel-7.12.0.cdx-1.4.xml",
            "application/vnd.cyclonedx+xml",
        ),
        (
            "cern-lhc-vdm-editor.cdx-1.2.xml",
            "application/vnd.cyclonedx+xml",
        ),
        (
            "cbom-with-dependencies.cdx-1.6.json",
            "application/vnd.cyclonedx+json",
        ),
        ("hello-server.spdx-2.3.json", "application/spdx+json"),
        ("spdx-spec-example.spdx-2.3.json", "application/spdx+json"),
    ] {
        let body = fixture(&format!("sbom/{file}"));
        let parsed = new_components(&sbom::parse(Some(content_type), &body).unwrap());
        let licenses: std::collections::BTreeSet<&String> =
            parsed.iter().flat_map(|c| &c.licenses).collect();
        let expected = json!({
            "components": parsed.len(),
            "direct": parsed.iter().filter(|c| c.direct).count(),
            "licenses": licenses.len(),
            "vulnerabilities": 0,
        });
        let id = app.create_fact_sheet("SoftwareArtifact", file).await.id;
        let before = stored_components(&app).await;
        let (status, mut summary) = post_sbom(
            &server,
            Some(&member),
            &format!("factSheet={id}"),
            content_type,
            body,
        )
        .await;
        assert_eq!(status, 200, "{file}: {summary:#}");
        assert_eq!(summary["factSheetId"], json!(id.to_string()), "{file}");
        summary.as_object_mut().unwrap().remove("factSheetId");
        assert_eq!(summary, expected, "{file}");
        assert_eq!(
            stored_components(&app).await - before,
            parsed.len() as u64,
            "{file}"
        );
    }
}

#[tokio::test]
async fn an_artifact_is_named_by_external_id_and_another_workspaces_is_not_found() {
    let app = TestApp::new().await;
    let globex = app.other_workspace().await;
    let server = app.spawn(Config::default());
    let member = server.token("acme", Role::Member);
    let ours = artifact_with_external_id(&server, "acme", "APP-42").await;
    let theirs = artifact_with_external_id(&server, "globex", "APP-7").await;

    let (status, summary) = post_sbom(
        &server,
        Some(&member),
        "externalId=cmdb:APP-42",
        "application/json",
        log4j_core("2.17.1"),
    )
    .await;
    assert_eq!(status, 200, "{summary:#}");
    assert_eq!(summary["factSheetId"], json!(ours));
    assert_eq!(summary["components"], 1);

    let nowhere = Uuid::now_v7();
    let mut refusals = Vec::new();
    for query in [
        format!("factSheet={theirs}"),
        format!("factSheet={nowhere}"),
        "externalId=cmdb:APP-7".to_owned(),
        "externalId=cmdb:APP-0".to_owned(),
    ] {
        let (status, body) = post_sbom(
            &server,
            Some(&member),
            &query,
            "application/json",
            log4j_core("2.14.1"),
        )
        .await;
        assert_eq!((status, code(&body)), (404, "NOT_FOUND"), "{query}: {body}");
        refusals.push(body.to_string());
    }
    assert_eq!(
        refusals[0].replace(&theirs, "X"),
        refusals[1].replace(&nowhere.to_string(), "X"),
        "globex's artifact is refused exactly like one that exists nowhere"
    );
    assert_eq!(
        refusals[2].replace("APP-7", "X"),
        refusals[3].replace("APP-0", "X")
    );
    let globex_components = entity::component::Entity::find()
        .all(app.db.conn())
        .await
        .unwrap()
        .into_iter()
        .filter(|c| c.workspace_id == globex.workspace_id)
        .count();
    assert_eq!(globex_components, 0, "nothing reached globex");

    let (status, body) = post_sbom(
        &server,
        Some(&member),
        "externalId=APP-42",
        "application/json",
        log4j_core("2.14.1"),
    )
    .await;
    assert_eq!((status, code(&body)), (400, "BAD_USER_INPUT"));
    assert_eq!(body["errors"][0]["extensions"]["field"], "externalId");
}

#[tokio::test]
async fn a_broken_document_is_refused_naming_its_path_and_leaves_the_stored_set() {
    let app = TestApp::new().await;
    let server = app.spawn(Config::default());
    let member = server.token("acme", Role::Member);
    let id = app
        .create_fact_sheet("SoftwareArtifact", "juice-shop")
        .await
        .id;
    let query = format!("factSheet={id}");
    let good = fixture("sbom/juice-shop-14.1.1.cdx-1.4.json");
    let (status, _) = post_sbom(
        &server,
        Some(&member),
        &query,
        "application/json",
        good.clone(),
    )
    .await;
    assert_eq!(status, 200);
    let stored = stored_components(&app).await;
    assert!(stored > 0);

    let mut broken: Value = serde_json::from_slice(&good).unwrap();
    broken["components"][3]["version"] = json!(42);
    let (status, body) = post_sbom(
        &server,
        Some(&member),
        &query,
        "application/vnd.cyclonedx+json",
        broken.to_string().into_bytes(),
    )
    .await;
    assert_eq!((status, code(&body)), (400, "BAD_USER_INPUT"), "{body:#}");
    assert_eq!(
        body["errors"][0]["extensions"]["field"],
        "components.3.version"
    );

    let xml = String::from_utf8(fixture("sbom/laravel-7.12.0.cdx-1.4.xml")).unwrap();
    let broken_xml = xml.replacen("</component>", "</componen>", 1);
    let (status, body) = post_sbom(
        &server,
        Some(&member),
        &query,
        "application/vnd.cyclonedx+xml",
        broken_xml.into_bytes(),
    )
    .await;
    assert_eq!((status, code(&body)), (400, "BAD_USER_INPUT"), "{body:#}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("componen"),
        "the XML element is named: {body:#}"
    );
    assert_eq!(stored_components(&app).await, stored, "nothing stored");
}

#[tokio::test]
async fn an_sbom_over_the_configured_limit_is_413_and_roles_are_checked_first() {
    let app = TestApp::new().await;
    let body = fixture("sbom/juice-shop-14.1.1.cdx-1.4.json");
    let server = app.spawn(Config {
        max_sbom_body_bytes: body.len() - 1,
        ..Config::default()
    });
    let id = app
        .create_fact_sheet("SoftwareArtifact", "juice-shop")
        .await
        .id;
    let query = format!("factSheet={id}");
    let member = server.token("acme", Role::Member);
    let (status, refusal) = post_sbom(
        &server,
        Some(&member),
        &query,
        "application/json",
        body.clone(),
    )
    .await;
    assert_eq!((status, code(&refusal)), (413, "LIMIT_EXCEEDED"));

    let viewer = server.token("acme", Role::Viewer);
    let (status, refusal) = post_sbom(
        &server,
        Some(&viewer),
        &query,
        "application/json",
        log4j_core("2.14.1"),
    )
    .await;
    assert_eq!((status, code(&refusal)), (403, "FORBIDDEN"));
    let (status, refusal) = post_sbom(
        &server,
        None,
        &query,
        "application/json",
        log4j_core("2.14.1"),
    )
    .await;
    assert_eq!((status, code(&refusal)), (401, "UNAUTHENTICATED"));
    assert_eq!(stored_components(&app).await, 0);

    let (status, _) = post_sbom(
        &server,
        Some(&member),
        &query,
        "application/json",
        log4j_core("2.14.1"),
    )
    .await;
    assert_eq!(
        status, 200,
        "just under the limit and as a member, it is taken"
    );
}

#[tokio::test]
async fn an_upload_spends_one_request_of_the_rate_limit() {
    let app = TestApp::new().await;
    let server = app.spawn(Config {
        rate_limit_per_token_per_minute: 2,
        rate_limit_burst_seconds: 60,
        ..Config::default()
    });
    let id = app.create_fact_sheet("SoftwareArtifact", "ledger").await.id;
    let query = format!("factSheet={id}");
    let member = server.token("acme", Role::Member);
    for version in ["2.14.1", "2.17.1"] {
        let (status, _) = post_sbom(
            &server,
            Some(&member),
            &query,
            "application/json",
            log4j_core(version),
        )
        .await;
        assert_eq!(status, 200);
    }
    let (status, refusal) = post_sbom(
        &server,
        Some(&member),
        &query,
        "application/json",
        fixture("sbom/juice-shop-14.1.1.cdx-1.4.json"),
    )
    .await;
    assert_eq!((status, code(&refusal)), (429, "LIMIT_EXCEEDED"));
    assert_eq!(
        stored_components(&app).await,
        1,
        "the refused upload stored nothing"
    );
}

#[tokio::test]
async fn the_real_log4shell_advisory_posted_by_an_admin_flags_the_artifact_using_log4j_core() {
    let app = TestApp::new().await;
    let server = app.spawn(Config::default());
    let member = server.token("acme", Role::Member);
    let id = app.create_fact_sheet("SoftwareArtifact", "ledger").await.id;
    let query = format!("factSheet={id}");
    let (_, summary) = post_sbom(
        &server,
        Some(&member),
        &query,
        "application/json",
        log4j_core("2.14.1"),
    )
    .await;
    assert_eq!(summary["vulnerabilities"], 0);

    let log4shell: Value =
        serde_json::from_slice(&fixture("osv/GHSA-jfh8-c2jp-5v3q.json")).unwrap();
    let (status, body) = post_advisories(&server, Role::Member, log4shell.to_string().into()).await;
    assert_eq!((status, code(&body)), (403, "FORBIDDEN"));

    let mut broken = log4shell.clone();
    broken["affected"][0]["package"] = json!("log4j-core");
    let (status, body) = post_advisories(
        &server,
        Role::Admin,
        json!([log4shell, broken]).to_string().into(),
    )
    .await;
    assert_eq!((status, code(&body)), (400, "BAD_USER_INPUT"), "{body:#}");
    let field = body["errors"][0]["extensions"]["field"].as_str().unwrap();
    assert!(field.starts_with("1.affected.0"), "{field}");
    let (_, summary) = post_sbom(
        &server,
        Some(&member),
        &query,
        "application/json",
        log4j_core("2.14.1"),
    )
    .await;
    assert_eq!(
        summary["vulnerabilities"], 0,
        "the refused array stored nothing"
    );

    let (status, body) = post_advisories(&server, Role::Admin, log4shell.to_string().into()).await;
    assert_eq!(status, 200, "{body:#}");
    assert_eq!(body, json!({ "advisories": 1, "opened": 1, "resolved": 0 }));
    let (_, summary) = post_sbom(
        &server,
        Some(&member),
        &query,
        "application/json",
        log4j_core("2.14.1"),
    )
    .await;
    assert_eq!(summary["vulnerabilities"], 1);
    let (_, summary) = post_sbom(
        &server,
        Some(&member),
        &query,
        "application/json",
        log4j_core("2.17.1"),
    )
    .await;
    assert_eq!(summary["vulnerabilities"], 0, "the upgrade resolves it");
}
