use serde_json::json;

use crate::{
    schema_fact_sheets::create,
    support::{TestApp, code},
};

async fn seed(app: &TestApp) {
    for (name, language, tags) in [
        ("alpha", "go", vec!["pci"]),
        ("bravo", "go", vec![]),
        ("charlie", "rust", vec!["pci"]),
        ("delta", "java", vec![]),
        ("echo search engine", "rust", vec![]),
    ] {
        create(app, json!({"type": "SoftwareArtifact", "name": name, "attributes": {"language": language}, "tags": tags})).await;
    }
    create(
        app,
        json!({"type": "Team", "name": "payments", "attributes": {"size": 7}}),
    )
    .await;
}

#[tokio::test]
async fn filter_sort_paginate_and_facet() {
    let app = TestApp::new().await;
    seed(&app).await;
    let q = r#"query($filter: FactSheetFilter, $first: Int, $after: String, $order: FactSheetOrderInput) {
      factSheets(filter: $filter, first: $first, after: $after, orderBy: $order) {
        totalCount edges { cursor node { name } } pageInfo { hasNextPage endCursor }
        facets { types { key count } tags { key count } attributes { key counts { key count } } }
      } }"#;
    let go = app
        .data(
            q,
            json!({"filter": {"types": ["SoftwareArtifact"], "attributes": {"language": "go"}}}),
        )
        .await;
    let names: Vec<_> = go["factSheets"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["name"].clone())
        .collect();
    assert_eq!(names, [json!("alpha"), json!("bravo")]);
    assert_eq!(go["factSheets"]["totalCount"], 2);
    let language = go["factSheets"]["facets"]["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["key"] == "language")
        .unwrap()
        .clone();
    let count = |k: &str| {
        language["counts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["key"] == k)
            .unwrap()["count"]
            .clone()
    };
    assert_eq!(
        (count("go"), count("rust"), count("java")),
        (json!(2), json!(2), json!(1))
    );

    let search = app
        .data(q, json!({"filter": {"search": "SEARCH eng"}}))
        .await;
    assert_eq!(
        search["factSheets"]["edges"][0]["node"]["name"],
        "echo search engine"
    );
    let tagged = app
        .data(
            q,
            json!({"filter": {"tags": ["pci"]}, "order": {"field": "NAME", "direction": "DESC"}}),
        )
        .await;
    let names: Vec<_> = tagged["factSheets"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["name"].clone())
        .collect();
    assert_eq!(names, [json!("charlie"), json!("alpha")]);
    let sized = app
        .data(q, json!({"filter": {"attributes": {"size": {"gte": 5}}}}))
        .await;
    assert_eq!(sized["factSheets"]["edges"][0]["node"]["name"], "payments");

    // Page through everything two at a time.
    let mut names = Vec::new();
    let mut after = serde_json::Value::Null;
    loop {
        let page = app.data(q, json!({"first": 2, "after": after})).await;
        names.extend(
            page["factSheets"]["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["node"]["name"].as_str().unwrap().to_owned()),
        );
        if page["factSheets"]["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = page["factSheets"]["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(
        names,
        [
            "alpha",
            "bravo",
            "charlie",
            "delta",
            "echo search engine",
            "payments"
        ]
    );

    let bad = app
        .run(q, json!({"filter": {"attributes": {"warp": 1}}}))
        .await;
    assert_eq!(code(&bad), "BAD_USER_INPUT");
    assert_eq!(
        bad["errors"][0]["extensions"]["field"],
        "filter.attributes.warp"
    );
    let bad = app.run(q, json!({"after": "garbage"})).await;
    assert_eq!(bad["errors"][0]["extensions"]["field"], "after");
}

#[tokio::test]
async fn page_size_defaults_to_50_and_is_capped_at_500() {
    let app = TestApp::new().await;
    let model = domain::meta_model_versions::current(app.db.conn(), &app.admin)
        .await
        .unwrap()
        .model;
    for i in 0..60 {
        domain::fact_sheets::create(
            app.db.conn(),
            &app.admin,
            &model,
            domain::fact_sheets::NewFactSheet {
                fact_sheet_type: "API".into(),
                name: format!("api-{i:03}"),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    }
    let default = app
        .data(
            "{ factSheets { edges { node { id } } pageInfo { hasNextPage } } }",
            json!({}),
        )
        .await;
    assert_eq!(default["factSheets"]["edges"].as_array().unwrap().len(), 50);
    assert_eq!(default["factSheets"]["pageInfo"]["hasNextPage"], true);
    let capped = app
        .data(
            "{ factSheets(first: 100000) { edges { node { id } } pageInfo { hasNextPage } } }",
            json!({}),
        )
        .await;
    assert_eq!(capped["factSheets"]["edges"].as_array().unwrap().len(), 60);
    let negative = app
        .run("{ factSheets(first: -1) { totalCount } }", json!({}))
        .await;
    assert_eq!(code(&negative), "BAD_USER_INPUT");
}

#[tokio::test]
async fn response_keys_follow_the_query_not_the_order_resolvers_finish() {
    let app = TestApp::new().await;
    seed(&app).await;
    // `__typename` answers at once and the page only once the database has, so keys written
    // as resolvers finish would put `__typename` first.
    let query = "{ factSheets(first: 2) { totalCount pageInfo { hasNextPage } edges { node { name } } } __typename }";
    let text = app
        .run_text_with(&app.schema, &app.admin, query, json!({}))
        .await;
    let at = |key: &str| {
        text.find(&format!("\"{key}\""))
            .unwrap_or_else(|| panic!("{key} in {text}"))
    };
    assert!(at("factSheets") < at("__typename"), "{text}");
    assert!(at("totalCount") < at("pageInfo"), "{text}");
    assert!(at("pageInfo") < at("edges"), "{text}");
}
