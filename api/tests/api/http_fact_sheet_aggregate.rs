//! `factSheetAggregate` through the real HTTP server, as a viewer may read it.

use api::config::Config;
use domain::Role;
use serde_json::json;

use crate::{
    schema_fact_sheet_aggregate::{COST_PER_TEAM, landscape},
    support::TestApp,
};

#[tokio::test]
async fn a_viewer_gets_the_monthly_cost_per_team_over_http() {
    let app = TestApp::new().await;
    landscape(&app).await;
    let server = app.spawn(Config::default());
    let token = server.token("acme", Role::Viewer);
    let (status, body) = server
        .graphql(Some(&token), json!({ "query": COST_PER_TEAM }))
        .await;
    assert_eq!(status, 200, "{body}");
    let groups = &body["data"]["factSheetAggregate"]["groups"];
    assert_eq!(groups[0]["values"], json!([150.0]), "{body}");
    assert_eq!(groups[0]["keys"][0]["label"], "Alpha");
}
