//! The scenarios of the load benchmark and the requests the single-kind ones (a)–(f) send; the
//! mixed load (g) runs groups of them at once (`mixed`). Requests vary over what discovery
//! found (ids, search terms), and event batches are new every time: their ids carry the run id
//! and a sequence number, so every batch is really stored.

use std::{fmt, str::FromStr};

use chrono::Utc;
use serde_json::{Value, json};

use crate::{bench::team_metrics, dataset::events::EventStream};

use super::discovery::Workload;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    /// (a) One fact sheet by id with its attributes.
    FactSheet,
    /// (b) A filtered, sorted page of 50 with facets.
    FilteredPage,
    /// (c) Depth-3 traversal: 100 artifacts → relations → related fact sheets → relations.
    Traversal,
    /// (d) Full-text search.
    Search,
    /// (e) A team's DORA metrics over 90 days.
    TeamMetrics,
    /// (f) Event ingestion in batches of [`EVENT_BATCH`].
    Ingestion,
    /// (g) Traversals, team metrics and paced writers of every kind, all at once.
    Mixed,
}

pub const ALL: [Scenario; 7] = [
    Scenario::FactSheet,
    Scenario::FilteredPage,
    Scenario::Traversal,
    Scenario::Search,
    Scenario::TeamMetrics,
    Scenario::Ingestion,
    Scenario::Mixed,
];

pub const EVENT_BATCH: usize = 500;

impl FromStr for Scenario {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        ALL.into_iter()
            .find(|c| c.letter() == s.trim())
            .ok_or_else(|| format!("unknown scenario `{s}` (expected a letter from a to g)"))
    }
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = match self {
            Scenario::FactSheet => "fact sheet by id",
            Scenario::FilteredPage => "filtered page + facets",
            Scenario::Traversal => "depth-3 traversal",
            Scenario::Search => "full-text search",
            Scenario::TeamMetrics => "team DORA, 90 days",
            Scenario::Ingestion => "events, batches of 500",
            Scenario::Mixed => "mixed load",
        };
        write!(f, "({}) {label}", self.letter())
    }
}

/// One request of a scenario.
pub enum Request {
    GraphQl {
        query: &'static str,
        variables: Value,
    },
    Events(Vec<Value>),
}

const FACT_SHEET: &str = "query($id: ID!) { factSheet(id: $id) { id type name description attributes revision status completion updatedAt externalIds { namespace value } tags { name } } }";

const FILTERED_PAGE: &str = r#"query { factSheets(first: 50, filter: {types: ["SoftwareArtifact"], status: ACTIVE}, orderBy: {field: UPDATED_AT, direction: DESC}) { totalCount facets { types { key count } tags { key count } attributes { key counts { key count } } } edges { cursor node { id name attributes completion tags { name } } } } }"#;

/// Five relations per fact sheet at both levels: about 2,900 fact sheets and 2,800 relations on
/// the `max` graph, the size of the reference traversal we compare with (see BENCHMARKS.md).
pub const TRAVERSAL: &str = r#"query { factSheets(first: 100, filter: {types: ["SoftwareArtifact"]}) { edges { node { id name relations(first: 5) { edges { node { type to { id name relations(first: 5) { edges { node { type to { id name } } } } } } } } } } } }"#;

const SEARCH: &str = "query($term: String!) { factSheets(first: 20, filter: {search: $term}) { totalCount edges { node { id type name } } } }";

/// The kinds of events a source's stream cycles through (see `EventStream`).
const KIND_CYCLE: u64 = 20;
/// The first round of a source's stream a run's events take: past any a seed wrote (a few
/// dozen events per source), so that a run's deployments and incidents are new.
const FIRST_RUN_ROUND: u64 = 1_000_000;

impl Scenario {
    pub fn letter(self) -> &'static str {
        match self {
            Scenario::FactSheet => "a",
            Scenario::FilteredPage => "b",
            Scenario::Traversal => "c",
            Scenario::Search => "d",
            Scenario::TeamMetrics => "e",
            Scenario::Ingestion => "f",
            Scenario::Mixed => "g",
        }
    }

    /// Whether one request stands for the scenario (and its SQL statements can be counted).
    pub fn reads(self) -> bool {
        !matches!(self, Scenario::Ingestion | Scenario::Mixed)
    }

    /// The `n`-th request of this scenario in this run (`n` counts over all clients). The mixed
    /// load sends many kinds; its main one, the traversal, stands for it here.
    pub fn request(self, workload: &Workload, run: &Run, n: u64) -> Request {
        let pick = |list: &[String]| list[(n % list.len() as u64) as usize].clone();
        let graphql = |query, variables| Request::GraphQl { query, variables };
        match self {
            Scenario::FactSheet => {
                graphql(FACT_SHEET, json!({ "id": pick(&workload.fact_sheet_ids) }))
            }
            Scenario::FilteredPage => graphql(FILTERED_PAGE, json!({})),
            Scenario::Traversal | Scenario::Mixed => graphql(TRAVERSAL, json!({})),
            Scenario::Search => graphql(SEARCH, json!({ "term": pick(&workload.search_terms) })),
            Scenario::TeamMetrics => graphql(
                team_metrics::QUERY,
                team_metrics::variables(&workload.team_id, Utc::now()),
            ),
            Scenario::Ingestion => {
                Request::Events(run.event_batch(&workload.event_sources, n, EVENT_BATCH))
            }
        }
    }
}

/// What makes this run's events its own.
pub struct Run {
    pub id: String,
}

impl Run {
    pub fn new() -> Self {
        Self {
            id: uuid::Uuid::new_v4().simple().to_string(),
        }
    }

    /// Batch `n` of this run's events, happening now. Consecutive events go to consecutive
    /// sources, and each takes its kind, payload and ids from a round of its source's stream
    /// (see `EventStream`) past any the seed wrote, so a batch holds changes, deployments naming
    /// changes, incidents and work items in the seed's proportions, as a live workspace gets
    /// them. Event, deployment and incident ids are unique to this run, so the server stores
    /// each event and each deployment is new to it. One run sends batches of one size.
    pub fn event_batch(&self, sources: &[String], n: u64, size: usize) -> Vec<Value> {
        let stream = EventStream {
            sources,
            total: 1,
            days: 0,
            end: Utc::now(),
        };
        let per_round = sources.len() as u64;
        let first = n * size as u64;
        (first..first + size as u64)
            .map(|j| {
                // 7 is prime to the cycle, so neighbouring sources get different kinds.
                let round = FIRST_RUN_ROUND + KIND_CYCLE * (j / per_round) + (j * 7) % KIND_CYCLE;
                let mut event = stream.event(j % per_round + per_round * round);
                event["id"] = json!(format!("load-{}-{j}", self.id));
                for key in ["deploymentId", "incidentId"] {
                    if let Some(Value::String(id)) = event["data"].get_mut(key) {
                        id.push_str(&format!("-{}", self.id));
                    }
                }
                event
            })
            .collect()
    }
}
