//! Failed deployment recovery time and time to restore service (docs/metrics.md).
//!
//! Both reduce to "episodes" `[opened, resolved)`, bucketed by resolution
//! time, with still-open episodes reported at the window end; they share the
//! output type (the API's `Recovery`) and the recovery bands.
//!
//! "Open at the window end" means open just before `to`: opened before `to`
//! and not resolved before `to`. An episode resolved after `to` is thus still
//! open at the end of a past window, so a past window's open count does not
//! change as later resolves arrive.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::incidents::{FailedDeployments, Incident};
use super::levels::Level;
use super::stats::{DurationStats, nanos_between, seconds_from_nanos};
use super::window::{BucketGrid, MetricWindow};
use crate::meta_model::DurationBands;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Recovery {
    /// Episodes resolved inside the window.
    pub stats: DurationStats,
    /// Episodes open just before the window end (opened before `to`, not
    /// resolved before `to`).
    pub open_count: u64,
    /// Age at the window end of the oldest open episode; `None` if none is open.
    pub oldest_open_seconds: Option<f64>,
    pub level: Option<Level>,
    pub buckets: Vec<RecoveryBucket>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecoveryBucket {
    pub start: DateTime<Utc>,
    pub stats: DurationStats,
}

#[derive(Clone, Copy, Debug)]
struct Episode {
    opened: DateTime<Utc>,
    resolved: Option<DateTime<Utc>>,
}

fn summarize(
    episodes: impl Iterator<Item = Episode>,
    window: &MetricWindow,
    bands: &DurationBands,
) -> Recovery {
    let grid = BucketGrid::new(window, window.bucket);
    let mut per_bucket: Vec<Vec<i128>> = vec![Vec::new(); grid.len()];
    let mut all = Vec::new();
    let mut open_count = 0_u64;
    let mut oldest_open: Option<i128> = None;
    for episode in episodes {
        if let Some(resolved) = episode.resolved
            && let Some(bucket) = grid.index_of(resolved)
        {
            let duration = nanos_between(episode.opened, resolved);
            all.push(duration);
            if let Some(slot) = per_bucket.get_mut(bucket) {
                slot.push(duration);
            }
        }
        let open_at_end =
            episode.opened < window.to && episode.resolved.is_none_or(|r| r >= window.to);
        if open_at_end {
            open_count += 1;
            let age = nanos_between(episode.opened, window.to);
            oldest_open = Some(oldest_open.map_or(age, |o| o.max(age)));
        }
    }
    let stats = DurationStats::from_nanos(all);
    Recovery {
        level: bands.rate(stats.p50_seconds),
        stats,
        open_count,
        oldest_open_seconds: oldest_open.map(seconds_from_nanos),
        buckets: grid
            .starts()
            .zip(per_bucket)
            .map(|(start, durations)| RecoveryBucket {
                start,
                stats: DurationStats::from_nanos(durations),
            })
            .collect(),
    }
}

/// Per failed deployment: earliest `opened` to latest `resolved` of its linked
/// incidents, once all of them are resolved. Linked incidents without an
/// `opened` event cannot be timed and are left out of the episode.
pub(super) fn failed_deployment_recovery_time(
    incidents: &[Incident],
    failed: &FailedDeployments,
    window: &MetricWindow,
    bands: &DurationBands,
) -> Recovery {
    let episodes = failed.linked().filter_map(|linked| {
        let mut opened: Option<DateTime<Utc>> = None;
        // `Some(latest resolve)` while every timed incident is resolved.
        let mut resolved: Option<Option<DateTime<Utc>>> = Some(None);
        for incident in linked.filter_map(|i| incidents.get(i)) {
            let Some(start) = incident.opened else {
                continue;
            };
            opened = Some(opened.map_or(start, |o| o.min(start)));
            resolved = match (resolved, incident.resolved) {
                (Some(latest), Some(end)) => Some(Some(latest.map_or(end, |l| l.max(end)))),
                _ => None,
            };
        }
        Some(Episode {
            opened: opened?,
            resolved: resolved.flatten(),
        })
    });
    summarize(episodes, window, bands)
}

/// Classic MTTR: every incident, linked or not.
pub(super) fn time_to_restore(
    incidents: &[Incident],
    window: &MetricWindow,
    bands: &DurationBands,
) -> Recovery {
    let episodes = incidents.iter().filter_map(|i| {
        Some(Episode {
            opened: i.opened?,
            resolved: i.resolved,
        })
    });
    summarize(episodes, window, bands)
}

#[cfg(test)]
mod tests {
    use super::super::deployments::DeploymentIndex;
    use super::super::facts::{IncidentEvent, IncidentEventKind};
    use super::super::fixtures::{deployment, first_week_of_march, incident};
    use super::super::incidents::{failed_deployments, incidents};
    use super::super::window::BucketSize;
    use super::*;
    use crate::meta_model::Bands;

    const H: f64 = 3600.0;

    fn window() -> MetricWindow {
        first_week_of_march(BucketSize::Week)
    }

    fn fdrt(events: &[IncidentEvent]) -> Recovery {
        let index = DeploymentIndex::new(&[deployment("d", "2024-03-05T00:00:00Z", &[])]);
        let list = incidents(events);
        let failed = failed_deployments(&list, &index);
        failed_deployment_recovery_time(&list, &failed, &window(), &Bands::default().recovery)
    }

    #[test]
    fn deployment_recovers_when_all_linked_incidents_are_resolved() {
        use IncidentEventKind::*;
        let events = [
            incident("a", "2024-03-05T01:00:00Z", Opened, Some("d")),
            incident("a", "2024-03-05T02:00:00Z", Resolved, None),
            incident("b", "2024-03-05T03:00:00Z", Opened, Some("d")),
        ];
        let r = fdrt(&events);
        assert_eq!((r.stats.count, r.open_count), (0, 1));
        assert_eq!(r.oldest_open_seconds, Some((5.0 * 24.0 + 23.0) * H));

        let mut events = events.to_vec();
        events.push(incident("b", "2024-03-05T05:00:00Z", Resolved, None));
        let r = fdrt(&events);
        assert_eq!(
            (r.stats.count, r.open_count, r.oldest_open_seconds),
            (1, 0, None)
        );
        assert_eq!(r.stats.p50_seconds, Some(4.0 * H));
        assert_eq!(r.level, Some(Level::High));
        assert_eq!(r.buckets[0].stats.count, 1);
    }

    #[test]
    fn resolved_then_reopened_incident_is_open() {
        use IncidentEventKind::*;
        let events = [
            incident("a", "2024-03-05T01:00:00Z", Opened, Some("d")),
            incident("a", "2024-03-05T02:00:00Z", Resolved, None),
            incident("a", "2024-03-05T03:00:00Z", Opened, None),
        ];
        let list = incidents(&events);
        let ttr = time_to_restore(&list, &window(), &Bands::default().recovery);
        assert_eq!((ttr.stats.count, ttr.open_count), (0, 1));
        assert_eq!(ttr.stats.p50_seconds, None);
        assert_eq!(ttr.level, None);
        let r = fdrt(&events);
        assert_eq!((r.stats.count, r.open_count), (0, 1));
    }

    #[test]
    fn resolution_after_window_is_open_at_window_end() {
        use IncidentEventKind::*;
        let events = [
            incident("a", "2024-03-10T23:00:00Z", Opened, None),
            incident("a", "2024-03-11T01:00:00Z", Resolved, None),
            incident("late", "2024-03-11T00:00:00Z", Opened, None),
        ];
        let ttr = time_to_restore(&incidents(&events), &window(), &Bands::default().recovery);
        assert_eq!((ttr.stats.count, ttr.open_count), (0, 1));
        assert_eq!(ttr.oldest_open_seconds, Some(H));
    }

    #[test]
    fn unlinked_incidents_count_for_time_to_restore_only() {
        use IncidentEventKind::*;
        let events = [
            incident("a", "2024-03-05T01:00:00Z", Opened, None),
            incident("a", "2024-03-05T01:30:00Z", Resolved, None),
        ];
        let ttr = time_to_restore(&incidents(&events), &window(), &Bands::default().recovery);
        assert_eq!(ttr.stats.p50_seconds, Some(0.5 * H));
        assert_eq!(ttr.level, Some(Level::Elite));
        let r = fdrt(&events);
        assert_eq!((r.stats.count, r.open_count, r.level), (0, 0, None));
    }
}
