//! Every HTTP endpoint of the rule table, called with every role: a role below the endpoint's
//! rule gets 403 FORBIDDEN before its request is read, and a role at or above it gets past
//! authorization (whatever its empty request then earns). A rule changed in the table changes
//! what this test expects, so the table and the endpoints cannot drift apart.

use api::{config::Config, http::endpoint_rules::Endpoint};
use domain::{Role, authz};

use crate::support::{TestApp, code};

#[tokio::test]
async fn every_endpoint_admits_exactly_the_roles_its_rule_names() {
    let app = TestApp::new().await;
    let server = app.spawn(Config::default());
    for endpoint in Endpoint::ALL {
        let (method, path, action) = endpoint.rule();
        for role in Role::ALL {
            let response = server
                .client
                .request(
                    method.as_str().parse().unwrap(),
                    format!("{}{path}", server.base),
                )
                .bearer_auth(server.token("acme", role))
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            let body = response.text().await.unwrap();
            let case = format!("{method} {path} as {role}: {status} {body}");
            if authz::allows(role, action) {
                assert_ne!(status, 403, "{case}");
                assert_ne!(status, 401, "{case}");
            } else {
                assert_eq!(status, 403, "{case}");
                let body: serde_json::Value = serde_json::from_str(&body).unwrap();
                assert_eq!(code(&body), "FORBIDDEN", "{case}");
            }
        }
    }
}
