//! GitHub webhooks end to end: real payloads of `@octokit/webhooks-examples` (see
//! `api/tests/fixtures/github/README.md`), signed as GitHub signs them, posted to the server on
//! a free port; what they store is read back from the database and through the metrics.

use api::config::{Config, RateLimitBackend};
use domain::{Role, webhooks::signature_header};
use entity::{change_fact, deployment_fact, event, work_item_fact};
use sea_orm::{EntityTrait, PaginatorTrait, QueryOrder};
use serde_json::{Value, json};

use crate::{
    http_events::create_artifact,
    support::{Server, TestApp, assert_unauthenticated, code},
};

const REPOSITORY: &str = "Codertocat/Hello-World";
const ACME_SECRET: &str = "acme webhook secret";
const REFUSED: &str = "the delivery's signature does not verify";
const SET_SECRET: &str =
    "mutation($s: String!) { setWebhookSecret(provider: GITHUB, secret: $s) { provider path } }";

fn fixture(name: &str) -> Value {
    let text = match name {
        "ping" => include_str!("../fixtures/github/ping.json"),
        "push" => include_str!("../fixtures/github/push.json"),
        "deployment_status" => include_str!("../fixtures/github/deployment_status.json"),
        "issues.opened" => include_str!("../fixtures/github/issues.opened.json"),
        "issues.reopened" => include_str!("../fixtures/github/issues.reopened.json"),
        "pull_request.closed" => include_str!("../fixtures/github/pull_request.closed.json"),
        other => panic!("no fixture {other}"),
    };
    serde_json::from_str(text).unwrap()
}

fn sign(secret: &str, body: &[u8]) -> String {
    signature_header(secret.as_bytes(), body)
}

