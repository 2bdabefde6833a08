//! Roles are enforced as the contract says, for every operation of the schema: each one is
//! called as viewer, member and admin, and must be refused with FORBIDDEN exactly when the role
//! is below the operation's rule. An operation without a rule fails here first.

use api::graphql::operation_rules::rule as operation_rule;
use domain::{Role, authz::allows};
use serde_json::json;

use crate::{operations::Schema, support::TestApp};

#[tokio::test]
async fn every_operation_is_allowed_or_forbidden_as_the_rules_say() {
    let app = TestApp::new().await;
    let schema = Schema::of(&api::graphql::sdl());
    assert!(
        schema.operations.len() >= 30,
        "the walk found the schema's operations"
    );
    let mut checked = 0;
    for operation in &schema.operations {
        let action = operation_rule(operation.root, &operation.name).unwrap_or_else(|| {
            panic!(
                "{:?}.{} has no authorization rule: add one to domain/src/authz/operations.rs",
                operation.root, operation.name
            )
        });
        let document = schema.document(operation, &uuid::Uuid::now_v7().to_string());
        for role in [Role::Viewer, Role::Member, Role::Admin] {
            let response = app.run_as(&app.as_role(role), &document, json!({})).await;
            let forbidden = response["errors"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|e| e["extensions"]["code"] == "FORBIDDEN");
            assert_eq!(
                forbidden,
                !allows(role, action),
                "{role} calling {document}: {response:#}"
            );
            checked += 1;
        }
    }
    println!("authorization walk: {checked} calls checked");
}

/// A forbidden root field cannot hide behind an allowed one or inside a fragment: the whole
/// document is refused before anything runs, while the allowed part alone still works.
#[tokio::test]
async fn a_forbidden_root_field_refuses_the_whole_document() {
    let app = TestApp::new().await;
    let member = app.as_role(Role::Member);
    let documents = [
        "{ viewer { subject } apiTokens { id } }",
        "query { viewer { subject } ...Admin } fragment Admin on Query { apiTokens { id } }",
        "query { ... on Query { ... { apiTokens { id } } } }",
    ];
    for document in documents {
        let response = app.run_as(&member, document, json!({})).await;
        assert_eq!(
            response["errors"][0]["extensions"]["code"], "FORBIDDEN",
            "{document}: {response}"
        );
        assert!(response["data"].is_null(), "nothing ran: {response}");
    }
    let allowed = app
        .run_as(&member, "{ viewer { subject } }", json!({}))
        .await;
    assert!(allowed.get("errors").is_none(), "{allowed}");
    assert!(
        allowed["data"]["viewer"]["subject"].is_string(),
        "{allowed}"
    );
}

/// The check reads the operation async-graphql runs. A named operation sent without
/// `operationName` is still the document's only operation, and one forbidden field in it
/// refuses the whole of it, exactly as when the name is given.
#[tokio::test]
async fn an_unnamed_request_cannot_run_a_named_operation_the_check_skipped() {
    let app = TestApp::new().await;
    let member = app.as_role(Role::Member);
    let document = r#"mutation M {
        a: createFactSheet(input: {type: "Team", name: "slipped-through"}) { factSheet { id } }
        b: setPerformanceBands(bands: {}) { affectedFactSheets }
    }"#;
    for operation_name in [None, Some("M")] {
        let mut request = async_graphql::Request::new(document).data(
            api::graphql::RequestContext::new(app.serving.clone(), member.clone()),
        );
        if let Some(name) = operation_name {
            request = request.operation_name(name);
        }
        let mut response = app.schema.execute(request).await;
        api::graphql::sanitize_errors(&mut response);
        let response = serde_json::to_value(&response).unwrap();
        assert_eq!(
            response["errors"][0]["extensions"]["code"], "FORBIDDEN",
            "operationName {operation_name:?}: {response}"
        );
        assert!(response["data"].is_null(), "nothing ran: {response}");
    }
    let written = app
        .data(
            r#"{ factSheets(filter: {search: "slipped-through"}) { totalCount } }"#,
            json!({}),
        )
        .await;
    assert_eq!(written["factSheets"]["totalCount"], 0, "{written}");
}

/// A misspelled root field is an unknown field, not a forbidden operation: the caller gets
/// GraphQL's validation error, and with introspection off the very same error as for any other
/// unknown field, so refusals cannot be used to tell operation names from other words.
#[tokio::test]
async fn an_unknown_root_field_gets_the_validation_error_of_any_unknown_field() {
    let app = TestApp::new().await;
    let viewer = app.as_role(Role::Viewer);
    for introspection in [true, false] {
        let schema = api::graphql::build_schema(&api::graphql::SchemaOptions {
            introspection,
            ..Default::default()
        });
        let run = async |document: &str| {
            let text = app
                .run_text_with(&schema, &viewer, document, json!({}))
                .await;
            serde_json::from_str::<serde_json::Value>(&text).unwrap()
        };
        for document in [
            "{ factSheetz { totalCount } }",
            r#"mutation { deleteFactSheet(id: "x") { id } }"#,
        ] {
            let response = run(document).await;
            let message = response["errors"][0]["message"]
                .as_str()
                .unwrap_or_default();
            assert_eq!(
                response["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
                "{document}: {response}"
            );
            assert!(
                message.starts_with("Unknown field"),
                "{document}: {response}"
            );
            if document.contains("factSheetz") {
                assert_eq!(
                    message.contains("Did you mean"),
                    introspection,
                    "suggestions only with introspection: {response}"
                );
            }
            if !introspection {
                let other = run("{ viewer { subjectz } }").await;
                let shape = |m: &str, name: &str| m.replace(name, "NAME");
                assert_eq!(
                    shape(
                        message,
                        if document.starts_with('{') {
                            "factSheetz"
                        } else {
                            "deleteFactSheet"
                        }
                    )
                    .replace("Mutation", "TYPE")
                    .replace("Query", "TYPE"),
                    shape(other["errors"][0]["message"].as_str().unwrap(), "subjectz")
                        .replace("Viewer", "TYPE"),
                    "{response} against {other}"
                );
            }
        }
    }
}
