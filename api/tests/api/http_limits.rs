//! GraphQL abuse is cheap to refuse: every document and body limit through the real HTTP
//! server. Each refused document carries a mutation where it can, and the test then checks that
//! nothing was written: the refusal happened before any resolver ran.

use api::config::{Config, Profile};
use domain::Role;
use serde_json::{Value, json};

use crate::support::{Server, TestApp, code};

fn message(body: &Value) -> &str {
    body["errors"][0]["message"].as_str().unwrap_or_default()
}

async fn seed_fact_sheets(app: &TestApp, n: usize) {
    for i in 0..n {
        app.create_fact_sheet("Team", &format!("team-{i:04}")).await;
    }
}

fn create_tag(alias: &str, name: &str) -> String {
    format!("{alias}createTag(input: {{name: \"{name}\"}}) {{ tag {{ id }} }}")
}

async fn refused(server: &Server, token: &str, query: String) -> Value {
    let (status, body) = server.graphql(Some(token), json!({ "query": query })).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(code(&body), "LIMIT_EXCEEDED", "{body}");
    assert!(body["data"].is_null(), "nothing executed: {body}");
    body
}

#[tokio::test]
async fn a_thousand_aliases_are_refused_before_anything_runs() {
    let app = TestApp::new().await;
    let server = app.spawn(Config::default());
    let token = server.token("acme", Role::Admin);
    // One mutation and 999 aliased `__typename`s: 1,000 aliases, few enough tokens.
    let aliases: String = (1..1000).map(|i| format!("a{i}: __typename ")).collect();
    let body = refused(
        &server,
        &token,
        format!("mutation {{ {} {aliases} }}", create_tag("a0: ", "tag")),
    )
    .await;
    assert!(message(&body).contains("1000 aliases"), "{body}");
    assert_eq!(app.tag_names().await, Vec::<String>::new());

    // The default allows 100 aliases.
    let reads: String = (0..100)
        .map(|i| format!("v{i}: viewer {{ role }} "))
        .collect();
    let (status, body) = server
        .graphql(Some(&token), json!({ "query": format!("{{ {reads} }}") }))
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["v99"]["role"], "ADMIN", "{body}");
}

#[tokio::test]
async fn a_depth_50_query_is_refused_before_anything_runs() {
    let app = TestApp::new().await;
    let server = app.spawn(Config::default());
    let token = server.token("acme", Role::Admin);
    // createFactSheet > factSheet > 47 × parent > id: 50 levels.
    let query = format!(
        "mutation {{ createFactSheet(input: {{type: \"Team\", name: \"deep\"}}) {{ factSheet {{ {} id {} }} }} }}",
        "parent {".repeat(47),
        "}".repeat(47)
    );
    let body = refused(&server, &token, query).await;
    assert!(message(&body).contains("nested 50 levels deep"), "{body}");
    assert_eq!(app.fact_sheet_count().await, 0);
}

#[tokio::test]
async fn a_batch_of_10000_operations_is_refused_whole() {
    let app = TestApp::new().await;
    let server = app.spawn(Config::default());
    let token = server.token("acme", Role::Admin);
    let batch: Vec<Value> = (0..10_000)
        .map(|i| json!({ "query": format!("mutation {{ {} }}", create_tag("", &format!("t{i}"))) }))
        .collect();
    let (status, body) = server.graphql(Some(&token), json!(batch)).await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(code(&body), "LIMIT_EXCEEDED");
    assert!(message(&body).contains("at most 10 operations"), "{body}");
    assert_eq!(app.tag_names().await, Vec::<String>::new());
}

#[tokio::test]
async fn too_many_tokens_are_refused_before_parsing() {
    let app = TestApp::new().await;
    let server = app.spawn(Config {
        max_query_tokens: 1000,
        ..Config::default()
    });
    let token = server.token("acme", Role::Admin);
    let padding = " __typename".repeat(1000);
    let body = refused(
        &server,
        &token,
        format!("mutation {{ {} {padding} }}", create_tag("", "x")),
    )
    .await;
    assert!(message(&body).contains("more than 1000 tokens"), "{body}");
    assert_eq!(app.tag_names().await, Vec::<String>::new());

    // Comments are not tokens: a well-commented query under the limit runs.
    let commented = format!(
        "# {}\nmutation {{ {} }}",
        "word ".repeat(5000),
        create_tag("", "y")
    );
    let (status, body) = server
        .graphql(Some(&token), json!({ "query": commented }))
        .await;
    assert_eq!(status, 200);
    assert!(body["errors"].is_null(), "{body}");
    assert_eq!(app.tag_names().await, vec!["y".to_owned()]);
}

