//! The `debug_sql_statement_header` option: each GraphQL response says how many SQL statements
//! its request read with, counted per request even while other requests run and batch loaders
//! work in spawned tasks, with the process's cache hits and misses beside it, and nothing is
//! said when the option is off.

use api::{
    config::Config,
    graphql::{SchemaOptions, build_schema},
    http::{CACHE_HITS_HEADER, CACHE_MISSES_HEADER, SQL_STATEMENTS_HEADER},
};
use domain::Role;
use serde_json::{Value, json};

use crate::{
    n_plus_one::{DEPTH_3, seed},
    support::{Server, TestApp},
};

/// Posts `query` and returns the statement header (if any) and the body.
async fn post(server: &Server, query: &str) -> (Option<usize>, Value) {
    let (statements, _, body) = post_with_cache(server, query).await;
    (statements, body)
}

/// The process's cache hits and misses so far, as a response reports them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct CacheTotals {
    hits: u64,
    misses: u64,
}

/// Posts `query` and returns the statement header, the cache headers (both or none) and the body.
async fn post_with_cache(
    server: &Server,
    query: &str,
) -> (Option<usize>, Option<CacheTotals>, Value) {
    let token = server.token("acme", Role::Member);
    let response = server
        .client
        .post(format!("{}/graphql", server.base))
        .bearer_auth(token)
        .json(&json!({ "query": query }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().parse::<u64>().unwrap())
    };
    let statements = header(SQL_STATEMENTS_HEADER).map(|n| n as usize);
    let cache = match (header(CACHE_HITS_HEADER), header(CACHE_MISSES_HEADER)) {
        (Some(hits), Some(misses)) => Some(CacheTotals { hits, misses }),
        (None, None) => None,
        other => panic!("one cache header without the other: {other:?}"),
    };
    let body: Value = response.json().await.unwrap();
    assert!(body.get("errors").is_none(), "{body:#}");
    (statements, cache, body)
}

/// Depth-3 traversal over 100 artifacts; the complexity limit is lifted as in `n_plus_one`.
fn debug_config(on: bool) -> Config {
    Config {
        debug_sql_statement_header: on,
        max_query_complexity: 100_000_000,
        ..Config::default()
    }
}

