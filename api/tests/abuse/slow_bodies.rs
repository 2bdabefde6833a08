//! Connection exhaustion over raw TCP against the real server: bodies sent a byte at a time,
//! bodies declared larger than allowed, chunked bodies trickled after a refusal, and one
//! address holding many connections. Each attack must be refused, write nothing, release its
//! connections about when the configured deadline says, and leave `/healthz` answering fast
//! for everyone else while it runs. Attackers connect from 127.0.0.2 so the per-address cap
//! applies to them and not to the probe, which comes from 127.0.0.1.

use std::{
    net::{IpAddr, SocketAddr},
    time::Duration,
};

use api::config::Config;
use base64::{Engine, engine::general_purpose::STANDARD};
use chrono::Utc;
use domain::{Role, api_tokens};
use futures::future::join_all;
use serde_json::{Value, json};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpSocket, TcpStream},
    time::{Instant, sleep, timeout},
};

use crate::{
    HealthProbe,
    support::{Server, TestApp},
};

const ATTACKER: &str = "127.0.0.2";
const DEADLINE: Duration = Duration::from_secs(1);
/// How long the server may take past the deadline to close: actix-web lingers up to a second
/// after a refusal so the client can read it, and the test machine may be busy.
const CLOSE_SLACK: Duration = Duration::from_millis(2_500);

/// The defaults, with a one-second body deadline and no rate limits (the attacks below send
/// hundreds of requests with one token; the rate limiter is not what is tested).
fn config() -> Config {
    Config {
        body_read_timeout_ms: DEADLINE.as_millis() as u64,
        rate_limit_per_token_per_minute: 0,
        rate_limit_per_workspace_per_minute: 0,
        ..Config::default()
    }
}

fn address(server: &Server) -> SocketAddr {
    server.base.trim_start_matches("http://").parse().unwrap()
}

/// A connection from `from` that has sent `head` and the first byte of its body.
async fn open(server: &Server, from: &str, head: &str) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket
        .bind(SocketAddr::new(from.parse::<IpAddr>().unwrap(), 0))
        .unwrap();
    let mut stream = socket.connect(address(server)).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    stream
}

/// What the server sent until it closed the connection, and when it closed it (measured from
/// `since`); `None` if it was still open after `within`.
async fn until_closed(
    stream: &mut TcpStream,
    since: Instant,
    within: Duration,
) -> Option<(String, Duration)> {
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        match timeout(
            within.saturating_sub(since.elapsed()),
            stream.read(&mut buffer),
        )
        .await
        {
            Err(_) => return None,
            Ok(Ok(0) | Err(_)) => break,
            Ok(Ok(n)) => received.extend_from_slice(&buffer[..n]),
        }
    }
    Some((
        String::from_utf8_lossy(&received).into_owned(),
        since.elapsed(),
    ))
}

/// The status code of a raw HTTP response.
fn status(response: &str) -> u16 {
    response
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP response: {response:?}"))
}

/// The JSON body of a raw HTTP response.
fn body(response: &str) -> Value {
    let (_, body) = response.split_once("\r\n\r\n").unwrap_or_default();
    serde_json::from_str(body).unwrap_or(Value::Null)
}

/// Opens `count` connections from [`ATTACKER`], each sending `head` (which declares a large
/// body) and one byte, and waits for the server to close them all. Every one must be refused:
/// 408 at the deadline, or 429 at once for those over the per-address cap. Returns how many
/// of each.
async fn slow_body_attack(server: &Server, head: &str, count: usize) -> (usize, usize) {
    let probe = HealthProbe::start(server);
    let mut connections = Vec::with_capacity(count);
    for _ in 0..count {
        let opened = Instant::now();
        connections.push((opened, open(server, ATTACKER, head).await));
    }
    let outcomes = join_all(
        connections
            .into_iter()
            .map(|(opened, mut stream)| async move {
                until_closed(&mut stream, opened, DEADLINE + CLOSE_SLACK).await
            }),
    )
    .await;
    probe.assert_answered_promptly().await;
    let (mut timed_out, mut over_cap) = (0, 0);
    for outcome in outcomes {
        let (response, closed_after) =
            outcome.expect("the server kept a slow connection open past its deadline");
        match status(&response) {
            408 => {
                assert!(
                    closed_after >= DEADLINE - Duration::from_millis(100),
                    "cut after {closed_after:?}, before the deadline"
                );
                timed_out += 1;
            }
            429 => over_cap += 1,
            other => panic!("unexpected {other}: {response}"),
        }
        assert_eq!(
            body(&response)["errors"][0]["extensions"]["code"],
            "LIMIT_EXCEEDED"
        );
    }
    (timed_out, over_cap)
}

