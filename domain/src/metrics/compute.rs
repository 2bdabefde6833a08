//! The single entry point: every metric of one window from one set of facts.
//!
//! Shared derivations (merged deployments, incident lifecycles, failed
//! deployments, work item lifecycles) are built once here so all metrics see
//! exactly the same interpretation of the facts.

use std::sync::atomic::{AtomicBool, Ordering};

use serde::{Deserialize, Serialize};

use super::change_failure::{ChangeFailureRate, change_failure_rate};
use super::deployment_frequency::{DeploymentFrequency, deployment_frequency};
use super::deployments::DeploymentIndex;
use super::facts::{Facts, FactsView};
use super::findings::findings;
use super::flow::{FlowMetrics, flow};
use super::incidents::{failed_deployments, incidents};
use super::lead_time::{LeadTime, lead_time};
use super::recovery::{Recovery, failed_deployment_recovery_time, time_to_restore};
use super::vulnerability_trend::{FindingInterval, VulnerabilityTrend, vulnerability_trend};
use super::window::MetricWindow;
use super::work_items::work_items;
use crate::meta_model::Bands;

/// Mirrors the API's `type Metrics`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Metrics {
    pub deployment_frequency: DeploymentFrequency,
    pub lead_time: LeadTime,
    pub change_failure_rate: ChangeFailureRate,
    pub failed_deployment_recovery_time: Recovery,
    pub time_to_restore: Recovery,
    pub flow: FlowMetrics,
    pub vulnerabilities: VulnerabilityTrend,
}

/// Pure and independent of the order of `facts`; a roll-up passes the
/// concatenated facts of its members. A window with `to <= from` is empty:
/// no buckets, zero counts, `None` statistics.
pub fn compute(facts: &Facts, window: &MetricWindow, bands: &Bands) -> Metrics {
    compute_view(facts.view(), window, bands)
}

/// [`compute`] over borrowed facts, such as a cut of facts loaded for a wider window.
pub fn compute_view(facts: FactsView<'_>, window: &MetricWindow, bands: &Bands) -> Metrics {
    compute_unless_cancelled(facts, window, bands, &AtomicBool::new(false))
        .expect("a computation nobody cancels runs to its end")
}

/// [`compute_view`] that gives up, with `None`, once `cancelled` is set: the request that
/// wanted the result timed out or its client went away. Checked between the metric families,
/// each of which is bounded by the window's bucket count and the facts in it.
pub fn compute_unless_cancelled(
    facts: FactsView<'_>,
    window: &MetricWindow,
    bands: &Bands,
    cancelled: &AtomicBool,
) -> Option<Metrics> {
    let index = DeploymentIndex::new(facts.deployments);
    compute_indexed(facts, &index, window, bands, cancelled)
}

