//! Flow Framework metrics (docs/metrics.md): completions are bucketed by their final
//! done; load looks at the window end and across the whole window.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::stats::{DurationStats, nanos_between};
use super::window::{BucketGrid, MetricWindow};
use super::work_items::WorkItem;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FlowMetrics {
    pub velocity: u64,
    /// In item type order.
    pub velocity_by_type: Vec<TypeCount>,
    /// Only completed items that were ever started have a flow time.
    pub flow_time: DurationStats,
    /// Σ active ÷ Σ flow time (ratio of sums, so long items weigh more);
    /// `None` when there is no flow time to divide by.
    pub efficiency: Option<f64>,
    /// Items in progress just before the window end.
    pub load: u64,
    /// Item-time in progress inside the window ÷ window length; `None` only
    /// for an empty window.
    pub load_average: Option<f64>,
    /// Share of completed items by type, in item type order; empty without
    /// completions.
    pub distribution: Vec<TypeShare>,
    pub buckets: Vec<FlowBucket>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TypeCount {
    pub item_type: String,
    pub count: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TypeShare {
    pub item_type: String,
    pub share: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FlowBucket {
    pub start: DateTime<Utc>,
    pub velocity: u64,
    pub flow_time: DurationStats,
}

pub(super) fn flow(items: &[WorkItem], window: &MetricWindow) -> FlowMetrics {
    let grid = BucketGrid::new(window, window.bucket);
    let mut bucket_velocity = vec![0_u64; grid.len()];
    let mut bucket_flow: Vec<Vec<i128>> = vec![Vec::new(); grid.len()];
    let mut by_type: BTreeMap<&str, u64> = BTreeMap::new();
    let mut flow_times = Vec::new();
    let (mut velocity, mut active_sum, mut flow_sum) = (0_u64, 0_i128, 0_i128);
    let (mut load, mut in_progress_nanos) = (0_u64, 0_i128);

    for item in items {
        if let Some(bucket) = item.completed.and_then(|c| grid.index_of(c)) {
            velocity += 1;
            *by_type.entry(&item.item_type).or_default() += 1;
            if let Some(slot) = bucket_velocity.get_mut(bucket) {
                *slot += 1;
            }
            if let Some((flow_time, active)) = item.flow_and_active_nanos() {
                flow_times.push(flow_time);
                flow_sum += flow_time;
                active_sum += active;
                if let Some(slot) = bucket_flow.get_mut(bucket) {
                    slot.push(flow_time);
                }
            }
        }
        if let Some(started) = item.started {
            if started < window.to && item.completed.is_none_or(|c| c >= window.to) {
                load += 1;
            }
            let from = started.max(window.from);
            let to = item.completed.map_or(window.to, |c| c.min(window.to));
            if from < to {
                in_progress_nanos += nanos_between(from, to);
            }
        }
    }

    let window_nanos = window.length_nanos();
    FlowMetrics {
        velocity,
        velocity_by_type: by_type
            .iter()
            .map(|(t, &count)| TypeCount {
                item_type: (*t).to_owned(),
                count,
            })
            .collect(),
        flow_time: DurationStats::from_nanos(flow_times),
        efficiency: (flow_sum > 0).then(|| active_sum as f64 / flow_sum as f64),
        load,
        load_average: (window_nanos > 0).then(|| in_progress_nanos as f64 / window_nanos as f64),
        distribution: by_type
            .iter()
            .map(|(t, &count)| TypeShare {
                item_type: (*t).to_owned(),
                share: count as f64 / velocity as f64,
            })
            .collect(),
        buckets: grid
            .starts()
            .zip(bucket_velocity)
            .zip(bucket_flow)
            .map(|((start, velocity), flow)| FlowBucket {
                start,
                velocity,
                flow_time: DurationStats::from_nanos(flow),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::facts::{WorkItemState, WorkItemTransition};
    use super::super::fixtures::{first_week_of_march, transition};
    use super::super::window::BucketSize;
    use super::super::work_items::work_items;
    use super::*;
    use WorkItemState::*;

    fn run(transitions: &[WorkItemTransition]) -> FlowMetrics {
        flow(
            &work_items(transitions),
            &first_week_of_march(BucketSize::Day),
        )
    }

    #[test]
    fn reopened_item_counts_once_at_final_done() {
        let f = run(&[
            transition("w", "defect", Active, "2024-03-04T00:00:00Z"),
            transition("w", "defect", Done, "2024-03-05T00:00:00Z"),
            transition("w", "defect", Active, "2024-03-06T00:00:00Z"),
            transition("w", "defect", Done, "2024-03-07T00:00:00Z"),
        ]);
        assert_eq!(f.velocity, 1);
        assert_eq!(f.buckets[1].velocity, 0);
        assert_eq!(f.buckets[3].velocity, 1);
        assert_eq!(f.flow_time.p50_seconds, Some(72.0 * 3600.0));
        assert_eq!(f.efficiency, Some(2.0 / 3.0));
        // In progress from first start to final done: 72 h of 168 h.
        assert_eq!(f.load_average, Some(72.0 / 168.0));
        assert_eq!(f.load, 0);
    }

    #[test]
    fn unstarted_done_item_counts_in_velocity_not_flow_time() {
        let f = run(&[
            transition("a", "risk", Todo, "2024-03-04T00:00:00Z"),
            transition("a", "risk", Done, "2024-03-05T00:00:00Z"),
        ]);
        assert_eq!(f.velocity, 1);
        assert_eq!(f.flow_time.count, 0);
        assert_eq!(f.efficiency, None);
        assert_eq!(
            f.distribution,
            vec![TypeShare {
                item_type: "risk".into(),
                share: 1.0
            }]
        );
    }

    #[test]
    fn load_counts_items_started_before_and_open_at_end() {
        let f = run(&[
            transition("before", "feature", Active, "2024-03-01T00:00:00Z"),
            transition("after", "feature", Active, "2024-03-11T00:00:00Z"),
            transition("late-done", "feature", Waiting, "2024-03-10T00:00:00Z"),
            transition("late-done", "feature", Done, "2024-03-12T00:00:00Z"),
        ]);
        assert_eq!(f.load, 2);
        assert_eq!(f.velocity, 0);
        assert_eq!(f.load_average, Some((168.0 + 24.0) / 168.0));
        assert!(f.distribution.is_empty());
    }
}
