//! Tokens done right, over the real HTTP server: every way a bearer token can be wrong is a
//! 401 UNAUTHENTICATED on both `POST /graphql` and `POST /events` with nothing stored, RS256
//! and ES256 tokens of an identity provider's JWKS are accepted, and a key rotated in at the
//! provider (file or URL) is picked up by the running server.

use std::{
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
    time::Duration,
};

use api::config::Config;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use domain::{Role, workspaces};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};

use crate::support::{Server, TestApp, assert_unauthenticated};

const IDP_ISSUER: &str = "https://idp.example.test";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/jwt")
        .join(name)
}

fn read_fixture(name: &str) -> Vec<u8> {
    std::fs::read(fixture(name)).unwrap()
}

fn rsa_key(n: u8) -> EncodingKey {
    EncodingKey::from_rsa_pem(&read_fixture(&format!("test-only-rsa-{n}.key.pem"))).unwrap()
}

fn ec_key() -> EncodingKey {
    EncodingKey::from_ec_pem(&read_fixture("test-only-ec-p256.key.pem")).unwrap()
}

fn claims(workspace: &str) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({"sub": "ci@idp", "workspace": workspace, "role": "admin", "iss": IDP_ISSUER,
           "aud": "wayfinder-api", "exp": now + 600, "iat": now})
}

fn with(mut claims: Value, key: &str, value: Value) -> Value {
    claims[key] = value;
    claims
}

fn sign(alg: Algorithm, kid: Option<&str>, claims: &Value, key: &EncodingKey) -> String {
    let header = Header {
        kid: kid.map(str::to_owned),
        ..Header::new(alg)
    };
    encode(&header, claims, key).unwrap()
}

/// A token with a hand-made header and no signature (`alg: none`).
fn unsigned(kid: Option<&str>, claims: &Value) -> String {
    let header = match kid {
        Some(kid) => json!({"alg": "none", "typ": "JWT", "kid": kid}),
        None => json!({"alg": "none", "typ": "JWT"}),
    };
    format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    )
}

/// A JWKS file the test may rewrite, starting as the initial fixture set.
fn jwks_file(dir: &tempfile::TempDir) -> PathBuf {
    let path = dir.path().join("jwks.json");
    std::fs::write(&path, read_fixture("test-only-jwks-initial.json")).unwrap();
    path
}

fn config(file: Option<PathBuf>, url: Option<String>, refresh: u64, min_refresh: u64) -> Config {
    Config {
        jwks_file: file,
        jwks_url: url,
        jwks_refresh_secs: refresh,
        jwks_min_refresh_secs: min_refresh,
        jwks_issuer: Some(IDP_ISSUER.into()),
        ..Config::default()
    }
}

const CREATE: &str =
    "mutation($i: CreateFactSheetInput!) { createFactSheet(input: $i) { factSheet { id } } }";

/// A mutation over GraphQL; its status and body.
async fn create_team(server: &Server, token: Option<&str>, name: &str) -> (u16, Value) {
    server
        .graphql(
            token,
            json!({"query": CREATE, "variables": {"i": {"type": "Team", "name": name}}}),
        )
        .await
}

fn assert_refused(case: &str, (status, body): (u16, Value)) {
    assert_unauthenticated(case, status, &body, "a valid bearer token is required");
}

async fn team_count(server: &Server) -> i64 {
    let admin = server.token("acme", Role::Admin);
    let (_, body) = server
        .graphql(
            Some(&admin),
            json!({"query": "{ factSheets(filter: {types: [\"Team\"]}) { totalCount } }"}),
        )
        .await;
    body["data"]["factSheets"]["totalCount"]
        .as_i64()
        .unwrap_or_else(|| panic!("{body}"))
}

