//! Nested traversal must cost a number of SQL statements bounded by the query's depth, not by
//! the number of nodes: DataLoaders turn each level into one batched statement.

use api::graphql::{SchemaOptions, build_schema};
use domain::{
    fact_sheets::{self, NewFactSheet},
    meta_model_versions,
    relations::{self, NewRelation},
};
use serde_json::json;

use crate::support::TestApp;

pub(crate) const DEPTH_3: &str = r#"{
  factSheets(first: 500, filter: {types: ["SoftwareArtifact"]}) {
    edges { node { id name
      relations { edges { node { type to { id name
        relations { edges { node { type to { id name } } } }
      } } } }
    } }
  }
}"#;

/// `artifacts` artifacts, each owned by one of 10 teams, providing one API and consuming two.
pub(crate) async fn seed(app: &TestApp, artifacts: usize) {
    let model = meta_model_versions::current(app.db.conn(), &app.admin)
        .await
        .unwrap()
        .model;
    let db = app.db.conn();
    let make = |t: &str, name: String| NewFactSheet {
        fact_sheet_type: t.into(),
        name,
        ..Default::default()
    };
    let mut teams = Vec::new();
    for i in 0..10 {
        teams.push(
            fact_sheets::create(db, &app.admin, &model, make("Team", format!("team-{i}")))
                .await
                .unwrap()
                .id,
        );
    }
    let mut apis = Vec::new();
    for i in 0..artifacts {
        let a = fact_sheets::create(
            db,
            &app.admin,
            &model,
            make("SoftwareArtifact", format!("artifact-{i:03}")),
        )
        .await
        .unwrap()
        .id;
        let api = fact_sheets::create(db, &app.admin, &model, make("API", format!("api-{i:03}")))
            .await
            .unwrap()
            .id;
        let rel = |t: &str, from, to| NewRelation {
            relation_type: t.into(),
            from_id: from,
            to_id: to,
            ..Default::default()
        };
        relations::create(
            db,
            &app.admin,
            &model,
            rel("teamOwnsArtifact", teams[i % 10], a),
        )
        .await
        .unwrap();
        relations::create(db, &app.admin, &model, rel("artifactProvidesApi", a, api))
            .await
            .unwrap();
        for consumed in apis.iter().rev().take(2) {
            relations::create(
                db,
                &app.admin,
                &model,
                rel("artifactConsumesApi", a, *consumed),
            )
            .await
            .unwrap();
        }
        apis.push(api);
    }
}

async fn statements_for(artifacts: usize) -> (usize, usize) {
    let mut app = TestApp::new().await;
    // Three nested default pages under `first: 500` cost millions in the complexity limit;
    // this test is about statement counts, so it lifts the limit.
    app.schema = build_schema(&SchemaOptions {
        max_complexity: 100_000_000,
        ..SchemaOptions::default()
    });
    seed(&app, artifacts).await;
    let (response, statements) = app.run_counted(DEPTH_3, json!({})).await;
    assert!(response.get("errors").is_none(), "{response:#}");
    let edges = response["data"]["factSheets"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), artifacts);
    let nodes = response.to_string().matches("\"name\"").count();
    (statements, nodes)
}

#[tokio::test]
async fn depth_three_traversal_costs_statements_per_level_not_per_node() {
    let (small, small_nodes) = statements_for(10).await;
    let (large, large_nodes) = statements_for(100).await;
    println!(
        "depth-3 traversal: {small} statements for {small_nodes} nodes, {large} statements for {large_nodes} nodes"
    );
    assert!(
        large_nodes > 10 * small_nodes / 2,
        "the large graph really is larger ({large_nodes} vs {small_nodes} nodes)"
    );
    // meta model + page + one per relation level (relations and their far ends together):
    // depth + 1.
    assert!(large <= 1 + 1 + 2, "{large} statements for a depth-3 query");
    assert_eq!(
        small, large,
        "statement count must not grow with the number of nodes"
    );
}

