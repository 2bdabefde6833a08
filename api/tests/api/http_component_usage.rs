//! `componentUsage` over the real server: an SBOM stored through the domain's intake, asked
//! about with a viewer's token.

use api::config::Config;
use domain::Role;
use serde_json::json;

use crate::{
    supply_chain_setup::{LOG4J_CORE, create, import_log4shell, log4j_artifact},
    support::TestApp,
};

#[tokio::test]
async fn a_viewer_asks_over_http_which_teams_artifacts_use_a_vulnerable_log4j() {
    let app = TestApp::new().await;
    import_log4shell(&app).await;
    let team = create(&app, "Team", "Payments", None).await;
    log4j_artifact(&app, "ledger", "2.14.1", Some(&team)).await;
    log4j_artifact(&app, "gateway", "2.17.1", Some(&team)).await;
    let server = app.spawn(Config::default());
    let query = r#"query($p: String!, $r: String) { componentUsage(purl: $p, versionRange: $r) {
      totalCount edges { node { factSheet { name vulnerabilitySummary { critical } } component { version } owners { name } } } } }"#;
    let (status, body) = server
        .graphql(
            Some(&server.token("acme", Role::Viewer)),
            json!({ "query": query, "variables": { "p": LOG4J_CORE, "r": "vers:maven/>=2.0.0|<2.15.0" } }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["data"]["componentUsage"],
        json!({ "totalCount": 1, "edges": [{ "node": {
            "factSheet": { "name": "ledger", "vulnerabilitySummary": { "critical": 1 } },
            "component": { "version": "2.14.1" },
            "owners": [{ "name": "Payments" }],
        } }] }),
        "{body}"
    );
    let (status, body) = server
        .graphql(
            None,
            json!({ "query": query, "variables": { "p": LOG4J_CORE } }),
        )
        .await;
    assert_eq!(status, 401, "{body}");
}
