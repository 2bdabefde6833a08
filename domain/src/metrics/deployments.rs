//! Counting deployments, merged by `deployment_id`, shared by every DORA key.
//!
//! Rules (docs/metrics.md: deployment frequency, lead time, and "only production + success count"):
//! - Events that are not successful production deployments are dropped
//!   *before* merging, so a failed attempt never moves a deployment's time or
//!   adds changes to it.
//! - Remaining events with the same `deployment_id` are one deployment at the
//!   latest event time, naming the union of their change ids (an event may
//!   repeat or complete the list; dropping ids would hide changes).
//! - A change's first deployment is the earliest merged deployment naming it,
//!   ties broken by deployment id so the choice never depends on input order.
//!
//! Deployment and change ids are interned to integers once; merged
//! deployments are addressed by their *position* in `(time, id)` order.

use std::ops::Range;

use chrono::{DateTime, Utc};

use super::facts::Deployment;
use super::intern::Interner;
use super::window::MetricWindow;

const NONE: u32 = u32::MAX;

#[derive(Clone, Debug)]
pub(super) struct DeploymentIndex {
    /// Ids of counting deployments.
    ids: Interner<String>,
    /// Change ids named by counting deployments.
    changes: Interner<String>,
    /// Positions in `(time, id)` order: the deployment id index and time.
    order: Vec<u32>,
    times: Vec<DateTime<Utc>>,
    /// Deployment id index -> position.
    position_of: Vec<u32>,
    /// Per position, its distinct change indices (ascending) in `change_list`.
    change_ranges: Vec<Range<u32>>,
    change_list: Vec<u32>,
    /// Change index -> position of its first deployment.
    first_of_change: Vec<u32>,
}

impl DeploymentIndex {
    pub(super) fn new(events: &[Deployment]) -> Self {
        let mut ids = Interner::with_capacity(events.len());
        let mut changes = Interner::with_capacity(events.len());
        let mut latest: Vec<DateTime<Utc>> = Vec::new();
        // (deployment id index, change index), grouped below into each
        // merged deployment's change set.
        let mut pairs: Vec<(u32, u32)> = Vec::new();
        for event in events.iter().filter(|e| e.counts()) {
            let d = ids.intern_owned(&event.deployment_id);
            match latest.get_mut(d as usize) {
                Some(time) => *time = (*time).max(event.time),
                None => latest.push(event.time),
            }
            pairs.extend(
                event
                    .change_ids
                    .iter()
                    .map(|c| (d, changes.intern_owned(c))),
            );
        }

        let mut order: Vec<u32> = (0..latest.len() as u32).collect();
        order.sort_unstable_by(|&a, &b| {
            latest[a as usize]
                .cmp(&latest[b as usize])
                .then_with(|| ids.name(a).cmp(ids.name(b)))
        });
        let mut position_of = vec![NONE; order.len()];
        for (position, &d) in order.iter().enumerate() {
            position_of[d as usize] = position as u32;
        }

        // Bucket the pairs by position (a counting sort), so each merged
        // deployment's change set is a small slice to sort and deduplicate.
        let mut offsets = vec![0_usize; order.len() + 1];
        for &(d, _) in &pairs {
            offsets[position_of[d as usize] as usize + 1] += 1;
        }
        for i in 1..offsets.len() {
            offsets[i] += offsets[i - 1];
        }
        let mut change_list = vec![0_u32; pairs.len()];
        let mut next = offsets.clone();
        for &(d, change) in &pairs {
            let slot = &mut next[position_of[d as usize] as usize];
            change_list[*slot] = change;
            *slot += 1;
        }
        let mut change_ranges = Vec::with_capacity(order.len());
        let mut first_of_change = vec![NONE; changes.len()];
        let mut end = 0;
        for position in 0..order.len() {
            let (start, stop) = (offsets[position], offsets[position + 1]);
            change_list[start..stop].sort_unstable();
            let begin = end;
            for i in start..stop {
                let change = change_list[i];
                if i > start && change_list[i - 1] == change {
                    continue;
                }
                // Walking in (time, id) order: the first one seen is the first deployment.
                let first = &mut first_of_change[change as usize];
                if *first == NONE {
                    *first = position as u32;
                }
                change_list[end] = change;
                end += 1;
            }
            change_ranges.push(begin as u32..end as u32);
        }
        change_list.truncate(end);
        Self {
            ids,
            changes,
            times: order.iter().map(|&d| latest[d as usize]).collect(),
            order,
            position_of,
            change_ranges,
            change_list,
            first_of_change,
        }
    }

    /// Number of merged deployments (positions are `0..len`).
    pub(super) fn len(&self) -> usize {
        self.order.len()
    }

    pub(super) fn time(&self, position: usize) -> DateTime<Utc> {
        self.times[position]
    }

