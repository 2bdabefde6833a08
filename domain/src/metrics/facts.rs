//! Input facts: the stored events the metrics are a pure function of.
//!
//! These are plain data so the storage layer can build them from rows and a
//! roll-up can simply concatenate the facts of several artifacts. They are
//! expected to be de-duplicated by CloudEvent `(source, id)` upstream, but may
//! come in any order; every computation sorts before it uses them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::supply_chain::Severity;

/// The environment name that counts for DORA metrics (spec: exact value).
pub const PRODUCTION: &str = "production";

/// A commit or other change (`dev.wayfinder.change`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Change {
    pub id: String,
    pub time: DateTime<Utc>,
}

/// Whether a deployment completed; failures never count (spec: failures in
/// production are signalled by incidents instead).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeploymentStatus {
    Success,
    Failure,
}

/// One deployment event (`dev.wayfinder.deployment` or a LeanIX release).
///
/// Several events may share a `deployment_id`; they are merged into one
/// deployment (see [`Deployment::counts`] and the `deployments` module).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Deployment {
    pub deployment_id: String,
    pub time: DateTime<Utc>,
    pub change_ids: Vec<String>,
    pub environment: String,
    pub status: DeploymentStatus,
}

impl Deployment {
    /// Only successful production deployments take part in any metric; the
    /// rest are stored for listing only.
    pub fn counts(&self) -> bool {
        self.environment == PRODUCTION && self.status == DeploymentStatus::Success
    }
}

/// Opened sorts before resolved so that, at equal event times, the resolve is
/// taken as the latest event (an incident opened and resolved in the same
/// instant is resolved, with duration zero).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IncidentEventKind {
    Opened,
    Resolved,
}

/// One incident event. Links may appear on any event of the incident; they
/// are united over all of its events.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IncidentEvent {
    pub incident_id: String,
    pub time: DateTime<Utc>,
    pub kind: IncidentEventKind,
    #[serde(default)]
    pub deployment_id: Option<String>,
    #[serde(default)]
    pub change_ids: Vec<String>,
}

/// Work item states in workflow order; the order is also the tie-breaker for
/// transitions at the same instant, so `done` wins a tie and the item is done.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WorkItemState {
    Todo,
    Active,
    Waiting,
    Done,
}

/// A work item entering a state (`dev.wayfinder.workitem.transitioned`).
/// `item_type` stays a string (feature/defect/risk/debt) so an unexpected type
/// is still counted rather than dropped.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkItemTransition {
    pub item_id: String,
    pub item_type: String,
    pub state: WorkItemState,
    pub time: DateTime<Utc>,
}

/// One scanner event about a vulnerability (`dev.wayfinder.vulnerability.opened` or
/// `.resolved`). Unlike the other facts it keeps its source and event id: a finding belongs to
/// one artifact's source, and the event id orders reports of the same instant, so the
/// findings do not depend on the order events arrive in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VulnerabilityEvent {
    pub source: String,
    pub event_id: String,
    pub vulnerability_id: String,
    pub time: DateTime<Utc>,
    /// What the scanner reported; `None` for a resolve.
    #[serde(default)]
    pub opened: Option<FindingReport>,
}

/// What an `opened` event says about the vulnerability.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FindingReport {
    #[serde(with = "severity_name")]
    pub severity: Severity,
    #[serde(default)]
    pub advisory_id: Option<String>,
    #[serde(default)]
    pub purl: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
}

/// A severity by its wire spelling.
mod severity_name {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    use crate::supply_chain::Severity;

    pub fn serialize<S: Serializer>(severity: &Severity, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(severity.as_str())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Severity, D::Error> {
        let name = String::deserialize(d)?;
        Severity::parse(&name).ok_or_else(|| D::Error::custom(format!("unknown severity {name:?}")))
    }
}

/// Everything a metric is computed from. A roll-up is the concatenation of
/// its members' facts, hence [`Facts::append`], `Extend` and `FromIterator`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Facts {
    #[serde(default)]
    pub changes: Vec<Change>,
    #[serde(default)]
    pub deployments: Vec<Deployment>,
    #[serde(default)]
    pub incidents: Vec<IncidentEvent>,
    #[serde(default)]
    pub work_items: Vec<WorkItemTransition>,
    #[serde(default)]
    pub vulnerabilities: Vec<VulnerabilityEvent>,
}

impl Facts {
    /// Moves all facts of `other` into `self` (roll-ups are unions of facts).
    pub fn append(&mut self, mut other: Facts) {
        self.changes.append(&mut other.changes);
        self.deployments.append(&mut other.deployments);
        self.incidents.append(&mut other.incidents);
        self.work_items.append(&mut other.work_items);
        self.vulnerabilities.append(&mut other.vulnerabilities);
    }

    /// Arranges every family for [`Self::view_before`] of any time from `since` on: the facts
    /// before `since` first, in no particular order (the engine does not depend on it), then
    /// the others in time order. Linear but for the sort of the facts from `since` on, which
    /// for a cache entry are an hour's.
    pub fn order_from(&mut self, since: DateTime<Utc>) {
        fn order<T>(facts: &mut Vec<T>, time: impl Fn(&T) -> DateTime<Utc>, since: DateTime<Utc>) {
            let (mut before, mut after): (Vec<T>, Vec<T>) = std::mem::take(facts)
                .into_iter()
                .partition(|f| time(f) < since);
            after.sort_by_key(|f| time(f));
            before.append(&mut after);
            *facts = before;
        }
        order(&mut self.changes, |c| c.time, since);
        order(&mut self.deployments, |d| d.time, since);
        order(&mut self.incidents, |i| i.time, since);
        order(&mut self.work_items, |w| w.time, since);
        order(&mut self.vulnerabilities, |v| v.time, since);
    }

