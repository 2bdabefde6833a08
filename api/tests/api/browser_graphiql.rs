//! GraphiQL in a real browser that can reach nothing but the server: headless Chromium opens the
//! page with every other host unresolvable and its proxy a dead port, and the tests check what
//! rendered (the DOM Chromium dumps) and what crossed the wire (a recording proxy in front of
//! the server, so the product needs no hook for the tests).
//!
//! Where Chromium is not installed the tests print that they were skipped, unless
//! `WAYFINDER_REQUIRE_BROWSER=1` (CI sets it) makes that a failure. `WAYFINDER_CHROMIUM` names
//! another browser binary.

use std::{
    path::{Path, PathBuf},
    process::Stdio,
    sync::{Arc, Mutex},
    time::Duration,
};

use api::{auth::JwtKeys, config::Config};
use domain::Role;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream, tcp::OwnedReadHalf, tcp::OwnedWriteHalf},
    process::Command,
};

use crate::support::TestApp;

/// The browser, or `None` (having said so) where there is none and none is required.
fn chromium() -> Option<PathBuf> {
    let found = std::env::var_os("WAYFINDER_CHROMIUM")
        .map(PathBuf::from)
        .or_else(|| {
            let path = std::env::var_os("PATH")?;
            ["chromium", "chromium-browser", "google-chrome"]
                .iter()
                .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
                .find(|candidate| candidate.is_file())
        });
    if found.is_none() {
        assert!(
            std::env::var("WAYFINDER_REQUIRE_BROWSER").as_deref() != Ok("1"),
            "chromium not found, and WAYFINDER_REQUIRE_BROWSER=1 requires it"
        );
        eprintln!("skipped: chromium not found (install it or set WAYFINDER_CHROMIUM)");
    }
    found
}

/// The DOM of `url` once the page has settled, as headless Chromium renders it with no host
/// reachable but 127.0.0.1.
async fn dump_dom(chromium: &Path, url: &str) -> String {
    let profile = tempfile::tempdir().unwrap();
    let output = Command::new(chromium)
        .args([
            "--headless",
            // Root in a container has no user namespaces for the sandbox.
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            "--proxy-server=127.0.0.1:1",
            "--proxy-bypass-list=127.0.0.1",
            // Virtual time runs until the page is idle (scripts loaded, fetches answered), at
            // most this long, however slow the machine.
            "--virtual-time-budget=15000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(120), output)
        .await
        .expect("chromium finishes")
        .unwrap();
    assert!(output.status.success(), "chromium: {:?}", output.status);
    String::from_utf8(output.stdout).unwrap()
}

/// What one client connection sent and received.
#[derive(Default)]
struct Exchange {
    sent: Vec<u8>,
    received: Vec<u8>,
}

/// A TCP proxy in front of the server that keeps every byte of every connection.
struct Recorder {
    base: String,
    exchanges: Arc<Mutex<Vec<Arc<Mutex<Exchange>>>>>,
}

impl Recorder {
    async fn start(server_base: &str) -> Self {
        let upstream = server_base.trim_start_matches("http://").to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let exchanges = Arc::new(Mutex::new(Vec::new()));
        let all = exchanges.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = TcpStream::connect(&upstream).await else {
                    continue;
                };
                let exchange = Arc::new(Mutex::new(Exchange::default()));
                all.lock().unwrap().push(exchange.clone());
                let (from_client, to_client) = client.into_split();
                let (from_server, to_server) = server.into_split();
                tokio::spawn(pipe(from_client, to_server, exchange.clone(), true));
                tokio::spawn(pipe(from_server, to_client, exchange, false));
            }
        });
        Self { base, exchanges }
    }

    /// The header blocks of every `POST /graphql` request.
    fn graphql_posts(&self) -> Vec<String> {
        let mut posts = Vec::new();
        for exchange in self.exchanges.lock().unwrap().iter() {
            let sent = String::from_utf8_lossy(&exchange.lock().unwrap().sent).into_owned();
            for (start, _) in sent.match_indices("POST /graphql HTTP/1.1\r\n") {
                let rest = &sent[start..];
                posts.push(rest[..rest.find("\r\n\r\n").unwrap_or(rest.len())].to_owned());
            }
        }
        posts
    }

    /// Everything the server answered, over all connections.
    fn received(&self) -> String {
        self.exchanges
            .lock()
            .unwrap()
            .iter()
            .map(|e| String::from_utf8_lossy(&e.lock().unwrap().received).into_owned())
            .collect()
    }
}

async fn pipe(
    mut from: OwnedReadHalf,
    mut to: OwnedWriteHalf,
    exchange: Arc<Mutex<Exchange>>,
    sent: bool,
) {
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let n = match from.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        {
            let mut exchange = exchange.lock().unwrap();
            let record = if sent {
                &mut exchange.sent
            } else {
                &mut exchange.received
            };
            record.extend_from_slice(&buffer[..n]);
        }
        if to.write_all(&buffer[..n]).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
}

/// The opening tag of the element with `id` in `dom`.
fn tag<'a>(dom: &'a str, id: &str) -> &'a str {
    let at = dom
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in {dom}"));
    let start = dom[..at].rfind('<').unwrap();
    &dom[start..at + dom[at..].find('>').unwrap() + 1]
}

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
