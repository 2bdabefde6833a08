//! Incident lifecycles and their links to failed deployments (spec §3, §4).
//!
//! An incident is modelled as one interval `[opened, resolved)`:
//! - `opened` is its earliest `opened` event;
//! - it is resolved only if its latest event (by time; a resolve wins a tie
//!   with an open) is a resolve, and then `resolved` is that event's time. A
//!   resolve followed by a reopen therefore leaves it open, and intermediate
//!   resolves never shorten the interval.
//!
//! An incident without any `opened` event has no start, so it is never timed
//! nor counted as open; its links still mark deployments as failed.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};

use super::deployments::DeploymentIndex;
use super::facts::{IncidentEvent, IncidentEventKind};

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Incident {
    pub id: String,
    pub opened: Option<DateTime<Utc>>,
    pub resolved: Option<DateTime<Utc>>,
    /// Links united over all events of the incident.
    pub deployment_ids: BTreeSet<String>,
    pub change_ids: BTreeSet<String>,
}

/// Incidents in id order.
pub(super) fn incidents(events: &[IncidentEvent]) -> Vec<Incident> {
    let mut by_id: BTreeMap<&str, Vec<&IncidentEvent>> = BTreeMap::new();
    for event in events {
        by_id
            .entry(event.incident_id.as_str())
            .or_default()
            .push(event);
    }
    by_id
        .into_iter()
        .map(|(id, events)| {
            let opened = events
                .iter()
                .filter(|e| e.kind == IncidentEventKind::Opened)
                .map(|e| e.time)
                .min();
            let latest = events.iter().map(|e| (e.time, e.kind)).max();
            let resolved = match latest {
                Some((time, IncidentEventKind::Resolved)) => Some(time),
                _ => None,
            };
            Incident {
                id: id.to_owned(),
                opened,
                resolved,
                deployment_ids: events
                    .iter()
                    .filter_map(|e| e.deployment_id.clone())
                    .collect(),
                change_ids: events
                    .iter()
                    .flat_map(|e| e.change_ids.iter().cloned())
                    .collect(),
            }
        })
        .collect()
}

/// Failed counting deployments (by id) with the indices of their linked
/// incidents. Links go via `deployment_id`, or via a change id whose *first*
/// deployment it is; links to unknown or non-counting deployments are
/// ignored, and incidents with no link are never guessed onto one.
pub(super) fn failed_deployments<'a>(
    incidents: &[Incident],
    index: &'a DeploymentIndex,
) -> BTreeMap<&'a str, BTreeSet<usize>> {
    let mut failed: BTreeMap<&str, BTreeSet<usize>> = BTreeMap::new();
    for (i, incident) in incidents.iter().enumerate() {
        let by_deployment = incident.deployment_ids.iter().filter_map(|d| index.get(d));
        let by_change = incident
            .change_ids
            .iter()
            .filter_map(|c| index.first_deployment_of(c));
        for deployment in by_deployment.chain(by_change) {
            failed.entry(deployment.id.as_str()).or_default().insert(i);
        }
    }
    failed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn ev(id: &str, time: &str, kind: IncidentEventKind) -> IncidentEvent {
        IncidentEvent {
            incident_id: id.into(),
            time: at(time),
            kind,
            deployment_id: None,
            change_ids: vec![],
        }
    }

    #[test]
    fn resolved_then_reopened_is_not_resolved() {
        use IncidentEventKind::*;
        let list = incidents(&[
            ev("i", "2024-03-05T00:00:00Z", Opened),
            ev("i", "2024-03-05T01:00:00Z", Resolved),
            ev("i", "2024-03-05T02:00:00Z", Opened),
        ]);
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].opened, Some(at("2024-03-05T00:00:00Z")));
        assert_eq!(list[0].resolved, None);
    }

    #[test]
    fn reopened_then_resolved_spans_first_open_to_final_resolve() {
        use IncidentEventKind::*;
        let list = incidents(&[
            ev("i", "2024-03-05T03:00:00Z", Resolved),
            ev("i", "2024-03-05T02:00:00Z", Opened),
            ev("i", "2024-03-05T01:00:00Z", Resolved),
            ev("i", "2024-03-05T00:00:00Z", Opened),
        ]);
        assert_eq!(list[0].opened, Some(at("2024-03-05T00:00:00Z")));
        assert_eq!(list[0].resolved, Some(at("2024-03-05T03:00:00Z")));
    }

    #[test]
    fn resolve_wins_a_tie_and_lone_resolve_has_no_start() {
        use IncidentEventKind::*;
        let list = incidents(&[
            ev("a", "2024-03-05T00:00:00Z", Resolved),
            ev("a", "2024-03-05T00:00:00Z", Opened),
            ev("b", "2024-03-05T00:00:00Z", Resolved),
        ]);
        assert_eq!(list[0].opened, Some(at("2024-03-05T00:00:00Z")));
        assert_eq!(list[0].resolved, Some(at("2024-03-05T00:00:00Z")));
        assert_eq!(list[1].opened, None);
    }
}
