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