/// Posts `payload` as GitHub event `event` to workspace `workspace`, signed with `secret` when
/// one is given; the status and the answer.
async fn deliver(
    server: &Server,
    workspace: &str,
    event: &str,
    delivery: &str,
    payload: &Value,
    secret: Option<&str>,
) -> (u16, Value) {
    let body = serde_json::to_vec(payload).unwrap();
    let mut request = server
        .client
        .post(format!("{}/webhooks/github/{workspace}", server.base))
        .header("content-type", "application/json")
        .header("x-github-event", event)
        .header("x-github-delivery", delivery);
    if let Some(secret) = secret {
        request = request.header("x-hub-signature-256", sign(secret, &body));
    }
    let response = request.body(body).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// A push of `commits` (id, RFC 3339 time), built from the published push payload.
fn push_of(commits: &[(&str, &str)]) -> Value {
    let mut push = fixture("push");
    let template = push["commits"][0].clone();
    push["commits"] = commits
        .iter()
        .map(|(id, time)| {
            let mut commit = template.clone();
            commit["id"] = json!(id);
            commit["timestamp"] = json!(time);
            commit
        })
        .collect();
    push
}

/// A deployment status of deployment `id` of `sha` to `environment`, built from the published
/// one.
fn deployment_of(id: u64, sha: &str, environment: &str, state: &str, time: &str) -> Value {
    let mut status = fixture("deployment_status");
    status["deployment"]["id"] = json!(id);
    status["deployment"]["sha"] = json!(sha);
    status["deployment"]["environment"] = json!(environment);
    status["deployment_status"]["state"] = json!(state);
    status["deployment_status"]["created_at"] = json!(time);
    status
}

async fn with_secret(app: &TestApp) -> Server {
    let data = app.data(SET_SECRET, json!({"s": ACME_SECRET})).await;
    assert_eq!(
        data["setWebhookSecret"],
        json!({"provider": "GITHUB", "path": "/webhooks/github/acme"})
    );
    app.spawn(Config::default())
}

async fn stored_events(app: &TestApp) -> u64 {
    event::Entity::find().count(app.db.conn()).await.unwrap()
}

#[tokio::test]
async fn only_a_delivery_signed_with_the_workspaces_own_secret_is_stored() {
    crate::support::security_log();
    let app = TestApp::new().await;
    let globex = app.other_workspace().await;
    let server = app.spawn(Config::default());
    let push = fixture("push");

    // No secret set yet: refused like any wrong signature.
    let (status, unset) = deliver(&server, "acme", "push", "d-1", &push, Some(ACME_SECRET)).await;
    assert_unauthenticated("no secret set", status, &unset, REFUSED);

    app.data(SET_SECRET, json!({"s": ACME_SECRET})).await;
    let globex_secret = "globex webhook secret";
    let set = app
        .run_as(&globex, SET_SECRET, json!({"s": globex_secret}))
        .await;
    assert!(set.get("errors").is_none(), "{set}");

    let refusals = [
        ("missing signature", "acme", None),
        ("wrong signature", "acme", Some("not the secret")),
        ("another workspace's secret", "acme", Some(globex_secret)),
        ("unknown workspace", "initech", Some(ACME_SECRET)),
    ];
    for (case, workspace, secret) in refusals {
        let (status, body) = deliver(&server, workspace, "push", "d-2", &push, secret).await;
        assert_unauthenticated(case, status, &body, REFUSED);
        assert_eq!(body, unset, "{case}: answered like any other refusal");
    }
    let mut tampered = push.clone();
    tampered["commits"][0]["id"] = json!("f00d");
    let body = serde_json::to_vec(&tampered).unwrap();
    let response = server
        .client
        .post(format!("{}/webhooks/github/acme", server.base))
        .header("x-github-event", "push")
        .header("x-hub-signature-256", sign(ACME_SECRET, b"{}"))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status().as_u16(),
        401,
        "a signature of another body"
    );
    assert_eq!(
        stored_events(&app).await,
        0,
        "nothing of a refused delivery is stored"
    );
    let log = crate::support::security_log();
    assert!(log.contains("wrong or missing webhook signature"), "{log}");

    let (status, body) = deliver(&server, "acme", "push", "d-3", &push, Some(ACME_SECRET)).await;
    assert_eq!(
        (status, body),
        (
            202,
            json!({"accepted": 1, "duplicates": 0, "unrecognized": 0})
        )
    );
    let (status, _) = deliver(&server, "globex", "push", "d-4", &push, Some(globex_secret)).await;
    assert_eq!(status, 202, "globex's own secret verifies for globex");
}

