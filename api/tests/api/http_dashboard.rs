//! The dashboard as the server ships it: a page of the server's own files, served without a
//! token (it holds no data; its scripts ask `/graphql` with the caller's token), under a
//! Content-Security-Policy that allows nothing inline and no other origin.

use api::config::Config;
use serde_json::Value;

use crate::support::{Server, TestApp, code};

/// The dashboard page of `server`: its text and Content-Security-Policy.
async fn page(server: &Server) -> (String, String) {
    let response = server
        .client
        .get(format!("{}/dashboard", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"].to_str().unwrap();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    let policy = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    (response.text().await.unwrap(), policy)
}

/// Every `src="…"` and `href="…"` of `page` that is a file of the server (not a `#` route, an
/// empty `data:` icon, or another page).
fn assets(page: &str) -> Vec<String> {
    let mut found = Vec::new();
    for attribute in ["src=\"", "href=\""] {
        for (start, _) in page.match_indices(attribute) {
            let rest = &page[start + attribute.len()..];
            let value = &rest[..rest.find('"').unwrap()];
            if !value.starts_with('#') && !value.starts_with("data:") && value != "/graphql" {
                found.push(value.to_owned());
            }
        }
    }
    found
}

#[tokio::test]
async fn the_dashboard_loads_only_its_own_files_and_allows_nothing_inline() {
    let app = TestApp::new().await;
    let server = app.spawn(Config::default());
    let (page, policy) = page(&server).await;

    for external in ["http://", "https://", "\"//"] {
        assert!(!page.contains(external), "{external} in {page}");
    }
    let assets = assets(&page);
    assert!(assets.len() >= 4, "{assets:?}");
    for asset in &assets {
        assert!(
            asset.starts_with("/dashboard/"),
            "{asset} is not the dashboard's"
        );
    }
    assert_eq!(
        page.matches("<script").count(),
        page.matches("<script src=\"/dashboard/").count(),
        "every script is a file, none inline: {page}"
    );
    assert!(!page.contains("style="), "no inline style: {page}");
    assert!(!page.contains("<style"), "no inline style: {page}");
    for directive in [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "connect-src 'self'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ] {
        assert!(
            policy.split(';').any(|d| d.trim() == directive),
            "{directive} missing from {policy:?}"
        );
    }
    assert!(!policy.contains("unsafe"), "{policy}");
}

#[tokio::test]
async fn every_dashboard_file_is_served_without_a_token_with_its_type_for_a_year() {
    let app = TestApp::new().await;
    let server = app.spawn(Config::default());
    let (page, _) = page(&server).await;
    let mut seen = Vec::new();
    for path in assets(&page) {
        let response = server
            .client
            .get(format!("{}{path}", server.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{path}");
        let header = |name: &str| response.headers()[name].to_str().unwrap().to_owned();
        let expected_type = if path.ends_with(".css") {
            "text/css"
        } else {
            "text/javascript"
        };
        assert!(header("content-type").starts_with(expected_type), "{path}");
        assert!(
            header("cache-control").contains("immutable")
                && header("cache-control").contains("max-age=31536000"),
            "{path}: {}",
            header("cache-control")
        );
        assert_eq!(header("x-content-type-options"), "nosniff", "{path}");
        assert!(response.text().await.unwrap().len() > 200, "{path}");
        seen.push(path.rsplit('/').next().unwrap().to_owned());
    }
    for name in ["login.js", "start.js", "dashboard.css", "login.css"] {
        assert!(
            seen.iter().any(|s| s == name),
            "{name} not loaded: {seen:?}"
        );
    }

    // A path of another build (another digest) is not served stale.
    let stale = assets(&page)[0].replacen("/dashboard/", "/dashboard/0", 1);
    let response = server
        .client
        .get(format!("{}{stale}", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404, "{stale}");
    let body: Value = response.json().await.unwrap();
    assert_eq!(code(&body), "NOT_FOUND");
}

#[tokio::test]
async fn the_dashboard_is_served_where_graphiql_is_off() {
    let app = TestApp::new().await;
    let server = app.spawn(Config {
        graphiql: Some(false),
        ..Config::default()
    });
    let (page, _) = page(&server).await;
    for path in assets(&page) {
        let response = server
            .client
            .get(format!("{}{path}", server.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{path}");
    }
}
