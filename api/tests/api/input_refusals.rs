//! Oversized lists and text the databases cannot store are refused at the boundary with
//! `BAD_USER_INPUT` naming the field, the same on SQLite and PostgreSQL, and nothing runs.

use std::time::{Duration, Instant};

use api::config::Config;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use domain::Role;
use serde_json::{Value, json};

use crate::{
    http_events::{ev, post_batch},
    support::{TestApp, code},
};

fn field(response: &Value) -> &str {
    response["errors"][0]["extensions"]["field"]
        .as_str()
        .unwrap_or_else(|| panic!("no field in {response:#}"))
}

const COUNT: &str = "query($f: FactSheetFilter) { factSheets(filter: $f) { totalCount } }";

/// The filter that kept a PostgreSQL backend busy for minutes: thousands of relation
/// conditions from a viewer, in a body of about 150 KB.
#[tokio::test]
async fn a_viewers_filter_of_thousands_of_relations_is_refused_at_once() {
    let app = TestApp::new().await;
    let viewer = app.as_role(Role::Viewer);
    let relations = vec![json!({"type": "teamOwnsArtifact", "exists": false}); 5_000];
    let started = Instant::now();
    let response = app
        .run_as(&viewer, COUNT, json!({"f": {"relations": relations}}))
        .await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "refused at once"
    );
    assert_eq!(code(&response), "BAD_USER_INPUT", "{response:#}");
    assert_eq!(field(&response), "filter.relations");
    let ids: Vec<String> = (0..10_000)
        .map(|_| uuid::Uuid::now_v7().to_string())
        .collect();
    let response = app.run_as(&viewer, COUNT, json!({"f": {"ids": ids}})).await;
    assert_eq!(field(&response), "filter.ids", "{response:#}");
    let search = "word ".repeat(21);
    let response = app
        .run_as(&viewer, COUNT, json!({"f": {"search": search}}))
        .await;
    assert_eq!(field(&response), "filter.search", "{response:#}");
}

#[tokio::test]
async fn nul_in_any_argument_is_refused_by_its_path_and_nothing_runs() {
    let app = TestApp::new().await;
    let create =
        "mutation($i: CreateFactSheetInput!) { createFactSheet(input: $i) { factSheet { id } } }";
    let cases = [
        (
            create,
            json!({"i": {"type": "Team", "name": "Pay\u{0}ments"}}),
            "input.name",
        ),
        (
            create,
            json!({"i": {"type": "Team", "name": "Payments", "tags": ["ok", "p\u{0}ci"]}}),
            "input.tags.1",
        ),
        (
            create,
            json!({"i": {"type": "Team", "name": "Payments", "attributes": {"size": "1\u{0}"}}}),
            "input.attributes.size",
        ),
        (
            COUNT,
            json!({"f": {"attributes": {"lang\u{0}uage": "go"}}}),
            "filter.attributes.lang\\u0000uage",
        ),
        (COUNT, json!({"f": {"search": "\u{0}"}}), "filter.search"),
        (
            r#"mutation { ...M } fragment M on Mutation { createTag(input: {name: "a\u0000"}) { tag { id } } }"#,
            json!({}),
            "input.name",
        ),
    ];
    for (query, variables, expected) in cases {
        let response = app.run(query, variables).await;
        assert_eq!(code(&response), "BAD_USER_INPUT", "{response:#}");
        assert_eq!(field(&response), expected, "{response:#}");
        assert!(response["data"].is_null(), "nothing ran: {response:#}");
    }
    let total = app.data(COUNT, json!({})).await;
    assert_eq!(total["factSheets"]["totalCount"], 0, "nothing was written");
    let tags = app.data("{ tags { name } }", json!({})).await;
    assert_eq!(tags["tags"], json!([]));

    // A cursor is base64 of JSON: a forged one may hold NUL only once decoded.
    let forged = URL_SAFE_NO_PAD
        .encode(r#"{"f":"name","v":"a\u0000","id":"01a248bc-bfda-71cf-83c5-8530a84f5389"}"#);
    let response = app
        .run(
            "query($a: String) { factSheets(after: $a) { totalCount } }",
            json!({"a": forged}),
        )
        .await;
    assert_eq!(code(&response), "BAD_USER_INPUT", "{response:#}");
    assert_eq!(field(&response), "after");
}

#[tokio::test]
async fn nul_in_any_event_field_is_a_400_naming_the_field() {
    let app = TestApp::new().await;
    let server = app.spawn(Config::default());
    let token = server.token("acme", Role::Member);
    let good = || ev("E1", "change", "2024-03-04T09:00:00Z", json!({}));
    let mut id = good();
    id["id"] = json!("E\u{0}1");
    let mut source = good();
    source["source"] = json!("check\u{0}out");
    let mut subject = good();
    subject["subject"] = json!("\u{0}");
    let data = ev(
        "E2",
        "change",
        "2024-03-04T09:00:00Z",
        json!({"note": {"text\u{0}": "x"}}),
    );
    let text = ev(
        "E3",
        "deployment",
        "2024-03-04T09:00:00Z",
        json!({"changeIds": ["C\u{0}1"]}),
    );
    for (event, expected) in [
        (id, "id"),
        (source, "source"),
        (subject, "subject"),
        (data, "data.note.text\\u0000"),
        (text, "data.changeIds.0"),
    ] {
        let (status, body) = post_batch(&server, &token, &[good(), event]).await;
        assert_eq!(status, 400, "{body:#}");
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
        assert_eq!(body["errors"][0]["extensions"]["index"], 1);
        assert_eq!(
            body["errors"][0]["extensions"]["field"], expected,
            "{body:#}"
        );
    }
    let (status, body) = post_batch(&server, &token, &[good()]).await;
    assert_eq!(
        (status, body["accepted"].clone()),
        (202, json!(1)),
        "nothing was stored before"
    );
}
