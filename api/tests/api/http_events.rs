//! The Events API end to end: CloudEvents over HTTP in all three modes, then metrics over
//! GraphQL. The worked example of `metrics.md` is replayed exactly as specified (with the
//! duplicate and the late change) and every listed value is checked.

use api::config::Config;
use domain::Role;
use serde_json::{Value, json};

use crate::support::{Server, TestApp};

const HOUR: f64 = 3600.0;

pub(crate) fn ev(id: &str, t: &str, time: &str, data: Value) -> Value {
    json!({"specversion": "1.0", "id": id, "source": "checkout", "type": format!("dev.wayfinder.{t}"), "time": time, "datacontenttype": "application/json", "data": data})
}

pub(crate) async fn post_batch(server: &Server, token: &str, events: &[Value]) -> (u16, Value) {
    let response = server
        .post_events(Some(token), serde_json::to_string(events).unwrap())
        .await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

pub(crate) async fn create_artifact(
    server: &Server,
    token: &str,
    name: &str,
    source: &str,
) -> String {
    let (_, body) = server
        .graphql(
            Some(token),
            json!({"query": "mutation($i: CreateFactSheetInput!) { createFactSheet(input: $i) { factSheet { id } } }",
                   "variables": {"i": {"type": "SoftwareArtifact", "name": name, "externalIds": [{"namespace": "eventSource", "value": source}]}}}),
        )
        .await;
    body["data"]["createFactSheet"]["factSheet"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned()
}

const METRICS: &str = r#"query($id: ID!, $tz: String!) { factSheet(id: $id) { metrics(window: {from: "2024-03-04T00:00:00Z", to: "2024-03-11T00:00:00Z", bucket: DAY, timeZone: $tz}) {
  deploymentFrequency { deployments deploymentDays perDay level deploymentDaysPerWeek buckets { start deployments } }
  leadTime { stats { count p50Seconds meanSeconds } pendingChanges negativeDurations }
  changeFailureRate { deployments failedDeployments rate }
  failedDeploymentRecoveryTime { stats { count p50Seconds } openCount oldestOpenSeconds }
  timeToRestore { stats { count p50Seconds } }
  flow { velocity velocityByType { itemType count } flowTime { count p50Seconds } efficiency load loadAverage distribution { itemType share } }
} } }"#;

async fn metrics(server: &Server, token: &str, id: &str, tz: &str) -> Value {
    let (status, body) = server
        .graphql(
            Some(token),
            json!({"query": METRICS, "variables": {"id": id, "tz": tz}}),
        )
        .await;
    assert_eq!(status, 200);
    assert!(body.get("errors").is_none(), "{body:#}");
    body["data"]["factSheet"]["metrics"].clone()
}

fn close(actual: &Value, expected: f64) {
    let a = actual
        .as_f64()
        .unwrap_or_else(|| panic!("not a number: {actual}"));
    assert!((a - expected).abs() < 1e-6, "{a} != {expected}");
}

