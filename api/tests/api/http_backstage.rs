//! `POST /import?format=backstage` over HTTP with Backstage's own example catalog (vendored
//! under `tests/fixtures/backstage`): the graph it makes, the warnings for what it cannot
//! follow, a re-import that changes nothing, a malformed document, and who may import.

use std::collections::{BTreeSet, HashMap};

use api::config::Config;
use domain::Role;
use entity::change;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::Value;

use crate::support::{Server, TestApp};

/// The catalog's files, in the order their documents are numbered.
pub(crate) const CATALOG: &[&str] = &[
    "acme/org.yaml",                                // 1 Group acme-corp, 2 Location
    "acme/infrastructure-group.yaml",               // 3
    "acme/backstage-group.yaml",                    // 4
    "acme/team-a-group.yaml",                       // 5 Group team-a, 6-10 Users
    "domains/artists-domain.yaml",                  // 11
    "systems/artist-engagement-portal-system.yaml", // 12
    "systems/podcast-system.yaml",                  // 13
    "components/artist-lookup-component.yaml",      // 14
    "components/petstore-component.yaml",           // 15
    "apis/petstore-api.yaml",                       // 16
    "resources/artists-db-resource.yaml",           // 17
    "all.yaml",                                     // 18 Location
];

/// The files as one multi-document body.
pub(crate) fn catalog(files: &[&str]) -> String {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/backstage");
    files
        .iter()
        .map(|f| std::fs::read_to_string(dir.join(f)).unwrap())
        .collect::<Vec<_>>()
        .join("---\n")
}

async fn import(
    server: &Server,
    role: Role,
    query: &str,
    content_type: &str,
    body: String,
) -> (u16, Value) {
    let query = format!("format=backstage&{query}");
    server
        .post_import("acme", role, &query, content_type, body)
        .await
}

/// The workspace as readable facts: `Type name`, `child < parent`, `from -relation-> to`.
async fn graph(server: &Server) -> BTreeSet<String> {
    let text = server
        .client
        .get(format!("{}/export", server.base))
        .bearer_auth(server.token("acme", Role::Viewer))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let names: HashMap<&str, String> = lines
        .iter()
        .filter(|l| l["kind"] == "factSheet")
        .map(|l| {
            let name = format!(
                "{} {}",
                l["type"].as_str().unwrap(),
                l["name"].as_str().unwrap()
            );
            (l["ref"]["id"].as_str().unwrap(), name)
        })
        .collect();
    let name = |r: &Value| names[r["id"].as_str().unwrap()].clone();
    let mut facts = BTreeSet::new();
    for l in &lines {
        if l["kind"] == "factSheet" {
            facts.insert(name(&l["ref"]));
            if !l["parent"].is_null() {
                facts.insert(format!("{} < {}", name(&l["ref"]), name(&l["parent"])));
            }
        } else {
            let (from, to) = (name(&l["from"]), name(&l["to"]));
            facts.insert(format!("{from} -{}-> {to}", l["type"].as_str().unwrap()));
        }
    }
    facts
}

fn counts(report: &Value) -> [(u64, u64); 3] {
    ["created", "updated", "unchanged"].map(|k| {
        (
            report[k]["factSheets"].as_u64().unwrap(),
            report[k]["relations"].as_u64().unwrap(),
        )
    })
}

