//! What the scenarios need, found over GraphQL with the benchmark's own token (the benchmark
//! never opens the database): fact sheet ids, search terms that match, a team of the size the
//! metric targets are set for, and the artifacts' event sources.

use anyhow::{Context, bail};
use domain::external_ids::EVENT_SOURCE_NAMESPACE;
use serde_json::{Value, json};

use crate::bench::client::Api;

pub struct Workload {
    pub fact_sheet_ids: Vec<String>,
    pub search_terms: Vec<String>,
    pub team_id: String,
    pub team_name: String,
    pub team_artifacts: u64,
    pub event_sources: Vec<String>,
}

const PAGE: &str = "query($after: String) { factSheets(first: 500, after: $after) { edges { node { id name } } } }";

const TEAMS: &str = r#"query { factSheets(first: 100, filter: {types: ["Team"]}) { edges { node { id name relations(type: "teamOwnsArtifact", direction: OUTGOING) { totalCount } } } } }"#;

const ARTIFACTS: &str = r#"query($after: String) { factSheets(first: 500, after: $after, filter: {types: ["SoftwareArtifact"]}) { pageInfo { hasNextPage endCursor } edges { node { externalIds { namespace value } } } } }"#;

const SEARCH_CHECK: &str =
    "query($term: String!) { factSheets(first: 1, filter: {search: $term}) { totalCount } }";

/// The team metric targets are set for a team owning 50 artifacts; the team closest to
/// that size is measured (the seed's skew also makes a few teams own hundreds).
const TEAM_SIZE: u64 = 50;

/// Event sources of at most this many artifacts are used (a few pages).
const MAX_SOURCES: usize = 2_000;

fn edges(data: &Value) -> impl Iterator<Item = &Value> {
    data["factSheets"]["edges"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| &e["node"])
}

pub async fn discover(api: &Api) -> anyhow::Result<Workload> {
    let page = api.graphql(PAGE, &json!({})).await?.data()?;
    let mut fact_sheet_ids = Vec::new();
    let mut search_terms = Vec::new();
    for node in edges(&page) {
        fact_sheet_ids.push(
            node["id"]
                .as_str()
                .context("a fact sheet without id")?
                .into(),
        );
        // The last word of a name (`Software Artifact 00042` → `00042`) finds a handful of
        // fact sheets: a realistic search, and one that always matches.
        if let Some(word) = node["name"]
            .as_str()
            .and_then(|n| n.split_whitespace().last())
        {
            search_terms.push(word.to_owned());
        }
    }
    if fact_sheet_ids.is_empty() || search_terms.is_empty() {
        bail!("the workspace has no fact sheets: seed it first (wayfinder-tools seed)");
    }
    let check = api
        .graphql(SEARCH_CHECK, &json!({ "term": search_terms[0] }))
        .await?;
    if check.data()?["factSheets"]["totalCount"]
        .as_u64()
        .unwrap_or(0)
        == 0
    {
        bail!("searching for `{}` found nothing", search_terms[0]);
    }

    let teams = api.graphql(TEAMS, &json!({})).await?.data()?;
    let team = edges(&teams)
        .min_by_key(|t| {
            let owned = t["relations"]["totalCount"].as_u64().unwrap_or(0);
            (owned.abs_diff(TEAM_SIZE), std::cmp::Reverse(owned))
        })
        .context("the workspace has no team")?;

    let mut event_sources = Vec::new();
    let mut after = Value::Null;
    while event_sources.len() < MAX_SOURCES {
        let page = api
            .graphql(ARTIFACTS, &json!({ "after": after }))
            .await?
            .data()?;
        event_sources.extend(
            edges(&page)
                .flat_map(|n| n["externalIds"].as_array().cloned().unwrap_or_default())
                .filter(|e| e["namespace"] == EVENT_SOURCE_NAMESPACE)
                .filter_map(|e| e["value"].as_str().map(str::to_owned)),
        );
        let info = &page["factSheets"]["pageInfo"];
        if info["hasNextPage"] != true {
            break;
        }
        after = info["endCursor"].clone();
    }

    Ok(Workload {
        fact_sheet_ids,
        search_terms,
        team_id: team["id"].as_str().context("a team without id")?.into(),
        team_name: team["name"].as_str().unwrap_or_default().into(),
        team_artifacts: team["relations"]["totalCount"].as_u64().unwrap_or(0),
        event_sources,
    })
}
