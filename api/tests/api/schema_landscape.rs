//! The landscape over time through the schema: the workspace's change feed, fact sheets and
//! relations `asOf` a past instant, and `landscapeDiff` between two.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde_json::{Value, json};

use crate::{
    schema_fact_sheets::create,
    support::{TestApp, code},
};

const CHANGES: &str = r#"query($filter: ChangeFeedFilterInput, $first: Int, $after: String) {
  changes(filter: $filter, first: $first, after: $after) {
    edges { cursor node { kind actor revision factSheet { id name } } }
    pageInfo { hasNextPage endCursor }
  }
}"#;

const LIST_AS_OF: &str = r#"query($asOf: DateTime, $filter: FactSheetFilter) {
  factSheets(asOf: $asOf, filter: $filter) {
    totalCount
    edges { node { name status tags { name } } }
    facets { types { key count } tags { key count } }
  }
}"#;

/// An instant strictly between the changes made before and after it.
async fn instant() -> String {
    tokio::time::sleep(StdDuration::from_millis(5)).await;
    let t = Utc::now();
    tokio::time::sleep(StdDuration::from_millis(5)).await;
    text(t)
}

fn text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

async fn rename(app: &TestApp, id: &Value, name: &str) {
    app.data(
        "mutation($id: ID!, $name: String!) { updateFactSheet(input: {id: $id, name: $name}) { factSheet { id } } }",
        json!({"id": id, "name": name}),
    )
    .await;
}

async fn archive(app: &TestApp, id: &Value) {
    app.data(
        "mutation($id: ID!) { archiveFactSheet(id: $id) { factSheet { id } } }",
        json!({"id": id}),
    )
    .await;
}

async fn relate(app: &TestApp, team: &Value, artifact: &Value) -> Value {
    app.data(
        "mutation($t: ID!, $a: ID!) { createRelation(input: {type: \"teamOwnsArtifact\", fromId: $t, toId: $a}) { relation { id } } }",
        json!({"t": team, "a": artifact}),
    )
    .await["createRelation"]["relation"]["id"]
        .clone()
}

async fn changes(app: &TestApp, variables: Value) -> Value {
    app.data(CHANGES, variables).await["changes"].clone()
}

/// `(kind, fact sheet name, revision)` of each entry on a page.
fn entries(page: &Value) -> Vec<(String, String, i64)> {
    page["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let n = &e["node"];
            (
                n["kind"].as_str().unwrap().to_owned(),
                n["factSheet"]["name"].as_str().unwrap_or("").to_owned(),
                n["revision"].as_i64().unwrap(),
            )
        })
        .collect()
}

fn entry(kind: &str, name: &str, revision: i64) -> (String, String, i64) {
    (kind.to_owned(), name.to_owned(), revision)
}

#[tokio::test]
async fn the_change_feed_pages_newest_first_with_a_cursor_and_filters_by_kind_type_and_actor() {
    let app = TestApp::new().await;
    let since = instant().await;
    let artifact = create(
        &app,
        json!({"type": "SoftwareArtifact", "name": "Checkout"}),
    )
    .await;
    let team = create(&app, json!({"type": "Team", "name": "Payments"})).await;
    rename(&app, &artifact["id"], "Checkout v2").await;
    archive(&app, &team["id"]).await;
    let only_since = json!({"since": since});

    let first = changes(&app, json!({"filter": only_since, "first": 2})).await;
    assert_eq!(
        entries(&first),
        vec![
            entry("ARCHIVED", "Payments", 2),
            entry("UPDATED", "Checkout v2", 2)
        ]
    );
    assert_eq!(first["pageInfo"]["hasNextPage"], true);
    let second = changes(
        &app,
        json!({"filter": only_since, "first": 2, "after": first["pageInfo"]["endCursor"]}),
    )
    .await;
    assert_eq!(
        entries(&second),
        vec![
            entry("CREATED", "Payments", 1),
            entry("CREATED", "Checkout v2", 1)
        ]
    );
    assert_eq!(second["pageInfo"]["hasNextPage"], false);

    let created = changes(
        &app,
        json!({"filter": {"since": since, "kinds": ["CREATED"], "types": ["SoftwareArtifact"]}}),
    )
    .await;
    assert_eq!(entries(&created), vec![entry("CREATED", "Checkout v2", 1)]);

    let actor = first["edges"][0]["node"]["actor"].clone();
    let by_admin = changes(&app, json!({"filter": {"since": since, "actors": [actor]}})).await;
    assert_eq!(entries(&by_admin).len(), 4);
    let by_nobody = changes(
        &app,
        json!({"filter": {"since": since, "actors": ["nobody@acme.test"]}}),
    )
    .await;
    assert_eq!(entries(&by_nobody), vec![]);
}

#[tokio::test]
async fn change_feed_filters_it_cannot_use_are_refused_naming_the_field() {
    let app = TestApp::new().await;
    let now = Utc::now();
    for (filter, field) in [
        (json!({"kinds": ["CREATED", "EXPLODED"]}), "filter.kinds.1"),
        (json!({"types": ["Spaceship"]}), "filter.types.0"),
        (
            json!({"since": text(now), "until": text(now - Duration::hours(1))}),
            "filter.until",
        ),
    ] {
        let refused = app.run(CHANGES, json!({"filter": filter})).await;
        assert_eq!(code(&refused), "BAD_USER_INPUT", "{filter}: {refused:#}");
        assert_eq!(
            refused["errors"][0]["extensions"]["field"], field,
            "{filter}: {refused:#}"
        );
    }
}