fn warnings(report: &Value) -> Vec<(u64, String)> {
    report["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (
                w["line"].as_u64().unwrap(),
                w["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn has_warning(report: &Value, line: u64, fragment: &str) -> bool {
    warnings(report)
        .iter()
        .any(|(l, m)| *l == line && m.contains(fragment))
}

#[tokio::test]
async fn a_backstage_catalog_imports_as_teams_products_artifacts_and_their_relations() {
    let app = TestApp::new().await;
    let server = app.spawn(Config::default());
    let (status, report) = import(
        &server,
        Role::Member,
        "",
        "application/yaml",
        catalog(CATALOG),
    )
    .await;
    assert_eq!(status, 200, "{report:#}");
    assert_eq!(counts(&report), [(11, 5), (0, 0), (0, 0)], "{report:#}");

    let facts = graph(&server).await;
    for fact in [
        // Groups, whatever their type, are Teams in Backstage's hierarchy.
        "Team team-a < Team backstage",
        "Team backstage < Team infrastructure",
        "Team infrastructure < Team acme-corp",
        // A Domain is the parent of its Systems' Products; a System contains its Components.
        "Product Artist Engagement Portal < Product Artists",
        "Product Artist Engagement Portal -productContainsArtifact-> SoftwareArtifact artist-lookup",
        "Team team-a -teamOwnsArtifact-> SoftwareArtifact artist-lookup",
        "SoftwareArtifact artist-lookup -artifactRunsOn-> CloudResource artists-db",
        "Team team-a -teamOwnsResource-> CloudResource artists-db",
        "SoftwareArtifact petstore -artifactProvidesApi-> API petstore",
        "Product podcast",
    ] {
        assert!(facts.contains(fact), "{fact} missing from {facts:#?}");
    }
    assert_eq!(facts.len(), 11 + 4 + 5, "{facts:#?}");

    for (line, warning) in [
        (2, "location:default/example-groups is skipped"),
        (6, "user:default/breanna.davison is skipped"),
        (10, "user:development/guest is skipped"),
        (
            13,
            "spec.domain domain:default/playback is neither in this import nor in the workspace",
        ),
        (15, "spec.owner group:default/sre is neither"),
        (15, "spec.providesApis api:default/streetlights is neither"),
        (15, "spec.consumesApis api:default/searcher is neither"),
        (16, "spec.owner group:default/team-c is neither"),
        (
            17,
            "spec.system system:default/artist-engagement-portal is not imported",
        ),
        (18, "location:default/example-all is skipped"),
    ] {
        assert!(
            has_warning(&report, line, warning),
            "{line} {warning}: {report:#}"
        );
    }
}

#[tokio::test]
async fn a_backstage_catalog_imported_again_changes_nothing() {
    let app = TestApp::new().await;
    let server = app.spawn(Config::default());
    let (status, first) = import(
        &server,
        Role::Member,
        "",
        "application/yaml",
        catalog(CATALOG),
    )
    .await;
    assert_eq!(status, 200, "{first:#}");
    let before = graph(&server).await;
    let history = change::Entity::find().count(app.db.conn()).await.unwrap();

    let (status, again) = import(&server, Role::Member, "", "text/yaml", catalog(CATALOG)).await;
    assert_eq!(status, 200, "{again:#}");
    assert_eq!(counts(&again), [(0, 0), (0, 0), (11, 5)], "{again:#}");
    assert_eq!(again["warnings"], first["warnings"]);
    assert_eq!(graph(&server).await, before);
    let after = change::Entity::find().count(app.db.conn()).await.unwrap();
    assert_eq!(after, history, "no history written");
}

#[tokio::test]
async fn a_malformed_document_is_refused_by_index_and_entity_and_partial_mode_imports_the_rest() {
    let app = TestApp::new().await;
    let server = app.spawn(Config::default());
    let mut files = CATALOG.to_vec();
    files.insert(1, "components/invalid-component.yaml"); // document 3, after org.yaml's two
    let body = catalog(&files);

    let (status, atomic) = import(
        &server,
        Role::Member,
        "",
        "application/x-yaml",
        body.clone(),
    )
    .await;
    assert_eq!(status, 422, "{atomic:#}");
    assert!(graph(&server).await.is_empty(), "atomic: nothing written");

    let (status, report) = import(
        &server,
        Role::Member,
        "mode=partial",
        "application/x-yaml",
        body,
    )
    .await;
    assert_eq!(status, 422, "{report:#}");
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{report:#}");
    assert_eq!(errors[0]["line"], 3);
    assert_eq!(errors[0]["field"], "metadata.name");
    assert_eq!(errors[0]["code"], "BAD_USER_INPUT");
    assert_eq!(errors[0]["ref"], "component:default/invalid component");
    assert_eq!(counts(&report), [(11, 5), (0, 0), (0, 0)], "{report:#}");
}

#[tokio::test]
async fn what_a_catalog_cannot_say_in_the_inventory_is_a_warning_naming_it() {
    let app = TestApp::new().await;
    let server = app.spawn(Config::default());
    let body = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: Player\nspec:\n  type: website\n  owner: user:guest\n  dependsOn: [artists-db, component:default/queue]\n---\n# only a comment\n---\napiVersion: backstage.io/v1beta1\nkind: System\nmetadata: {name: audio}\n---\nnot: [closed\n";
    let (status, report) = import(
        &server,
        Role::Member,
        "mode=partial",
        "application/yaml",
        body.into(),
    )
    .await;
    assert_eq!(status, 422, "{report:#}");
    assert_eq!(counts(&report), [(2, 0), (0, 0), (0, 0)], "{report:#}");
    for fragment in [
        "spec.owner user:default/guest is not followed: a User is not imported",
        "spec.dependsOn artists-db is not imported: `artists-db` names no kind",
        "spec.dependsOn component:default/queue is not imported",
    ] {
        assert!(has_warning(&report, 1, fragment), "{fragment}: {report:#}");
    }
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{report:#}");
    assert_eq!(
        errors[0]["line"], 3,
        "the comment-only document is not counted"
    );
    assert!(errors[0].get("ref").is_none());
    assert!(graph(&server).await.contains("SoftwareArtifact Player"));
}

#[tokio::test]
async fn only_members_import_a_catalog_and_it_must_be_sent_as_yaml() {
    let app = TestApp::new().await;
    let server = app.spawn(Config::default());
    let (status, body) = import(
        &server,
        Role::Viewer,
        "",
        "application/yaml",
        catalog(CATALOG),
    )
    .await;
    assert_eq!(
        (status, body["errors"][0]["extensions"]["code"].as_str()),
        (403, Some("FORBIDDEN"))
    );
    let (status, body) = import(
        &server,
        Role::Member,
        "",
        "application/x-ndjson",
        catalog(CATALOG),
    )
    .await;
    assert_eq!(status, 415);
    assert_eq!(body["errors"][0]["extensions"]["field"], "Content-Type");
    assert!(graph(&server).await.is_empty());
}

/// The fact sheet of the API `api:default/<name>` as exported: its attributes and description.
async fn exported_api(server: &Server, name: &str) -> Value {
    let text = server
        .client
        .get(format!("{}/export?types=API", server.base))
        .bearer_auth(server.token("acme", Role::Viewer))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|l| l["name"] == name)
        .unwrap_or_else(|| panic!("no API {name} in {text}"))
}

#[tokio::test]
async fn an_apis_inline_openapi_definition_is_read_as_an_openapi_import_reads_it() {
    let app = TestApp::new().await;
    let server = app.spawn(Config::default());
    let (status, report) = import(
        &server,
        Role::Member,
        "",
        "application/yaml",
        catalog(&["apis/petstore-api.yaml"]),
    )
    .await;
    assert_eq!(status, 200, "{report:#}");
    let api = exported_api(&server, "petstore").await;
    let attributes = &api["attributes"];
    assert_eq!(attributes["specVersion"], "3.0.0", "{api:#}");
    assert_eq!(attributes["apiVersion"], "1.0.0");
    assert_eq!(attributes["title"], "Swagger Petstore");
    assert_eq!(attributes["servers"], "http://petstore.swagger.io/v1");
    // GET and POST /pets, GET /pets/{petId}, as the descriptor's definition lists them.
    assert_eq!(attributes["operationCount"], 3);
    assert_eq!(
        attributes["catalogType"], "openapi",
        "the descriptor's own fields stay"
    );
    assert_eq!(
        api["description"], "The petstore API",
        "the descriptor's description wins over the definition's"
    );

    // A definition Backstage resolves from a file is warned of; the API still imports.
    let placeholder = catalog(&["apis/petstore-api.yaml"]).replace(
        "definition: |\n",
        "definition:\n    $text: ./petstore.oas.yaml\n  unread: |\n",
    );
    let placeholder = placeholder.replace("name: petstore", "name: petstore-by-file");
    let (status, report) = import(&server, Role::Member, "", "application/yaml", placeholder).await;
    assert_eq!(status, 200, "{report:#}");
    assert!(
        has_warning(&report, 1, "spec.definition is not read"),
        "{report:#}"
    );
    let by_file = exported_api(&server, "petstore-by-file").await;
    assert!(
        by_file["attributes"].get("operationCount").is_none(),
        "{by_file:#}"
    );
}
