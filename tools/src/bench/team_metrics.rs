//! The team DORA metrics request both benchmarks time: a team's four keys over a 90-day window
//! in weekly buckets, as a delivery dashboard asks for them.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

pub const QUERY: &str = "query($id: ID!, $from: DateTime!, $to: DateTime!) { factSheet(id: $id) { metrics(window: {from: $from, to: $to, bucket: WEEK}) { deploymentFrequency { deployments level buckets { start deployments } } leadTime { stats { count p50Seconds } level } changeFailureRate { rate level } failedDeploymentRecoveryTime { stats { p50Seconds } level } timeToRestore { stats { p50Seconds } } } } }";

/// The variables of [`QUERY`] for team `team_id` and the 90 days up to `to`.
pub fn variables(team_id: &str, to: DateTime<Utc>) -> Value {
    let from = to - Duration::days(90);
    json!({"id": team_id, "from": from.to_rfc3339(), "to": to.to_rfc3339()})
}
