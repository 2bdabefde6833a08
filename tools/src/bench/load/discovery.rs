//! What the scenarios need, found over GraphQL with the benchmark's own token (the benchmark
//! never opens the database): fact sheet ids, search terms that match, a team of the size the
//! metric targets are set for, and the artifacts' event sources.

use std::collections::HashSet;

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
    /// Software artifacts whose event sources were listed (all of them for [`Reach::All`]).
    pub artifact_ids: Vec<String>,
    /// Every team (listed for [`Reach::All`] only).
    pub team_ids: Vec<String>,
}

/// How much of the workspace the scenarios reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// The first pages: enough for the single-kind scenarios.
    FirstPages,
    /// Every artifact and team: the mixed load writes and reads all over the workspace.
    All,
}

const PAGE: &str = "query($after: String) { factSheets(first: 500, after: $after) { edges { node { id name } } } }";

const TEAMS: &str = r#"query { factSheets(first: 100, filter: {types: ["Team"]}) { edges { node { id name relations(type: "teamOwnsArtifact", direction: OUTGOING) { totalCount } } } } }"#;

const ARTIFACTS: &str = r#"query($after: String) { factSheets(first: 500, after: $after, filter: {types: ["SoftwareArtifact"]}) { pageInfo { hasNextPage endCursor } edges { node { id externalIds { namespace value } } } } }"#;

const TEAM_IDS: &str = r#"query($after: String) { factSheets(first: 500, after: $after, filter: {types: ["Team"]}) { pageInfo { hasNextPage endCursor } edges { node { id } } } }"#;

/// The event sources of the artifacts a team owns, a page at a time.
const OWNED_SOURCES: &str = r#"query($id: ID!, $after: String) { factSheet(id: $id) { relations(type: "teamOwnsArtifact", direction: OUTGOING, first: 100, after: $after) { pageInfo { hasNextPage endCursor } edges { node { to { externalIds { namespace value } } } } } } }"#;

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

fn ids(page: &Value) -> impl Iterator<Item = String> + '_ {
    edges(page).filter_map(|n| n["id"].as_str().map(str::to_owned))
}

/// Pages through `query` (with `$after`), handing each page to `take` until it says stop.
async fn pages(api: &Api, query: &str, mut take: impl FnMut(&Value) -> bool) -> anyhow::Result<()> {
    let mut after = Value::Null;
    loop {
        let page = api
            .graphql(query, &json!({ "after": after }))
            .await?
            .data()?;
        let more = take(&page);
        let info = &page["factSheets"]["pageInfo"];
        if !more || info["hasNextPage"] != true {
            return Ok(());
        }
        after = info["endCursor"].clone();
    }
}

pub async fn discover(api: &Api, reach: Reach) -> anyhow::Result<Workload> {
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

    let max_sources = match reach {
        Reach::FirstPages => MAX_SOURCES,
        Reach::All => usize::MAX,
    };
    let mut event_sources = Vec::new();
    let mut artifact_ids = Vec::new();
    pages(api, ARTIFACTS, |page| {
        artifact_ids.extend(ids(page));
        event_sources.extend(
            edges(page)
                .flat_map(|n| n["externalIds"].as_array().cloned().unwrap_or_default())
                .filter(|e| e["namespace"] == EVENT_SOURCE_NAMESPACE)
                .filter_map(|e| e["value"].as_str().map(str::to_owned)),
        );
        event_sources.len() < max_sources
    })
    .await?;
    let mut team_ids = Vec::new();
    if reach == Reach::All {
        pages(api, TEAM_IDS, |page| {
            team_ids.extend(ids(page));
            true
        })
        .await?;
    }

    Ok(Workload {
        fact_sheet_ids,
        search_terms,
        team_id: team["id"].as_str().context("a team without id")?.into(),
        team_name: team["name"].as_str().unwrap_or_default().into(),
        team_artifacts: team["relations"]["totalCount"].as_u64().unwrap_or(0),
        event_sources,
        artifact_ids,
        team_ids,
    })
}

/// The event sources of the artifacts `teams` own: the sources a team's metrics are computed
/// from, as the seed's teams have no teams of their own to roll up.
pub async fn sources_owned_by(api: &Api, teams: &[String]) -> anyhow::Result<HashSet<String>> {
    let mut sources = HashSet::new();
    for team in teams {
        let mut after = Value::Null;
        loop {
            let page = api
                .graphql(OWNED_SOURCES, &json!({ "id": team, "after": after }))
                .await?
                .data()?;
            let relations = &page["factSheet"]["relations"];
            let artifacts = relations["edges"].as_array().into_iter().flatten();
            sources.extend(
                artifacts
                    .flat_map(|e| e["node"]["to"]["externalIds"].as_array().cloned())
                    .flatten()
                    .filter(|e| e["namespace"] == EVENT_SOURCE_NAMESPACE)
                    .filter_map(|e| e["value"].as_str().map(str::to_owned)),
            );
            if relations["pageInfo"]["hasNextPage"] != true {
                break;
            }
            after = relations["pageInfo"]["endCursor"].clone();
        }
    }
    Ok(sources)
}
