//! `relations` connections rendered directly answer exactly what async-graphql's executor
//! answers: every query here runs on a schema of each kind over the same data, and the whole
//! response texts (data and errors, keys in order) must be equal. The counts say which way each connection went,
//! so a renderer that quietly left everything to the executor fails too.

use api::graphql::{AppSchema, SchemaOptions, TraversalRendering, build_schema};
use chrono::{TimeZone, Utc};
use domain::{
    fact_sheets::{self, NewFactSheet},
    meta_model_versions,
    relations::{self, NewRelation},
};
use serde_json::{Value, json};

use crate::{n_plus_one::seed, support::TestApp};

struct Both {
    app: TestApp,
    direct: AppSchema,
    executor: AppSchema,
}

fn schema(traversal_rendering: TraversalRendering) -> AppSchema {
    build_schema(&SchemaOptions {
        max_complexity: 100_000_000,
        traversal_rendering,
        ..SchemaOptions::default()
    })
}

/// The traversal test graph, plus a far end with a description and a relation with
/// attributes and an active period.
async fn both() -> Both {
    let app = TestApp::new().await;
    seed(&app, 12).await;
    let db = app.db.conn();
    let model = meta_model_versions::current(db, &app.admin)
        .await
        .unwrap()
        .model;
    let artifact = fact_sheets::create(
        db,
        &app.admin,
        &model,
        NewFactSheet {
            fact_sheet_type: "SoftwareArtifact".into(),
            name: "artifact-described".into(),
            description: Some("Says \"what\" it does".into()),
            tags: vec!["pci".into(), "critical".into()],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let api = first_of_type(&app, "API").await;
    relations::create(
        db,
        &app.admin,
        &model,
        NewRelation {
            relation_type: "artifactConsumesApi".into(),
            from_id: artifact.id,
            to_id: api,
            attributes: json!({"usage": "critical"}).as_object().unwrap().clone(),
            active_from: Some(Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()),
            active_until: Some(Utc.with_ymd_and_hms(2027, 6, 30, 12, 0, 0).unwrap()),
        },
    )
    .await
    .unwrap();
    Both {
        app,
        direct: schema(TraversalRendering::Direct),
        executor: schema(TraversalRendering::Executor),
    }
}

impl Both {
    /// Runs `query` on both schemas, asserts equal responses (and the direct one's written text
    /// equal to its value) and returns it with the number of connections the direct schema
    /// rendered and left to the executor for it.
    async fn same(&self, query: &str, variables: Value) -> (Value, u64, u64) {
        let before = self.direct.traversal_counts();
        let direct = self
            .app
            .run_text_with(&self.direct, &self.app.admin, query, variables.clone())
            .await;
        let after = self.direct.traversal_counts();
        let executor = self
            .app
            .run_text_with(&self.executor, &self.app.admin, query, variables.clone())
            .await;
        assert_eq!(
            direct, executor,
            "direct rendering differs from the executor"
        );
        let response = serde_json::from_str(&direct).unwrap();
        // The written text read back into the response value, for callers that keep one.
        let kept = (self.app)
            .run_with(&self.direct, &self.app.admin, query, variables)
            .await;
        assert_eq!(kept, response, "the value differs from the text");
        (response, after.0 - before.0, after.1 - before.1)
    }
}

/// The id of the first fact sheet of a type.
async fn first_of_type(app: &TestApp, fact_sheet_type: &str) -> uuid::Uuid {
    let data = app
        .data(
            "query($t: String!) { factSheets(first: 1, filter: {types: [$t]}) { edges { node { id } } } }",
            json!({ "t": fact_sheet_type }),
        )
        .await;
    data["factSheets"]["edges"][0]["node"]["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap()
}

const EVERY_FIELD: &str = r#"query($first: Int!) {
  factSheets(first: 100, filter: {types: ["SoftwareArtifact"]}) { edges { node { id name
    relations(first: $first) {
      __typename totalCount
      pageInfo { __typename hasNextPage hasPreviousPage startCursor endCursor }
      edges { __typename cursor node {
        __typename id type revision createdAt updatedAt activeFrom activeUntil attributes
        from { id }
        to { __typename id type name description revision status completion createdAt
             updatedAt createdBy updatedBy attributes
          relations(first: 5, direction: INCOMING) {
            totalCount pageInfo { hasNextPage endCursor }
            edges { cursor node { type from { id name description } to { id } } }
          }
        }
      } }
    }
  } } }
}"#;

#[tokio::test]
async fn every_field_the_renderer_knows_renders_as_the_executor_resolves_it() {
    let both = both().await;
    let (response, rendered, executed) = both.same(EVERY_FIELD, json!({"first": 3})).await;
    assert!(response.get("errors").is_none(), "{response:#}");
    let artifacts = response["data"]["factSheets"]["edges"].as_array().unwrap();
    assert_eq!(artifacts.len(), 13);
    assert_eq!(
        (rendered, executed),
        (1, 0),
        "the page's edges rendered in one piece, every connection with them"
    );
    let text = response.to_string();
    for expected in [
        "\"usage\":\"critical\"",
        "\"activeFrom\":\"2026-01-01T00:00:00+00:00\"",
        "\"description\":\"Says \\\"what\\\" it does\"",
        "\"status\":\"ACTIVE\"",
        "\"hasNextPage\":true",
        "\"__typename\":\"RelationEdge\"",
    ] {
        assert!(text.contains(expected), "{expected} missing from {text}");
    }
}

const FRAGMENTS_AND_ALIASES: &str = r#"query($dir: RelationDirection!, $yes: Boolean!, $type: String) {
  factSheets(first: 100, filter: {types: ["SoftwareArtifact"]}) { edges { node { id
    out: relations(direction: $dir, first: 3) { ...page edges { cursor node { revision } } }
    consumes: relations(type: $type) { edges { node {
      ... on Relation { attributes activeFrom }
      to { name }
      to { id @include(if: $yes) name @skip(if: $yes) }
    } } }
  } } }
}
fragment page on RelationConnection {
  pageInfo { endCursor }
  edges { c: cursor node { ...rel } node { id } }
}
fragment rel on Relation {
  type
  far: to { ... on FactSheet { n: name } relations(first: 1) { totalCount } }
}"#;

#[tokio::test]
async fn fragments_aliases_directives_and_repeated_keys_render_as_the_executor_resolves_them() {
    let both = both().await;
    let variables = json!({"dir": "OUTGOING", "yes": true, "type": "artifactConsumesApi"});
    let (response, rendered, executed) = both.same(FRAGMENTS_AND_ALIASES, variables).await;
    assert!(response.get("errors").is_none(), "{response:#}");
    assert_eq!((rendered, executed), (1, 0));
    let first = &response["data"]["factSheets"]["edges"][0]["node"];
    let out = &first["out"]["edges"][0];
    let far = &out["node"]["far"];
    assert!(
        far["n"].is_string() && far["relations"]["totalCount"].is_u64(),
        "{far:#}"
    );
    assert!(out["c"].is_string() && out["cursor"] == out["c"], "{out:#}");
    assert!(
        out["node"]["revision"].is_i64() && out["node"]["id"].is_string(),
        "{out:#}"
    );
    let consumed = &first["consumes"]["edges"];
    for edge in consumed.as_array().unwrap() {
        let to = edge["node"]["to"].as_object().unwrap();
        assert!(to.contains_key("id") && to.contains_key("name"), "{to:?}");
    }
}

#[tokio::test]
async fn pages_after_a_cursor_render_as_the_executor_resolves_them() {
    let both = both().await;
    let query = r#"query($after: String) {
      factSheets(first: 100, filter: {types: ["API"]}) { edges { node { id
        relations(first: 1, after: $after) { pageInfo { hasNextPage endCursor } edges { node { id
          to { relations(first: 1, after: $after) { edges { cursor } } } } } }
      } } }
    }"#;
    let (first, _, _) = both.same(query, json!({"after": null})).await;
    let cursor =
        first["data"]["factSheets"]["edges"][0]["node"]["relations"]["pageInfo"]["endCursor"]
            .clone();
    assert!(cursor.is_string(), "{first:#}");
    let (next, rendered, executed) = both.same(query, json!({"after": cursor})).await;
    assert!(next.get("errors").is_none(), "{next:#}");
    assert!(rendered > 0 && executed == 0, "{rendered} / {executed}");
    assert_ne!(first, next, "the cursor moved the pages");
}

