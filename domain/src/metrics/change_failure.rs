//! Change failure rate (docs/metrics.md), bucketed by deployment time. A deployment
//! counts as failed once, however many incidents link to it, and whenever
//! those incidents happened: a late incident restates the deployment's bucket.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::deployments::DeploymentIndex;
use super::incidents::FailedDeployments;
use super::levels::Level;
use super::window::{BucketGrid, MetricWindow};
use crate::meta_model::RateBands;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangeFailureRate {
    pub deployments: u64,
    pub failed_deployments: u64,
    /// `None` rather than 0 when there is no deployment to fail.
    pub rate: Option<f64>,
    pub level: Option<Level>,
    pub buckets: Vec<ChangeFailureBucket>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangeFailureBucket {
    pub start: DateTime<Utc>,
    pub deployments: u64,
    pub failed_deployments: u64,
    pub rate: Option<f64>,
}

fn rate(failed: u64, deployments: u64) -> Option<f64> {
    (deployments > 0).then(|| failed as f64 / deployments as f64)
}

pub(super) fn change_failure_rate(
    index: &DeploymentIndex,
    failed: &FailedDeployments,
    window: &MetricWindow,
    bands: &RateBands,
) -> ChangeFailureRate {
    let grid = BucketGrid::new(window, window.bucket);
    let mut per_bucket = vec![(0_u64, 0_u64); grid.len()];
    let (mut deployments, mut failed_deployments) = (0_u64, 0_u64);
    for position in index.in_window(window) {
        let is_failed = failed.is_failed(position);
        deployments += 1;
        failed_deployments += u64::from(is_failed);
        if let Some(slot) = grid
            .index_of(index.time(position))
            .and_then(|i| per_bucket.get_mut(i))
        {
            slot.0 += 1;
            slot.1 += u64::from(is_failed);
        }
    }
    let window_rate = rate(failed_deployments, deployments);
    ChangeFailureRate {
        deployments,
        failed_deployments,
        rate: window_rate,
        level: bands.rate(window_rate),
        buckets: grid
            .starts()
            .zip(per_bucket)
            .map(
                |(start, (deployments, failed_deployments))| ChangeFailureBucket {
                    start,
                    deployments,
                    failed_deployments,
                    rate: rate(failed_deployments, deployments),
                },
            )
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::facts::{Deployment, IncidentEvent, IncidentEventKind};
    use super::super::fixtures::{deployment, first_week_of_march, incident};
    use super::super::incidents::{failed_deployments, incidents};
    use super::super::window::BucketSize;
    use super::*;
    use crate::meta_model::Bands;

    /// An incident opened on Friday 8 March, blaming `deployment` or `changes`.
    fn opened(id: &str, deployment: Option<&str>, changes: &[&str]) -> IncidentEvent {
        IncidentEvent {
            change_ids: changes.iter().map(|c| c.to_string()).collect(),
            ..incident(
                id,
                "2024-03-08T00:00:00Z",
                IncidentEventKind::Opened,
                deployment,
            )
        }
    }

    fn run(deps: &[Deployment], events: &[IncidentEvent]) -> ChangeFailureRate {
        let window = first_week_of_march(BucketSize::Day);
        let index = DeploymentIndex::new(deps);
        let list = incidents(events);
        let failed = failed_deployments(&list, &index);
        change_failure_rate(
            &index,
            &failed,
            &window,
            &Bands::default().change_failure_rate,
        )
    }

    #[test]
    fn incident_linked_via_change_fails_first_deployment_of_that_change() {
        let deps = [
            deployment("d1", "2024-03-05T00:00:00Z", &["c"]),
            deployment("d2", "2024-03-06T00:00:00Z", &["c"]),
        ];
        let r = run(&deps, &[opened("i", None, &["c"])]);
        assert_eq!((r.deployments, r.failed_deployments), (2, 1));
        assert_eq!(r.rate, Some(0.5));
        assert_eq!(r.buckets[1].failed_deployments, 1);
        assert_eq!(r.buckets[2].failed_deployments, 0);
        assert_eq!(r.buckets[2].rate, Some(0.0));
        assert_eq!(r.buckets[0].rate, None);
    }

    #[test]
    fn failed_deployment_counts_once_and_unlinked_incidents_are_ignored() {
        let deps = [
            deployment("d1", "2024-03-05T00:00:00Z", &["c"]),
            deployment("d2", "2024-03-06T00:00:00Z", &[]),
        ];
        let r = run(
            &deps,
            &[
                opened("a", Some("d1"), &[]),
                opened("b", None, &["c"]),
                opened("c", None, &[]),
                opened("d", Some("unknown"), &["never-deployed"]),
            ],
        );
        assert_eq!((r.deployments, r.failed_deployments), (2, 1));
        assert_eq!(r.level, Some(Level::Low));
    }

    #[test]
    fn links_to_non_counting_deployments_are_ignored() {
        let mut staging = deployment("s", "2024-03-05T00:00:00Z", &["c"]);
        staging.environment = "staging".into();
        let r = run(&[staging], &[opened("a", Some("s"), &["c"])]);
        assert_eq!(
            (r.deployments, r.failed_deployments, r.rate, r.level),
            (0, 0, None, None)
        );
    }
}
