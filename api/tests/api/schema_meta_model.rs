use serde_json::json;

use crate::{
    schema_fact_sheets::create,
    support::{TestApp, code},
};

#[tokio::test]
async fn the_default_meta_model_is_readable() {
    let app = TestApp::new().await;
    let data = app
        .data(
            "{ metaModel { version factSheetTypes { key attributes { key type options { key } } } relationTypes { key fromType toType fromCardinality toCardinality } } }",
            json!({}),
        )
        .await;
    let model = &data["metaModel"];
    assert_eq!(model["version"], 1);
    let types: Vec<_> = model["factSheetTypes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["key"].clone())
        .collect();
    assert_eq!(
        types,
        [
            json!("Team"),
            json!("Product"),
            json!("SoftwareArtifact"),
            json!("API"),
            json!("CloudResource")
        ]
    );
    assert_eq!(
        model["relationTypes"][0],
        json!({"key": "teamOwnsArtifact", "fromType": "Team", "toType": "SoftwareArtifact", "fromCardinality": "ONE", "toCardinality": "MANY"})
    );
}

#[tokio::test]
async fn runtime_changes_take_effect_in_the_same_request_and_are_versioned() {
    let app = TestApp::new().await;
    let response = app
        .data(
            r#"mutation {
              addFactSheetType(input: {key: "Domain", label: "Business domain", attributes: [
                {key: "owner", label: "Owner", type: EMAIL, required: true},
                {key: "maturity", label: "Maturity", type: SINGLE_SELECT, options: [{key: "low", label: "Low"}, {key: "high", label: "High"}]}
              ]}, expectedVersion: 1) { metaModel { version } affectedFactSheets }
              addRelationType(input: {key: "domainContainsProduct", label: "contains", fromType: "Domain", toType: "Product", toCardinality: MANY, fromCardinality: ONE}) { metaModel { version } }
              createFactSheet(input: {type: "Domain", name: "Commerce", attributes: {owner: "cto@acme.test", maturity: "high"}}) { factSheet { id completion } }
            }"#,
            json!({}),
        )
        .await;
    assert_eq!(response["addFactSheetType"]["metaModel"]["version"], 2);
    assert_eq!(response["addRelationType"]["metaModel"]["version"], 3);
    assert_eq!(response["createFactSheet"]["factSheet"]["completion"], 1.0);

    let missing = app.run(r#"mutation { createFactSheet(input: {type: "Domain", name: "Empty"}) { factSheet { id } } }"#, json!({})).await;
    assert_eq!(
        missing["errors"][0]["extensions"]["field"],
        "attributes.owner"
    );
    let old = app.data("{ metaModel(version: 1) { factSheetTypes { key } } metaModelVersions { version summary } }", json!({})).await;
    assert!(
        !old["metaModel"]["factSheetTypes"]
            .to_string()
            .contains("Domain")
    );
    assert_eq!(
        old["metaModelVersions"][0],
        json!({"version": 3, "summary": "added relation type domainContainsProduct"})
    );
    let stale = app.run(r#"mutation { removeFactSheetType(key: "Domain", expectedVersion: 1) { metaModel { version } } }"#, json!({})).await;
    assert_eq!(code(&stale), "CONFLICT");
}

#[tokio::test]
async fn invalidating_changes_are_refused_with_a_count_unless_forced() {
    let app = TestApp::new().await;
    for (name, language) in [("a", "go"), ("b", "go"), ("c", "rust")] {
        create(
            &app,
            json!({"type": "SoftwareArtifact", "name": name, "attributes": {"language": language}}),
        )
        .await;
    }
    let narrow = r#"mutation($force: Boolean!) {
      updateAttributeDefinition(owner: {factSheetType: "SoftwareArtifact"}, force: $force,
        definition: {key: "language", label: "Language", type: SINGLE_SELECT, options: [{key: "rust", label: "Rust"}]}) {
        affectedFactSheets metaModel { version } details } }"#;
    let refused = app.run(narrow, json!({"force": false})).await;
    assert_eq!(code(&refused), "CONFLICT");
    assert_eq!(refused["errors"][0]["extensions"]["affectedFactSheets"], 2);
    let still = app
        .data(
            r#"{ factSheets(filter: {attributes: {language: "go"}}) { totalCount } }"#,
            json!({}),
        )
        .await;
    assert_eq!(still["factSheets"]["totalCount"], 2, "nothing changed");

    let forced = app.data(narrow, json!({"force": true})).await;
    assert_eq!(forced["updateAttributeDefinition"]["affectedFactSheets"], 2);
    let after = app.data(r#"{ factSheets(filter: {attributes: {language: {isSet: false}}}) { totalCount edges { node { history(first: 1) { edges { node { kind diff } } } } } } }"#, json!({})).await;
    assert_eq!(after["factSheets"]["totalCount"], 2);
    assert_eq!(
        after["factSheets"]["edges"][0]["node"]["history"]["edges"][0]["node"],
        json!({"kind": "META_MODEL_MIGRATED", "diff": {"attributes.language": {"old": "go", "new": null}}})
    );
}

#[tokio::test]
async fn an_inconsistent_model_is_refused_naming_the_field() {
    let app = TestApp::new().await;
    let response = app
        .run(r#"mutation { addRelationType(input: {key: "x", label: "x", fromType: "Team", toType: "Spaceship"}) { metaModel { version } } }"#, json!({}))
        .await;
    assert_eq!(code(&response), "BAD_USER_INPUT");
    assert_eq!(
        response["errors"][0]["extensions"]["field"],
        "relationTypes.x.toType"
    );
}

#[tokio::test]
async fn renaming_a_select_option_moves_stored_values_and_filters_follow() {
    let app = TestApp::new().await;
    let fs = create(
        &app,
        json!({"type": "API", "name": "Payments API", "attributes": {"protocol": "rest"}}),
    )
    .await;
    let renamed = app
        .data(
            r#"mutation { renameAttributeOption(factSheetType: "API", attribute: "protocol", from: "rest", to: "http", label: "HTTP") {
                 metaModel { version factSheetTypes { key attributes { key options { key label } } } } affectedFactSheets } }"#,
            json!({}),
        )
        .await;
    let payload = &renamed["renameAttributeOption"];
    assert_eq!(payload["metaModel"]["version"], 2);
    assert_eq!(payload["affectedFactSheets"], 1);
    assert!(
        payload["metaModel"]
            .to_string()
            .contains(r#"{"key":"http","label":"HTTP"}"#)
    );

    let read = app
        .data(
            r#"query($id: ID!) {
                 factSheet(id: $id) { attributes revision history(first: 1) { edges { node { kind diff } } } }
                 factSheets(filter: {attributes: {protocol: "http"}}) { totalCount }
               }"#,
            json!({"id": fs["id"]}),
        )
        .await;
    assert_eq!(read["factSheet"]["attributes"], json!({"protocol": "http"}));
    assert_eq!(read["factSheet"]["revision"], 2);
    assert_eq!(
        read["factSheet"]["history"]["edges"][0]["node"],
        json!({"kind": "META_MODEL_MIGRATED", "diff": {"attributes.protocol": {"old": "rest", "new": "http"}}})
    );
    assert_eq!(read["factSheets"]["totalCount"], 1);
    let old_key = app
        .run(
            r#"{ factSheets(filter: {attributes: {protocol: "rest"}}) { totalCount } }"#,
            json!({}),
        )
        .await;
    assert_eq!(code(&old_key), "BAD_USER_INPUT");

    let taken = app
        .run(
            r#"mutation { renameAttributeOption(factSheetType: "API", attribute: "protocol", from: "http", to: "grpc") { affectedFactSheets } }"#,
            json!({}),
        )
        .await;
    assert_eq!(code(&taken), "BAD_USER_INPUT");
    assert_eq!(taken["errors"][0]["extensions"]["field"], "to");
}