#[tokio::test]
async fn ping_answers_200_and_a_redelivery_is_stored_once() {
    let app = TestApp::new().await;
    let server = with_secret(&app).await;
    let (status, _) = deliver(
        &server,
        "acme",
        "ping",
        "p-1",
        &fixture("ping"),
        Some(ACME_SECRET),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = deliver(&server, "acme", "ping", "p-2", &fixture("ping"), None).await;
    assert_eq!(status, 401, "a ping is verified like any delivery");

    for (event, payload) in [
        ("push", fixture("push")),
        ("issues", fixture("issues.opened")),
        ("deployment_status", fixture("deployment_status")),
    ] {
        let (status, first) = deliver(
            &server,
            "acme",
            event,
            &format!("{event}-1"),
            &payload,
            Some(ACME_SECRET),
        )
        .await;
        assert_eq!(
            (status, &first["accepted"]),
            (202, &json!(1)),
            "{event}: {first}"
        );
        let (status, again) = deliver(
            &server,
            "acme",
            event,
            &format!("{event}-1"),
            &payload,
            Some(ACME_SECRET),
        )
        .await;
        assert_eq!(
            (status, again),
            (
                202,
                json!({"accepted": 0, "duplicates": 1, "unrecognized": 0})
            ),
            "{event} redelivered"
        );
    }
    assert_eq!(stored_events(&app).await, 3);
}

#[tokio::test]
async fn each_github_event_becomes_the_event_the_mapping_names() {
    let app = TestApp::new().await;
    let server = with_secret(&app).await;
    let db = app.db.conn();
    let send = |event: &'static str, delivery: &'static str, payload: Value| {
        let server = &server;
        async move { deliver(server, "acme", event, delivery, &payload, Some(ACME_SECRET)).await }
    };

    let (status, body) = send("push", "d-push", fixture("push")).await;
    assert_eq!((status, &body["accepted"]), (202, &json!(1)), "{body}");
    let changes = change_fact::Entity::find().all(db).await.unwrap();
    let published = fixture("push");
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].source, REPOSITORY);
    assert_eq!(
        changes[0].change_id,
        published["commits"][0]["id"].as_str().unwrap()
    );
    assert_eq!(changes[0].time.to_rfc3339(), "2019-05-15T15:19:25+00:00");

    // A deployment of a commit no push brought ships that commit.
    let (status, _) = send("deployment_status", "d-dep", fixture("deployment_status")).await;
    assert_eq!(status, 202);
    let deployment = deployment_fact::Entity::find()
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            deployment.deployment_id.as_str(),
            deployment.environment.as_str(),
            deployment.status.as_str()
        ),
        ("145988746", "production", "success")
    );
    assert_eq!(
        deployment.change_ids,
        json!(["f95f852bd8fca8fcc58a9a2d6c842781e32a215e"])
    );
    assert_eq!(deployment.time.to_rfc3339(), "2019-05-15T15:20:55+00:00");

    let in_progress = deployment_of(
        7,
        "abc",
        "production",
        "in_progress",
        "2019-05-15T16:00:00Z",
    );
    let (status, body) = send("deployment_status", "d-prog", in_progress).await;
    assert_eq!(
        (status, body["accepted"].clone()),
        (202, json!(0)),
        "acknowledged, ignored"
    );
    for (id, state) in [(8, "failure"), (9, "error")] {
        let failed = deployment_of(id, "abc", "staging", state, "2019-05-15T16:00:00Z");
        let (status, _) = send(
            "deployment_status",
            if id == 8 { "d-f" } else { "d-e" },
            failed,
        )
        .await;
        assert_eq!(status, 202);
    }
    let statuses: Vec<_> = deployment_fact::Entity::find()
        .order_by_asc(deployment_fact::Column::DeploymentId)
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|d| (d.deployment_id, d.status))
        .collect();
    assert_eq!(
        statuses,
        [
            ("145988746".into(), "success".into()),
            ("8".into(), "failure".into()),
            ("9".into(), "failure".into())
        ]
    );

    let mut closed = fixture("issues.reopened");
    closed["action"] = json!("closed");
    closed["issue"]["labels"] = json!([]);
    closed["issue"]["updated_at"] = json!("2021-10-12T08:00:00Z");
    for (delivery, payload) in [
        ("i-open", fixture("issues.opened")),
        ("i-reopen", fixture("issues.reopened")),
        ("i-close", closed),
    ] {
        let (status, body) = send("issues", delivery, payload).await;
        assert_eq!(
            (status, &body["accepted"]),
            (202, &json!(1)),
            "{delivery}: {body}"
        );
    }
    let items: Vec<_> = work_item_fact::Entity::find()
        .order_by_asc(work_item_fact::Column::Time)
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|w| (w.event_id, w.item_id, w.item_type, w.state))
        .collect();
    let node = "MDU6SXNzdWU0NDQ1MDAwNDE=".to_owned();
    assert_eq!(
        items,
        [
            (
                "i-open".into(),
                node.clone(),
                "defect".into(),
                "todo".into()
            ),
            (
                "i-reopen".into(),
                node.clone(),
                "defect".into(),
                "active".into()
            ),
            ("i-close".into(), node, "feature".into(), "done".into()),
        ]
    );

    let (status, body) = send(
        "pull_request",
        "pr-unmerged",
        fixture("pull_request.closed"),
    )
    .await;
    assert_eq!(
        (status, &body["accepted"]),
        (202, &json!(0)),
        "closed without merging"
    );
    let merged = |merge_sha: &str, head_sha: &str| {
        let mut pr = fixture("pull_request.closed");
        pr["pull_request"]["merged"] = json!(true);
        pr["pull_request"]["merged_at"] = json!("2019-05-15T17:00:00Z");
        pr["pull_request"]["merge_commit_sha"] = json!(merge_sha);
        pr["pull_request"]["head"]["sha"] = json!(head_sha);
        pr
    };
    let (status, body) = send("pull_request", "pr-new", merged("m1", "h1")).await;
    assert_eq!((status, &body["accepted"]), (202, &json!(1)), "{body}");
    let pushed = published["commits"][0]["id"].as_str().unwrap();
    let (status, body) = send("pull_request", "pr-pushed", merged("m2", pushed)).await;
    assert_eq!(
        (status, &body["accepted"]),
        (202, &json!(0)),
        "its commits came by push: {body}"
    );
    let mut change_ids: Vec<_> = change_fact::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.change_id, c.time.to_rfc3339()))
        .collect();
    change_ids.sort();
    assert_eq!(
        change_ids,
        [
            (pushed.to_owned(), "2019-05-15T15:19:25+00:00".to_owned()),
            ("m1".to_owned(), "2019-05-15T17:00:00+00:00".to_owned()),
        ]
    );

    let (status, body) = send(
        "star",
        "d-star",
        json!({"action": "created", "repository": {"full_name": REPOSITORY}}),
    )
    .await;
    assert_eq!(
        (status, &body["accepted"]),
        (202, &json!(0)),
        "an unmapped event is acknowledged"
    );
}