#[tokio::test]
async fn nested_pages_cost_first_times_their_items() {
    let app = TestApp::new().await;
    let server = app.spawn(Config::default());
    let token = server.token("acme", Role::Admin);
    let nested = |n: u32| {
        format!(
            "{{ factSheets(first: {n}) {{ edges {{ node {{ relations(first: {n}) {{ edges {{ node {{ id }} }} }} }} }} }} }}"
        )
    };
    let body = refused(&server, &token, nested(500)).await;
    assert!(message(&body).contains("complexity"), "{body}");
    let (status, body) = server
        .graphql(Some(&token), json!({ "query": nested(10) }))
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["factSheets"]["edges"], json!([]), "{body}");

    // Without `first`, a page costs 50 items: two nested default pages of history and
    // relations are still fine, five are not.
    let chain = |levels: usize| {
        format!(
            "mutation {{ createFactSheet(input: {{type: \"Team\", name: \"t\"}}) {{ factSheet {{ {} id {} }} }} }}",
            "children { edges { node { ".repeat(levels),
            "} } }".repeat(levels)
        )
    };
    refused(&server, &token, chain(5)).await;
    assert_eq!(app.fact_sheet_count().await, 0, "the refused mutation ran");
    let (_, body) = server
        .graphql(Some(&token), json!({ "query": chain(2) }))
        .await;
    assert!(body["errors"].is_null(), "{body}");
    assert_eq!(app.fact_sheet_count().await, 1);
}

#[tokio::test]
async fn fragments_that_expand_exponentially_are_refused_unexpanded() {
    let app = TestApp::new().await;
    let server = app.spawn(Config::default());
    let token = server.token("acme", Role::Admin);
    let mut query = format!("mutation {{ {} ...F0 }}\n", create_tag("", "x"));
    for i in 0..40 {
        query.push_str(&format!(
            "fragment F{i} on Mutation {{ ...F{n} ...F{n} }}\n",
            n = i + 1
        ));
    }
    query.push_str("fragment F40 on Mutation { __typename }");
    let body = refused(&server, &token, query).await;
    assert!(message(&body).contains("fragments are inlined"), "{body}");
    assert_eq!(app.tag_names().await, Vec::<String>::new());
}