#[tokio::test]
async fn fact_sheets_a_fact_sheet_and_its_relations_as_of_an_instant_are_as_they_were_then() {
    let app = TestApp::new().await;
    let before = instant().await;
    let artifact = create(
        &app,
        json!({"type": "SoftwareArtifact", "name": "Checkout", "tags": ["pci"]}),
    )
    .await;
    let team = create(&app, json!({"type": "Team", "name": "Payments"})).await;
    let relation = relate(&app, &team["id"], &artifact["id"]).await;
    let then = instant().await;
    rename(&app, &artifact["id"], "Checkout v2").await;
    create(&app, json!({"type": "SoftwareArtifact", "name": "Billing"})).await;
    app.data(
        "mutation($id: ID!) { deleteRelation(id: $id) { id } }",
        json!({"id": relation}),
    )
    .await;
    archive(&app, &team["id"]).await;

    let past = app.data(LIST_AS_OF, json!({"asOf": then})).await["factSheets"].clone();
    assert_eq!(past["totalCount"], 2);
    assert_eq!(
        past["edges"],
        json!([
            {"node": {"name": "Checkout", "status": "ACTIVE", "tags": [{"name": "pci"}]}},
            {"node": {"name": "Payments", "status": "ACTIVE", "tags": []}},
        ])
    );
    assert_eq!(
        past["facets"],
        json!({
            "types": [
                {"key": "Team", "count": 1}, {"key": "Product", "count": 0},
                {"key": "SoftwareArtifact", "count": 1}, {"key": "API", "count": 0},
                {"key": "CloudResource", "count": 0},
            ],
            "tags": [{"key": "pci", "count": 1}],
        })
    );
    let filtered = app
        .data(
            LIST_AS_OF,
            json!({"asOf": then, "filter": {"types": ["SoftwareArtifact"], "search": "checkout"}}),
        )
        .await;
    assert_eq!(filtered["factSheets"]["totalCount"], 1);
    let empty = app.data(LIST_AS_OF, json!({"asOf": before})).await;
    assert_eq!(empty["factSheets"]["totalCount"], 0);
    assert_eq!(empty["factSheets"]["edges"], json!([]));

    let one = r#"query($id: ID!, $asOf: DateTime) {
      factSheet(id: $id, asOf: $asOf) { name revision relations { edges { node { id type to { name } } } } }
    }"#;
    let read = app
        .data(one, json!({"id": artifact["id"], "asOf": then}))
        .await["factSheet"]
        .clone();
    assert_eq!(read["name"], "Checkout");
    assert_eq!(read["revision"], 2);
    assert_eq!(
        read["relations"]["edges"],
        json!([{"node": {"id": relation, "type": "teamOwnsArtifact", "to": {"name": "Checkout"}}}])
    );
    let not_yet = app
        .data(one, json!({"id": artifact["id"], "asOf": before}))
        .await;
    assert_eq!(not_yet["factSheet"], Value::Null);

    let relations = r#"query($id: ID!, $asOf: DateTime) {
      factSheet(id: $id) { name relations(asOf: $asOf) { edges { node { id } } } }
    }"#;
    let now = app.data(relations, json!({"id": team["id"]})).await["factSheet"].clone();
    assert_eq!(now["relations"]["edges"], json!([]));
    let then_relations = app
        .data(relations, json!({"id": team["id"], "asOf": then}))
        .await["factSheet"]
        .clone();
    assert_eq!(
        then_relations["relations"]["edges"],
        json!([{"node": {"id": relation}}])
    );
}

