//! The dashboard in a real browser that can reach nothing but the server (see
//! [`crate::browser`]), on the demo company: each view shows the numbers the GraphQL API gives
//! the same token, and the page reports no problem and logs nothing to the console.

use api::config::Config;
use chrono::{Datelike, Duration, Utc};
use domain::Role;
use serde_json::{Value, json};

use crate::{
    browser::{Recorder, Rendered, chromium, render, tag},
    support::{Server, TestApp},
};

/// The demo company, loaded as `serve --demo` loads it, behind a running server.
async fn demo() -> (TestApp, Server) {
    let app = TestApp::new().await;
    let tx = app.db.store.begin_platform_write().await.unwrap();
    api::demo::load(&*tx).await.unwrap();
    tx.commit().await.unwrap();
    let server = app.spawn(Config::default());
    (app, server)
}

/// `query` as `token`, asserting it answered without errors; its `data`. Each on a connection
/// of its own: a browser run can outlast the server's keep-alive, and a pooled connection the
/// server closed meanwhile would fail the request.
async fn data(server: &Server, token: &str, query: &str, variables: Value) -> Value {
    let response = reqwest::Client::new()
        .post(format!("{}/graphql", server.base))
        .bearer_auth(token)
        .json(&json!({"query": query, "variables": variables}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert!(body.get("errors").is_none(), "{body:#}");
    body["data"].clone()
}

/// The dashboard at `route` (`/team/<id>`, or empty for the overview) with `token`, once the
/// view named `view` is complete, asserting the page reported no problem and logged nothing.
async fn open(server: &Server, route: &str, token: &str, view: &str) -> String {
    let Some(chromium) = chromium() else {
        return String::new();
    };
    let recorder = Recorder::start(&server.base).await;
    let rendered: Rendered = render(
        &chromium,
        &format!("{}/dashboard#{route}&token={token}", recorder.base),
    )
    .await;
    let dom = rendered.dom.clone();
    assert!(
        tag(&dom, "view").contains(&format!("data-view=\"{view}\"")),
        "the {view} view completed: {dom}"
    );
    let problems = tag(&dom, "problems");
    assert!(problems.contains("hidden"), "{dom}");
    assert!(
        dom.contains(&format!("{problems}</p>")),
        "no problem reported: {dom}"
    );
    assert_eq!(
        rendered.console_messages(),
        Vec::<&str>::new(),
        "nothing logged to the console"
    );
    let authorization = format!("authorization: bearer {}", token.to_lowercase());
    let posts = recorder.graphql_posts();
    assert!(!posts.is_empty(), "the page asked the API");
    for post in &posts {
        assert!(post.to_lowercase().contains(&authorization), "{post}");
    }
    dom
}

/// The texts of the elements marked `data-figure="<key>"` in `dom`, in document order.
fn figures(dom: &str, key: &str) -> Vec<String> {
    let marker = format!("data-figure=\"{key}\"");
    dom.match_indices(&marker)
        .map(|(at, _)| {
            let rest = &dom[at..];
            let text = &rest[rest.find('>').unwrap() + 1..];
            text[..text.find('<').unwrap()]
                .replace("&amp;", "&")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
        })
        .collect()
}

/// The one figure `key` in `dom`.
fn figure(dom: &str, key: &str) -> String {
    let found = figures(dom, key);
    assert_eq!(found.len(), 1, "one {key} in {dom}");
    found[0].clone()
}

/// A count as the dashboard shows it.
fn count(value: &Value) -> String {
    value
        .as_i64()
        .unwrap_or_else(|| panic!("{value}"))
        .to_string()
}

/// A completion fraction as the dashboard shows it.
fn percent(value: &Value) -> String {
    // As a whole number, so a negative zero reads "0" as it does in JavaScript.
    format!("{} %", (value.as_f64().unwrap() * 100.0).round() as i64)
}

#[tokio::test]
async fn the_overview_shows_the_counts_the_api_gives_by_type_lifecycle_phase_and_completion() {
    let (_app, server) = demo().await;
    let token = server.token("demo", Role::Viewer);

    let dom = open(&server, "/", &token, "overview").await;
    if dom.is_empty() {
        return;
    }

    let all = data(
        &server,
        &token,
        "{ factSheets(first: 500) { totalCount facets { types { key count } } edges { node { type lifecycle { phase } } } } }",
        json!({}),
    )
    .await;
    let all = &all["factSheets"];
    assert_eq!(figure(&dom, "total"), count(&all["totalCount"]));
    let types = all["facets"]["types"].as_array().unwrap();
    assert!(types.len() >= 5, "{types:?}");
    for facet in types {
        let key = facet["key"].as_str().unwrap();
        assert_eq!(
            figure(&dom, &format!("type.{key}")),
            count(&facet["count"]),
            "{key}"
        );
    }

    // The demo gives lifecycles to products and artifacts.
    let with_lifecycle: Vec<&Value> = all["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|edge| &edge["node"])
        .filter(|node| ["Product", "SoftwareArtifact"].contains(&node["type"].as_str().unwrap()))
        .collect();
    for phase in ["plan", "phaseIn", "active", "phaseOut", "endOfLife", "none"] {
        let expected = with_lifecycle
            .iter()
            .filter(|node| match node["lifecycle"]["phase"].as_str() {
                Some(p) => p == phase,
                None => phase == "none" && node["lifecycle"].is_null(),
            })
            .count();
        assert_eq!(
            figure(&dom, &format!("lifecycle.{phase}")),
            expected.to_string(),
            "{phase}"
        );
    }
    assert_ne!(
        figure(&dom, "lifecycle.active"),
        "0",
        "the demo has active ones"
    );

    let mut banded = 0;
    for (key, bounds) in [
        ("0-25", json!({"lt": 0.25})),
        ("25-50", json!({"gte": 0.25, "lt": 0.5})),
        ("50-75", json!({"gte": 0.5, "lt": 0.75})),
        ("75-100", json!({"gte": 0.75, "lt": 1})),
        ("100", json!({"gte": 1})),
    ] {
        let band = data(
            &server,
            &token,
            "query($b: NumberBoundsInput!) { factSheets(filter: {completion: $b}) { totalCount } }",
            json!({"b": bounds}),
        )
        .await;
        let shown = figure(&dom, &format!("completion.{key}"));
        assert_eq!(shown, count(&band["factSheets"]["totalCount"]), "{key}");
        banded += shown.parse::<i64>().unwrap();
    }
    assert_eq!(
        banded,
        all["totalCount"].as_i64().unwrap(),
        "the bands cover all"
    );
}

#[tokio::test]
async fn a_team_page_shows_what_the_team_owns_and_its_dora_keys_and_weekly_deployments_as_the_api_gives_them()
 {
    let (_app, server) = demo().await;
    let token = server.token("demo", Role::Viewer);
    let teams = data(
        &server,
        &token,
        r#"{ factSheets(filter: {types: ["Team"], search: "Payments"}) { edges { node { id name } } } }"#,
        json!({}),
    )
    .await;
    let team = &teams["factSheets"]["edges"][0]["node"];
    let id = team["id"].as_str().unwrap().to_owned();

    let dom = open(&server, &format!("/team/{id}"), &token, "team").await;
    if dom.is_empty() {
        return;
    }
    assert_eq!(figure(&dom, "team.name"), "Payments");

    // The twelve ISO weeks ending with this one, in UTC, as the page asks for them.
    let today = Utc::now().date_naive();
    let monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
    let from = monday - Duration::weeks(11);
    let to = monday + Duration::weeks(1);
    let window = json!({"from": format!("{from}T00:00:00Z"), "to": format!("{to}T00:00:00Z"), "bucket": "WEEK"});
    let answer = data(
        &server,
        &token,
        r#"query($id: ID!, $w: MetricWindowInput!) { factSheet(id: $id) {
            metrics(window: $w) {
              deploymentFrequency { deployments level buckets { start deployments } }
              leadTime { level } changeFailureRate { failedDeployments level }
              failedDeploymentRecoveryTime { level }
            }
            vulnerabilitySummary { critical high medium low unknown total affectedArtifacts }
            relations(direction: OUTGOING, type: "teamOwnsArtifact", first: 10) { edges { node { to { id name
              relations(first: 20) { edges { node { type from { id type name } to { id type name } } } }
            } } } }
        } }"#,
        json!({"id": id, "w": window}),
    )
    .await;
    let team = &answer["factSheet"];
    let metrics = &team["metrics"];
    let frequency = &metrics["deploymentFrequency"];
    assert_eq!(
        figure(&dom, "deploymentFrequency"),
        count(&frequency["deployments"])
    );
    assert_ne!(
        figure(&dom, "deploymentFrequency"),
        "0",
        "the demo team deploys"
    );
    for (key, family) in [
        ("deploymentFrequency", "deploymentFrequency"),
        ("leadTime", "leadTime"),
        ("changeFailureRate", "changeFailureRate"),
        ("recovery", "failedDeploymentRecoveryTime"),
    ] {
        let level = metrics[family]["level"].as_str().unwrap_or("not rated");
        assert_eq!(figure(&dom, &format!("{key}.level")), level, "{key}");
    }
    let buckets = frequency["buckets"].as_array().unwrap();
    assert_eq!(buckets.len(), 12);
    for bucket in buckets {
        let week = &bucket["start"].as_str().unwrap()[..10];
        assert_eq!(
            figure(&dom, &format!("week.{week}")),
            count(&bucket["deployments"]),
            "week of {week}"
        );
    }

    for severity in [
        "critical",
        "high",
        "medium",
        "low",
        "unknown",
        "total",
        "affectedArtifacts",
    ] {
        assert_eq!(
            figure(&dom, &format!("vulnerabilities.{severity}")),
            count(&team["vulnerabilitySummary"][severity]),
            "{severity}"
        );
    }

    // What the team owns, and what those artifacts connect to, by type.
    let mut expected: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> =
        Default::default();
    let owned = team["relations"]["edges"].as_array().unwrap();
    for edge in owned {
        let artifact = &edge["node"]["to"];
        expected
            .entry("SoftwareArtifact".into())
            .or_default()
            .insert(artifact["name"].as_str().unwrap().into());
        for relation in artifact["relations"]["edges"].as_array().unwrap() {
            for end in ["from", "to"] {
                let other = &relation["node"][end];
                if other["id"] != artifact["id"] && other["type"] != "Team" {
                    expected
                        .entry(other["type"].as_str().unwrap().into())
                        .or_default()
                        .insert(other["name"].as_str().unwrap().into());
                }
            }
        }
    }
    for kind in ["SoftwareArtifact", "Product", "API", "CloudResource"] {
        let names = expected.get(kind).cloned().unwrap_or_default();
        assert!(!names.is_empty(), "the demo team reaches a {kind}");
        assert_eq!(
            figure(&dom, &format!("related.{kind}")),
            names.len().to_string(),
            "{kind}"
        );
        let shown: std::collections::BTreeSet<String> =
            figures(&dom, &format!("related.{kind}.name"))
                .into_iter()
                .collect();
        assert_eq!(shown, names, "{kind}");
    }
}

#[tokio::test]
async fn the_data_quality_list_shows_the_least_complete_fact_sheets_and_the_artifacts_without_owner()
 {
    let (_app, server) = demo().await;
    let admin = server.token("demo", Role::Admin);
    data(
        &server,
        &admin,
        r#"mutation { createFactSheet(input: {type: "SoftwareArtifact", name: "orphaned-batch"}) { factSheet { id } } }"#,
        json!({}),
    )
    .await;
    let token = server.token("demo", Role::Viewer);

    let dom = open(&server, "/quality", &token, "quality").await;
    if dom.is_empty() {
        return;
    }

    let answer = data(
        &server,
        &token,
        r#"{
          lowest: factSheets(first: 20, orderBy: {field: COMPLETION, direction: ASC}) { edges { node { name completion } } }
          unowned: factSheets(filter: {types: ["SoftwareArtifact"], relations: [{type: "teamOwnsArtifact", direction: INCOMING, exists: false}]}) { totalCount edges { node { name } } }
        }"#,
        json!({}),
    )
    .await;
    let lowest = answer["lowest"]["edges"].as_array().unwrap();
    let names: Vec<String> = lowest
        .iter()
        .map(|e| e["node"]["name"].as_str().unwrap().to_owned())
        .collect();
    let completions: Vec<String> = lowest
        .iter()
        .map(|e| percent(&e["node"]["completion"]))
        .collect();
    assert_eq!(figures(&dom, "lowest.name"), names);
    assert_eq!(figures(&dom, "lowest.completion"), completions);
    assert_eq!(
        names[0], "orphaned-batch",
        "the new artifact has the least filled in"
    );

    assert_eq!(
        figure(&dom, "unowned"),
        count(&answer["unowned"]["totalCount"])
    );
    assert_eq!(
        figures(&dom, "unowned.name"),
        vec!["orphaned-batch".to_owned()]
    );
}