fn head(method_path: &str, headers: &[(&str, &str)], content_length: usize, first: &str) -> String {
    let mut head = format!("{method_path} HTTP/1.1\r\nhost: wayfinder\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    format!("{head}content-length: {content_length}\r\n\r\n{first}")
}

/// An authorized `POST` to `/graphql` or `/events`, of the content type that path takes.
fn post(path: &str, authorization: &str, content_length: usize, first: &str) -> String {
    let content_type = match path {
        "/events" => "application/cloudevents-batch+json",
        _ => "application/json",
    };
    head(
        &format!("POST {path}"),
        &[
            ("authorization", authorization),
            ("content-type", content_type),
        ],
        content_length,
        first,
    )
}

async fn api_token(app: &TestApp) -> String {
    let created = api_tokens::create(
        app.db.conn(),
        &app.admin,
        "ci",
        Role::Member,
        Utc::now() + chrono::Duration::days(1),
    )
    .await
    .unwrap();
    created.token.expose().to_owned()
}

async fn tokens_used(app: &TestApp) -> usize {
    api_tokens::list(app.db.conn(), &app.admin)
        .await
        .unwrap()
        .iter()
        .filter(|t| t.last_used_at.is_some())
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_slow_token_requests_are_cut_at_the_deadline() {
    let _turn = crate::one_at_a_time().await;
    let app = TestApp::new().await;
    let token = api_token(&app).await;
    let server = app.spawn(config());
    let basic = format!("Basic {}", STANDARD.encode(format!("apitoken:{token}")));
    let head = head(
        "POST /auth/token",
        &[
            ("authorization", &basic),
            ("content-type", "application/x-www-form-urlencoded"),
        ],
        4_000,
        "g",
    );
    let (timed_out, over_cap) = slow_body_attack(&server, &head, 1_000).await;
    assert!(timed_out >= 256, "{timed_out} cut at the deadline");
    assert!(over_cap > 0, "the per-address cap refused none");
    assert_eq!(tokens_used(&app).await, 0);
}

/// 300 connections from one address (no per-address cap), each a `POST` to `path` by `role`
/// that sends the `first` byte of a body declared `content_length` long: every one must be cut
/// at the deadline.
async fn all_cut_at_the_deadline(
    app: &TestApp,
    role: Role,
    path: &str,
    content_length: usize,
    first: &str,
) {
    let server = app.spawn(Config {
        max_connections_per_address: 0,
        ..config()
    });
    let bearer = format!("Bearer {}", server.token("acme", role));
    let head = post(path, &bearer, content_length, first);
    let (timed_out, over_cap) = slow_body_attack(&server, &head, 300).await;
    assert_eq!((timed_out, over_cap), (300, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_graphql_bodies_are_cut_at_the_deadline() {
    let _turn = crate::one_at_a_time().await;
    let app = TestApp::new().await;
    all_cut_at_the_deadline(&app, Role::Admin, "/graphql", 500_000, "{").await;
    assert_eq!(app.tag_names().await.len(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_event_bodies_are_cut_at_the_deadline() {
    let _turn = crate::one_at_a_time().await;
    let app = TestApp::new().await;
    all_cut_at_the_deadline(&app, Role::Member, "/events", 10_000_000, "[").await;
    assert_eq!(app.stored_events().await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_declared_over_the_limit_are_refused_before_any_byte() {
    let _turn = crate::one_at_a_time().await;
    let app = TestApp::new().await;
    let server = app.spawn(config());
    let probe = HealthProbe::start(&server);
    let bearer = format!("Bearer {}", server.token("acme", Role::Admin));
    let cases = [
        head(
            "POST /auth/token",
            &[("content-type", "application/json")],
            4_097,
            "",
        ),
        post("/graphql", &bearer, 1024 * 1024 + 1, ""),
        post("/events", &bearer, 16 * 1024 * 1024 + 1, ""),
    ];
    for head in cases {
        let sent = Instant::now();
        let mut stream = open(&server, ATTACKER, &head).await;
        let (response, closed_after) = until_closed(&mut stream, sent, CLOSE_SLACK)
            .await
            .expect("the server waited for a body it had to refuse");
        assert_eq!(status(&response), 413, "{head}: {response}");
        assert_eq!(
            body(&response)["errors"][0]["extensions"]["code"],
            "LIMIT_EXCEEDED"
        );
        assert!(
            closed_after < CLOSE_SLACK,
            "{head}: closed after {closed_after:?}"
        );
    }
    probe.assert_answered_promptly().await;
    assert_eq!(
        (app.tag_names().await.len(), app.stored_events().await),
        (0, 0)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chunked_body_trickled_after_a_refusal_loses_its_connection() {
    let _turn = crate::one_at_a_time().await;
    let app = TestApp::new().await;
    let server = app.spawn(config());
    let probe = HealthProbe::start(&server);
    let bearer = format!("Bearer {}", server.token("acme", Role::Admin));
    // Without a token (refused at once, unread) and with one (refused at the deadline).
    for (authorization, expected) in [(None, 401), (Some(bearer.as_str()), 408)] {
        let mut head = "POST /graphql HTTP/1.1\r\nhost: wayfinder\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n".to_owned();
        if let Some(value) = authorization {
            head.push_str(&format!("authorization: {value}\r\n"));
        }
        head.push_str("\r\n1\r\n{\r\n");
        let opened = Instant::now();
        let stream = open(&server, ATTACKER, &head).await;
        let (mut reader, mut writer) = stream.into_split();
        let trickle = tokio::spawn(async move {
            for _ in 0..100 {
                sleep(Duration::from_millis(100)).await;
                if writer.write_all(b"1\r\n \r\n").await.is_err() {
                    break;
                }
            }
        });
        let mut received = Vec::new();
        let closed = timeout(DEADLINE + CLOSE_SLACK, reader.read_to_end(&mut received)).await;
        trickle.abort();
        assert!(
            closed.is_ok(),
            "the server kept reading a refused body for {:?}",
            opened.elapsed()
        );
        let response = String::from_utf8_lossy(&received);
        assert_eq!(status(&response), expected, "{response}");
    }
    probe.assert_answered_promptly().await;
    assert_eq!(app.tag_names().await.len(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_over_the_per_address_cap_get_429_without_their_body_being_read() {
    let _turn = crate::one_at_a_time().await;
    let app = TestApp::new().await;
    let server = app.spawn(Config {
        max_connections_per_address: 10,
        ..config()
    });
    let probe = HealthProbe::start(&server);
    let bearer = format!("Bearer {}", server.token("acme", Role::Admin));
    let mutation =
        json!({"query": "mutation { createTag(input: {name: \"x\"}) { tag { id } } }"}).to_string();
    let graphql =
        |content_length: usize, first: &str| post("/graphql", &bearer, content_length, first);
    let mut held = Vec::new();
    for _ in 0..10 {
        held.push(open(&server, ATTACKER, &graphql(mutation.len(), "")).await);
    }
    // The eleventh declares its body and sends none: the answer cannot have waited for it.
    let sent = Instant::now();
    let mut eleventh = open(&server, ATTACKER, &graphql(mutation.len(), "")).await;
    let (response, closed_after) = until_closed(&mut eleventh, sent, CLOSE_SLACK)
        .await
        .expect("the connection over the cap was kept open");
    assert_eq!(status(&response), 429, "{response}");
    assert_eq!(
        body(&response)["errors"][0]["extensions"]["code"],
        "LIMIT_EXCEEDED"
    );
    assert!(
        response.to_ascii_lowercase().contains("connection: close"),
        "{response}"
    );
    assert!(closed_after < CLOSE_SLACK);
    // Probes pass whatever the count.
    let mut probe_over_cap = open(
        &server,
        ATTACKER,
        "GET /healthz HTTP/1.1\r\nhost: wayfinder\r\nconnection: close\r\n\r\n",
    )
    .await;
    let (response, _) = until_closed(&mut probe_over_cap, Instant::now(), CLOSE_SLACK)
        .await
        .unwrap();
    assert_eq!(status(&response), 200, "{response}");
    probe.assert_answered_promptly().await;
    assert_eq!(app.tag_names().await.len(), 0, "the refused mutation ran");

    // The held connections close; the address gets its slots back.
    drop(held);
    let retry_until = Instant::now() + Duration::from_secs(3);
    loop {
        let mut stream = open(
            &server,
            ATTACKER,
            &format!(
                "{}{mutation}",
                graphql(mutation.len(), "").replace("\r\n\r\n", "\r\nconnection: close\r\n\r\n")
            ),
        )
        .await;
        let (response, _) = until_closed(&mut stream, Instant::now(), CLOSE_SLACK)
            .await
            .unwrap();
        if status(&response) == 200 {
            break;
        }
        assert!(
            Instant::now() < retry_until,
            "slots never came back: {response}"
        );
        sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(app.tag_names().await.len(), 1);
}

/// Sends `body` to `/graphql` in `chunk`-byte pieces, one every `every`; the response.
async fn paced_graphql(server: &Server, body: &[u8], chunk: usize, every: Duration) -> String {
    let bearer = format!("Bearer {}", server.token("acme", Role::Admin));
    let head = head(
        "POST /graphql",
        &[
            ("authorization", &bearer),
            ("content-type", "application/json"),
            ("connection", "close"),
        ],
        body.len(),
        "",
    );
    let stream = open(server, "127.0.0.1", &head).await;
    let (mut reader, mut writer) = stream.into_split();
    let body = body.to_vec();
    let sender = tokio::spawn(async move {
        for piece in body.chunks(chunk) {
            if writer.write_all(piece).await.is_err() {
                return;
            }
            sleep(every).await;
        }
        // Keep the write half open until the server answers.
        sleep(Duration::from_secs(30)).await;
    });
    let mut received = Vec::new();
    timeout(Duration::from_secs(10), reader.read_to_end(&mut received))
        .await
        .expect("no answer within 10 s")
        .ok();
    sender.abort();
    String::from_utf8_lossy(&received).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_body_at_a_good_rate_outlasts_the_fixed_deadline() {
    let _turn = crate::one_at_a_time().await;
    let app = TestApp::new().await;
    let server = app.spawn(config());
    // 320 KiB in 16 KiB pieces every 50 ms: about 1.25 s at 320 KiB/s, longer than the
    // one-second deadline but far above the minimum rate (64 KiB/s).
    let query = format!(
        "mutation {{ createTag(input: {{name: \"big\"}}) {{ tag {{ id }} }} }} # {}",
        "x".repeat(320 * 1024)
    );
    let request = json!({ "query": query }).to_string();
    let started = Instant::now();
    let response = paced_graphql(
        &server,
        request.as_bytes(),
        16 * 1024,
        Duration::from_millis(50),
    )
    .await;
    assert_eq!(status(&response), 200, "{response}");
    assert!(body(&response)["errors"].is_null(), "{response}");
    assert!(
        started.elapsed() > DEADLINE,
        "the body came too fast to test anything"
    );
    assert_eq!(app.tag_names().await.len(), 1);

    // The same body at 32 KiB/s, below the minimum rate, is cut although it keeps coming.
    let request = request.replace("big", "slow");
    let response = paced_graphql(
        &server,
        request.as_bytes(),
        16 * 1024,
        Duration::from_millis(500),
    )
    .await;
    assert_eq!(status(&response), 408, "{response}");
    assert_eq!(app.tag_names().await.len(), 1);
}