#[tokio::test]
async fn a_list_as_of_an_instant_filters_by_relations_and_subscriptions_then_in_any_order() {
    let app = TestApp::new().await;
    let artifact = create(
        &app,
        json!({"type": "SoftwareArtifact", "name": "Checkout"}),
    )
    .await;
    let team = create(&app, json!({"type": "Team", "name": "Payments"})).await;
    create(&app, json!({"type": "Team", "name": "Platform"})).await;
    let relation = relate(&app, &team["id"], &artifact["id"]).await;
    let then = instant().await;
    app.data(
        "mutation($id: ID!) { deleteRelation(id: $id) { id } }",
        json!({"id": relation}),
    )
    .await;
    rename(&app, &team["id"], "Payments v2").await;

    let owned = r#"query($asOf: DateTime) {
      factSheets(asOf: $asOf, filter: {relations: [{type: "teamOwnsArtifact", direction: INCOMING}]}) {
        totalCount edges { node { name } }
      }
    }"#;
    let now = app.data(owned, json!({})).await;
    assert_eq!(now["factSheets"]["totalCount"], 0);
    let past = app.data(owned, json!({"asOf": then})).await;
    assert_eq!(past["factSheets"]["totalCount"], 1);
    assert_eq!(
        past["factSheets"]["edges"],
        json!([{"node": {"name": "Checkout"}}])
    );

    // Newest change first, one a page: the team's rename came after `then`, so it is back
    // at the place its relation gave it.
    let page = r#"query($asOf: DateTime, $after: String) {
      factSheets(asOf: $asOf, first: 1, after: $after, orderBy: {field: UPDATED_AT, direction: DESC}) {
        edges { node { name } } pageInfo { hasNextPage endCursor }
      }
    }"#;
    let mut names = Vec::new();
    let mut after = Value::Null;
    loop {
        let read =
            app.data(page, json!({"asOf": then, "after": after})).await["factSheets"].clone();
        for edge in read["edges"].as_array().unwrap() {
            names.push(edge["node"]["name"].as_str().unwrap().to_owned());
        }
        if read["pageInfo"]["hasNextPage"] != json!(true) {
            break;
        }
        after = read["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(names, ["Payments", "Checkout", "Platform"]);

    // Whoever is accountable now, nobody was then.
    app.data(
        r#"mutation($id: ID!) { subscribe(input: {factSheetId: $id, user: "li@acme.test", role: ACCOUNTABLE}) { subscription { id } } }"#,
        json!({"id": artifact["id"]}),
    )
    .await;
    let accountable = r#"query($asOf: DateTime) {
      factSheets(asOf: $asOf, filter: {subscriptions: [{role: ACCOUNTABLE}]}) { totalCount }
    }"#;
    let now = app.data(accountable, json!({})).await;
    assert_eq!(now["factSheets"]["totalCount"], 1);
    let past = app.data(accountable, json!({"asOf": then})).await;
    assert_eq!(past["factSheets"]["totalCount"], 0);
}

#[tokio::test]
async fn the_landscape_diff_names_what_was_created_archived_changed_and_related() {
    let app = TestApp::new().await;
    let artifact = create(
        &app,
        json!({"type": "SoftwareArtifact", "name": "Checkout"}),
    )
    .await;
    let team = create(&app, json!({"type": "Team", "name": "Payments"})).await;
    let from = instant().await;
    rename(&app, &artifact["id"], "Checkout v2").await;
    let billing = create(&app, json!({"type": "SoftwareArtifact", "name": "Billing"})).await;
    let relation = relate(&app, &team["id"], &billing["id"]).await;
    archive(&app, &team["id"]).await;
    let to = instant().await;
    rename(&app, &billing["id"], "Billing v2").await;

    let diff = app
        .data(
            r#"query($from: DateTime!, $to: DateTime!, $filter: FactSheetFilter) {
              landscapeDiff(from: $from, to: $to, filter: $filter) {
                created { name } archived { name } restored { name }
                changed { factSheet { name } fields { field old new } }
                related { id } unrelated { id }
              }
            }"#,
            json!({"from": from, "to": to}),
        )
        .await["landscapeDiff"]
        .clone();
    assert_eq!(diff["created"], json!([{"name": "Billing"}]));
    assert_eq!(diff["archived"], json!([{"name": "Payments"}]));
    assert_eq!(diff["restored"], json!([]));
    assert_eq!(
        diff["changed"],
        json!([{"factSheet": {"name": "Checkout v2"},
                "fields": [{"field": "name", "old": "Checkout", "new": "Checkout v2"}]}])
    );
    assert_eq!(diff["related"], json!([{"id": relation}]));
    assert_eq!(diff["unrelated"], json!([]));

    let teams_only = app
        .data(
            r#"query($from: DateTime!, $to: DateTime!) {
              landscapeDiff(from: $from, to: $to, filter: {types: ["Team"]}) { created { name } archived { name } changed { factSheet { name } } }
            }"#,
            json!({"from": from, "to": to}),
        )
        .await["landscapeDiff"]
        .clone();
    assert_eq!(
        teams_only,
        json!({"created": [], "archived": [{"name": "Payments"}], "changed": []})
    );
}

#[tokio::test]
async fn a_future_instant_is_refused_as_bad_user_input_naming_the_argument() {
    let app = TestApp::new().await;
    let fs = create(&app, json!({"type": "Team", "name": "Payments"})).await;
    let future = text(Utc::now() + Duration::hours(1));
    let past = text(Utc::now() - Duration::hours(1));
    for (query, variables, field) in [
        (
            "query($t: DateTime) { factSheets(asOf: $t) { totalCount } }",
            json!({"t": future}),
            "asOf",
        ),
        (
            "query($id: ID!, $t: DateTime) { factSheet(id: $id, asOf: $t) { name } }",
            json!({"id": fs["id"], "t": future}),
            "asOf",
        ),
        (
            "query($f: DateTime!, $t: DateTime!) { landscapeDiff(from: $f, to: $t) { created { name } } }",
            json!({"f": past, "t": future}),
            "to",
        ),
    ] {
        let refused = app.run(query, variables).await;
        assert_eq!(code(&refused), "BAD_USER_INPUT", "{query}: {refused:#}");
        assert_eq!(
            refused["errors"][0]["extensions"]["field"], field,
            "{query}: {refused:#}"
        );
    }
}
