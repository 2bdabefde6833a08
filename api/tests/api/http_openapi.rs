//! `POST /import?format=openapi`: real public API descriptions (OpenAPI 3.0, 3.1, Swagger 2.0,
//! YAML and JSON) recorded on API fact sheets, through the same report as NDJSON.

use api::config::Config;
use domain::Role;
use serde_json::{Value, json};

use crate::support::{Server, TestApp};

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/openapi/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// `body` posted to `/import?format=openapi&{query}` as `role` of acme: the status and the body.
async fn import(
    server: &Server,
    role: Role,
    query: &str,
    content_type: &str,
    body: String,
) -> (u16, Value) {
    let query = format!("format=openapi&{query}");
    server
        .post_import("acme", role, &query, content_type, body)
        .await
}

async fn import_yaml(server: &Server, query: &str, body: String) -> (u16, Value) {
    import(server, Role::Member, query, "application/yaml", body).await
}

async fn by_external_id(app: &TestApp, namespace: &str, value: &str) -> Value {
    app.data(
        r#"query($n: String!, $v: String!) { factSheetByExternalId(namespace: $n, value: $v) {
            id type name description attributes revision externalIds { namespace value } } }"#,
        json!({ "n": namespace, "v": value }),
    )
    .await["factSheetByExternalId"]
        .clone()
}

async fn history_count(app: &TestApp) -> u64 {
    use sea_orm::{EntityTrait, PaginatorTrait};
    entity::change::Entity::find()
        .count(app.db.conn())
        .await
        .unwrap()
}

fn counts(report: &Value) -> [u64; 3] {
    ["created", "updated", "unchanged"].map(|k| report[k]["factSheets"].as_u64().unwrap())
}

fn error_fields(report: &Value) -> Vec<(u64, &str, &str)> {
    report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["line"].as_u64().unwrap(),
                e["field"].as_str().unwrap(),
                e["code"].as_str().unwrap(),
            )
        })
        .collect()
}

const PETSTORE_DESCRIPTION: &str = "This is a sample server Petstore server.  You can find out more about Swagger at [http://swagger.io](http://swagger.io) or on [irc.freenode.net, #swagger](http://swagger.io/irc/).  For this sample, you can use the api key `special-key` to test the authorization filters.";

/// Each fixture with what it must set. Operation counts were counted apart from this code: the
/// petstore's 20 operations (pet 8, store 4, user 8) and Stripe's 452 (its `get`, `post` and
/// `delete` keys under `paths`).
fn expectations() -> Vec<(&'static str, &'static str, Value, &'static str)> {
    let petstore = |spec: &str| {
        json!({ "specVersion": spec, "apiVersion": "1.0.0", "servers": "http://petstore.swagger.io/v2",
            "operationCount": 20, "title": "Swagger Petstore" })
    };
    vec![
        (
            "petstore-3.0.yaml",
            "application/yaml",
            petstore("3.0.0"),
            PETSTORE_DESCRIPTION,
        ),
        (
            "petstore-3.0.json",
            "application/json",
            petstore("3.0.0"),
            PETSTORE_DESCRIPTION,
        ),
        (
            "petstore-3.1.yaml",
            "application/yaml",
            petstore("3.1.0"),
            PETSTORE_DESCRIPTION,
        ),
        (
            "petstore-2.0.yaml",
            "application/yaml",
            petstore("2.0"),
            PETSTORE_DESCRIPTION,
        ),
        (
            "stripe.json",
            "application/json",
            json!({ "specVersion": "3.0.0",
                "apiVersion": "Wed Oct 15 2025 13:53:19 GMT+0000 (Coordinated Universal Time)",
                "servers": "https://api.stripe.com/", "operationCount": 452, "title": "Stripe API" }),
            "The Stripe REST API. Please see https://stripe.com/docs/api for more details.",
        ),
    ]
}

