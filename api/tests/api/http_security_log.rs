//! Security events are visible: a forbidden attempt, a refused document and a bad token each
//! leave a `security` event naming workspace, subject and reason, and no token reaches the log.

use std::time::Duration;

use domain::Role;
use serde_json::{Value, json};

use crate::support::{TestApp, security_log};

fn events_of<'a>(log: &'a [Value], subject: &str) -> Vec<&'a Value> {
    log.iter()
        .filter(|e| e["fields"]["subject"] == subject)
        .collect()
}

#[tokio::test]
async fn refusals_are_logged_with_workspace_subject_and_reason_and_never_a_token() {
    security_log();
    let app = TestApp::new().await;
    let server = app.spawn(api::config::Config::default());
    let probe = |role: Role| {
        let subject = format!("probe-{role}-{}", uuid::Uuid::now_v7().simple());
        let token = server
            .keys
            .issue(&subject, "acme", role, Duration::from_secs(60))
            .unwrap();
        (subject, token)
    };

    let (viewer, viewer_token) = probe(Role::Viewer);
    let (_, body) = server
        .graphql(
            Some(&viewer_token),
            json!({ "query": "mutation { createFactSheet(input: {type: \"Team\", name: \"x\"}) { factSheet { id } } }" }),
        )
        .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN");

    let (member, member_token) = probe(Role::Member);
    let aliases: String = (0..1_000)
        .map(|i| format!("a{i}: viewer {{ role }} "))
        .collect();
    let (_, body) = server
        .graphql(
            Some(&member_token),
            json!({ "query": format!("{{ {aliases} }}") }),
        )
        .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "LIMIT_EXCEEDED");

    let forged = format!("{}x", &member_token[..member_token.len() - 1]);
    let (status, _) = server
        .graphql(Some(&forged), json!({ "query": "{ viewer { role } }" }))
        .await;
    assert_eq!(status, 401);

    let log = security_log();
    let parsed: Vec<Value> = log
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    for subject in [&viewer, &member] {
        let events = events_of(&parsed, subject);
        assert!(!events.is_empty(), "no security event for {subject}");
        for e in events {
            assert_eq!(e["target"], "security");
            assert_eq!(e["fields"]["workspace"], "acme", "{e}");
            assert!(
                e["fields"]["reason"]
                    .as_str()
                    .is_some_and(|r| !r.is_empty()),
                "{e}"
            );
        }
    }
    assert!(
        parsed
            .iter()
            .any(|e| e["fields"]["message"] == "authentication failed"),
        "the forged token left no trace"
    );
    for token in [&viewer_token, &member_token, &forged] {
        assert!(!log.contains(token.as_str()), "a token reached the log");
        let signature = token.rsplit('.').next().unwrap();
        assert!(
            !log.contains(signature),
            "a token signature reached the log"
        );
    }
}
