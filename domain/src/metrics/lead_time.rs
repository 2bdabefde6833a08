//! Lead time for changes (docs/metrics.md): first counting deployment of a change
//! minus the change's time, bucketed by that deployment's time.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::deployments::DeploymentIndex;
use super::facts::Change;
use super::levels::Level;
use super::stats::{DurationStats, nanos_between};
use super::window::{BucketGrid, MetricWindow};
use crate::meta_model::DurationBands;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LeadTime {
    pub stats: DurationStats,
    /// Distinct change ids named by the window's deployments (any of them, not
    /// only first deployments) that have no change event yet.
    pub pending_changes: u64,
    /// Changes whose first deployment in the window precedes the change
    /// itself; excluded from the statistics.
    pub negative_durations: u64,
    pub level: Option<Level>,
    pub buckets: Vec<LeadTimeBucket>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LeadTimeBucket {
    pub start: DateTime<Utc>,
    pub stats: DurationStats,
}

/// Times of the changes named by counting deployments, by change index.
///
/// The same change id may arrive from two sources in a roll-up; the earliest
/// time is taken since a change cannot exist before it was first seen.
fn change_times(changes: &[Change], index: &DeploymentIndex) -> Vec<Option<DateTime<Utc>>> {
    let mut times: Vec<Option<DateTime<Utc>>> = vec![None; index.change_count()];
    for change in changes {
        if let Some(c) = index.change(&change.id) {
            let time = &mut times[c as usize];
            *time = Some(time.map_or(change.time, |t| t.min(change.time)));
        }
    }
    times
}

pub(super) fn lead_time(
    changes: &[Change],
    index: &DeploymentIndex,
    window: &MetricWindow,
    bands: &DurationBands,
) -> LeadTime {
    let times = change_times(changes, index);
    let grid = BucketGrid::new(window, window.bucket);
    let mut per_bucket: Vec<Vec<i128>> = vec![Vec::new(); grid.len()];
    let mut all = Vec::new();
    let mut negative_durations = 0_u64;

    for (change, changed) in times.iter().enumerate() {
        let deployed = index.time(index.first_of(change as u32));
        let Some(bucket) = grid.index_of(deployed) else {
            continue;
        };
        let Some(changed) = *changed else {
            continue;
        };
        let duration = nanos_between(changed, deployed);
        if duration < 0 {
            negative_durations += 1;
            continue;
        }
        all.push(duration);
        if let Some(slot) = per_bucket.get_mut(bucket) {
            slot.push(duration);
        }
    }

    let mut pending = 0_u64;
    let mut counted = vec![false; times.len()];
    for position in index.in_window(window) {
        for &change in index.changes_of(position) {
            let c = change as usize;
            if times[c].is_none() && !counted[c] {
                counted[c] = true;
                pending += 1;
            }
        }
    }

    let stats = DurationStats::from_nanos(all);
    LeadTime {
        level: bands.rate(stats.p50_seconds),
        stats,
        pending_changes: pending,
        negative_durations,
        buckets: grid
            .starts()
            .zip(per_bucket)
            .map(|(start, durations)| LeadTimeBucket {
                start,
                stats: DurationStats::from_nanos(durations),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::facts::Deployment;
    use super::super::fixtures::{change, deployment, first_week_of_march};
    use super::super::window::BucketSize;
    use super::*;
    use crate::meta_model::Bands;

    const H: f64 = 3600.0;

    fn run(changes: &[Change], deps: &[Deployment]) -> LeadTime {
        lead_time(
            changes,
            &DeploymentIndex::new(deps),
            &first_week_of_march(BucketSize::Day),
            &Bands::default().lead_time,
        )
    }

    #[test]
    fn change_deployed_twice_counts_once_at_first_deployment() {
        let lt = run(
            &[change("c", "2024-03-04T00:00:00Z")],
            &[
                deployment("d2", "2024-03-06T00:00:00Z", &["c"]),
                deployment("d1", "2024-03-05T00:00:00Z", &["c"]),
            ],
        );
        assert_eq!(lt.stats.count, 1);
        assert_eq!(lt.stats.p50_seconds, Some(24.0 * H));
        assert_eq!(lt.buckets[1].stats.count, 1);
        assert_eq!(lt.buckets[2].stats.count, 0);
        assert_eq!(lt.level, Some(Level::High));
    }

    #[test]
    fn first_deployment_before_window_leaves_change_out() {
        let lt = run(
            &[change("c", "2024-03-01T00:00:00Z")],
            &[
                deployment("d1", "2024-03-02T00:00:00Z", &["c"]),
                deployment("d2", "2024-03-05T00:00:00Z", &["c"]),
            ],
        );
        assert_eq!(lt.stats.count, 0);
        assert_eq!(lt.stats.p50_seconds, None);
        assert_eq!(lt.level, None);
    }

    #[test]
    fn negative_lead_times_are_excluded_and_counted() {
        let lt = run(
            &[
                change("late", "2024-03-06T00:00:00Z"),
                change("ok", "2024-03-05T00:00:00Z"),
            ],
            &[deployment("d", "2024-03-05T12:00:00Z", &["late", "ok"])],
        );
        assert_eq!(lt.negative_durations, 1);
        assert_eq!(lt.stats.count, 1);
        assert_eq!(lt.stats.p50_seconds, Some(12.0 * H));
        assert_eq!(lt.level, Some(Level::Elite));
    }

    #[test]
    fn zero_lead_time_is_not_negative() {
        let lt = run(
            &[change("c", "2024-03-05T00:00:00Z")],
            &[deployment("d", "2024-03-05T00:00:00Z", &["c"])],
        );
        assert_eq!(lt.negative_durations, 0);
        assert_eq!(lt.stats.p50_seconds, Some(0.0));
    }

    #[test]
    fn unknown_changes_are_pending_until_they_arrive() {
        let deps = [
            deployment("d", "2024-03-05T00:00:00Z", &["x", "y"]),
            deployment("e", "2024-03-06T00:00:00Z", &["x"]),
        ];
        let lt = run(&[], &deps);
        assert_eq!(lt.pending_changes, 2);
        assert_eq!(lt.stats.count, 0);
        let lt = run(&[change("x", "2024-03-04T00:00:00Z")], &deps);
        assert_eq!(lt.pending_changes, 1);
        assert_eq!(lt.stats.count, 1);
    }

    #[test]
    fn duplicate_change_ids_use_earliest_time() {
        let lt = run(
            &[
                change("c", "2024-03-04T12:00:00Z"),
                change("c", "2024-03-04T00:00:00Z"),
            ],
            &[deployment("d", "2024-03-05T00:00:00Z", &["c"])],
        );
        assert_eq!(lt.stats.p50_seconds, Some(24.0 * H));
    }
}