    /// The position of a counting deployment by id.
    pub(super) fn position(&self, deployment_id: &str) -> Option<usize> {
        let d = self.ids.get(deployment_id)?;
        Some(self.position_of[d as usize] as usize)
    }

    /// Number of distinct change ids named by counting deployments.
    pub(super) fn change_count(&self) -> usize {
        self.changes.len()
    }

    /// The index of a change id named by some counting deployment.
    pub(super) fn change(&self, change_id: &str) -> Option<u32> {
        self.changes.get(change_id)
    }

    /// Distinct change indices of the deployment at `position`.
    pub(super) fn changes_of(&self, position: usize) -> &[u32] {
        let range = self.change_ranges[position].clone();
        &self.change_list[range.start as usize..range.end as usize]
    }

    /// Position of the first deployment of a change index.
    pub(super) fn first_of(&self, change: u32) -> usize {
        self.first_of_change[change as usize] as usize
    }

    /// Positions of the deployments whose (merged) time falls in the window,
    /// in time order.
    pub(super) fn in_window(&self, window: &MetricWindow) -> Range<usize> {
        if window.to <= window.from {
            return 0..0;
        }
        let start = self.times.partition_point(|t| *t < window.from);
        let end = self.times.partition_point(|t| *t < window.to);
        start..end
    }
}

/// Read-only views for tests, by id (the metrics use positions).
#[cfg(test)]
#[derive(Clone, Debug)]
pub(super) struct MergedDeployment<'a> {
    pub id: &'a String,
    pub time: DateTime<Utc>,
    pub change_ids: ChangeNames<'a>,
}

/// A merged deployment's change ids, in id order.
#[cfg(test)]
#[derive(Clone, Debug)]
pub(super) struct ChangeNames<'a>(Vec<&'a str>);

#[cfg(test)]
impl<'a> ChangeNames<'a> {
    pub(super) fn iter(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.0.iter().copied()
    }

    pub(super) fn contains(&self, change_id: &str) -> bool {
        self.0.contains(&change_id)
    }
}

#[cfg(test)]
impl DeploymentIndex {
    fn view(&self, position: usize) -> MergedDeployment<'_> {
        let d = self.order[position];
        MergedDeployment {
            id: &self.ids.names()[d as usize],
            time: self.times[position],
            change_ids: {
                let mut names: Vec<&str> = self
                    .changes_of(position)
                    .iter()
                    .map(|&c| self.changes.name(c))
                    .collect();
                names.sort_unstable();
                ChangeNames(names)
            },
        }
    }

    pub(super) fn get(&self, deployment_id: &str) -> Option<MergedDeployment<'_>> {
        Some(self.view(self.position(deployment_id)?))
    }

    pub(super) fn first_deployment_of(&self, change_id: &str) -> Option<MergedDeployment<'_>> {
        Some(self.view(self.first_of(self.change(change_id)?)))
    }

    /// Every change that has been deployed, with its first deployment, in
    /// change id order.
    pub(super) fn first_deployments(
        &self,
    ) -> impl Iterator<Item = (&str, MergedDeployment<'_>)> + '_ {
        let mut firsts: Vec<_> = (0..self.changes.len() as u32)
            .map(|c| (self.changes.name(c), self.view(self.first_of(c))))
            .collect();
        firsts.sort_by(|a, b| a.0.cmp(b.0));
        firsts.into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::super::facts::DeploymentStatus;
    use super::super::fixtures::{at, deployment};
    use super::*;

    #[test]
    fn events_sharing_an_id_merge_at_latest_time_with_union_of_changes() {
        let index = DeploymentIndex::new(&[
            deployment("d", "2024-03-05T12:00:00Z", &["a"]),
            deployment("d", "2024-03-05T10:00:00Z", &["b", "a"]),
        ]);
        let d = index.get("d").unwrap();
        assert_eq!(d.time, at("2024-03-05T12:00:00Z"));
        assert_eq!(d.change_ids.iter().collect::<Vec<_>>(), vec!["a", "b"]);
    }

    #[test]
    fn non_counting_events_are_dropped_before_merging() {
        let mut failed = deployment("d", "2024-03-06T00:00:00Z", &["late"]);
        failed.status = DeploymentStatus::Failure;
        let mut staging = deployment("s", "2024-03-04T00:00:00Z", &["a"]);
        staging.environment = "staging".into();
        let index = DeploymentIndex::new(&[
            deployment("d", "2024-03-05T00:00:00Z", &["a"]),
            failed,
            staging,
        ]);
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
            deployment("z", "2024-03-05T00:00:00Z", &["a"]),
            deployment("y", "2024-03-05T00:00:00Z", &["a"]),
            deployment("x", "2024-03-04T00:00:00Z", &["b"]),
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