#[tokio::test]
async fn each_public_description_creates_its_api_with_exactly_the_facts_it_states() {
    for (file, content_type, attributes, description) in expectations() {
        let app = TestApp::new().await;
        let server = app.spawn(Config::default());
        let (status, report) = import(&server, Role::Member, "", content_type, fixture(file)).await;
        assert_eq!(status, 200, "{file}: {report:#}");
        assert_eq!(counts(&report), [1, 0, 0], "{file}: {report:#}");

        let title = attributes["title"].as_str().unwrap();
        let api = by_external_id(&app, "openapi", title).await;
        assert_eq!(api["type"], "API", "{file}");
        assert_eq!(api["name"], title, "{file}");
        assert_eq!(api["description"], description, "{file}");
        assert_eq!(api["attributes"], attributes, "{file}");
        assert_eq!(
            api["externalIds"],
            json!([{ "namespace": "openapi", "value": title }]),
            "{file}"
        );
        assert_eq!(app.fact_sheet_count().await, 1, "{file}");
    }
}

#[tokio::test]
async fn a_description_imported_again_as_yaml_or_json_changes_nothing() {
    let app = TestApp::new().await;
    let server = app.spawn(Config::default());
    let (status, _) = import_yaml(&server, "", fixture("petstore-3.0.yaml")).await;
    assert_eq!(status, 200);
    let revision = by_external_id(&app, "openapi", "Swagger Petstore").await["revision"].clone();
    let history = history_count(&app).await;

    let (status, report) = import_yaml(&server, "", fixture("petstore-3.0.yaml")).await;
    assert_eq!((status, counts(&report)), (200, [0, 0, 1]), "{report:#}");
    let (status, report) = import(
        &server,
        Role::Member,
        "",
        "application/json",
        fixture("petstore-3.0.json"),
    )
    .await;
    assert_eq!((status, counts(&report)), (200, [0, 0, 1]), "{report:#}");
    assert_eq!(
        by_external_id(&app, "openapi", "Swagger Petstore").await["revision"],
        revision
    );
    assert_eq!(
        history_count(&app).await,
        history,
        "no history for no change"
    );

    // Another version of the same API updates it.
    let (status, report) = import_yaml(&server, "", fixture("petstore-3.1.yaml")).await;
    assert_eq!((status, counts(&report)), (200, [0, 1, 0]), "{report:#}");
    assert_eq!(
        by_external_id(&app, "openapi", "Swagger Petstore").await["attributes"]["specVersion"],
        "3.1.0"
    );
    assert_eq!(app.fact_sheet_count().await, 1);
}