/// The shape of load-benchmark scenario (a), over many fact sheets: the page, their external
/// IDs and their tags (links and names together) are one statement each, however many
/// fact sheets and tags there are.
#[tokio::test]
async fn fact_sheets_with_external_ids_and_tags_cost_one_statement_per_field() {
    let app = TestApp::new().await;
    let model = meta_model_versions::current(app.db.conn(), &app.admin)
        .await
        .unwrap()
        .model;
    for i in 0..5 {
        fact_sheets::create(
            app.db.conn(),
            &app.admin,
            &model,
            NewFactSheet {
                fact_sheet_type: "SoftwareArtifact".into(),
                name: format!("artifact-{i}"),
                external_ids: vec![domain::external_ids::ExternalId {
                    namespace: "eventSource".into(),
                    value: format!("repo-{i}"),
                }],
                tags: vec![format!("tier-{}", i % 2), "shared".into()],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    }
    let (response, statements) = app
        .run_counted(
            "{ factSheets(first: 10) { edges { node { name externalIds { value } tags { name } } } } }",
            json!({}),
        )
        .await;
    assert!(response.get("errors").is_none(), "{response:#}");
    let edges = response["data"]["factSheets"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 5);
    for edge in edges {
        let node = &edge["node"];
        let i = node["name"]
            .as_str()
            .unwrap()
            .trim_start_matches("artifact-");
        assert_eq!(
            node["externalIds"],
            json!([{ "value": format!("repo-{i}") }])
        );
        let tier = i.parse::<usize>().unwrap() % 2;
        assert_eq!(
            node["tags"],
            json!([{ "name": "shared" }, { "name": format!("tier-{tier}") }]),
            "each fact sheet's own tags, sorted by name"
        );
    }
    // The meta model, the page, the external IDs, the tags.
    assert_eq!(statements, 4);
}

/// A traversal reads whole far ends only when its selection shows a field a summary leaves
/// out, and every such field is right either way: `attributes`, `description` and the authors
/// (seen ahead, read with the relations) and `lifecycle` (not looked for, so its far ends load
/// their rows in one more batched statement).
#[tokio::test]
async fn far_ends_are_read_whole_only_when_shown_and_always_right() {
    let app = TestApp::new().await;
    let model = meta_model_versions::current(app.db.conn(), &app.admin)
        .await
        .unwrap()
        .model;
    let db = app.db.conn();
    for i in 0..3 {
        let create = |t: &str, name: String, attributes: serde_json::Value| NewFactSheet {
            fact_sheet_type: t.into(),
            description: Some(format!("About {name}.")),
            name,
            attributes: attributes.as_object().unwrap().clone(),
            ..Default::default()
        };
        let lifecycle =
            json!({"lifecycle": {"plan": "2019-01-01", "active": format!("202{i}-01-01")}});
        let product = fact_sheets::create(
            db,
            &app.admin,
            &model,
            create("Product", format!("product-{i}"), lifecycle),
        )
        .await
        .unwrap();
        let artifact = fact_sheets::create(
            db,
            &app.admin,
            &model,
            create(
                "SoftwareArtifact",
                format!("artifact-{i}"),
                json!({"language": "kotlin"}),
            ),
        )
        .await
        .unwrap();
        let contains = NewRelation {
            relation_type: "productContainsArtifact".into(),
            from_id: product.id,
            to_id: artifact.id,
            ..Default::default()
        };
        relations::create(db, &app.admin, &model, contains)
            .await
            .unwrap();
    }
    let run = |far_end: &'static str| {
        let app = &app;
        async move {
            let mut query = format!(
                r#"{{ factSheets(first: 10, filter: {{types: ["SoftwareArtifact"]}}) {{ edges {{ node {{
                     name relations {{ edges {{ node {{ from {{ name {far_end} }} }} }} }} }} }} }} }}"#
            );
            if far_end.contains("...Shown") {
                query += " fragment Shown on FactSheet { attributes }";
            }
            let (response, statements) = app.run_counted(&query, json!({})).await;
            assert!(response.get("errors").is_none(), "{response:#}");
            let ends: Vec<serde_json::Value> = response["data"]["factSheets"]["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["node"]["relations"]["edges"][0]["node"]["from"].clone())
                .collect();
            assert_eq!(ends.len(), 3, "{response:#}");
            (ends, statements)
        }
    };
    let (_, names_only) = run("... on FactSheet { name }").await;

    let (ends, shown) = run("attributes").await;
    for end in &ends {
        let i = &end["name"].as_str().unwrap()["product-".len()..];
        assert_eq!(
            end["attributes"]["lifecycle"]["active"],
            format!("202{i}-01-01")
        );
    }
    assert_eq!(shown, names_only, "attributes come with the relations");

    let (ends, spread) = run("...Shown").await;
    assert!(
        ends.iter()
            .all(|e| e["attributes"]["lifecycle"]["plan"] == "2019-01-01")
    );
    assert_eq!(spread, names_only, "a fragment is looked into too");

    let (ends, described) = run("description createdBy updatedBy").await;
    for end in &ends {
        assert_eq!(
            end["description"],
            format!("About {}.", end["name"].as_str().unwrap())
        );
        assert_eq!(end["createdBy"], app.admin.subject.as_str(), "{end}");
        assert_eq!(end["updatedBy"], app.admin.subject.as_str(), "{end}");
    }
    assert_eq!(
        described, names_only,
        "the whole far ends come with the relations"
    );

    let (ends, derived) = run("lifecycle { phase phases { startDate } }").await;
    for end in &ends {
        assert_eq!(end["lifecycle"]["phase"], "active", "{end}");
        assert_eq!(end["lifecycle"]["phases"].as_array().unwrap().len(), 2);
    }
    assert_eq!(
        derived,
        names_only + 1,
        "one batched load for the level's far ends"
    );
}

