//! Admins renaming and deleting tags and tag groups through the schema.

use domain::Role;
use serde_json::{Value, json};

use crate::{
    schema_fact_sheets::create,
    support::{TestApp, code},
};

const TAG_FACETS: &str = "{ factSheets { facets { tags { key count } } } }";

async fn tag_facets(app: &TestApp) -> Value {
    app.data(TAG_FACETS, json!({})).await["factSheets"]["facets"]["tags"].clone()
}

async fn history_of(app: &TestApp, id: &Value) -> Value {
    app.data(
        "query($id: ID!) { factSheet(id: $id) { tags { name } history(first: 1) { edges { node { kind diff } } } } }",
        json!({"id": id}),
    )
    .await["factSheet"]
        .clone()
}

#[tokio::test]
async fn tags_are_renamed_and_deleted_and_cached_facets_follow() {
    let app = TestApp::new().await;
    let fs = create(
        &app,
        json!({"type": "SoftwareArtifact", "name": "Checkout", "tags": ["pci", "tier-1"]}),
    )
    .await;
    assert_eq!(
        tag_facets(&app).await,
        json!([{"key": "pci", "count": 1}, {"key": "tier-1", "count": 1}])
    );

    let renamed = app
        .data(
            r#"mutation { renameTag(name: "pci", newName: "pci-dss") { tag { name } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(renamed["renameTag"]["tag"]["name"], "pci-dss");
    assert_eq!(
        tag_facets(&app).await,
        json!([{"key": "pci-dss", "count": 1}, {"key": "tier-1", "count": 1}])
    );
    let taken = app
        .run(
            r#"mutation { renameTag(name: "pci-dss", newName: "tier-1") { tag { name } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(code(&taken), "BAD_USER_INPUT");
    assert_eq!(taken["errors"][0]["extensions"]["field"], "newName");

    app.data(
        r#"mutation { deleteTag(name: "pci-dss") { id } }"#,
        json!({}),
    )
    .await;
    let read = history_of(&app, &fs["id"]).await;
    assert_eq!(read["tags"], json!([{"name": "tier-1"}]));
    let newest = &read["history"]["edges"][0]["node"];
    assert_eq!(newest["kind"], "TAGS_CHANGED");
    assert_eq!(
        newest["diff"],
        json!({"tags": {"old": ["pci-dss", "tier-1"], "new": ["tier-1"]}})
    );
    assert_eq!(
        tag_facets(&app).await,
        json!([{"key": "tier-1", "count": 1}])
    );
}

#[tokio::test]
async fn a_tag_group_with_tags_is_refused_naming_them_unless_forced() {
    let app = TestApp::new().await;
    let fs = create(
        &app,
        json!({"type": "SoftwareArtifact", "name": "Checkout"}),
    )
    .await;
    app.data(
        r#"mutation {
          createTagGroup(input: {name: "Compliance"}) { tagGroup { name } }
          createTag(input: {name: "gdpr", group: "Compliance"}) { tag { name } }
        }"#,
        json!({}),
    )
    .await;
    app.data(
        r#"mutation($id: ID!) { tagFactSheet(id: $id, tags: ["gdpr"]) { factSheet { id } } }"#,
        json!({"id": fs["id"]}),
    )
    .await;
    let renamed = app
        .data(
            r#"mutation { renameTagGroup(name: "Compliance", newName: "Regulation") { tagGroup { name } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(renamed["renameTagGroup"]["tagGroup"]["name"], "Regulation");

    let refused = app
        .run(
            r#"mutation { deleteTagGroup(name: "Regulation") { id } }"#,
            json!({}),
        )
        .await;
    assert_eq!(code(&refused), "BAD_USER_INPUT");
    assert_eq!(refused["errors"][0]["extensions"]["field"], "name");
    assert!(
        refused["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("gdpr"),
        "{refused:#}"
    );
    app.data(
        r#"mutation { deleteTagGroup(name: "Regulation", force: true) { id } }"#,
        json!({}),
    )
    .await;
    let left = app
        .data("{ tags { name } tagGroups { name } }", json!({}))
        .await;
    assert_eq!(left, json!({"tags": [], "tagGroups": []}));
    assert_eq!(history_of(&app, &fs["id"]).await["tags"], json!([]));
}

#[tokio::test]
async fn only_admins_administer_tags_and_only_their_own() {
    let app = TestApp::new().await;
    create(
        &app,
        json!({"type": "SoftwareArtifact", "name": "Checkout", "tags": ["pci"]}),
    )
    .await;
    let member = app.as_role(Role::Member);
    for mutation in [
        r#"mutation { renameTag(name: "pci", newName: "x") { tag { name } } }"#,
        r#"mutation { deleteTag(name: "pci") { id } }"#,
    ] {
        let refused = app.run_as(&member, mutation, json!({})).await;
        assert_eq!(code(&refused), "FORBIDDEN", "{mutation}");
    }
    let globex = app.other_workspace().await;
    let unknown = app
        .run_as(
            &globex,
            r#"mutation { deleteTag(name: "pci") { id } }"#,
            json!({}),
        )
        .await;
    assert_eq!(code(&unknown), "BAD_USER_INPUT");
    assert_eq!(app.tag_names().await, ["pci"]);
}