#[tokio::test]
async fn every_bad_token_is_refused_on_graphql_and_events_with_no_side_effect() {
    let app = TestApp::new().await;
    let gone = workspaces::create(app.db.conn(), "gone", None, "test")
        .await
        .unwrap();
    workspaces::delete(app.db.conn(), &gone.slug).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let server = app
        .spawn_with_jwks(config(Some(jwks_file(&dir)), None, 3600, 0))
        .await;
    let good = claims("acme");
    let now = chrono::Utc::now().timestamp();
    let rs = |c: &Value| sign(Algorithm::RS256, Some("rsa-1"), c, &rsa_key(1));
    // The attack jsonwebtoken's pinning exists for: the published RSA public key as an HMAC secret.
    let public_pem_as_secret = EncodingKey::from_secret(&read_fixture("test-only-rsa-1.pub.pem"));
    let cases: Vec<(&str, Option<String>)> = vec![
        ("no token", None),
        ("malformed", Some("not.a.jwt".into())),
        ("malformed base64", Some("@@@.###.$$$".into())),
        (
            "bad signature",
            Some(sign(Algorithm::RS256, Some("rsa-1"), &good, &rsa_key(2))),
        ),
        (
            "expired",
            Some(rs(&with(good.clone(), "exp", json!(now - 3600)))),
        ),
        (
            "not yet valid",
            Some(rs(&with(good.clone(), "nbf", json!(now + 3600)))),
        ),
        (
            "wrong iss",
            Some(rs(&with(good.clone(), "iss", json!("wayfinder")))),
        ),
        (
            "wrong aud",
            Some(rs(&with(good.clone(), "aud", json!("other-api")))),
        ),
        (
            "RS public key as HS secret, kid of the RSA key",
            Some(sign(
                Algorithm::HS256,
                Some("rsa-1"),
                &good,
                &public_pem_as_secret,
            )),
        ),
        (
            "RS public key as HS secret, no kid",
            Some(sign(Algorithm::HS256, None, &good, &public_pem_as_secret)),
        ),
        (
            "EC key's kid with an RSA algorithm",
            Some(sign(Algorithm::RS256, Some("ec-1"), &good, &rsa_key(1))),
        ),
        ("alg none", Some(unsigned(None, &good))),
        (
            "alg none with a known kid",
            Some(unsigned(Some("rsa-1"), &good)),
        ),
        (
            "string-typed exp",
            Some(rs(&with(
                good.clone(),
                "exp",
                json!((now + 600).to_string()),
            ))),
        ),
        (
            "unknown kid",
            Some(sign(Algorithm::RS256, Some("rsa-2"), &good, &rsa_key(2))),
        ),
        ("deleted workspace", Some(rs(&claims("gone")))),
        ("unknown workspace", Some(rs(&claims("nope")))),
    ];
    for (index, (case, token)) in cases.iter().enumerate() {
        assert_refused(
            case,
            create_team(&server, token.as_deref(), &format!("team {index}")).await,
        );
        assert_refused(
            case,
            server
                .post_deployment(token.as_deref(), &format!("deploy-{index}"))
                .await,
        );
    }
    assert_eq!(
        team_count(&server).await,
        0,
        "a refused mutation created a team"
    );
    assert_eq!(
        app.stored_events().await,
        0,
        "a refused request stored an event"
    );

    // The same token, correctly signed, goes through: the refusals above were about the token.
    let accepted = rs(&good);
    assert_eq!(create_team(&server, Some(&accepted), "real").await.0, 200);
    assert_eq!(
        server.post_deployment(Some(&accepted), "deploy-ok").await.0,
        202
    );
    assert_eq!(team_count(&server).await, 1);
    assert_eq!(app.stored_events().await, 1);
}

#[tokio::test]
async fn rs256_and_es256_tokens_of_the_jwks_are_accepted() {
    let app = TestApp::new().await;
    let dir = tempfile::tempdir().unwrap();
    let server = app
        .spawn_with_jwks(config(Some(jwks_file(&dir)), None, 3600, 30))
        .await;
    let member = with(claims("acme"), "role", json!("member"));
    let tokens = [
        (
            "RS256",
            sign(Algorithm::RS256, Some("rsa-1"), &member, &rsa_key(1)),
        ),
        (
            "ES256",
            sign(Algorithm::ES256, Some("ec-1"), &member, &ec_key()),
        ),
    ];
    for (alg, token) in &tokens {
        let (status, body) = server
            .graphql(
                Some(token),
                json!({"query": "{ viewer { subject workspace role } }"}),
            )
            .await;
        assert_eq!(status, 200, "{alg}: {body}");
        assert_eq!(
            body["data"]["viewer"],
            json!({"subject": "ci@idp", "workspace": "acme", "role": "MEMBER"}),
            "{alg}"
        );
        assert_eq!(create_team(&server, Some(token), alg).await.0, 200, "{alg}");
        assert_eq!(
            server.post_deployment(Some(token), alg).await.0,
            202,
            "{alg}"
        );
    }
    assert_eq!(team_count(&server).await, 2);
    // Our own HS256 tokens keep working next to the JWKS.
    let ours = server.token("acme", Role::Viewer);
    assert_eq!(
        server
            .graphql(Some(&ours), json!({"query": "{ viewer { role } }"}))
            .await
            .0,
        200
    );
}

