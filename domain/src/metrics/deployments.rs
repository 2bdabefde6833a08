//! Counting deployments, merged by `deployment_id`, shared by every DORA key.
//!
//! Rules (spec §1, §2 and "only production + success count"):
//! - Events that are not successful production deployments are dropped
//!   *before* merging, so a failed attempt never moves a deployment's time or
//!   adds changes to it.
//! - Remaining events with the same `deployment_id` are one deployment at the
//!   latest event time, naming the union of their change ids (an event may
//!   repeat or complete the list; dropping ids would hide changes).
//! - A change's first deployment is the earliest merged deployment naming it,
//!   ties broken by deployment id so the choice never depends on input order.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};

use super::facts::Deployment;
use super::window::MetricWindow;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct MergedDeployment {
    pub id: String,
    pub time: DateTime<Utc>,
    pub change_ids: BTreeSet<String>,
}

#[derive(Clone, Debug, Default)]
pub(super) struct DeploymentIndex {
    /// Sorted by `(time, id)`.
    deployments: Vec<MergedDeployment>,
    by_id: BTreeMap<String, usize>,
    first_of_change: BTreeMap<String, usize>,
}

impl DeploymentIndex {
    pub(super) fn new(events: &[Deployment]) -> Self {
        let mut merged: BTreeMap<&str, (DateTime<Utc>, BTreeSet<String>)> = BTreeMap::new();
        for event in events.iter().filter(|e| e.counts()) {
            let entry = merged
                .entry(event.deployment_id.as_str())
                .or_insert_with(|| (event.time, BTreeSet::new()));
            entry.0 = entry.0.max(event.time);
            entry.1.extend(event.change_ids.iter().cloned());
        }
        let mut deployments: Vec<MergedDeployment> = merged
            .into_iter()
            .map(|(id, (time, change_ids))| MergedDeployment {
                id: id.to_owned(),
                time,
                change_ids,
            })
            .collect();
        deployments.sort_by(|a, b| a.time.cmp(&b.time).then_with(|| a.id.cmp(&b.id)));

        let by_id = deployments
            .iter()
            .enumerate()
            .map(|(i, d)| (d.id.clone(), i))
            .collect();
        let mut first_of_change = BTreeMap::new();
        for (i, deployment) in deployments.iter().enumerate() {
            for change in &deployment.change_ids {
                // Iterating in (time, id) order: the first insert is the first deployment.
                first_of_change.entry(change.clone()).or_insert(i);
            }
        }
        Self {
            deployments,
            by_id,
            first_of_change,
        }
    }

    pub(super) fn get(&self, deployment_id: &str) -> Option<&MergedDeployment> {
        self.deployments.get(*self.by_id.get(deployment_id)?)
    }

    pub(super) fn first_deployment_of(&self, change_id: &str) -> Option<&MergedDeployment> {
        self.deployments.get(*self.first_of_change.get(change_id)?)
    }

    /// Every change that has been deployed, with its first deployment, in
    /// change id order.
    pub(super) fn first_deployments(&self) -> impl Iterator<Item = (&str, &MergedDeployment)> {
        self.first_of_change
            .iter()
            .filter_map(|(change, &i)| Some((change.as_str(), self.deployments.get(i)?)))
    }

    /// Deployments whose (merged) time falls in the window, in time order.
    pub(super) fn in_window<'a>(
        &'a self,
        window: &'a MetricWindow,
    ) -> impl Iterator<Item = &'a MergedDeployment> + 'a {
        self.deployments
            .iter()
            .filter(move |d| window.contains(d.time))
    }
}

#[cfg(test)]
mod tests {
    use super::super::facts::{DeploymentStatus, PRODUCTION};
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn dep(id: &str, time: &str, changes: &[&str]) -> Deployment {
        Deployment {
            deployment_id: id.into(),
            time: at(time),
            change_ids: changes.iter().map(|c| c.to_string()).collect(),
            environment: PRODUCTION.into(),
            status: DeploymentStatus::Success,
        }
    }

    #[test]
    fn events_sharing_an_id_merge_at_latest_time_with_union_of_changes() {
        let index = DeploymentIndex::new(&[
            dep("d", "2024-03-05T12:00:00Z", &["a"]),
            dep("d", "2024-03-05T10:00:00Z", &["b", "a"]),
        ]);
        let d = index.get("d").unwrap();
        assert_eq!(d.time, at("2024-03-05T12:00:00Z"));
        assert_eq!(d.change_ids.iter().collect::<Vec<_>>(), vec!["a", "b"]);
    }

    #[test]
    fn non_counting_events_are_dropped_before_merging() {
        let mut failed = dep("d", "2024-03-06T00:00:00Z", &["late"]);
        failed.status = DeploymentStatus::Failure;
        let mut staging = dep("s", "2024-03-04T00:00:00Z", &["a"]);
        staging.environment = "staging".into();
        let index =
            DeploymentIndex::new(&[dep("d", "2024-03-05T00:00:00Z", &["a"]), failed, staging]);
        let d = index.get("d").unwrap();
        assert_eq!(d.time, at("2024-03-05T00:00:00Z"));
        assert!(!d.change_ids.contains("late"));
        assert!(index.get("s").is_none());
        assert_eq!(
            index.first_deployment_of("a").map(|d| d.id.as_str()),
            Some("d")
        );
    }

    #[test]
    fn first_deployment_ties_break_by_id() {
        let index = DeploymentIndex::new(&[
            dep("z", "2024-03-05T00:00:00Z", &["a"]),
            dep("y", "2024-03-05T00:00:00Z", &["a"]),
            dep("x", "2024-03-04T00:00:00Z", &["b"]),
        ]);
        assert_eq!(
            index.first_deployment_of("a").map(|d| d.id.as_str()),
            Some("y")
        );
        let firsts: Vec<_> = index
            .first_deployments()
            .map(|(c, d)| (c, d.id.as_str()))
            .collect();
        assert_eq!(firsts, vec![("a", "y"), ("b", "x")]);
    }
}