    /// Every fact.
    pub fn view(&self) -> FactsView<'_> {
        FactsView {
            changes: &self.changes,
            deployments: &self.deployments,
            incidents: &self.incidents,
            work_items: &self.work_items,
            vulnerabilities: &self.vulnerabilities,
        }
    }

    /// The facts that happened before `until`, of facts [ordered](Self::order_from) from a time
    /// at or before `until`: those of
    /// a window ending there, taken from facts loaded for a window around it (see
    /// the facts cache) without copying them. Later facts must go, not just be ignored: a
    /// deployment's time is that of its latest event.
    pub fn view_before(&self, until: DateTime<Utc>) -> FactsView<'_> {
        fn cut<T>(facts: &[T], time: impl Fn(&T) -> DateTime<Utc>, until: DateTime<Utc>) -> &[T] {
            &facts[..facts.partition_point(|f| time(f) < until)]
        }
        FactsView {
            changes: cut(&self.changes, |c| c.time, until),
            deployments: cut(&self.deployments, |d| d.time, until),
            incidents: cut(&self.incidents, |i| i.time, until),
            work_items: cut(&self.work_items, |w| w.time, until),
            vulnerabilities: cut(&self.vulnerabilities, |v| v.time, until),
        }
    }

    /// Roughly what the facts weigh in memory, in stored ids (each fact and each change id it
    /// names counts one): what a cache of facts is bounded by.
    pub fn weight(&self) -> u64 {
        self.changes.len() as u64
            + self.deployments_weight()
            + self
                .incidents
                .iter()
                .map(|i| i.change_ids.len() as u64 + 1)
                .sum::<u64>()
            + self.work_items.len() as u64
            + self.vulnerabilities.len() as u64
    }

    /// The deployments' part of [`weight`](Self::weight).
    pub fn deployments_weight(&self) -> u64 {
        self.deployments
            .iter()
            .map(|d| d.change_ids.len() as u64 + 1)
            .sum()
    }

    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
            && self.deployments.is_empty()
            && self.incidents.is_empty()
            && self.work_items.is_empty()
            && self.vulnerabilities.is_empty()
    }
}

/// Borrowed facts, as the engine reads them.
#[derive(Debug, Clone, Copy)]
pub struct FactsView<'a> {
    pub changes: &'a [Change],
    pub deployments: &'a [Deployment],
    pub incidents: &'a [IncidentEvent],
    pub work_items: &'a [WorkItemTransition],
    pub vulnerabilities: &'a [VulnerabilityEvent],
}

impl Extend<Facts> for Facts {
    fn extend<I: IntoIterator<Item = Facts>>(&mut self, iter: I) {
        for facts in iter {
            self.append(facts);
        }
    }
}

impl FromIterator<Facts> for Facts {
    fn from_iter<I: IntoIterator<Item = Facts>>(iter: I) -> Self {
        let mut all = Facts::default();
        all.extend(iter);
        all
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{at, change, deployment, transition};
    use super::*;

    #[test]
    fn only_successful_production_deployments_count() {
        let mut d = deployment("d", "2024-03-04T00:00:00Z", &[]);
        assert!(d.counts());
        d.status = DeploymentStatus::Failure;
        assert!(!d.counts());
        d.status = DeploymentStatus::Success;
        d.environment = "staging".into();
        assert!(!d.counts());
    }

    #[test]
    fn facts_concatenate() {
        let a = Facts {
            changes: vec![change("a", "2024-03-04T00:00:00Z")],
            ..Facts::default()
        };
        let b = Facts {
            changes: vec![change("b", "2024-03-04T00:00:00Z")],
            ..Facts::default()
        };
        let all: Facts = vec![a, b].into_iter().collect();
        assert_eq!(all.changes.len(), 2);
        assert!(!all.is_empty());
        assert!(Facts::default().is_empty());
    }

    #[test]
    fn facts_before_a_time_leave_out_that_time_and_later() {
        let work_item = |time| transition("w", "feature", WorkItemState::Done, time);
        let mut facts = Facts {
            changes: vec![
                change("at", "2024-03-05T00:00:00Z"),
                change("early", "2024-03-04T00:00:00Z"),
            ],
            deployments: vec![deployment("d", "2024-03-05T00:00:01Z", &["early"])],
            incidents: vec![IncidentEvent {
                incident_id: "i".into(),
                time: at("2024-03-04T23:59:59Z"),
                kind: IncidentEventKind::Opened,
                deployment_id: None,
                change_ids: vec!["early".into(), "at".into()],
            }],
            work_items: vec![work_item("2024-03-06T00:00:00Z")],
            vulnerabilities: vec![],
        };
        assert_eq!(facts.weight(), 2 + 2 + 3 + 1);
        facts.order_from(at("2024-03-04T12:00:00Z"));
        assert_eq!(facts.changes[0].id, "early");
        let before = facts.view_before(at("2024-03-05T00:00:00Z"));
        assert_eq!(before.changes, &facts.changes[..1]);
        assert_eq!(before.incidents, &facts.incidents[..]);
        assert!(before.deployments.is_empty() && before.work_items.is_empty());
    }

    #[test]
    fn serde_round_trip_uses_spec_spelling() {
        let e = IncidentEvent {
            incident_id: "i".into(),
            time: at("2024-03-04T00:00:00Z"),
            kind: IncidentEventKind::Opened,
            deployment_id: Some("d".into()),
            change_ids: vec![],
        };
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["incidentId"], "i");
        assert_eq!(json["kind"], "opened");
        assert_eq!(json["deploymentId"], "d");
        let back: IncidentEvent = serde_json::from_value(json).unwrap();
        assert_eq!(back, e);
    }
}
