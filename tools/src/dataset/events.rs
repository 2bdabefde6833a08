//! A year of delivery events for a set of event sources: per artifact, changes, deployments
//! naming the changes before them, incidents on some deployments, and work items moving along.
//! The n-th event is a pure function of `n`, so generators in several tasks or processes can
//! share one stream by taking turns over `n`.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

/// The stream `events` long, spread evenly over the `days` before `end`.
pub struct EventStream<'a> {
    pub sources: &'a [String],
    pub total: u64,
    pub days: i64,
    pub end: DateTime<Utc>,
}

impl EventStream<'_> {
    /// The n-th event as a CloudEvent (JSON, structured mode).
    pub fn event(&self, n: u64) -> Value {
        let sources = self.sources.len() as u64;
        let source = &self.sources[(n % sources) as usize];
        let k = n / sources;
        let start = self.end - Duration::days(self.days);
        let time = start
            + Duration::milliseconds(
                ((n as f64 / self.total as f64) * self.days as f64 * 86_400_000.0) as i64,
            );
        let item = |suffix: &str| format!("{source}-{suffix}{}", k / 20);
        let (t, data) = match k % 20 {
            0..=7 => ("change", json!({})),
            8..=10 => (
                "deployment",
                json!({"deploymentId": format!("{source}-d{k}"), "changeIds": (k.saturating_sub(8)..k).map(|c| format!("{source}-{c}")).collect::<Vec<_>>()}),
            ),
            11 => (
                "incident.opened",
                json!({"incidentId": item("i"), "deploymentId": format!("{source}-d{}", k - 1)}),
            ),
            12 => ("incident.resolved", json!({"incidentId": item("i")})),
            13..=15 => (
                "workitem.transitioned",
                json!({"itemId": item("w"), "itemType": "feature", "state": "active"}),
            ),
            16..=17 => (
                "workitem.transitioned",
                json!({"itemId": item("w"), "itemType": "defect", "state": "waiting"}),
            ),
            _ => (
                "workitem.transitioned",
                json!({"itemId": item("w"), "itemType": "feature", "state": "done"}),
            ),
        };
        json!({"specversion": "1.0", "id": format!("{source}-{k}"), "source": source, "type": format!("dev.wayfinder.{t}"), "time": time.to_rfc3339(), "data": data})
    }
}
