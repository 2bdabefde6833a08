//! The scenarios of the load benchmark and the requests the single-kind ones (a)–(f) send; the
//! mixed load (g) runs groups of them at once (`mixed`). Requests vary over what discovery
//! found (ids, search terms), and event batches are new every time: their ids carry the run id
//! and a sequence number, so every batch is really stored.

use std::{fmt, str::FromStr};

use chrono::{DateTime, Utc};
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

/// Events of the generated stream are spread over this many days before the run started.
const EVENT_DAYS: i64 = 30;
const EVENT_STREAM_LENGTH: u64 = 10_000_000;

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
    pub started: DateTime<Utc>,
}

impl Run {
    pub fn new() -> Self {
        Self {
            id: uuid::Uuid::new_v4().simple().to_string(),
            started: Utc::now(),
        }
    }

    /// Batch `n`: events `n * size ..` of the seed's event stream (realistic types and payloads,
    /// consecutive events from consecutive sources), with ids unique to this run so the server
    /// stores each of them. One run sends batches of one size.
    pub fn event_batch(&self, sources: &[String], n: u64, size: usize) -> Vec<Value> {
        let stream = EventStream {
            sources,
            total: EVENT_STREAM_LENGTH,
            days: EVENT_DAYS,
            end: self.started,
        };
        let first = n * size as u64;
        (first..first + size as u64)
            .map(|k| {
                let mut event = stream.event(k % EVENT_STREAM_LENGTH);
                event["id"] = json!(format!("load-{}-{k}", self.id));
                event
            })
            .collect()
    }
}
