//! Facts and windows for the metric engine's unit tests, stated once for every module here.
//!
//! They build the engine's own types, so they live inside `domain`: its unit tests are compiled
//! into a copy of the crate that `testkit` (built on the ordinary copy) cannot hand types to.
//! Integration tests build events instead, with `testkit::facts`.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::{
    BucketSize, Change, Deployment, DeploymentStatus, IncidentEvent, IncidentEventKind,
    MetricWindow, PRODUCTION, WorkItemState, WorkItemTransition,
};

/// An RFC 3339 instant, written out so a test reads like the tables of docs/metrics.md.
pub(super) fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

pub(super) fn window(from: &str, to: &str, bucket: BucketSize, tz: Tz) -> MetricWindow {
    MetricWindow::new(at(from), at(to), bucket, tz).unwrap()
}

/// The week from Monday 4 March 2024 in UTC, the window of the worked example in docs/metrics.md.
pub(super) fn first_week_of_march(bucket: BucketSize) -> MetricWindow {
    window(
        "2024-03-04T00:00:00Z",
        "2024-03-11T00:00:00Z",
        bucket,
        chrono_tz::UTC,
    )
}

pub(super) fn change(id: &str, time: &str) -> Change {
    Change {
        id: id.into(),
        time: at(time),
    }
}

/// A successful production deployment: one that counts.
pub(super) fn deployment(id: &str, time: &str, changes: &[&str]) -> Deployment {
    Deployment {
        deployment_id: id.into(),
        time: at(time),
        change_ids: changes.iter().map(|c| c.to_string()).collect(),
        environment: PRODUCTION.into(),
        status: DeploymentStatus::Success,
    }
}

/// An incident event naming no changes, linked to `deployment` when given.
pub(super) fn incident(
    id: &str,
    time: &str,
    kind: IncidentEventKind,
    deployment: Option<&str>,
) -> IncidentEvent {
    IncidentEvent {
        incident_id: id.into(),
        time: at(time),
        kind,
        deployment_id: deployment.map(str::to_owned),
        change_ids: vec![],
    }
}

pub(super) fn transition(
    id: &str,
    item_type: &str,
    state: WorkItemState,
    time: &str,
) -> WorkItemTransition {
    WorkItemTransition {
        item_id: id.into(),
        item_type: item_type.into(),
        state,
        time: at(time),
    }
}
