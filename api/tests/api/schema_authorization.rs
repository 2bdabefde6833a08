//! Roles are enforced as the contract says, for every operation of the schema: each one is
//! called as viewer, member and admin, and must be refused with FORBIDDEN exactly when the role
//! is below the operation's rule. An operation without a rule fails here first.

use domain::{
    Role,
    authz::{allows, operation_rule},
};
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