/// [`compute_unless_cancelled`] with `index`, the [`DeploymentIndex`] of `facts.deployments`
/// built before (and kept, see `KeptFacts::deployment_index`).
pub(super) fn compute_indexed(
    facts: FactsView<'_>,
    index: &DeploymentIndex,
    window: &MetricWindow,
    bands: &Bands,
    cancelled: &AtomicBool,
) -> Option<Metrics> {
    let go_on = || (!cancelled.load(Ordering::Relaxed)).then_some(());
    let incidents = incidents(facts.incidents);
    let failed = failed_deployments(&incidents, index);
    let items = work_items(facts.work_items);
    go_on()?;
    let deployment_frequency = deployment_frequency(index, window, &bands.deployment_frequency);
    go_on()?;
    let lead_time = lead_time(facts.changes, index, window, &bands.lead_time);
    go_on()?;
    let change_failure_rate =
        change_failure_rate(index, &failed, window, &bands.change_failure_rate);
    go_on()?;
    let failed_deployment_recovery_time =
        failed_deployment_recovery_time(&incidents, &failed, window, &bands.recovery);
    go_on()?;
    let time_to_restore = time_to_restore(&incidents, window, &bands.recovery);
    go_on()?;
    let flow = flow(&items, window);
    go_on()?;
    // A later event, such as a second resolve, never restates a past window.
    let before_end = facts.vulnerabilities.iter().filter(|v| v.time < window.to);
    let intervals = findings(before_end).into_iter().map(|f| FindingInterval {
        opened_at: f.opened_at,
        resolved_at: f.resolved_at,
    });
    let vulnerabilities = vulnerability_trend(intervals, window);
    Some(Metrics {
        deployment_frequency,
        lead_time,
        change_failure_rate,
        failed_deployment_recovery_time,
        time_to_restore,
        flow,
        vulnerabilities,
    })
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{at, change, first_week_of_march, window};
    use super::super::levels::Level;
    use super::super::stats::DurationStats;
    use super::super::window::BucketSize;
    use super::*;

    #[test]
    fn a_cancelled_computation_stops_without_a_result() {
        let window = window(
            "2024-01-01T00:00:00Z",
            "2024-02-01T00:00:00Z",
            BucketSize::Day,
            chrono_tz::UTC,
        );
        let facts = Facts::default();
        let bands = Bands::default();
        let cancelled = AtomicBool::new(true);
        assert_eq!(
            compute_unless_cancelled(facts.view(), &window, &bands, &cancelled),
            None
        );
        cancelled.store(false, Ordering::Relaxed);
        assert_eq!(
            compute_unless_cancelled(facts.view(), &window, &bands, &cancelled),
            Some(compute(&facts, &window, &bands))
        );
    }

    #[test]
    fn no_facts_give_zero_buckets_and_no_statistics() {
        let window = first_week_of_march(BucketSize::Day);
        let m = compute(&Facts::default(), &window, &Bands::default());
        let df = &m.deployment_frequency;
        assert_eq!(
            (df.deployments, df.deployment_days, df.per_day),
            (0, 0, Some(0.0))
        );
        assert_eq!(df.buckets.len(), 7);
        assert!(df.buckets.iter().all(|b| b.deployments == 0));
        // One complete week with no deployment day is rated, and it is low.
        assert_eq!(df.level, Some(Level::Low));

        for stats in [
            &m.lead_time.stats,
            &m.failed_deployment_recovery_time.stats,
            &m.time_to_restore.stats,
            &m.flow.flow_time,
        ] {
            assert_eq!(stats, &DurationStats::default());
        }
        assert_eq!(m.lead_time.level, None);
        assert!(
            m.lead_time
                .buckets
                .iter()
                .all(|b| b.stats == DurationStats::default())
        );
        assert_eq!(m.lead_time.buckets.len(), 7);

        let cfr = &m.change_failure_rate;
        assert_eq!(
            (cfr.deployments, cfr.failed_deployments, cfr.rate, cfr.level),
            (0, 0, None, None)
        );
        assert!(
            cfr.buckets
                .iter()
                .all(|b| b.deployments == 0 && b.rate.is_none())
        );

        for r in [&m.failed_deployment_recovery_time, &m.time_to_restore] {
            assert_eq!(
                (r.open_count, r.oldest_open_seconds, r.level),
                (0, None, None)
            );
            assert_eq!(r.buckets.len(), 7);
        }

        let f = &m.flow;
        assert_eq!(
            (f.velocity, f.load, f.efficiency, f.load_average),
            (0, 0, None, Some(0.0))
        );
        assert!(f.velocity_by_type.is_empty() && f.distribution.is_empty());
        assert!(
            f.buckets
                .iter()
                .all(|b| b.velocity == 0 && b.flow_time.count == 0)
        );
    }

    #[test]
    fn inverted_window_is_empty() {
        let window = MetricWindow {
            from: at("2024-03-11T00:00:00Z"),
            to: at("2024-03-04T00:00:00Z"),
            bucket: BucketSize::Week,
            time_zone: chrono_tz::UTC,
        };
        let facts = Facts {
            changes: vec![change("c", "2024-03-05T00:00:00Z")],
            ..Facts::default()
        };
        let m = compute(&facts, &window, &Bands::default());
        assert!(m.deployment_frequency.buckets.is_empty());
        assert_eq!(m.deployment_frequency.per_day, None);
        assert_eq!(m.deployment_frequency.level, None);
        assert_eq!(m.flow.load_average, None);
        assert_eq!(m.lead_time.stats.count, 0);
    }
}