/// `componentUsage` over `artifacts` artifacts using log4j-core, each owned by one of three
/// teams (also rolled up by one Team for `vulnerabilities`): the statements of a usage page
/// with its artifacts and owners, and of the Team's findings with their artifacts and
/// components.
async fn supply_chain_statements(artifacts: usize) -> (usize, usize) {
    use crate::supply_chain_setup::{LOG4J_CORE, create, import_log4shell, log4j_artifact};
    let app = TestApp::new().await;
    import_log4shell(&app).await;
    let mut teams = Vec::new();
    for i in 0..3 {
        teams.push(create(&app, "Team", &format!("team-{i}"), None).await);
    }
    for i in 0..artifacts {
        log4j_artifact(
            &app,
            &format!("artifact-{i:03}"),
            "2.14.1",
            Some(&teams[i % 3]),
        )
        .await;
    }
    let usage = r#"query($p: String!) { componentUsage(purl: $p, first: 500) { totalCount
      edges { node { factSheet { name } component { version } owners { name } } } } }"#;
    let (response, usage_statements) = app.run_counted(usage, json!({ "p": LOG4J_CORE })).await;
    assert!(response.get("errors").is_none(), "{response:#}");
    let edges = response["data"]["componentUsage"]["edges"]
        .as_array()
        .unwrap();
    assert_eq!(edges.len(), artifacts);
    assert!(
        edges
            .iter()
            .all(|e| e["node"]["owners"][0]["name"].is_string())
    );
    let findings = r#"query($id: ID!) { factSheet(id: $id) { vulnerabilities(first: 500) {
      edges { node { id title factSheet { name } component { purl } } } } } }"#;
    let (response, findings_statements) =
        app.run_counted(findings, json!({ "id": teams[0] })).await;
    assert!(response.get("errors").is_none(), "{response:#}");
    let found = response["data"]["factSheet"]["vulnerabilities"]["edges"]
        .as_array()
        .unwrap();
    assert_eq!(found.len(), artifacts.div_ceil(3));
    (usage_statements, findings_statements)
}

#[tokio::test]
async fn component_usage_and_a_teams_findings_cost_statements_per_page_not_per_artifact() {
    let small = supply_chain_statements(3).await;
    let large = supply_chain_statements(30).await;
    println!("supply chain: {small:?} statements for 3 artifacts, {large:?} for 30");
    assert_eq!(
        small, large,
        "statement counts must not grow with the artifacts"
    );
}