#[tokio::test]
async fn the_header_counts_each_requests_statements_like_the_database_does() {
    let mut app = TestApp::new().await;
    app.schema = build_schema(&SchemaOptions {
        max_complexity: 100_000_000,
        ..SchemaOptions::default()
    });
    seed(&app, 100).await;
    let (direct, expected) = app.run_counted(DEPTH_3, json!({})).await;
    assert!(direct.get("errors").is_none(), "{direct:#}");
    assert!(
        (1..=1 + 1 + 2 * 2).contains(&expected),
        "{expected} statements"
    );

    let server = app.spawn(debug_config(true));
    // The server's first request also reads the meta model document into its shared cache
    // (one statement more; later ones read only its version, as the uncached schema run above
    // reads the whole model: one statement either way). The inventory counter that keys the
    // cached relation windows comes with the version, in the same statement.
    let (first, _) = post(&server, DEPTH_3).await;
    assert_eq!(
        first,
        Some(expected + 1),
        "the first request, filling the caches"
    );
    // Later ones find both levels' relation windows in the cache, and say so in the process's
    // totals (other tests of this process may add to them meanwhile, never take away).
    let (_, before, _) = post_with_cache(&server, DEPTH_3).await;
    let (alone, after, body) = post_with_cache(&server, DEPTH_3).await;
    let (before, after) = (before.unwrap(), after.unwrap());
    assert!(after.hits > before.hits, "{before:?} then {after:?}");
    assert!(after.misses >= before.misses, "{before:?} then {after:?}");
    assert_eq!(
        body["data"]["factSheets"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        100
    );
    assert_eq!(alone, Some(expected - 2), "a request alone");

    // Concurrent requests keep their own counts: a depth-3 query beside a one-statement-page
    // query neither adds to the other.
    let small = "{ factSheets(first: 1) { edges { node { id } } } }";
    let (small_alone, _) = post(&server, small).await;
    let (deep, shallow) = tokio::join!(post(&server, DEPTH_3), post(&server, small));
    assert_eq!(deep.0, alone, "the depth-3 query beside another");
    assert_eq!(shallow.0, small_alone, "the small query beside another");
    // Served from the window cache, the traversal costs what the page does: the meta model's
    // version with the inventory counter, and the list.
    assert_eq!(small_alone, alone);
}

#[tokio::test]
async fn the_header_is_absent_unless_turned_on() {
    let app = TestApp::new().await;
    seed(&app, 3).await;
    let server = app.spawn(debug_config(false));
    let (statements, cache, body) = post_with_cache(&server, DEPTH_3).await;
    assert_eq!(
        body["data"]["factSheets"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert_eq!(statements, None);
    assert_eq!(cache, None);
}

/// A fact sheet opened with its external IDs and tags costs the statements of the fact sheet
/// alone: the lists come in its statement, through the real server, and say the same as
/// the batch loaders do for a page.
#[tokio::test]
async fn one_fact_sheet_brings_its_lists_in_its_own_statement() {
    let app = TestApp::new().await;
    let model = domain::meta_model_versions::current(app.db.conn(), &app.admin)
        .await
        .unwrap()
        .model;
    let sheet = domain::fact_sheets::create(
        app.db.conn(),
        &app.admin,
        &model,
        domain::fact_sheets::NewFactSheet {
            fact_sheet_type: "SoftwareArtifact".into(),
            name: "Checkout".into(),
            external_ids: vec![
                domain::external_ids::ExternalId {
                    namespace: "jira".into(),
                    value: "CHK".into(),
                },
                domain::external_ids::ExternalId {
                    namespace: "eventSource".into(),
                    value: "checkout".into(),
                },
            ],
            tags: vec!["tier-1".into(), "pci".into()],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let server = app.spawn(debug_config(true));
    let one = |fields: &str| format!(r#"{{ factSheet(id: "{}") {{ id {fields} }} }}"#, sheet.id);
    // The first request fills the meta model cache; not compared.
    post(&server, &one("")).await;

    let (bare, _) = post(&server, &one("")).await;
    let lists = "externalIds { namespace value } tags { name }";
    let (with_lists, body) = post(&server, &one(lists)).await;
    assert_eq!(with_lists, bare, "the lists cost no statement of their own");
    let page = format!(r#"{{ factSheets(first: 1) {{ edges {{ node {{ {lists} }} }} }} }}"#);
    let (_, paged) = post(&server, &page).await;
    let node = &paged["data"]["factSheets"]["edges"][0]["node"];
    assert_eq!(
        body["data"]["factSheet"]["externalIds"],
        node["externalIds"]
    );
    assert_eq!(body["data"]["factSheet"]["tags"], node["tags"]);
    assert_eq!(
        body["data"]["factSheet"]["externalIds"],
        json!([
            { "namespace": "eventSource", "value": "checkout" },
            { "namespace": "jira", "value": "CHK" },
        ])
    );
    assert_eq!(
        body["data"]["factSheet"]["tags"],
        json!([{ "name": "pci" }, { "name": "tier-1" }])
    );

    // Through a fragment the look-ahead still sees the lists.
    let fragment = format!(
        r#"query {{ factSheet(id: "{}") {{ id ...Lists }} }} fragment Lists on FactSheet {{ {lists} }}"#,
        sheet.id
    );
    let (via_fragment, body) = post(&server, &fragment).await;
    assert_eq!(via_fragment, bare);
    assert_eq!(body["data"]["factSheet"]["tags"], node["tags"]);
}

/// A traversal opened again reads no relations until something it shows changes, and the
/// change shows in the next answer; a change elsewhere costs one statement (what changed).
#[tokio::test]
async fn a_traversal_opened_again_reads_no_relations_until_a_change() {
    let app = TestApp::new().await;
    seed(&app, 10).await;
    let server = app.spawn(debug_config(true));
    post(&server, DEPTH_3).await;
    let (warm, before) = post(&server, DEPTH_3).await;
    let (again, same) = post(&server, DEPTH_3).await;
    assert_eq!(again, warm);
    assert_eq!(same, before, "the cached answer");

    // Another replica's write (straight to the database) moves the counter this one reads.
    let model = domain::meta_model_versions::current(app.db.conn(), &app.admin)
        .await
        .unwrap()
        .model;
    let artifacts = before["data"]["factSheets"]["edges"].as_array().unwrap();
    let id = |i: usize| {
        artifacts[i]["node"]["id"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap()
    };
    domain::relations::create(
        app.db.conn(),
        &app.admin,
        &model,
        domain::relations::NewRelation {
            relation_type: "artifactConsumesApi".into(),
            from_id: id(0),
            to_id: id(0),
            ..Default::default()
        },
    )
    .await
    .expect_err("an artifact is no API: the write is refused and changes nothing");
    let (refused, unchanged) = post(&server, DEPTH_3).await;
    assert_eq!(
        (refused, &unchanged),
        (warm, &before),
        "a refused write moves nothing"
    );

    // An API shows only as a far end (the `to` of its artifacts' relations).
    let api = artifacts[0]["node"]["relations"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["node"])
        .find(|n| n["type"] == "artifactProvidesApi")
        .unwrap()["to"]
        .clone();
    domain::fact_sheets::update(
        app.db.conn(),
        &app.admin,
        &model,
        domain::fact_sheets::FactSheetPatch {
            id: api["id"].as_str().unwrap().parse().unwrap(),
            name: Some("renamed".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let (after, changed) = post(&server, DEPTH_3).await;
    assert_eq!(
        after,
        warm.map(|n| n + 3),
        "what changed, then the windows of both levels that show or anchor at it"
    );
    let text = changed.to_string();
    let named = |name: &str| text.contains(&format!(r#""name":"{name}""#));
    assert!(named("renamed"), "the new name of the far end");
    assert!(
        !named(api["name"].as_str().unwrap()),
        "the old name is gone"
    );

    // A new fact sheet is shown by no window: the windows stay, at the cost of reading what
    // changed once.
    domain::fact_sheets::create(
        app.db.conn(),
        &app.admin,
        &model,
        domain::fact_sheets::NewFactSheet {
            fact_sheet_type: "Team".into(),
            name: "elsewhere".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let (elsewhere, kept) = post(&server, DEPTH_3).await;
    assert_eq!(elsewhere, warm.map(|n| n + 1), "one read of what changed");
    assert_eq!(kept, changed, "the same answer");
    let (warm_again, _) = post(&server, DEPTH_3).await;
    assert_eq!(warm_again, warm);
}

/// A page's total and its facets, resolved side by side, are keyed by one read of the
/// inventory counter: once both are cached, asking for the facets too costs no statement.
#[tokio::test]
async fn total_and_facets_share_one_read_of_the_inventory_counter() {
    let app = TestApp::new().await;
    seed(&app, 3).await;
    let server = app.spawn(debug_config(true));
    let total = "{ factSheets(first: 1) { totalCount } }";
    let both = "{ factSheets(first: 1) { totalCount facets { types { key count } } } }";
    // Fill the meta model and aggregate caches.
    post(&server, total).await;
    post(&server, both).await;

    let (total_only, _) = post(&server, total).await;
    let (with_facets, body) = post(&server, both).await;
    assert_eq!(with_facets, total_only);
    let types = body["data"]["factSheets"]["facets"]["types"]
        .as_array()
        .unwrap();
    let artifacts = types
        .iter()
        .find(|t| t["key"] == "SoftwareArtifact")
        .unwrap();
    assert_eq!(artifacts["count"], 3);
}