async fn viewer_status(server: &Server, token: &str) -> u16 {
    server
        .graphql(Some(token), json!({"query": "{ viewer { subject } }"}))
        .await
        .0
}

fn rotated_in() -> String {
    sign(
        Algorithm::RS256,
        Some("rsa-2"),
        &claims("acme"),
        &rsa_key(2),
    )
}

fn rotated_out() -> String {
    sign(
        Algorithm::RS256,
        Some("rsa-1"),
        &claims("acme"),
        &rsa_key(1),
    )
}

#[tokio::test]
async fn a_key_rotated_into_the_jwks_file_is_accepted_without_restart() {
    let app = TestApp::new().await;
    let dir = tempfile::tempdir().unwrap();
    let file = jwks_file(&dir);
    // No periodic reload during the test: the unknown kid itself must trigger it.
    let server = app
        .spawn_with_jwks(config(Some(file.clone()), None, 3600, 0))
        .await;
    assert_eq!(viewer_status(&server, &rotated_out()).await, 200);
    assert_eq!(viewer_status(&server, &rotated_in()).await, 401);
    std::fs::write(&file, read_fixture("test-only-jwks-rotated.json")).unwrap();
    assert_eq!(viewer_status(&server, &rotated_in()).await, 200);
    assert_eq!(
        viewer_status(&server, &rotated_out()).await,
        401,
        "a key rotated out is no longer trusted"
    );
}

#[tokio::test]
async fn the_periodic_reload_picks_up_rotation_when_unknown_kids_may_not_trigger_one() {
    let app = TestApp::new().await;
    let dir = tempfile::tempdir().unwrap();
    let file = jwks_file(&dir);
    let server = app
        .spawn_with_jwks(config(Some(file.clone()), None, 1, 3600))
        .await;
    std::fs::write(&file, read_fixture("test-only-jwks-rotated.json")).unwrap();
    assert_eq!(
        viewer_status(&server, &rotated_in()).await,
        401,
        "unknown kids are rate limited: no reload yet"
    );
    let mut status = 401;
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        status = viewer_status(&server, &rotated_in()).await;
        if status == 200 {
            break;
        }
    }
    assert_eq!(
        status, 200,
        "the background reload never picked up the new key"
    );
}

/// A stand-in identity provider: serves whatever JWKS document the test puts in.
async fn jwks_server(document: Arc<Mutex<Vec<u8>>>) -> (String, actix_web::dev::ServerHandle) {
    use actix_web::{App, HttpResponse, HttpServer, web};
    let server = HttpServer::new(move || {
        let document = document.clone();
        App::new().route(
            "/.well-known/jwks.json",
            web::get().to(move || {
                let body = document.lock().unwrap().clone();
                async move {
                    HttpResponse::Ok()
                        .content_type("application/json")
                        .body(body)
                }
            }),
        )
    })
    .workers(1)
    .bind(("127.0.0.1", 0))
    .unwrap();
    let addr = server.addrs()[0];
    let running = server.run();
    let handle = running.handle();
    tokio::spawn(running);
    (format!("http://{addr}/.well-known/jwks.json"), handle)
}

#[tokio::test]
async fn a_key_rotated_in_at_the_jwks_url_is_accepted_without_restart() {
    let document = Arc::new(Mutex::new(read_fixture("test-only-jwks-initial.json")));
    let (url, idp) = jwks_server(document.clone()).await;
    let app = TestApp::new().await;
    let server = app.spawn_with_jwks(config(None, Some(url), 3600, 0)).await;
    assert_eq!(viewer_status(&server, &rotated_out()).await, 200);
    assert_eq!(viewer_status(&server, &rotated_in()).await, 401);
    *document.lock().unwrap() = read_fixture("test-only-jwks-rotated.json");
    assert_eq!(viewer_status(&server, &rotated_in()).await, 200);
    assert_eq!(viewer_status(&server, &rotated_out()).await, 401);
    // The provider failing keeps the keys we have rather than locking everyone out.
    *document.lock().unwrap() = b"<html>maintenance</html>".to_vec();
    assert_eq!(viewer_status(&server, &rotated_out()).await, 401);
    assert_eq!(viewer_status(&server, &rotated_in()).await, 200);
    idp.stop(false).await;
}
