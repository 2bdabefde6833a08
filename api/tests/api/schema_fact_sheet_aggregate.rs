//! `factSheetAggregate` through the schema: monthly cost per team along team → artifact →
//! cloud resource with a resource two artifacts share counted once, a team × lifecycle matrix
//! with the null group, sorting with a limit, and refusals naming the field.

use serde_json::{Value, json};

use crate::support::TestApp;

async fn create(app: &TestApp, t: &str, name: &str, attributes: Value) -> String {
    app.data(
        "mutation($i: CreateFactSheetInput!) { createFactSheet(input: $i) { factSheet { id } } }",
        json!({"i": {"type": t, "name": name, "attributes": attributes}}),
    )
    .await["createFactSheet"]["factSheet"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn relate(app: &TestApp, t: &str, from: &str, to: &str) {
    app.data(
        "mutation($i: CreateRelationInput!) { createRelation(input: $i) { relation { id } } }",
        json!({"i": {"type": t, "fromId": from, "toId": to}}),
    )
    .await;
}

/// Alpha owns Checkout and Billing, both on the Database (100); Billing also on the Queue
/// (50). Beta owns Search, on the Cache (7.5). Orphan has no owner and no lifecycle.
pub async fn landscape(app: &TestApp) {
    let alpha = create(app, "Team", "Alpha", json!({})).await;
    let beta = create(app, "Team", "Beta", json!({})).await;
    let active = json!({"lifecycle": {"active": "2020-01-01"}});
    let checkout = create(app, "SoftwareArtifact", "Checkout", active.clone()).await;
    let billing = create(
        app,
        "SoftwareArtifact",
        "Billing",
        json!({"lifecycle": {"active": "2020-01-01", "phaseOut": "2021-01-01"}}),
    )
    .await;
    let search = create(app, "SoftwareArtifact", "Search", active).await;
    create(app, "SoftwareArtifact", "Orphan", json!({})).await;
    let database = create(
        app,
        "CloudResource",
        "Database",
        json!({"monthlyCost": 100}),
    )
    .await;
    let queue = create(app, "CloudResource", "Queue", json!({"monthlyCost": 50})).await;
    let cache = create(app, "CloudResource", "Cache", json!({"monthlyCost": 7.5})).await;
    relate(app, "teamOwnsArtifact", &alpha, &checkout).await;
    relate(app, "teamOwnsArtifact", &alpha, &billing).await;
    relate(app, "teamOwnsArtifact", &beta, &search).await;
    relate(app, "artifactRunsOn", &checkout, &database).await;
    relate(app, "artifactRunsOn", &billing, &database).await;
    relate(app, "artifactRunsOn", &billing, &queue).await;
    relate(app, "artifactRunsOn", &search, &cache).await;
}

pub const COST_PER_TEAM: &str = r#"{ factSheetAggregate(
    filter: {types: ["SoftwareArtifact"]},
    groupBy: [{path: [{type: "teamOwnsArtifact", direction: INCOMING}]}],
    measures: [{function: SUM, attribute: "monthlyCost", path: [{type: "artifactRunsOn"}]}],
    sort: {measure: 0}) {
  groupCount groups { keys { label } count values } totals { count values } } }"#;

#[tokio::test]
async fn monthly_cost_per_team_adds_a_shared_resource_once() {
    let app = TestApp::new().await;
    landscape(&app).await;
    let data = app.data(COST_PER_TEAM, json!({})).await;
    assert_eq!(
        data["factSheetAggregate"],
        json!({
            "groupCount": 3,
            "groups": [
                {"keys": [{"label": "Alpha"}], "count": 2, "values": [150.0]},
                {"keys": [{"label": "Beta"}], "count": 1, "values": [7.5]},
                {"keys": [{"label": null}], "count": 1, "values": [null]},
            ],
            "totals": {"count": 4, "values": [157.5]},
        })
    );
}

#[tokio::test]
async fn a_team_by_lifecycle_matrix_is_one_call() {
    let app = TestApp::new().await;
    landscape(&app).await;
    let data = app
        .data(
            r#"{ factSheetAggregate(filter: {types: ["SoftwareArtifact"]},
                groupBy: [{path: [{type: "teamOwnsArtifact", direction: INCOMING}]}, {attribute: "lifecycle"}],
                measures: [], sort: {key: 1, direction: ASC}, limit: 2) {
              groupCount groups { keys { key label } count } } }"#,
            json!({}),
        )
        .await;
    let groups = &data["factSheetAggregate"]["groups"];
    assert_eq!(data["factSheetAggregate"]["groupCount"], 4);
    assert_eq!(groups.as_array().unwrap().len(), 2);
    assert_eq!(
        groups[0]["keys"][1],
        json!({"key": "active", "label": "Active"})
    );
    assert_eq!(
        groups[1]["keys"][1],
        json!({"key": "active", "label": "Active"})
    );
    assert_eq!(
        [
            &groups[0]["keys"][0]["label"],
            &groups[1]["keys"][0]["label"]
        ],
        [&json!("Alpha"), &json!("Beta")]
    );
}

#[tokio::test]
async fn refusals_name_the_input_field() {
    let app = TestApp::new().await;
    let cases = [
        (
            r#"groupBy: [{attribute: "monthlyCost"}], measures: []"#,
            "groupBy.0.attribute",
        ),
        (
            r#"groupBy: [{type: true}], measures: [{function: COUNT}, {function: COUNT, path: [{type: "nope"}]}]"#,
            "measures.1.path.0.type",
        ),
        (
            r#"groupBy: [{type: true}], measures: [{function: SUM}]"#,
            "measures.0.attribute",
        ),
        (
            r#"groupBy: [{type: true}], measures: [{function: AVG_FIGURE, figure: LEAD_TIME}]"#,
            "measures.0.window",
        ),
        (
            r#"groupBy: [{type: true}], measures: [], limit: 5000"#,
            "limit",
        ),
        (r#"groupBy: [], measures: []"#, "groupBy"),
    ];
    for (arguments, field) in cases {
        let response = app
            .run(
                &format!("{{ factSheetAggregate({arguments}) {{ groupCount }} }}"),
                json!({}),
            )
            .await;
        let error = &response["errors"][0]["extensions"];
        assert_eq!(error["code"], "BAD_USER_INPUT", "{arguments}: {response}");
        assert_eq!(error["field"], field, "{arguments}: {response}");
    }
}