#[tokio::test]
async fn selections_outside_the_renderer_are_resolved_by_the_executor_with_the_same_answer() {
    let both = both().await;
    for query in [
        // A field the renderer does not know.
        r#"{ factSheets(first: 100, filter: {types: ["SoftwareArtifact"]}) { edges { node {
             relations(first: 2) { edges { node { to { name externalIds { value } } } } } } } } }"#,
        // Nested anchors (APIs reached from their artifacts) read without the attributes the
        // selection shows: `to` of an API's relations is the API.
        r#"{ factSheets(first: 100, filter: {types: ["SoftwareArtifact"]}) { edges { node {
             relations(type: "artifactProvidesApi") { edges { node { to { relations { edges {
               node { to { name attributes } } } } } } } } } } } }"#,
        // A list's edges under one key twice, once through a fragment: the executor merges
        // the two answers.
        r#"{ factSheets(first: 100, filter: {types: ["SoftwareArtifact"]}) {
             edges { node { id } } ...more } }
           fragment more on FactSheetConnection { edges { node { name relations(first: 2) {
             edges { node { to { name } } } } } } }"#,
        // One nested connection under one key twice: the executor merges the two answers.
        r#"{ factSheets(first: 100, filter: {types: ["SoftwareArtifact"]}) { edges { node {
             relations(first: 2) { edges { node { to {
               r: relations(first: 1) { totalCount } r: relations(first: 1) { edges { cursor } }
             } } } } } } } }"#,
    ] {
        let (response, _, executed) = both.same(query, json!({})).await;
        assert!(response.get("errors").is_none(), "{response:#}");
        assert!(executed > 0, "left to the executor: {query}");
    }
}