#[tokio::test]
async fn the_worked_example_of_the_metrics_spec_holds_over_http() {
    let app = TestApp::new().await;
    let server = app.spawn(Config::default());
    let token = server.token("acme", Role::Member);
    let id = create_artifact(&server, &token, "checkout", "checkout").await;
    let e4 = ev(
        "E4",
        "deployment",
        "2024-03-05T12:00:00Z",
        json!({"deploymentId": "D1", "changeIds": ["C1", "C2"]}),
    );

    // E1 in binary mode (ce-* headers), as LeanIX's sample request does.
    let response = server
        .client
        .post(format!("{}/events", server.base))
        .bearer_auth(&token)
        .header("ce-specversion", "1.0")
        .header("ce-type", "dev.wayfinder.change")
        .header("ce-id", "C1")
        .header("ce-source", "checkout")
        .header("ce-time", "2024-03-04T09:00:00Z")
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"accepted": 1, "duplicates": 0, "unrecognized": 0})
    );
    // E2 in structured mode.
    let response = server
        .client
        .post(format!("{}/events", server.base))
        .bearer_auth(&token)
        .header("content-type", "application/cloudevents+json")
        .body(ev("C2", "change", "2024-03-04T15:00:00Z", json!({})).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    // E4, its duplicate E5, and E6 in one batch: the duplicate is acknowledged and ignored.
    let (status, body) = post_batch(
        &server,
        &token,
        &[
            e4.clone(),
            e4,
            ev(
                "E6",
                "deployment",
                "2024-03-06T12:00:00Z",
                json!({"deploymentId": "D2", "changeIds": ["C2", "C3"]}),
            ),
        ],
    )
    .await;
    assert_eq!(
        (status, body),
        (
            202,
            json!({"accepted": 2, "duplicates": 1, "unrecognized": 0})
        )
    );

    // Before E3 arrives, C3 is pending.
    let before = metrics(&server, &token, &id, "UTC").await;
    assert_eq!(before["leadTime"]["pendingChanges"], 1);
    close(&before["leadTime"]["stats"]["p50Seconds"], 24.0 * HOUR);

    let rest = [
        ev("C3", "change", "2024-03-05T10:00:00Z", json!({})),
        ev(
            "E7",
            "deployment",
            "2024-03-08T02:00:00Z",
            json!({"deploymentId": "D3", "changeIds": []}),
        ),
        ev(
            "E8",
            "incident.opened",
            "2024-03-06T13:00:00Z",
            json!({"incidentId": "I1", "deploymentId": "D2"}),
        ),
        ev(
            "E9",
            "incident.resolved",
            "2024-03-06T15:30:00Z",
            json!({"incidentId": "I1"}),
        ),
        ev(
            "E10",
            "incident.opened",
            "2024-03-07T09:00:00Z",
            json!({"incidentId": "I2"}),
        ),
        ev(
            "E11",
            "incident.resolved",
            "2024-03-07T10:00:00Z",
            json!({"incidentId": "I2"}),
        ),
        ev(
            "E12",
            "incident.opened",
            "2024-03-09T08:00:00Z",
            json!({"incidentId": "I3", "deploymentId": "D3"}),
        ),
        ev(
            "E13",
            "workitem.transitioned",
            "2024-03-04T09:00:00Z",
            json!({"itemId": "W1", "itemType": "feature", "state": "active"}),
        ),
        ev(
            "E14",
            "workitem.transitioned",
            "2024-03-05T09:00:00Z",
            json!({"itemId": "W1", "itemType": "feature", "state": "waiting"}),
        ),
        ev(
            "E15",
            "workitem.transitioned",
            "2024-03-06T09:00:00Z",
            json!({"itemId": "W1", "itemType": "feature", "state": "done"}),
        ),
        ev(
            "E16",
            "workitem.transitioned",
            "2024-03-05T09:00:00Z",
            json!({"itemId": "W2", "itemType": "defect", "state": "active"}),
        ),
        ev(
            "E17",
            "workitem.transitioned",
            "2024-03-06T12:00:00Z",
            json!({"itemId": "W3", "itemType": "debt", "state": "active"}),
        ),
        ev(
            "E18",
            "workitem.transitioned",
            "2024-03-07T12:00:00Z",
            json!({"itemId": "W3", "itemType": "debt", "state": "done"}),
        ),
    ];
    let (status, body) = post_batch(&server, &token, &rest).await;
    assert_eq!(
        (status, body),
        (
            202,
            json!({"accepted": 13, "duplicates": 0, "unrecognized": 0})
        )
    );

    let m = metrics(&server, &token, &id, "UTC").await;
    let df = &m["deploymentFrequency"];
    assert_eq!(
        (df["deployments"].clone(), df["deploymentDays"].clone()),
        (json!(3), json!(3))
    );
    close(&df["perDay"], 3.0 / 7.0);
    // The level is rated on deployment days per complete ISO week, and says so.
    assert_eq!(
        (df["level"].clone(), df["deploymentDaysPerWeek"].clone()),
        (json!("HIGH"), json!(3.0))
    );
    let per_day: Vec<(String, u64)> = df["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["start"].as_str().unwrap()[..10].to_owned(),
                b["deployments"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        per_day,
        [
            ("2024-03-04", 0),
            ("2024-03-05", 1),
            ("2024-03-06", 1),
            ("2024-03-07", 0),
            ("2024-03-08", 1),
            ("2024-03-09", 0),
            ("2024-03-10", 0)
        ]
        .map(|(d, n)| (d.to_owned(), n))
    );
    let lt = &m["leadTime"];
    assert_eq!(
        (
            lt["stats"]["count"].clone(),
            lt["pendingChanges"].clone(),
            lt["negativeDurations"].clone()
        ),
        (json!(3), json!(0), json!(0))
    );
    close(&lt["stats"]["p50Seconds"], 26.0 * HOUR);
    close(&lt["stats"]["meanSeconds"], 74.0 / 3.0 * HOUR);
    let cfr = &m["changeFailureRate"];
    assert_eq!(
        (cfr["deployments"].clone(), cfr["failedDeployments"].clone()),
        (json!(3), json!(2))
    );
    close(&cfr["rate"], 2.0 / 3.0);
    let fdrt = &m["failedDeploymentRecoveryTime"];
    assert_eq!(
        (fdrt["stats"]["count"].clone(), fdrt["openCount"].clone()),
        (json!(1), json!(1))
    );
    close(&fdrt["stats"]["p50Seconds"], 2.5 * HOUR);
    close(&fdrt["oldestOpenSeconds"], 40.0 * HOUR);
    assert_eq!(m["timeToRestore"]["stats"]["count"], 2);
    close(&m["timeToRestore"]["stats"]["p50Seconds"], 1.75 * HOUR);
    let flow = &m["flow"];
    assert_eq!(flow["velocity"], 2);
    assert_eq!(
        flow["velocityByType"],
        json!([{"itemType": "debt", "count": 1}, {"itemType": "feature", "count": 1}])
    );
    close(&flow["flowTime"]["p50Seconds"], 36.0 * HOUR);
    close(&flow["efficiency"], 2.0 / 3.0);
    assert_eq!(flow["load"], 1);
    close(&flow["loadAverage"], 207.0 / 168.0);
    assert_eq!(
        flow["distribution"],
        json!([{"itemType": "debt", "share": 0.5}, {"itemType": "feature", "share": 0.5}])
    );

    // In New York, D3 (02:00 UTC on the 8th) falls on the 7th.
    let ny = metrics(&server, &token, &id, "America/New_York").await;
    let d3 = ny["deploymentFrequency"]["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["start"] == "2024-03-07T05:00:00+00:00")
        .cloned();
    assert_eq!(
        d3.map(|b| b["deployments"].clone()),
        Some(json!(1)),
        "{:#}",
        ny["deploymentFrequency"]["buckets"]
    );
}

#[tokio::test]
async fn bad_requests_store_nothing_and_say_which_event_and_field() {
    let app = TestApp::new().await;
    let server = app.spawn(Config {
        max_events_per_request: 5,
        ..Config::default()
    });
    let token = server.token("acme", Role::Member);
    let id = create_artifact(&server, &token, "checkout", "checkout").await;
    let mut no_time = ev("X2", "change", "2024-03-04T09:00:00Z", json!({}));
    no_time.as_object_mut().unwrap().remove("time");
    let (status, body) = post_batch(
        &server,
        &token,
        &[
            ev("X1", "change", "2024-03-04T09:00:00Z", json!({})),
            no_time,
        ],
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        body["errors"][0]["extensions"],
        json!({"code": "BAD_USER_INPUT", "index": 1, "eventId": "X2", "field": "time"})
    );
    let (status, body) = post_batch(
        &server,
        &token,
        &[ev(
            "X3",
            "deployment",
            "2024-03-04T09:00:00Z",
            json!({"changeIds": "C1"}),
        )],
    )
    .await;
    assert_eq!(
        (status, body["errors"][0]["extensions"]["field"].clone()),
        (400, json!("data.changeIds"))
    );
    let (status, body) = post_batch(
        &server,
        &token,
        &[ev(
            "X4",
            &"x".repeat(500),
            "2024-03-04T09:00:00Z",
            json!({}),
        )],
    )
    .await;
    assert_eq!(
        (status, body["errors"][0]["extensions"]["field"].clone()),
        (400, json!("type"))
    );
    let six: Vec<_> = (0..6)
        .map(|i| {
            ev(
                &format!("B{i}"),
                "change",
                "2024-03-04T09:00:00Z",
                json!({}),
            )
        })
        .collect();
    let (status, body) = post_batch(&server, &token, &six).await;
    assert_eq!(
        (status, body["errors"][0]["extensions"]["code"].clone()),
        (413, json!("LIMIT_EXCEEDED"))
    );

    let (_, listed) = server.graphql(Some(&token), json!({"query": "query($id: ID!) { factSheet(id: $id) { events { edges { node { id } } } } }", "variables": {"id": id}})).await;
    assert_eq!(
        listed["data"]["factSheet"]["events"]["edges"],
        json!([]),
        "nothing from a rejected request is stored"
    );

    let (status, _) = post_batch(
        &server,
        &server.token("acme", Role::Viewer),
        &[ev("V1", "change", "2024-03-04T09:00:00Z", json!({}))],
    )
    .await;
    assert_eq!(status, 403);
    let response = server.post_events(None, "[]").await;
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn unlinked_events_count_once_linked_and_teams_roll_up_their_artifacts() {
    let app = TestApp::new().await;
    let server = app.spawn(Config::default());
    let token = server.token("acme", Role::Admin);
    let deploy = |id: &str, source: &str, time: &str| json!({"specversion": "1.0", "id": id, "source": source, "type": "dev.wayfinder.deployment", "time": time, "data": {"changeIds": []}});
    let (status, _) = post_batch(
        &server,
        &token,
        &[
            deploy("a1", "svc-a", "2024-03-05T10:00:00Z"),
            deploy("a2", "svc-a", "2024-03-06T10:00:00Z"),
            deploy("b1", "svc-b", "2024-03-05T11:00:00Z"),
            deploy("c1", "svc-c", "2024-03-05T12:00:00Z"),
        ],
    )
    .await;
    assert_eq!(status, 202);
    let a = create_artifact(&server, &token, "a", "svc-a").await;
    let b = create_artifact(&server, &token, "b", "other").await;
    create_artifact(&server, &token, "c", "svc-c").await;
    let deployments = |id: String| {
        let server = &server;
        let token = &token;
        async move {
            let (_, body) = server
                .graphql(Some(token), json!({"query": r#"query($id: ID!) { factSheet(id: $id) { metrics(window: {from: "2024-03-04T00:00:00Z", to: "2024-03-11T00:00:00Z"}) { deploymentFrequency { deployments } } } }"#, "variables": {"id": id}}))
                .await;
            body["data"]["factSheet"]["metrics"]["deploymentFrequency"]["deployments"]
                .as_u64()
                .unwrap_or_else(|| panic!("{body}"))
        }
    };
    assert_eq!(deployments(a.clone()).await, 2);
    assert_eq!(deployments(b.clone()).await, 0, "svc-b is not linked yet");
    let (_, body) = server
        .graphql(Some(&token), json!({"query": "mutation($id: ID!) { updateFactSheet(input: {id: $id, externalIds: [{namespace: \"eventSource\", value: \"svc-b\"}]}) { factSheet { id } } }", "variables": {"id": b}}))
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(
        deployments(b.clone()).await,
        1,
        "stored events count as soon as the link exists"
    );

    let (_, body) = server.graphql(Some(&token), json!({"query": "mutation { createFactSheet(input: {type: \"Team\", name: \"Payments\"}) { factSheet { id } } }"})).await;
    let team = body["data"]["createFactSheet"]["factSheet"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for artifact in [&a, &b] {
        let (_, body) = server
            .graphql(Some(&token), json!({"query": "mutation($t: ID!, $a: ID!) { createRelation(input: {type: \"teamOwnsArtifact\", fromId: $t, toId: $a}) { relation { id } } }", "variables": {"t": team, "a": artifact}}))
            .await;
        assert!(body.get("errors").is_none(), "{body}");
    }
    assert_eq!(
        deployments(team.clone()).await,
        3,
        "the team rolls up a (2) and b (1), not c"
    );
}

#[tokio::test]
async fn a_team_of_teams_rolls_up_its_sub_teams_unless_the_meta_model_says_otherwise() {
    let app = TestApp::new().await;
    let server = app.spawn(Config::default());
    let token = server.token("acme", Role::Admin);
    let graphql = |query: &'static str, variables: Value| {
        let server = &server;
        let token = &token;
        async move {
            let (_, body) = server
                .graphql(Some(token), json!({"query": query, "variables": variables}))
                .await;
            assert!(body.get("errors").is_none(), "{body}");
            body["data"].clone()
        }
    };
    let deploy = |id: &str, source: &str| json!({"specversion": "1.0", "id": id, "source": source, "type": "dev.wayfinder.deployment", "time": "2024-03-05T10:00:00Z", "data": {"changeIds": []}});
    let (status, _) = post_batch(
        &server,
        &token,
        &[
            deploy("b1", "svc-build"),
            deploy("r1", "svc-runtime"),
            deploy("r2", "svc-runtime"),
        ],
    )
    .await;
    assert_eq!(status, 202);
    const CREATE_TEAM: &str = "mutation($name: String!, $parent: ID) { createFactSheet(input: {type: \"Team\", name: $name, parentId: $parent}) { factSheet { id } } }";
    let team = async |name: &str, parent: Option<&str>| {
        graphql(CREATE_TEAM, json!({"name": name, "parent": parent})).await["createFactSheet"]
            ["factSheet"]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let platform = team("Platform", None).await;
    for (name, source) in [("Build", "svc-build"), ("Runtime", "svc-runtime")] {
        let sub_team = team(name, Some(&platform)).await;
        let artifact = create_artifact(&server, &token, name, source).await;
        graphql(
            "mutation($t: ID!, $a: ID!) { createRelation(input: {type: \"teamOwnsArtifact\", fromId: $t, toId: $a}) { relation { id } } }",
            json!({"t": sub_team, "a": artifact}),
        )
        .await;
    }
    const METRICS: &str = r#"query($id: ID!) { factSheet(id: $id) { metrics(window: {from: "2024-03-04T00:00:00Z", to: "2024-03-11T00:00:00Z"}) { deploymentFrequency { deployments } } } }"#;
    let deployments = async || {
        graphql(METRICS, json!({"id": platform})).await["factSheet"]["metrics"]
            ["deploymentFrequency"]["deployments"]
            .clone()
    };
    assert_eq!(
        deployments().await,
        3,
        "the default meta model rolls a team up over its sub-teams: Build's 1 and Runtime's 2 through the teams' own artifacts"
    );

    let set_children = async |on: bool| {
        let changed = graphql(
            "mutation($on: Boolean!) { setRollUp(factSheetType: \"Team\", rollUpChildren: $on) { metaModel { factSheetTypes { key rollUp { relationType } rollUpChildren } } } }",
            json!({"on": on}),
        )
        .await;
        changed["setRollUp"]["metaModel"]["factSheetTypes"][0].clone()
    };
    assert_eq!(
        set_children(false).await,
        json!({"key": "Team", "rollUp": [{"relationType": "teamOwnsArtifact"}], "rollUpChildren": false}),
        "the relation roll-up left out stays as it was"
    );
    assert_eq!(
        deployments().await,
        0,
        "switched off, the parent measures itself"
    );
    set_children(true).await;
    assert_eq!(deployments().await, 3);
}

#[tokio::test]
async fn a_structured_event_sent_as_plain_json_is_told_which_content_type_to_use() {
    let app = TestApp::new().await;
    let server = app.spawn(Config::default());
    let token = server.token("acme", Role::Member);
    let response = server
        .client
        .post(format!("{}/events", server.base))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(ev("J1", "change", "2024-03-04T09:00:00Z", json!({})).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    let error = &body["errors"][0];
    assert_eq!(
        error["extensions"],
        json!({"code": "BAD_USER_INPUT", "field": "Content-Type"})
    );
    let message = error["message"].as_str().unwrap();
    for named in [
        "application/cloudevents+json",
        "application/cloudevents-batch+json",
        "ce-*",
    ] {
        assert!(message.contains(named), "{message}");
    }
}

#[tokio::test]
async fn a_time_that_is_not_rfc_3339_is_named_in_every_mode() {
    let app = TestApp::new().await;
    let server = app.spawn(Config::default());
    let token = server.token("acme", Role::Member);
    let bad = "2026-12-02 10:00";
    let expect = |body: Value, id: &str| {
        let error = &body["errors"][0];
        assert_eq!(
            error["extensions"],
            json!({"code": "BAD_USER_INPUT", "index": 0, "eventId": id, "field": "time"}),
            "{body}"
        );
        let message = error["message"].as_str().unwrap();
        assert!(
            message.contains("RFC 3339") && message.contains("2026-12-02T10:00:00Z"),
            "{message}"
        );
    };

    let (status, body) = post_batch(&server, &token, &[ev("T1", "change", bad, json!({}))]).await;
    assert_eq!(status, 400);
    expect(body, "T1");

    let response = server
        .client
        .post(format!("{}/events", server.base))
        .bearer_auth(&token)
        .header("content-type", "application/cloudevents+json")
        .body(ev("T2", "change", bad, json!({})).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    expect(response.json().await.unwrap(), "T2");

    let response = server
        .client
        .post(format!("{}/events", server.base))
        .bearer_auth(&token)
        .header("ce-specversion", "1.0")
        .header("ce-type", "dev.wayfinder.change")
        .header("ce-id", "T3")
        .header("ce-source", "checkout")
        .header("ce-time", bad)
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    expect(response.json().await.unwrap(), "T3");
}
