//! GraphiQL as the server ships it: a page that loads only its own files, served from the
//! binary, so it works with no network beyond the server, under a strict Content-Security-Policy.

use api::config::Config;
use serde_json::Value;

use crate::support::{Server, TestApp, code};

/// Every `src="…"` and `href="…"` of `page`, in order.
fn referenced(page: &str) -> Vec<String> {
    let mut found = Vec::new();
    for attribute in ["src=\"", "href=\""] {
        for (start, _) in page.match_indices(attribute) {
            let rest = &page[start + attribute.len()..];
            found.push(rest[..rest.find('"').unwrap()].to_owned());
        }
    }
    found
}

/// The GraphiQL page of `server`: its text and Content-Security-Policy.
async fn page(server: &Server) -> (String, String) {
    let response = server
        .client
        .get(format!("{}/graphql", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"].to_str().unwrap();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    let policy = response
        .headers()
        .get("content-security-policy")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (response.text().await.unwrap(), policy)
}

/// The files the page loads from this server (all but `data:` URLs).
fn assets(page: &str) -> Vec<String> {
    let assets: Vec<String> = referenced(page)
        .into_iter()
        .filter(|r| !r.starts_with("data:"))
        .collect();
    for asset in &assets {
        assert!(
            asset.starts_with("/graphiql/"),
            "{asset} is not one of the server's own files"
        );
    }
    assert!(
        assets.len() >= 4,
        "React, ReactDOM, GraphiQL and its stylesheet: {assets:?}"
    );
    assets
}

#[tokio::test]
async fn the_graphiql_page_loads_nothing_from_another_host_and_runs_no_inline_script() {
    let app = TestApp::new().await;
    let server = app.spawn(Config::default());
    let (page, policy) = page(&server).await;
    for external in ["http://", "https://", "unpkg", "//fonts"] {
        assert!(!page.contains(external), "{external} in {page}");
    }
    assets(&page);
    let scripts = page.matches("<script").count();
    assert_eq!(
        scripts,
        page.matches("<script src=\"/graphiql/").count(),
        "every script is a file, none inline: {page}"
    );
    for directive in [
        "default-src 'none'",
        "script-src 'self'",
        "connect-src 'self'",
        "font-src 'self' data:",
        "frame-ancestors 'none'",
    ] {
        assert!(
            policy.contains(directive),
            "{directive} missing from {policy:?}"
        );
    }
    assert!(!policy.contains("unsafe-eval"), "{policy}");
    assert!(
        !policy
            .split(';')
            .any(|d| d.trim().starts_with("script-src") && d.contains("unsafe-inline")),
        "{policy}"
    );
}

#[tokio::test]
async fn every_graphiql_file_is_served_without_a_token_with_its_type_for_a_year() {
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
        let body = response.text().await.unwrap();
        let name = path.rsplit('/').next().unwrap().to_owned();
        match name.as_str() {
            "react.production.min.js" | "react-dom.production.min.js" => {
                assert!(
                    body.contains(&format!("@license React\n * {name}")),
                    "{name}"
                );
                assert!(
                    !body.contains("development"),
                    "{name} is a production build"
                );
                assert!(body.len() > 10_000, "{name}: {} bytes", body.len());
            }
            "graphiql.min.js" => {
                assert!(body.contains("createFetcher"), "{name}");
                assert!(body.len() > 500_000, "{name}: {} bytes", body.len());
            }
            "graphiql.min.css" => assert!(body.contains(".graphiql-container"), "{name}"),
            _ => assert!(body.len() > 200, "{name}: {} bytes", body.len()),
        }
        seen.push(name);
    }
    for name in [
        "react.production.min.js",
        "react-dom.production.min.js",
        "graphiql.min.js",
        "graphiql.min.css",
    ] {
        assert!(
            seen.iter().any(|s| s == name),
            "{name} not loaded: {seen:?}"
        );
    }

    // A path of another build (another digest) is not served stale.
    let stale = assets(&page)[0].replacen("/graphiql/", "/graphiql/0", 1);
    let response = server
        .client
        .get(format!("{}{stale}", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404, "{stale}");
}

#[tokio::test]
async fn graphiql_files_are_unknown_paths_where_graphiql_is_off() {
    let app = TestApp::new().await;
    let on = app.spawn(Config::default());
    let paths = assets(&page(&on).await.0);
    let off = app.spawn(Config {
        graphiql: Some(false),
        ..Config::default()
    });
    for path in paths {
        let response = off
            .client
            .get(format!("{}{path}", off.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404, "{path}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(code(&body), "NOT_FOUND", "{path}");
    }
}
