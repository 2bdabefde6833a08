//! GraphiQL in a real browser that can reach nothing but the server: headless Chromium opens the
//! page with every other host unresolvable and its proxy a dead port, and the tests check what
//! rendered (the DOM Chromium dumps) and what crossed the wire (a recording proxy in front of
//! the server, so the product needs no hook for the tests; see [`crate::browser`]).

use std::time::Duration;

use api::{auth::JwtKeys, config::Config};
use domain::Role;

use crate::{
    browser::{Recorder, chromium, dump_dom, tag},
    support::TestApp,
};

#[tokio::test]
async fn graphiql_renders_offline_and_introspects_with_the_token_from_the_address() {
    let Some(chromium) = chromium() else { return };
    let app = TestApp::new().await;
    let server = app.spawn(Config::default());
    let recorder = Recorder::start(&server.base).await;
    let token = server.token("acme", Role::Viewer);

    let dom = dump_dom(
        &chromium,
        &format!("{}/graphql#token={token}", recorder.base),
    )
    .await;

    assert!(dom.contains("class=\"graphiql-container\""), "{dom}");
    assert!(!dom.contains("Loading..."), "{dom}");
    assert!(tag(&dom, "login").contains("hidden"), "{dom}");
    assert!(dom.contains("Workspace acme, role viewer"), "{dom}");
    let posts = recorder.graphql_posts();
    assert!(
        !posts.is_empty(),
        "GraphiQL asked the server for its schema"
    );
    let authorization = format!("authorization: bearer {}", token.to_lowercase());
    for post in &posts {
        assert!(
            post.to_lowercase().contains(&authorization),
            "every request carries the token, the first included: {post}"
        );
    }
    assert!(
        recorder.received().contains("{\"data\":{\"__schema\":"),
        "the server answered the introspection"
    );
}

#[tokio::test]
async fn graphiql_without_a_token_shows_the_login_field() {
    let Some(chromium) = chromium() else { return };
    let app = TestApp::new().await;
    let server = app.spawn(Config::default());
    let recorder = Recorder::start(&server.base).await;

    let dom = dump_dom(&chromium, &format!("{}/graphql", recorder.base)).await;

    assert!(!tag(&dom, "login").contains("hidden"), "{dom}");
    assert!(dom.contains("id=\"login-token\""), "{dom}");
    assert!(!dom.contains("graphiql-container"), "{dom}");
    assert!(
        recorder.graphql_posts().is_empty(),
        "nothing is asked without a token"
    );
}

#[tokio::test]
async fn graphiql_with_a_refused_token_shows_the_login_field_with_the_servers_message() {
    let Some(chromium) = chromium() else { return };
    let app = TestApp::new().await;
    let config = Config::default();
    let foreign = JwtKeys::hs256(
        b"another-secret-another-secret-another!",
        &config.jwt_issuer,
        &config.jwt_audience,
    )
    .issue("mallory", "acme", Role::Admin, Duration::from_secs(600))
    .unwrap();
    let server = app.spawn(config);
    let recorder = Recorder::start(&server.base).await;

    let dom = dump_dom(
        &chromium,
        &format!("{}/graphql#token={foreign}", recorder.base),
    )
    .await;

    assert!(!tag(&dom, "login").contains("hidden"), "{dom}");
    let message = tag(&dom, "login-message");
    assert!(!message.contains("hidden"), "{dom}");
    assert!(
        dom.contains("a valid bearer token is required</p>"),
        "the server's words are shown: {dom}"
    );
    assert!(!dom.contains("graphiql-container"), "{dom}");
}

#[tokio::test]
async fn graphiql_exchanges_an_api_token_and_introspects_with_the_access_token() {
    let Some(chromium) = chromium() else { return };
    let app = TestApp::new().await;
    let server = app.spawn(Config::default());
    let admin = server.token("acme", Role::Admin);
    let (_, created) = server
        .graphql(
            Some(&admin),
            serde_json::json!({"query": r#"mutation { createApiToken(input: {name: "graphiql", role: VIEWER, ttl: "1d"}) { token } }"#}),
        )
        .await;
    let api_token = created["data"]["createApiToken"]["token"]
        .as_str()
        .unwrap_or_else(|| panic!("{created}"))
        .to_owned();
    let recorder = Recorder::start(&server.base).await;

    let dom = dump_dom(
        &chromium,
        &format!("{}/graphql#token={api_token}", recorder.base),
    )
    .await;

    assert!(dom.contains("class=\"graphiql-container\""), "{dom}");
    assert!(dom.contains("Workspace acme, role viewer"), "{dom}");
    let posts = recorder.graphql_posts();
    assert!(
        !posts.is_empty(),
        "GraphiQL asked the server for its schema"
    );
    for post in &posts {
        let post = post.to_lowercase();
        assert!(post.contains("authorization: bearer ey"), "{post}");
        assert!(
            !post.contains(&api_token.to_lowercase()),
            "only the access token travels with queries"
        );
    }
    assert!(recorder.received().contains("{\"data\":{\"__schema\":"));
}
