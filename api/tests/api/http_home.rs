//! The server's front door: `GET /` answers without a token with a page naming the endpoints.

use api::config::Config;

use crate::support::TestApp;

#[tokio::test]
async fn the_root_is_a_page_that_names_the_endpoints_without_a_token() {
    let app = TestApp::new().await;
    let server = app.spawn(Config::default());
    let response = server
        .client
        .get(format!("{}/", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let content_type = response.headers()["content-type"].to_str().unwrap();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    let page = response.text().await.unwrap();
    for named in [
        "/graphql",
        "/dashboard",
        "/healthz",
        "/readyz",
        "/events",
        "/export",
        "/auth/token",
        "README",
    ] {
        assert!(page.contains(named), "{named} missing from {page}");
    }
    assert!(
        !page.contains("http://") && !page.contains("https://"),
        "the page loads nothing from elsewhere: {page}"
    );
}
