//! Incident lifecycles and their links to failed deployments (docs/metrics.md: change failure
//! rate, recovery).
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

use chrono::{DateTime, Utc};

use super::deployments::DeploymentIndex;
use super::facts::{IncidentEvent, IncidentEventKind};
use super::intern::Interner;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Incident {
    pub opened: Option<DateTime<Utc>>,
    pub resolved: Option<DateTime<Utc>>,
    /// Links collected over all events of the incident (may repeat).
    pub deployment_ids: Vec<String>,
    pub change_ids: Vec<String>,
}

/// An incident while its events are gathered, with its latest event.
struct Gathered {
    incident: Incident,
    latest: Option<(DateTime<Utc>, IncidentEventKind)>,
}

/// Incidents in id order.
pub(super) fn incidents(events: &[IncidentEvent]) -> Vec<Incident> {
    let mut ids: Interner<&str> = Interner::with_capacity(events.len());
    let mut gathered: Vec<Gathered> = Vec::new();
    for event in events {
        let i = ids.intern(&event.incident_id) as usize;
        if i == gathered.len() {
            gathered.push(Gathered {
                incident: Incident {
                    opened: None,
                    resolved: None,
                    deployment_ids: Vec::new(),
                    change_ids: Vec::new(),
                },
                latest: None,
            });
        }
        let Gathered { incident, latest } = &mut gathered[i];
        if event.kind == IncidentEventKind::Opened {
            incident.opened = Some(incident.opened.map_or(event.time, |t| t.min(event.time)));
        }
        *latest = (*latest).max(Some((event.time, event.kind)));
        incident.deployment_ids.extend(event.deployment_id.clone());
        incident.change_ids.extend(event.change_ids.iter().cloned());
    }
    let mut list: Vec<(&str, Incident)> = gathered
        .into_iter()
        .enumerate()
        .map(
            |(
                i,
                Gathered {
                    mut incident,
                    latest,
                },
            )| {
                incident.resolved = match latest {
                    Some((time, IncidentEventKind::Resolved)) => Some(time),
                    _ => None,
                };
                (ids.name(i as u32), incident)
            },
        )
        .collect();
    list.sort_unstable_by(|a, b| a.0.cmp(b.0));
    list.into_iter().map(|(_, incident)| incident).collect()
}

/// Failed counting deployments (by position in the index) with the indices
/// of their linked incidents.
#[derive(Clone, Debug, Default)]
pub(super) struct FailedDeployments {
    /// Distinct `(position, incident)` links, sorted.
    links: Vec<(u32, u32)>,
    /// Per position of the index.
    failed: Vec<bool>,
}

impl FailedDeployments {
    pub(super) fn is_failed(&self, position: usize) -> bool {
        self.failed.get(position).copied().unwrap_or(false)
    }

    /// The linked incident indices of each failed deployment.
    pub(super) fn linked(&self) -> impl Iterator<Item = impl Iterator<Item = usize> + '_> + '_ {
        self.links
            .chunk_by(|a, b| a.0 == b.0)
            .map(|group| group.iter().map(|&(_, i)| i as usize))
    }
}

/// Links go via `deployment_id`, or via a change id whose *first*
/// deployment it is; links to unknown or non-counting deployments are
/// ignored, and incidents with no link are never guessed onto one.
pub(super) fn failed_deployments(
    incidents: &[Incident],
    index: &DeploymentIndex,
) -> FailedDeployments {
    let mut links: Vec<(u32, u32)> = Vec::new();
    for (i, incident) in incidents.iter().enumerate() {
        let by_deployment = incident
            .deployment_ids
            .iter()
            .filter_map(|d| index.position(d));
        let by_change = incident
            .change_ids
            .iter()
            .filter_map(|c| Some(index.first_of(index.change(c)?)));
        links.extend(by_deployment.chain(by_change).map(|p| (p as u32, i as u32)));
    }
    links.sort_unstable();
    links.dedup();
    let mut failed = vec![false; index.len()];
    for &(position, _) in &links {
        failed[position as usize] = true;
    }
    FailedDeployments { links, failed }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{at, incident};
    use super::*;

    fn ev(id: &str, time: &str, kind: IncidentEventKind) -> IncidentEvent {
        incident(id, time, kind, None)
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
