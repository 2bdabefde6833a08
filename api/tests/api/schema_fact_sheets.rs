use domain::Role;
use serde_json::{Value, json};

use crate::support::{TestApp, code};

const CREATE: &str = r#"mutation($input: CreateFactSheetInput!) {
  createFactSheet(input: $input) { factSheet { id name type revision status completion attributes externalIds { namespace value } tags { name } } }
}"#;

const UPDATE: &str = r#"mutation($input: UpdateFactSheetInput!) {
  updateFactSheet(input: $input) { factSheet { id name description revision attributes } }
}"#;

pub async fn create(app: &TestApp, input: Value) -> Value {
    app.data(CREATE, json!({ "input": input })).await["createFactSheet"]["factSheet"].clone()
}

#[tokio::test]
async fn create_read_update_archive_restore() {
    let app = TestApp::new().await;
    let fs = create(
        &app,
        json!({"type": "SoftwareArtifact", "name": "Checkout", "description": "Orders",
               "attributes": {"language": "kotlin", "repositoryUrl": "https://git.acme.test/checkout"},
               "externalIds": [{"namespace": "eventSource", "value": "checkout"}], "tags": ["pci"]}),
    )
    .await;
    assert_eq!(fs["revision"], 1);
    assert_eq!(fs["status"], "ACTIVE");
    assert_eq!(
        fs["externalIds"],
        json!([{"namespace": "eventSource", "value": "checkout"}])
    );
    assert_eq!(fs["tags"], json!([{"name": "pci"}]));
    assert_eq!(fs["completion"], 0.5);
    let id = fs["id"].as_str().unwrap();

    let by_ext = app
        .data(
            r#"{ factSheetByExternalId(namespace: "eventSource", value: "checkout") { id } }"#,
            json!({}),
        )
        .await;
    assert_eq!(by_ext["factSheetByExternalId"]["id"], id);

    let updated = app.data(UPDATE, json!({"input": {"id": id, "expectedRevision": 1, "description": null, "attributes": {"language": null, "artifactType": "service"}}})).await;
    let updated = &updated["updateFactSheet"]["factSheet"];
    assert_eq!(updated["name"], "Checkout");
    assert_eq!(updated["description"], Value::Null);
    assert_eq!(updated["revision"], 2);
    assert_eq!(
        updated["attributes"],
        json!({"repositoryUrl": "https://git.acme.test/checkout", "artifactType": "service"})
    );

    let stale = app
        .run(
            UPDATE,
            json!({"input": {"id": id, "expectedRevision": 1, "name": "X"}}),
        )
        .await;
    assert_eq!(code(&stale), "CONFLICT");
    assert_eq!(stale["errors"][0]["extensions"]["actualRevision"], 2);

    let archived = app.data(r#"mutation($id: ID!) { archiveFactSheet(id: $id, comment: "gone") { factSheet { status revision } } }"#, json!({"id": id})).await;
    assert_eq!(
        archived["archiveFactSheet"]["factSheet"],
        json!({"status": "ARCHIVED", "revision": 3})
    );
    let restored = app
        .data(
            r#"mutation($id: ID!) { restoreFactSheet(id: $id) { factSheet { status } } }"#,
            json!({"id": id}),
        )
        .await;
    assert_eq!(
        restored["restoreFactSheet"]["factSheet"]["status"],
        "ACTIVE"
    );

    let history = app.data(r#"query($id: ID!) { factSheet(id: $id) { history(first: 2) { edges { node { revision kind actor comment diff } } pageInfo { hasNextPage endCursor } } } }"#, json!({"id": id})).await;
    let edges = &history["factSheet"]["history"]["edges"];
    assert_eq!(edges[0]["node"]["kind"], "RESTORED");
    assert_eq!(edges[1]["node"]["kind"], "ARCHIVED");
    assert_eq!(edges[1]["node"]["comment"], "gone");
    assert_eq!(edges[1]["node"]["actor"], "alice@acme.test");
    assert_eq!(
        history["factSheet"]["history"]["pageInfo"]["hasNextPage"],
        true
    );
}

#[tokio::test]
async fn bad_input_names_every_field_and_writes_nothing() {
    let app = TestApp::new().await;
    let response = app
        .run(CREATE, json!({"input": {"type": "SoftwareArtifact", "name": "", "attributes": {"language": "cobol", "nope": 1}}}))
        .await;
    assert_eq!(code(&response), "BAD_USER_INPUT");
    let ext = &response["errors"][0]["extensions"];
    assert_eq!(ext["field"], "name");
    let paths: Vec<_> = ext["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["name", "attributes.language", "attributes.nope"]);
    let count = app.data("{ factSheets { totalCount } }", json!({})).await;
    assert_eq!(count["factSheets"]["totalCount"], 0);

    let response = app
        .run(r#"{ factSheet(id: "not-a-uuid") { id } }"#, json!({}))
        .await;
    assert_eq!(code(&response), "BAD_USER_INPUT");
    assert_eq!(response["errors"][0]["extensions"]["field"], "id");
    // GraphQL's own validation errors are client errors too.
    let response = app.run("{ factSheets { noSuchField } }", json!({})).await;
    assert_eq!(code(&response), "BAD_USER_INPUT");
}

#[tokio::test]
async fn a_rejected_mutation_rolls_back_what_it_already_wrote() {
    let app = TestApp::new().await;
    // The tag is attached (and would be created) before the single-group check refuses it.
    app.data(
        r#"mutation { createTagGroup(input: {name: "Tier", mode: SINGLE}) { tagGroup { id } } }"#,
        json!({}),
    )
    .await;
    app.data(r#"mutation { a: createTag(input: {name: "tier-1", group: "Tier"}) { tag { id } } b: createTag(input: {name: "tier-2", group: "Tier"}) { tag { id } } }"#, json!({})).await;
    let response = app.run(CREATE, json!({"input": {"type": "Team", "name": "Payments", "tags": ["tier-1", "tier-2", "brand-new"]}})).await;
    assert_eq!(code(&response), "BAD_USER_INPUT");
    let after = app
        .data("{ factSheets { totalCount } tags { name } }", json!({}))
        .await;
    assert_eq!(
        after["factSheets"]["totalCount"], 0,
        "the fact sheet insert was rolled back"
    );
    assert_eq!(
        after["tags"],
        json!([{"name": "tier-1"}, {"name": "tier-2"}]),
        "the new tag was rolled back"
    );
}

#[tokio::test]
async fn viewers_read_members_write_admins_shape() {
    let app = TestApp::new().await;
    let fs = create(&app, json!({"type": "Team", "name": "Payments"})).await;
    let viewer = app.as_role(Role::Viewer);
    let read = app
        .run_as(&viewer, "{ factSheets { totalCount } }", json!({}))
        .await;
    assert_eq!(read["data"]["factSheets"]["totalCount"], 1);
    let write = app
        .run_as(
            &viewer,
            CREATE,
            json!({"input": {"type": "Team", "name": "X"}}),
        )
        .await;
    assert_eq!(code(&write), "FORBIDDEN");
    let member = app.as_role(Role::Member);
    let write = app
        .run_as(
            &member,
            UPDATE,
            json!({"input": {"id": fs["id"], "name": "Payments & Risk"}}),
        )
        .await;
    assert!(write.get("errors").is_none(), "{write}");
    let shape = app
        .run_as(
            &member,
            r#"mutation { removeFactSheetType(key: "CloudResource") { metaModel { version } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(code(&shape), "FORBIDDEN");
}

#[tokio::test]
async fn another_workspace_sees_nothing() {
    let app = TestApp::new().await;
    let fs = create(&app, json!({"type": "Team", "name": "Secret team", "externalIds": [{"namespace": "hr", "value": "t-1"}]})).await;
    let other = app.other_workspace().await;
    let response = app
        .run_as(&other, r#"query($id: ID!) { factSheet(id: $id) { id } factSheetByExternalId(namespace: "hr", value: "t-1") { id } factSheets { totalCount edges { node { id } } } }"#, json!({"id": fs["id"]}))
        .await;
    assert_eq!(
        response["data"],
        json!({"factSheet": null, "factSheetByExternalId": null, "factSheets": {"totalCount": 0, "edges": []}})
    );
    let response = app
        .run_as(
            &other,
            UPDATE,
            json!({"input": {"id": fs["id"], "name": "Hijacked"}}),
        )
        .await;
    assert_eq!(code(&response), "NOT_FOUND");
    let serialized = response.to_string();
    assert!(!serialized.contains("Secret team"));
}

#[tokio::test]
async fn relations_tags_and_subscriptions_through_graphql() {
    let app = TestApp::new().await;
    let team = create(&app, json!({"type": "Team", "name": "Payments"})).await;
    let artifact = create(
        &app,
        json!({"type": "SoftwareArtifact", "name": "payment-gateway"}),
    )
    .await;
    let rel = app
        .data(
            r#"mutation($input: CreateRelationInput!) { createRelation(input: $input) { relation { id type from { name } to { name } attributes } } }"#,
            json!({"input": {"type": "teamOwnsArtifact", "fromId": team["id"], "toId": artifact["id"]}}),
        )
        .await;
    assert_eq!(
        rel["createRelation"]["relation"]["from"]["name"],
        "Payments"
    );
    let refused = app
        .run(
            r#"mutation($input: CreateRelationInput!) { createRelation(input: $input) { relation { id } } }"#,
            json!({"input": {"type": "teamOwnsArtifact", "fromId": artifact["id"], "toId": team["id"]}}),
        )
        .await;
    assert_eq!(code(&refused), "BAD_USER_INPUT");
    assert_eq!(refused["errors"][0]["extensions"]["field"], "fromId");

    let both = app
        .data(
            r#"query($id: ID!) { factSheet(id: $id) {
                 incoming: relations(direction: INCOMING) { totalCount edges { node { from { name } } } }
                 outgoing: relations(direction: OUTGOING) { totalCount } } }"#,
            json!({"id": artifact["id"]}),
        )
        .await;
    assert_eq!(both["factSheet"]["incoming"]["totalCount"], 1);
    assert_eq!(
        both["factSheet"]["incoming"]["edges"][0]["node"]["from"]["name"],
        "Payments"
    );
    assert_eq!(both["factSheet"]["outgoing"]["totalCount"], 0);

    let deleted = app
        .data(
            r#"mutation($id: ID!) { deleteRelation(id: $id) { id } }"#,
            json!({"id": rel["createRelation"]["relation"]["id"]}),
        )
        .await;
    assert_eq!(
        deleted["deleteRelation"]["id"],
        rel["createRelation"]["relation"]["id"]
    );

    let tagged = app.data(r#"mutation($id: ID!) { tagFactSheet(id: $id, tags: ["pci", "tier-1"]) { factSheet { tags { name } revision } } }"#, json!({"id": artifact["id"]})).await;
    assert_eq!(
        tagged["tagFactSheet"]["factSheet"]["tags"],
        json!([{"name": "pci"}, {"name": "tier-1"}])
    );
    let sub = app
        .data(
            r#"mutation($id: ID!) { subscribe(input: {factSheetId: $id, user: "li@acme.test", role: ACCOUNTABLE}) { subscription { user role } factSheet { subscriptions { user } } } }"#,
            json!({"id": artifact["id"]}),
        )
        .await;
    assert_eq!(
        sub["subscribe"]["subscription"],
        json!({"user": "li@acme.test", "role": "ACCOUNTABLE"})
    );
    let second = app
        .run(r#"mutation($id: ID!) { subscribe(input: {factSheetId: $id, user: "x@acme.test", role: ACCOUNTABLE}) { subscription { id } } }"#, json!({"id": artifact["id"]}))
        .await;
    assert_eq!(code(&second), "BAD_USER_INPUT");
}

#[tokio::test]
async fn hierarchy_parent_and_children() {
    let app = TestApp::new().await;
    let parent = create(&app, json!({"type": "Team", "name": "Engineering"})).await;
    let child = create(
        &app,
        json!({"type": "Team", "name": "Payments", "parentId": parent["id"]}),
    )
    .await;
    let tree = app
        .data(
            r#"query($id: ID!) { factSheet(id: $id) { parent { name } } }"#,
            json!({"id": child["id"]}),
        )
        .await;
    assert_eq!(tree["factSheet"]["parent"]["name"], "Engineering");
    let children = app.data(r#"query($id: ID!) { factSheet(id: $id) { children { totalCount edges { node { name } } } } }"#, json!({"id": parent["id"]})).await;
    assert_eq!(
        children["factSheet"]["children"]["edges"][0]["node"]["name"],
        "Payments"
    );
    let cycle = app
        .run(
            UPDATE,
            json!({"input": {"id": parent["id"], "parentId": child["id"]}}),
        )
        .await;
    assert_eq!(code(&cycle), "BAD_USER_INPUT");
    assert_eq!(cycle["errors"][0]["extensions"]["field"], "parentId");
}

#[tokio::test]
async fn the_lifecycle_phase_is_the_one_started_last() {
    let app = TestApp::new().await;
    let fs = create(&app, json!({"type": "Product", "name": "Shop", "attributes": {"lifecycle": {"plan": "2019-01-01", "active": "2020-01-01", "endOfLife": "2999-01-01"}}})).await;
    let data = app.data("query($id: ID!) { factSheet(id: $id) { lifecycle { attribute phase phases { phase startDate } } } }", json!({"id": fs["id"]})).await;
    assert_eq!(
        data["factSheet"]["lifecycle"],
        json!({"attribute": "lifecycle", "phase": "active", "phases": [
            {"phase": "plan", "startDate": "2019-01-01"}, {"phase": "active", "startDate": "2020-01-01"}, {"phase": "endOfLife", "startDate": "2999-01-01"}]})
    );
    let team = create(&app, json!({"type": "Team", "name": "No lifecycle"})).await;
    let data = app
        .data(
            "query($id: ID!) { factSheet(id: $id) { lifecycle { phase } } }",
            json!({"id": team["id"]}),
        )
        .await;
    assert_eq!(data["factSheet"]["lifecycle"], serde_json::Value::Null);
}

#[tokio::test]
async fn relation_history_names_the_far_end_as_it_was() {
    let app = TestApp::new().await;
    let team = create(&app, json!({"type": "Team", "name": "Payments"})).await;
    let artifact = create(
        &app,
        json!({"type": "SoftwareArtifact", "name": "Checkout"}),
    )
    .await;
    let rel = app
        .data(
            r#"mutation($t: ID!, $a: ID!) { createRelation(input: {type: "teamOwnsArtifact", fromId: $t, toId: $a}) { relation { id } } }"#,
            json!({"t": team["id"], "a": artifact["id"]}),
        )
        .await;
    let rename = r#"mutation($id: ID!, $name: String!) { updateFactSheet(input: {id: $id, name: $name}) { factSheet { id } } }"#;
    app.data(rename, json!({"id": artifact["id"], "name": "Cart"}))
        .await;
    app.data(
        r#"mutation($id: ID!) { deleteRelation(id: $id) { id } }"#,
        json!({"id": rel["createRelation"]["relation"]["id"]}),
    )
    .await;
    app.data(rename, json!({"id": artifact["id"], "name": "Basket"}))
        .await;

    let read = app
        .data(
            r#"query($id: ID!) { factSheet(id: $id) { history { edges { node { kind diff } } } } }"#,
            json!({"id": team["id"]}),
        )
        .await;
    let far_ends: Vec<Value> = read["factSheet"]["history"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["node"]["kind"] != "CREATED")
        .map(|e| {
            let relation = &e["node"]["diff"]["relation"];
            json!([e["node"]["kind"], relation["toName"], relation["toType"]])
        })
        .collect();
    assert_eq!(
        far_ends,
        [
            json!(["RELATION_DELETED", "Cart", "SoftwareArtifact"]),
            json!(["RELATION_CREATED", "Checkout", "SoftwareArtifact"]),
        ]
    );
}
