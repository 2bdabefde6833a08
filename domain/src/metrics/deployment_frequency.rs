//! Deployment frequency (docs/metrics.md), bucketed by the merged deployment time.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::deployments::DeploymentIndex;
use super::levels::Level;
use super::window::{BucketGrid, BucketSize, MetricWindow};
use crate::meta_model::DeploymentFrequencyBands;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeploymentFrequency {
    pub deployments: u64,
    /// Local calendar days (in the window's zone) with at least one deployment.
    pub deployment_days: u64,
    /// Deployments ÷ local calendar days touched by the window (a window not
    /// aligned to midnight touches its partial first and last days); `None`
    /// only for an empty window.
    pub per_day: Option<f64>,
    /// From the deployment days of each complete ISO week (see
    /// [`DeploymentFrequencyBands`]); `None` when the window holds no complete week.
    pub level: Option<Level>,
    /// Median deployment days per complete ISO week, the figure `level` is rated on (below
    /// HIGH the bands also look at days per month); `None` when `level` is. It can disagree
    /// with `per_day`: many deployments on few days count less than one on each day.
    #[serde(default)]
    pub deployment_days_per_week: Option<f64>,
    pub buckets: Vec<DeploymentFrequencyBucket>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeploymentFrequencyBucket {
    pub start: DateTime<Utc>,
    pub deployments: u64,
}

pub(super) fn deployment_frequency(
    index: &DeploymentIndex,
    window: &MetricWindow,
    bands: &DeploymentFrequencyBands,
) -> DeploymentFrequency {
    let grid = BucketGrid::new(window, window.bucket);
    let days = BucketGrid::new(window, BucketSize::Day);
    let weeks = BucketGrid::new(window, BucketSize::Week);

    let mut per_bucket = vec![0_u64; grid.len()];
    let mut deployment_days = vec![false; days.len()];
    let mut week_days: Vec<(usize, usize)> = Vec::new();
    let mut deployments = 0_u64;
    for position in index.in_window(window) {
        let time = index.time(position);
        deployments += 1;
        if let Some(slot) = grid.index_of(time).and_then(|i| per_bucket.get_mut(i)) {
            *slot += 1;
        }
        if let Some(day) = days.index_of(time) {
            if let Some(seen) = deployment_days.get_mut(day) {
                *seen = true;
            }
            if let Some(week) = weeks.index_of(time) {
                week_days.push((week, day));
            }
        }
    }
    // Distinct (week, day) pairs; already in order as positions are in time order.
    week_days.sort_unstable();
    week_days.dedup();
    let mut days_per_week = vec![0_u64; weeks.len()];
    for &(week, _) in &week_days {
        if let Some(count) = days_per_week.get_mut(week) {
            *count += 1;
        }
    }

    let weekly_days: Vec<u64> = (0..weeks.len())
        .filter(|&w| weeks.is_complete(w))
        .map(|w| days_per_week[w])
        .collect();

    DeploymentFrequency {
        deployments,
        deployment_days: deployment_days.iter().filter(|&&d| d).count() as u64,
        per_day: (days.len() > 0).then(|| deployments as f64 / days.len() as f64),
        level: bands.rate(&weekly_days),
        deployment_days_per_week: DeploymentFrequencyBands::days_per_week(&weekly_days),
        buckets: grid
            .starts()
            .zip(per_bucket)
            .map(|(start, deployments)| DeploymentFrequencyBucket { start, deployments })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::facts::{Deployment, DeploymentStatus};
    use super::super::fixtures::{at, deployment, window};
    use super::*;
    use crate::meta_model::Bands;
    use chrono_tz::{Europe::Berlin, Tz, UTC};

    fn run(
        deps: &[Deployment],
        from: &str,
        to: &str,
        bucket: BucketSize,
        tz: Tz,
    ) -> DeploymentFrequency {
        deployment_frequency(
            &DeploymentIndex::new(deps),
            &window(from, to, bucket, tz),
            &Bands::default().deployment_frequency,
        )
    }

    #[test]
    fn shared_deployment_id_is_one_deployment_at_latest_time() {
        let deps = [
            deployment("d", "2024-03-04T23:00:00Z", &[]),
            deployment("d", "2024-03-05T01:00:00Z", &[]),
        ];
        let f = run(
            &deps,
            "2024-03-04T00:00:00Z",
            "2024-03-11T00:00:00Z",
            BucketSize::Day,
            UTC,
        );
        assert_eq!(f.deployments, 1);
        assert_eq!(f.buckets[0].deployments, 0);
        assert_eq!(f.buckets[1].deployments, 1);
    }

    #[test]
    fn failed_and_non_production_deployments_are_ignored() {
        let mut failed = deployment("f", "2024-03-05T00:00:00Z", &[]);
        failed.status = DeploymentStatus::Failure;
        let mut staging = deployment("s", "2024-03-05T00:00:00Z", &[]);
        staging.environment = "staging".into();
        let f = run(
            &[failed, staging],
            "2024-03-04T00:00:00Z",
            "2024-03-11T00:00:00Z",
            BucketSize::Week,
            UTC,
        );
        assert_eq!(f.deployments, 0);
        assert_eq!(f.deployment_days, 0);
        assert_eq!(f.per_day, Some(0.0));
        assert_eq!(f.level, Some(Level::Low));
        assert_eq!(
            f.buckets,
            vec![DeploymentFrequencyBucket {
                start: at("2024-03-04T00:00:00Z"),
                deployments: 0
            }]
        );
    }

    #[test]
    fn level_uses_complete_iso_weeks_only() {
        // Window Wed 03-06 .. Wed 03-20: only the week of 03-11 is complete.
        let deps = [
            deployment("a", "2024-03-06T10:00:00Z", &[]),
            deployment("b", "2024-03-07T10:00:00Z", &[]),
            deployment("c", "2024-03-08T10:00:00Z", &[]),
            deployment("d", "2024-03-09T10:00:00Z", &[]),
            deployment("e", "2024-03-10T10:00:00Z", &[]),
            deployment("f", "2024-03-12T10:00:00Z", &[]),
            deployment("g", "2024-03-12T11:00:00Z", &[]),
        ];
        let f = run(
            &deps,
            "2024-03-06T00:00:00Z",
            "2024-03-20T00:00:00Z",
            BucketSize::Week,
            UTC,
        );
        assert_eq!(f.deployments, 7);
        assert_eq!(f.deployment_days, 6);
        assert_eq!(f.per_day, Some(0.5));
        assert_eq!(f.level, Some(Level::High));
        let counts: Vec<u64> = f.buckets.iter().map(|b| b.deployments).collect();
        assert_eq!(counts, vec![5, 2, 0]);

        // Less than one complete week: nothing to rate.
        let f = run(
            &deps,
            "2024-03-06T00:00:00Z",
            "2024-03-12T00:00:00Z",
            BucketSize::Day,
            UTC,
        );
        assert_eq!(f.level, None);
    }

    #[test]
    fn the_level_follows_deployment_days_per_week_even_when_per_day_disagrees() {
        // Two complete ISO weeks, 2024-03-04 .. 2024-03-18.
        let weeks = ["2024-03-04", "2024-03-11"];
        // One deployment on each weekday: fewer per day, but five deployment days a week.
        let daily: Vec<Deployment> = weeks
            .iter()
            .flat_map(|monday| (0..5).map(move |d| (monday, d)))
            .map(|(monday, d)| {
                let day = at(&format!("{monday}T10:00:00Z")) + chrono::Duration::days(d);
                deployment(&format!("daily-{day}"), &day.to_rfc3339(), &[])
            })
            .collect();
        // Three deployments on each of four days: more per day, four deployment days a week.
        let batched: Vec<Deployment> = weeks
            .iter()
            .flat_map(|monday| (0..4).flat_map(move |d| (0..3).map(move |h| (monday, d, h))))
            .map(|(monday, d, h)| {
                let time = at(&format!("{monday}T10:00:00Z"))
                    + chrono::Duration::days(d)
                    + chrono::Duration::hours(h);
                deployment(&format!("batched-{time}"), &time.to_rfc3339(), &[])
            })
            .collect();
        let rate = |deps: &[Deployment]| {
            run(
                deps,
                "2024-03-04T00:00:00Z",
                "2024-03-18T00:00:00Z",
                BucketSize::Week,
                UTC,
            )
        };
        let (daily, batched) = (rate(&daily), rate(&batched));
        assert!(daily.per_day < batched.per_day, "{daily:?} {batched:?}");
        assert_eq!(
            (daily.level, daily.deployment_days_per_week),
            (Some(Level::Elite), Some(5.0))
        );
        assert_eq!(
            (batched.level, batched.deployment_days_per_week),
            (Some(Level::High), Some(4.0))
        );
        // Without a complete week neither is given.
        let partial = run(
            &[],
            "2024-03-04T00:00:00Z",
            "2024-03-08T00:00:00Z",
            BucketSize::Day,
            UTC,
        );
        assert_eq!(
            (partial.level, partial.deployment_days_per_week),
            (None, None)
        );
    }

    #[test]
    fn berlin_dst_week_and_day_buckets() {
        // ISO week of the 2024-03-31 spring-forward in Berlin: Mon 03-25 00:00
        // CET (= 03-24 23:00Z) to Mon 04-01 00:00 CEST (= 03-31 22:00Z).
        let deps = [
            deployment("mon", "2024-03-24T23:30:00Z", &[]), // Mon 00:30 CET, in this week
            deployment("sun", "2024-03-31T21:59:59Z", &[]), // Sun 23:59:59 CEST, still this week
            deployment("next", "2024-03-31T22:00:00Z", &[]), // Mon 04-01 00:00 CEST, next week
            deployment("before", "2024-03-24T22:59:59Z", &[]), // Sun 03-24 23:59:59 CET, before
        ];
        let f = run(
            &deps,
            "2024-03-18T00:00:00Z",
            "2024-04-07T22:00:00Z",
            BucketSize::Week,
            Berlin,
        );
        let got: Vec<_> = f.buckets.iter().map(|b| (b.start, b.deployments)).collect();
        assert_eq!(
            got,
            vec![
                (at("2024-03-17T23:00:00Z"), 1),
                (at("2024-03-24T23:00:00Z"), 2),
                (at("2024-03-31T22:00:00Z"), 1),
            ]
        );
        // Day buckets: the 23-hour Sunday still holds its last second.
        let f = run(
            &deps,
            "2024-03-30T23:00:00Z",
            "2024-04-01T22:00:00Z",
            BucketSize::Day,
            Berlin,
        );
        let got: Vec<_> = f.buckets.iter().map(|b| (b.start, b.deployments)).collect();
        assert_eq!(
            got,
            vec![
                (at("2024-03-30T23:00:00Z"), 1),
                (at("2024-03-31T22:00:00Z"), 1)
            ]
        );
        assert_eq!(f.deployment_days, 2);
        assert_eq!(f.per_day, Some(1.0));
    }
}
