//! What the browser tests share: headless Chromium that can reach nothing but the server
//! (every other host unresolvable, its proxy a dead port), the DOM it dumps once the page has
//! settled, and a recording proxy in front of the server, so the product needs no hook for
//! the tests.
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

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream, tcp::OwnedReadHalf, tcp::OwnedWriteHalf},
    process::Command,
};

/// The browser, or `None` (having said so) where there is none and none is required.
pub fn chromium() -> Option<PathBuf> {
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

/// What Chromium made of a page: the DOM once the page settled, and what it logged (console
/// messages and uncaught errors included).
pub struct Rendered {
    pub dom: String,
    pub log: String,
}

impl Rendered {
    /// What pages wrote to the console, uncaught errors and refusals of the
    /// Content-Security-Policy included (Chromium logs them all as `CONSOLE`, whatever the
    /// level).
    pub fn console_messages(&self) -> Vec<&str> {
        self.log
            .lines()
            .filter(|line| line.contains(":CONSOLE"))
            .collect()
    }
}

/// The DOM of `url` once the page has settled, as headless Chromium renders it with no host
/// reachable but 127.0.0.1.
pub async fn dump_dom(chromium: &Path, url: &str) -> String {
    render(chromium, url).await.dom
}

/// Like [`dump_dom`], with what the browser logged.
pub async fn render(chromium: &Path, url: &str) -> Rendered {
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
            // The page's console messages and uncaught errors, on stderr.
            "--enable-logging=stderr",
            "--v=0",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(120), output)
        .await
        .expect("chromium finishes")
        .unwrap();
    assert!(output.status.success(), "chromium: {:?}", output.status);
    Rendered {
        dom: String::from_utf8(output.stdout).unwrap(),
        log: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// What one client connection sent and received.
#[derive(Default)]
struct Exchange {
    sent: Vec<u8>,
    received: Vec<u8>,
}

/// A TCP proxy in front of the server that keeps every byte of every connection.
pub struct Recorder {
    /// The proxy's address, to open pages through.
    pub base: String,
    exchanges: Arc<Mutex<Vec<Arc<Mutex<Exchange>>>>>,
}

impl Recorder {
    pub async fn start(server_base: &str) -> Self {
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
    pub fn graphql_posts(&self) -> Vec<String> {
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
    pub fn received(&self) -> String {
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
pub fn tag<'a>(dom: &'a str, id: &str) -> &'a str {
    let at = dom
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in {dom}"));
    let start = dom[..at].rfind('<').unwrap();
    &dom[start..at + dom[at..].find('>').unwrap() + 1]
}
