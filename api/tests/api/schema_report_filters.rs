//! `factSheets(filter:, orderBy:)` as a report builder uses them: completion bounds, a window of
//! last changes, subscriptions, and ordering by a numeric attribute, paged.

use serde_json::{Value, json};

use crate::{
    schema_fact_sheets::create,
    support::{TestApp, code},
};

const LIST: &str = r#"query($filter: FactSheetFilter, $orderBy: FactSheetOrderInput, $first: Int, $after: String) {
  factSheets(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
    totalCount
    edges { node { name } }
    pageInfo { hasNextPage endCursor }
  }
}"#;

/// The names of every page of `filter` in `order_by`, `first` at a time, checking each page's
/// `totalCount` against the whole.
async fn names(app: &TestApp, filter: Value, order_by: Value, first: i32) -> Vec<String> {
    let mut names = Vec::new();
    let mut after = Value::Null;
    loop {
        let vars = json!({"filter": filter, "orderBy": order_by, "first": first, "after": after});
        let page = app.data(LIST, vars).await["factSheets"].clone();
        names.extend(
            page["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["node"]["name"].as_str().unwrap().to_owned()),
        );
        if page["pageInfo"]["hasNextPage"] != json!(true) {
            assert_eq!(page["totalCount"], json!(names.len()), "{filter}");
            return names;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
}

/// The field a refused request names.
async fn refused(app: &TestApp, filter: Value, order_by: Value) -> Value {
    let response = app
        .run(LIST, json!({"filter": filter, "orderBy": order_by}))
        .await;
    assert_eq!(code(&response), "BAD_USER_INPUT", "{response}");
    response["errors"][0]["extensions"]["field"].clone()
}

#[tokio::test]
async fn completion_and_last_change_filter_the_list_and_its_total() {
    let app = TestApp::new().await;
    let bare = create(&app, json!({"type": "Team", "name": "Bare"})).await;
    let sized = create(
        &app,
        json!({"type": "Team", "name": "Sized", "attributes": {"size": 4}}),
    )
    .await;
    assert!(bare["completion"].as_f64() < sized["completion"].as_f64());
    let below = json!({"completion": {"lt": sized["completion"]}});
    assert_eq!(names(&app, below, Value::Null, 1).await, ["Bare"]);
    let from = json!({"completion": {"gte": sized["completion"], "lte": 1}});
    assert_eq!(names(&app, from, Value::Null, 1).await, ["Sized"]);
    assert_eq!(
        refused(&app, json!({"completion": {"lt": 50}}), Value::Null).await,
        "filter.completion.lt"
    );

    let stamps = app
        .data(
            r#"{ factSheets(orderBy: {field: UPDATED_AT}) { edges { node { name updatedAt } } } }"#,
            json!({}),
        )
        .await;
    let at = |i: usize| stamps["factSheets"]["edges"][i]["node"]["updatedAt"].clone();
    assert_eq!(
        stamps["factSheets"]["edges"][1]["node"]["name"], "Sized",
        "{stamps}"
    );
    let since = json!({"updatedAfter": at(1)});
    assert_eq!(names(&app, since, Value::Null, 1).await, ["Sized"]);
    let until = json!({"updatedBefore": at(1)});
    assert_eq!(names(&app, until, Value::Null, 1).await, ["Bare"]);
    let both = json!({"updatedAfter": at(0), "updatedBefore": at(1), "types": ["Team"]});
    assert_eq!(names(&app, both, Value::Null, 1).await, ["Bare"]);
}

#[tokio::test]
async fn subscriptions_filter_by_user_and_by_a_missing_role() {
    let app = TestApp::new().await;
    let mut ids = Vec::new();
    for name in ["Alpha", "Bravo", "Charlie"] {
        ids.push(create(&app, json!({"type": "Team", "name": name})).await["id"].clone());
    }
    for (id, user, role) in [
        (&ids[0], "alice@acme.test", "ACCOUNTABLE"),
        (&ids[1], "alice@acme.test", "OBSERVER"),
        (&ids[2], "bob@acme.test", "RESPONSIBLE"),
    ] {
        app.data(
            r#"mutation($input: SubscribeInput!) { subscribe(input: $input) { subscription { id } } }"#,
            json!({"input": {"factSheetId": id, "user": user, "role": role}}),
        )
        .await;
    }
    let alice = json!({"subscriptions": [{"user": "alice@acme.test"}]});
    assert_eq!(names(&app, alice, Value::Null, 1).await, ["Alpha", "Bravo"]);
    let unaccountable = json!({"subscriptions": [{"role": "ACCOUNTABLE", "exists": false}]});
    assert_eq!(
        names(&app, unaccountable, Value::Null, 1).await,
        ["Bravo", "Charlie"]
    );
    let watched_by_alice_nobody_accountable = json!({"subscriptions": [
        {"user": "alice@acme.test"},
        {"role": "ACCOUNTABLE", "exists": false},
    ]});
    assert_eq!(
        names(&app, watched_by_alice_nobody_accountable, Value::Null, 1).await,
        ["Bravo"]
    );
    assert_eq!(
        refused(&app, json!({"subscriptions": [{"user": " "}]}), Value::Null).await,
        "filter.subscriptions.0.user"
    );
}

#[tokio::test]
async fn a_numeric_attribute_orders_pages_with_missing_values_last() {
    let app = TestApp::new().await;
    let mut ids = std::collections::HashMap::new();
    for (name, cost) in [
        ("r1", json!(10)),
        ("r2", Value::Null),
        ("r3", json!(5)),
        ("r4", json!(10)),
        ("r5", Value::Null),
    ] {
        let attributes = match cost {
            Value::Null => json!({}),
            cost => json!({ "monthlyCost": cost }),
        };
        let created = create(
            &app,
            json!({"type": "CloudResource", "name": name, "attributes": attributes}),
        )
        .await;
        ids.insert(name, created["id"].as_str().unwrap().to_owned());
    }
    // Ties in the list's direction by id.
    let tied = |a: &'static str, b: &'static str, descending: bool| {
        let mut pair = [a, b];
        pair.sort_by_key(|name| ids[name].clone());
        if descending {
            pair.reverse();
        }
        pair
    };
    let resources = json!({"types": ["CloudResource"]});
    for (direction, expected) in [
        (
            "ASC",
            [
                &["r3"][..],
                &tied("r1", "r4", false),
                &tied("r2", "r5", false),
            ]
            .concat(),
        ),
        (
            "DESC",
            [
                &tied("r1", "r4", true)[..],
                &["r3"],
                &tied("r2", "r5", true),
            ]
            .concat(),
        ),
    ] {
        let order = json!({"attribute": "monthlyCost", "direction": direction});
        for first in [1, 2, 100] {
            let paged = names(&app, resources.clone(), order.clone(), first).await;
            assert_eq!(paged, expected, "{direction} by {first}");
        }
    }
    for (order_by, field) in [
        (json!({"attribute": "nope"}), "orderBy.attribute"),
        (json!({"attribute": "region"}), "orderBy.attribute"),
        (
            json!({"attribute": "monthlyCost", "field": "NAME"}),
            "orderBy.attribute",
        ),
    ] {
        assert_eq!(refused(&app, resources.clone(), order_by).await, field);
    }
}