#[tokio::test]
async fn a_refused_nested_argument_is_worded_by_the_executor() {
    let both = both().await;
    let query = r#"{ factSheets(first: 100, filter: {types: ["SoftwareArtifact"]}) { edges { node {
        relations(first: 2) { edges { node { to { relations(first: -1) { totalCount } } } } } } } } }"#;
    let (response, rendered, _) = both.same(query, json!({})).await;
    assert_eq!(rendered, 0);
    let message = response["errors"][0]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(message.contains("first"), "{response:#}");
}

#[tokio::test]
async fn a_page_of_fact_sheets_with_tags_renders_as_the_executor_resolves_it() {
    let both = both().await;
    let query = r#"{ factSheets(first: 100, filter: {types: ["SoftwareArtifact"]}) {
        totalCount
        edges { __typename cursor node {
          __typename id type name description attributes revision status completion
          tags { __typename id name groupId color description } t: tags { name }
          relations(first: 1) { totalCount }
        } }
      } }"#;
    let (response, rendered, executed) = both.same(query, json!({})).await;
    assert!(response.get("errors").is_none(), "{response:#}");
    assert_eq!(
        (rendered, executed),
        (1, 0),
        "the edges rendered in one piece"
    );
    let described = response["data"]["factSheets"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["name"] == "artifact-described")
        .expect("the described artifact is listed");
    let tags: Vec<&str> = described["node"]["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(tags.len(), 2, "{described:#}");
    assert!(
        tags.contains(&"pci") && tags.contains(&"critical"),
        "{tags:?}"
    );
}

#[tokio::test]
async fn connections_render_directly_under_fact_sheets_the_executor_resolves() {
    let both = both().await;
    let query = r#"{ factSheets(first: 100, filter: {types: ["SoftwareArtifact"]}) { edges { node {
        externalIds { value }
        relations(first: 2) { edges { node { to { name tags { name } } } } }
      } } } }"#;
    let (response, rendered, executed) = both.same(query, json!({})).await;
    assert!(response.get("errors").is_none(), "{response:#}");
    assert_eq!(
        (rendered, executed),
        (13, 1),
        "the page's edges by the executor (externalIds), each artifact's relations directly"
    );
}