#[tokio::test]
async fn pages_are_capped_at_500() {
    let app = TestApp::new().await;
    seed_fact_sheets(&app, 501).await;
    let server = app.spawn(Config::default());
    let token = server.token("acme", Role::Viewer);
    let (status, body) = server
        .graphql(
            Some(&token),
            json!({"query": "{ factSheets(first: 100000) { totalCount pageInfo { hasNextPage } edges { node { id } } } }"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let page = &body["data"]["factSheets"];
    assert_eq!(page["totalCount"], 501, "{body}");
    assert_eq!(page["edges"].as_array().unwrap().len(), 500);
    assert_eq!(page["pageInfo"]["hasNextPage"], true);
    let (_, body) = server
        .graphql(
            Some(&token),
            json!({"query": "{ factSheets { edges { node { id } } } }"}),
        )
        .await;
    assert_eq!(
        body["data"]["factSheets"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        50
    );
}

#[tokio::test]
async fn slow_requests_are_cancelled_at_the_timeout() {
    let app = TestApp::new().await;
    seed_fact_sheets(&app, 200).await;
    // 200 fact sheets, each reading its own children page: hundreds of statements, far more
    // than a millisecond on any database.
    let query = json!({"query": "{ factSheets(first: 500) { edges { node { name children(first: 1) { totalCount } } } } }"});
    let server = app.spawn(Config {
        request_timeout_ms: 1,
        ..Config::default()
    });
    let token = server.token("acme", Role::Viewer);
    let (status, body) = server.graphql(Some(&token), query.clone()).await;
    assert_eq!(status, 504, "{body}");
    assert_eq!(code(&body), "LIMIT_EXCEEDED");
    assert!(message(&body).contains("cancelled"), "{body}");

    // The same query completes under the default timeout: it was the clock that stopped it.
    let server = app.spawn(Config::default());
    let (status, body) = server.graphql(Some(&token), query).await;
    assert_eq!(status, 200);
    assert_eq!(
        body["data"]["factSheets"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        200
    );
}

#[tokio::test]
async fn request_bodies_have_separate_limits_for_graphql_and_events() {
    let app = TestApp::new().await;
    let server = app.spawn(Config {
        max_body_bytes: 2_000,
        max_event_body_bytes: 8_000,
        ..Config::default()
    });
    let token = server.token("acme", Role::Admin);
    let padded = |bytes: usize| {
        format!(
            "mutation {{ {} }} # {}",
            create_tag("", "big"),
            "x".repeat(bytes)
        )
    };
    let (status, body) = server
        .graphql(Some(&token), json!({ "query": padded(3_000) }))
        .await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(code(&body), "LIMIT_EXCEEDED");
    assert_eq!(app.tag_names().await, Vec::<String>::new());

    let events = |bytes: usize| {
        json!([{"specversion": "1.0", "id": "e1", "source": "nowhere", "type": "dev.wayfinder.deployment",
                "time": "2024-03-04T10:00:00Z", "datacontenttype": "application/json",
                "data": {"environment": "production", "padding": "x".repeat(bytes)}}])
        .to_string()
    };
    // 3 kB is over the GraphQL limit but within the events limit.
    let response = server.post_events(Some(&token), events(3_000)).await;
    assert_ne!(response.status(), 413, "{:?}", response.text().await);
    let response = server.post_events(Some(&token), events(10_000)).await;
    assert_eq!(response.status(), 413);
    let body: Value = response.json().await.unwrap();
    assert_eq!(code(&body), "LIMIT_EXCEEDED");
}

#[tokio::test]
async fn mutations_never_run_over_get_or_from_forms() {
    let app = TestApp::new().await;
    let server = app.spawn(Config::default());
    let token = server.token("acme", Role::Admin);
    let url = format!("{}/graphql", server.base);
    let mutation = format!("mutation {{ {} }}", create_tag("", "csrf"));

    let response = server
        .client
        .get(&url)
        .query(&[("query", mutation.as_str())])
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let html = response.text().await.unwrap();
    assert!(html.contains("graphiql"), "GET serves GraphiQL only");

    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
    ] {
        let response = server
            .client
            .post(&url)
            .bearer_auth(&token)
            .header("content-type", content_type)
            .body(json!({ "query": mutation }).to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 415, "{content_type}");
    }
    assert_eq!(app.tag_names().await, Vec::<String>::new());
}

#[tokio::test]
async fn production_hides_the_schema_and_suggestions() {
    let app = TestApp::new().await;
    let introspection = json!({"query": "{ __schema { types { name } } }"});
    let typo = json!({"query": "{ factSheet(id: \"x\") { nam } }"});

    let server = app.spawn(Config::default());
    let token = server.token("acme", Role::Viewer);
    let (_, body) = server.graphql(Some(&token), introspection.clone()).await;
    assert!(body["data"]["__schema"]["types"].is_array(), "{body}");
    let (_, body) = server.graphql(Some(&token), typo.clone()).await;
    assert!(message(&body).contains("Did you mean"), "{body}");

    let server = app.spawn(Config {
        profile: Profile::Production,
        ..Config::default()
    });
    // async-graphql answers introspection with null rather than an error: nothing leaks.
    let (_, body) = server.graphql(Some(&token), introspection).await;
    assert!(body["data"]["__schema"].is_null(), "{body}");
    let (_, body) = server
        .graphql(
            Some(&token),
            json!({"query": "{ __type(name: \"FactSheet\") { fields { name } } }"}),
        )
        .await;
    assert!(body["data"]["__type"].is_null(), "{body}");
    let (_, body) = server.graphql(Some(&token), typo).await;
    assert_eq!(code(&body), "BAD_USER_INPUT");
    assert!(!message(&body).contains("Did you mean"), "{body}");
    assert!(!message(&body).contains("name"), "{body}");
}

#[tokio::test]
async fn graphiql_is_served_in_development_only_unless_configured() {
    let app = TestApp::new().await;
    let cases = [
        (Profile::Development, None, true),
        (Profile::Production, None, false),
        (Profile::Production, Some(true), true),
        (Profile::Development, Some(false), false),
    ];
    for (profile, graphiql, served) in cases {
        let server = app.spawn(Config {
            profile,
            graphiql,
            ..Config::default()
        });
        let response = server
            .client
            .get(format!("{}/graphql", server.base))
            .send()
            .await
            .unwrap();
        let case = format!("{profile:?} with graphiql = {graphiql:?}");
        if served {
            assert_eq!(response.status(), 200, "{case}");
            assert!(
                response.text().await.unwrap().contains("graphiql"),
                "{case}"
            );
        } else {
            assert_eq!(response.status(), 404, "{case}");
            let body: Value = response.json().await.unwrap();
            assert_eq!(code(&body), "NOT_FOUND", "{case}");
        }
    }
}
