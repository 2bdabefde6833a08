//! A name the meta model does not know is refused where a client names it, never answered
//! with an empty list that looks like "nothing there".

use api::graphql::{SchemaOptions, build_schema};
use serde_json::{Value, json};

use crate::{
    schema_fact_sheets::create,
    support::{TestApp, code},
};

async fn team_with_artifact(app: &TestApp) -> Value {
    let team = create(app, json!({"type": "Team", "name": "Payments"})).await;
    let artifact = create(
        app,
        json!({"type": "SoftwareArtifact", "name": "payment-gateway"}),
    )
    .await;
    app.data(
        r#"mutation($input: CreateRelationInput!) { createRelation(input: $input) { relation { id } } }"#,
        json!({"input": {"type": "teamOwnsArtifact", "fromId": team["id"], "toId": artifact["id"]}}),
    )
    .await;
    team
}

fn assert_refuses_type(response: &Value, names_known: bool) {
    assert_eq!(code(response), "BAD_USER_INPUT", "{response:#}");
    let error = &response["errors"][0];
    assert_eq!(error["extensions"]["field"], "type", "{response:#}");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("ownsX"), "{message}");
    assert_eq!(
        message.contains("teamOwnsArtifact"),
        names_known,
        "{message}"
    );
}

#[tokio::test]
async fn an_unknown_relation_type_is_refused_on_a_fact_sheet_and_inside_a_list() {
    let app = TestApp::new().await;
    let team = team_with_artifact(&app).await;
    let one = r#"query($id: ID!) { factSheet(id: $id) { relations(type: "ownsX") { edges { node { id } } } } }"#;
    let response = app.run(one, json!({"id": team["id"]})).await;
    assert_refuses_type(&response, true);
    let listed = r#"{ factSheets(filter: {types: ["Team"]}) { edges { node { name relations(type: "ownsX") { edges { node { id } } } } } } }"#;
    let response = app.run(listed, json!({})).await;
    assert_refuses_type(&response, true);
    let known = r#"{ factSheets(filter: {types: ["Team"]}) { edges { node { relations(type: "teamOwnsArtifact") { totalCount } } } } }"#;
    let data = app.data(known, json!({})).await;
    assert_eq!(
        data["factSheets"]["edges"][0]["node"]["relations"]["totalCount"],
        1
    );

    let production = build_schema(&SchemaOptions {
        introspection: false,
        ..SchemaOptions::default()
    });
    let text = app
        .run_text_with(&production, &app.admin, listed, json!({}))
        .await;
    assert_refuses_type(&serde_json::from_str(&text).unwrap(), false);
}

#[tokio::test]
async fn a_select_value_no_option_has_is_refused_naming_the_allowed_options() {
    let app = TestApp::new().await;
    create(
        &app,
        json!({"type": "SoftwareArtifact", "name": "checkout", "attributes": {"language": "go"}}),
    )
    .await;
    let count = "query($f: FactSheetFilter) { factSheets(filter: $f) { totalCount } }";
    for attributes in [
        json!({"language": "Go"}),
        json!({"language": ["go", "Go"]}),
        json!({"language": {"in": ["Go"]}}),
    ] {
        let response = app
            .run(
                count,
                json!({"f": {"types": ["SoftwareArtifact"], "attributes": attributes}}),
            )
            .await;
        assert_eq!(code(&response), "BAD_USER_INPUT", "{response:#}");
        let error = &response["errors"][0];
        assert_eq!(
            error["extensions"]["field"], "filter.attributes.language",
            "{response:#}"
        );
        let message = error["message"].as_str().unwrap();
        assert!(
            message.contains("`Go`") && message.contains("go") && message.contains("kotlin"),
            "{message}"
        );
    }
    let data = app
        .data(
            count,
            json!({"f": {"attributes": {"language": ["go", "kotlin"]}}}),
        )
        .await;
    assert_eq!(data["factSheets"]["totalCount"], 1);
}