const LEAD_TIME: &str = r#"query($id: ID!) { factSheet(id: $id) { metrics(window: {from: "2024-03-04T00:00:00Z", to: "2024-03-11T00:00:00Z"}) {
  deploymentFrequency { deployments }
  leadTime { stats { count p50Seconds meanSeconds } pendingChanges }
} } }"#;

#[tokio::test]
async fn a_push_then_a_deployment_status_shows_as_lead_time_on_the_repositorys_artifact() {
    let app = TestApp::new().await;
    let server = with_secret(&app).await;
    let token = server.token("acme", Role::Member);
    let artifact = create_artifact(&server, &token, "hello-world", REPOSITORY).await;
    let send = |event: &'static str, delivery: &'static str, payload: Value| {
        let server = &server;
        async move { deliver(server, "acme", event, delivery, &payload, Some(ACME_SECRET)).await }
    };

    let first_push = push_of(&[
        ("c1", "2024-03-04T09:00:00Z"),
        ("c2", "2024-03-04T10:00:00Z"),
    ]);
    assert_eq!(send("push", "d1", first_push).await.0, 202);
    let staging = deployment_of(500, "c2", "staging", "success", "2024-03-04T11:00:00Z");
    assert_eq!(send("deployment_status", "d2", staging).await.0, 202);
    let release = deployment_of(501, "c2", "production", "success", "2024-03-04T12:00:00Z");
    assert_eq!(send("deployment_status", "d3", release).await.0, 202);
    assert_eq!(
        send("push", "d4", push_of(&[("c3", "2024-03-04T13:00:00Z")]))
            .await
            .0,
        202
    );
    let next = deployment_of(502, "c3", "production", "success", "2024-03-04T15:00:00Z");
    assert_eq!(send("deployment_status", "d5", next).await.0, 202);

    let shipped: Vec<_> = deployment_fact::Entity::find()
        .order_by_asc(deployment_fact::Column::DeploymentId)
        .all(app.db.conn())
        .await
        .unwrap()
        .into_iter()
        .map(|d| (d.deployment_id, d.change_ids))
        .collect();
    assert_eq!(
        shipped,
        [
            ("500".into(), json!(["c1", "c2"])),
            ("501".into(), json!(["c1", "c2"])),
            ("502".into(), json!(["c3"])),
        ],
        "staging shipped nothing to production; the next release ships only what is new"
    );

    let (status, body) = server
        .graphql(
            Some(&token),
            json!({"query": LEAD_TIME, "variables": {"id": artifact}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let metrics = &body["data"]["factSheet"]["metrics"];
    assert_eq!(metrics["deploymentFrequency"]["deployments"], 2, "{body}");
    let lead = &metrics["leadTime"];
    assert_eq!(lead["stats"]["count"], 3, "{body}");
    assert_eq!(lead["pendingChanges"], 0, "{body}");
    assert_eq!(
        lead["stats"]["p50Seconds"].as_f64(),
        Some(2.0 * 3600.0),
        "{body}"
    );
    let mean = lead["stats"]["meanSeconds"].as_f64().unwrap();
    assert!(
        (mean - 7.0 / 3.0 * 3600.0).abs() < 1e-6,
        "3 h, 2 h and 2 h: {body}"
    );
}

#[tokio::test]
async fn only_an_admin_sets_the_secret_it_is_never_readable_and_setting_it_again_replaces_it() {
    let app = TestApp::new().await;
    let server = with_secret(&app).await;
    let member = app.as_role(Role::Member);
    let refused = app
        .run_as(&member, SET_SECRET, json!({"s": "a member's"}))
        .await;
    assert_eq!(code(&refused), "FORBIDDEN", "{refused}");
    let empty = app.run(SET_SECRET, json!({"s": "  "})).await;
    assert_eq!(code(&empty), "BAD_USER_INPUT", "{empty}");
    assert_eq!(
        empty["errors"][0]["extensions"]["field"], "secret",
        "{empty}"
    );

    let sdl = api::graphql::sdl();
    assert!(
        !sdl.lines()
            .any(|l| l.trim_start().starts_with("secret:") && !l.contains('(')),
        "no type has a secret field to read back"
    );

    let push = fixture("push");
    let (status, _) = deliver(&server, "acme", "push", "r-1", &push, Some("a member's")).await;
    assert_eq!(status, 401, "the member's attempt changed nothing");
    app.data(SET_SECRET, json!({"s": "rotated"})).await;
    let (status, _) = deliver(&server, "acme", "push", "r-2", &push, Some(ACME_SECRET)).await;
    assert_eq!(status, 401, "the replaced secret no longer verifies");
    let (status, body) = deliver(&server, "acme", "push", "r-3", &push, Some("rotated")).await;
    assert_eq!((status, &body["accepted"]), (202, &json!(1)), "{body}");
}

#[tokio::test]
async fn deliveries_have_the_body_limit_and_the_rate_limit_of_events() {
    let app = TestApp::new().await;
    app.data(SET_SECRET, json!({"s": ACME_SECRET})).await;
    let server = app.spawn(Config {
        max_event_body_bytes: 12_000,
        rate_limit_per_token_per_minute: 3,
        rate_limit_per_workspace_per_minute: 5,
        rate_limit_burst_seconds: 60,
        rate_limit_backend: RateLimitBackend::Memory,
        ..Config::default()
    });
    let mut large = fixture("push");
    large["commits"][0]["message"] = json!("x".repeat(12_000));
    let (status, body) = deliver(&server, "acme", "push", "big", &large, Some(ACME_SECRET)).await;
    assert_eq!((status, code(&body)), (413, "LIMIT_EXCEEDED"), "{body}");

    let push = fixture("push");
    let mut statuses = Vec::new();
    for n in 0..5 {
        let delivery = format!("limited-{n}");
        statuses.push(
            deliver(&server, "acme", "push", &delivery, &push, Some(ACME_SECRET))
                .await
                .0,
        );
    }
    assert_eq!(statuses, [202, 202, 202, 429, 429]);
}