#[tokio::test]
async fn the_api_parameter_records_the_description_on_an_existing_api_keeping_its_name_and_description()
 {
    let app = TestApp::new().await;
    let server = app.spawn(Config::default());
    let create = r#"mutation($input: CreateFactSheetInput!) { createFactSheet(input: $input) { factSheet { id } } }"#;
    let created = app
        .data(create, json!({ "input": { "type": "API", "name": "pets", "description": "Written by hand",
            "attributes": { "protocol": "rest" }, "externalIds": [{ "namespace": "cmdb", "value": "API-1" }] } }))
        .await;
    let id = created["createFactSheet"]["factSheet"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let team = app
        .data(
            create,
            json!({ "input": { "type": "Team", "name": "Payments" } }),
        )
        .await["createFactSheet"]["factSheet"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let (status, report) =
        import_yaml(&server, "api=cmdb:API-1", fixture("petstore-2.0.yaml")).await;
    assert_eq!((status, counts(&report)), (200, [0, 1, 0]), "{report:#}");
    let api = by_external_id(&app, "cmdb", "API-1").await;
    assert_eq!(api["id"], id.as_str());
    assert_eq!(api["name"], "pets");
    assert_eq!(api["description"], "Written by hand");
    assert_eq!(
        api["attributes"],
        json!({ "protocol": "rest", "specVersion": "2.0", "apiVersion": "1.0.0",
            "servers": "http://petstore.swagger.io/v2", "operationCount": 20, "title": "Swagger Petstore" })
    );
    assert_eq!(
        api["externalIds"],
        json!([{ "namespace": "cmdb", "value": "API-1" }])
    );

    let (status, report) =
        import_yaml(&server, &format!("api={id}"), fixture("petstore-2.0.yaml")).await;
    assert_eq!((status, counts(&report)), (200, [0, 0, 1]), "{report:#}");

    let (status, report) = import_yaml(
        &server,
        &format!("api={team}"),
        fixture("petstore-2.0.yaml"),
    )
    .await;
    assert_eq!(status, 422, "{report:#}");
    assert_eq!(error_fields(&report), [(1, "type", "BAD_USER_INPUT")]);
    let (status, report) =
        import_yaml(&server, "api=cmdb:API-404", fixture("petstore-2.0.yaml")).await;
    assert_eq!(status, 422, "{report:#}");
    assert_eq!(error_fields(&report), [(1, "api", "NOT_FOUND")]);
    let (status, body) = import_yaml(&server, "api=petstore", fixture("petstore-2.0.yaml")).await;
    assert_eq!(
        (status, &body["errors"][0]["extensions"]["field"]),
        (400, &json!("api"))
    );
    assert_eq!(app.fact_sheet_count().await, 2, "no API made by its title");
}

#[tokio::test]
async fn a_body_that_is_not_a_supported_description_is_refused_naming_the_field() {
    let app = TestApp::new().await;
    let server = app.spawn(Config::default());
    let cases = [
        (
            "apiVersion: backstage.io/v1alpha1\nkind: API\n",
            vec!["openapi", "info"],
        ),
        (
            "openapi: 3.2.0\ninfo:\n  title: T\n  version: '1'\npaths: {}\n",
            vec!["openapi"],
        ),
        (
            "swagger: '1.2'\ninfo:\n  title: T\n  version: '1'\n",
            vec!["swagger"],
        ),
        (
            "openapi: 3.0.3\ninfo:\n  version: '1'\npaths: {}\n",
            vec!["info.title"],
        ),
        ("{\"openapi\": \"3.0.3\",", vec![""]),
        ("- just\n- a list\n", vec![""]),
    ];
    for (body, fields) in cases {
        let (status, report) = import_yaml(&server, "", body.into()).await;
        assert_eq!(status, 422, "{body}: {report:#}");
        let expected: Vec<(u64, &str, &str)> =
            fields.iter().map(|f| (1, *f, "BAD_USER_INPUT")).collect();
        assert_eq!(error_fields(&report), expected, "{body}: {report:#}");
    }
    assert_eq!(app.fact_sheet_count().await, 0);
}

#[tokio::test]
async fn a_validate_only_import_of_a_description_writes_nothing() {
    let app = TestApp::new().await;
    let server = app.spawn(Config::default());
    let (status, report) =
        import_yaml(&server, "validateOnly=true", fixture("petstore-3.1.yaml")).await;
    assert_eq!(status, 200, "{report:#}");
    assert_eq!(report["validateOnly"], true);
    assert_eq!(counts(&report), [1, 0, 0]);
    assert_eq!(app.fact_sheet_count().await, 0);
    assert_eq!(history_count(&app).await, 0);
}

#[tokio::test]
async fn only_members_import_descriptions_sent_as_yaml_or_json() {
    let app = TestApp::new().await;
    let server = app.spawn(Config::default());
    let (status, body) = import(
        &server,
        Role::Viewer,
        "",
        "application/yaml",
        fixture("petstore-3.0.yaml"),
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
        fixture("petstore-3.0.yaml"),
    )
    .await;
    assert_eq!(
        (status, &body["errors"][0]["extensions"]["field"]),
        (415, &json!("Content-Type"))
    );
    let response = server
        .client
        .post(format!(
            "{}/import?api=openapi:Swagger%20Petstore",
            server.base
        ))
        .bearer_auth(server.token("acme", Role::Member))
        .header("content-type", "application/x-ndjson")
        .body("")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400, "api is for openapi only");
    assert_eq!(app.fact_sheet_count().await, 0);
}
