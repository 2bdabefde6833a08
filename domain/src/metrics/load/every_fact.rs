//! The facts of a set of event sources, read with narrow statements per fact table (scanner
//! findings from the events table itself, which keeps their data).
//! [`load_facts`] reads the full history; [`super::window_facts`] only what one window can
//! depend on, with the per-table reads defined here.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::json_text::JsonText;
use crate::{
    error::Result,
    events::{EventKind, Fact, stored_fact, types_of},
    metrics::facts::{
        Change, Deployment, DeploymentStatus, Facts, FindingReport, IncidentEvent,
        IncidentEventKind, VulnerabilityEvent, WorkItemState, WorkItemTransition,
    },
};
use entity::{change_fact, deployment_fact, event, incident_fact, work_item_fact};

/// The stored status of a deployment that did not complete (validation stores `success` or
/// this).
pub(super) const FAILURE: &str = "failure";

/// Sources per statement, below every bind-parameter limit.
pub(super) const SOURCES_PER_STATEMENT: usize = 500;

/// Which metric families a caller will read; the facts of the others are not loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Needs {
    /// Deployment frequency, lead time, change failure rate, recovery times.
    pub dora: bool,
    pub flow: bool,
    /// The vulnerability trend, from scanner findings.
    pub vulnerabilities: bool,
}

impl Needs {
    pub const ALL: Needs = Needs {
        dora: true,
        flow: true,
        vulnerabilities: true,
    };
}

/// Every fact of `sources` that happened before `until`. Facts at or after the window end can
/// never change a window's result (each metric looks at events up to the window end), so they
/// are not read.
pub async fn load_facts(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
    sources: &[String],
    until: DateTime<Utc>,
) -> Result<Facts> {
    let mut facts = Facts::default();
    for chunk in sources.chunks(SOURCES_PER_STATEMENT) {
        facts
            .changes
            .extend(changes(db, workspace_id, chunk, until, Condition::all()).await?);
        facts
            .deployments
            .extend(deployments(db, workspace_id, chunk, until).await?);
        facts
            .incidents
            .extend(incidents(db, workspace_id, chunk, until, Condition::all()).await?);
        facts
            .work_items
            .extend(work_items(db, workspace_id, chunk, until, Condition::all()).await?);
        facts
            .vulnerabilities
            .extend(vulnerabilities(db, workspace_id, chunk, until).await?);
    }
    Ok(facts)
}

/// `(deployment_id, time, environment, status, change_ids)`
type DeploymentRow = (String, DateTime<Utc>, String, String, JsonText);
/// `(source, event_id, type, time, data)`
type EventRow = (
    String,
    String,
    String,
    DateTime<Utc>,
    Option<serde_json::Value>,
);
/// `(incident_id, time, kind, deployment_id, change_ids)`
type IncidentRow = (String, DateTime<Utc>, String, Option<String>, JsonText);

/// A stored change-id list, read as text and parsed straight into strings: no JSON value tree
/// per row. Ingestion stores nothing but arrays of strings here.
pub(super) fn change_ids(json: &str) -> Result<Vec<String>> {
    serde_json::from_str(json).map_err(|e| {
        crate::error::Error::Internal(format!("stored change ids are not a string list: {e}"))
    })
}

/// A stored incident event kind.
pub(super) fn incident_kind(stored: &str) -> IncidentEventKind {
    if stored == "opened" {
        IncidentEventKind::Opened
    } else {
        IncidentEventKind::Resolved
    }
}

/// A stored work item state.
pub(super) fn work_item_state(stored: &str) -> WorkItemState {
    match stored {
        "active" => WorkItemState::Active,
        "waiting" => WorkItemState::Waiting,
        "done" => WorkItemState::Done,
        _ => WorkItemState::Todo,
    }
}

pub(super) async fn changes(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
    sources: &[String],
    until: DateTime<Utc>,
    only: Condition,
) -> Result<Vec<Change>> {
    let rows: Vec<(String, DateTime<Utc>)> = change_fact::Entity::find()
        .select_only()
        .columns([change_fact::Column::ChangeId, change_fact::Column::Time])
        .filter(change_fact::Column::WorkspaceId.eq(workspace_id))
        .filter(change_fact::Column::Source.is_in(sources.to_vec()))
        .filter(change_fact::Column::Time.lt(until))
        .filter(only)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, time)| Change { id, time })
        .collect())
}

async fn deployments(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
    sources: &[String],
    until: DateTime<Utc>,
) -> Result<Vec<Deployment>> {
    let rows: Vec<DeploymentRow> = deployment_fact::Entity::find()
        .select_only()
        .columns([
            deployment_fact::Column::DeploymentId,
            deployment_fact::Column::Time,
            deployment_fact::Column::Environment,
            deployment_fact::Column::Status,
            deployment_fact::Column::ChangeIds,
        ])
        .filter(deployment_fact::Column::WorkspaceId.eq(workspace_id))
        .filter(deployment_fact::Column::Source.is_in(sources.to_vec()))
        .filter(deployment_fact::Column::Time.lt(until))
        .into_tuple()
        .all(db)
        .await?;
    rows.into_iter()
        .map(|(deployment_id, time, environment, status, ids)| {
            Ok(Deployment {
                deployment_id,
                time,
                change_ids: change_ids(&ids.0)?,
                environment,
                status: if status == FAILURE {
                    DeploymentStatus::Failure
                } else {
                    DeploymentStatus::Success
                },
            })
        })
        .collect()
}

pub(super) async fn incidents(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
    sources: &[String],
    until: DateTime<Utc>,
    only: Condition,
) -> Result<Vec<IncidentEvent>> {
    let rows: Vec<IncidentRow> = incident_fact::Entity::find()
        .select_only()
        .columns([
            incident_fact::Column::IncidentId,
            incident_fact::Column::Time,
            incident_fact::Column::Kind,
            incident_fact::Column::DeploymentId,
            incident_fact::Column::ChangeIds,
        ])
        .filter(incident_fact::Column::WorkspaceId.eq(workspace_id))
        .filter(incident_fact::Column::Source.is_in(sources.to_vec()))
        .filter(incident_fact::Column::Time.lt(until))
        .filter(only)
        .into_tuple()
        .all(db)
        .await?;
    rows.into_iter()
        .map(|(incident_id, time, kind, deployment_id, ids)| {
            Ok(IncidentEvent {
                incident_id,
                time,
                kind: incident_kind(&kind),
                deployment_id,
                change_ids: change_ids(&ids.0)?,
            })
        })
        .collect()
}

pub(super) async fn work_items(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
    sources: &[String],
    until: DateTime<Utc>,
    only: Condition,
) -> Result<Vec<WorkItemTransition>> {
    let rows: Vec<(String, String, String, DateTime<Utc>)> = work_item_fact::Entity::find()
        .select_only()
        .columns([
            work_item_fact::Column::ItemId,
            work_item_fact::Column::ItemType,
            work_item_fact::Column::State,
            work_item_fact::Column::Time,
        ])
        .filter(work_item_fact::Column::WorkspaceId.eq(workspace_id))
        .filter(work_item_fact::Column::Source.is_in(sources.to_vec()))
        .filter(work_item_fact::Column::Time.lt(until))
        .filter(only)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(item_id, item_type, state, time)| WorkItemTransition {
            item_id,
            item_type,
            state: work_item_state(&state),
            time,
        })
        .collect())
}

/// The scanner events of `sources` before `until`, read back from the stored events: one
/// statement, on the index of events by source and time (which also holds their type). An
/// event stored before its type joined the vocabulary was never checked: one whose data does
/// not fit is left out, as validation would have refused it.
pub(super) async fn vulnerabilities(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
    sources: &[String],
    until: DateTime<Utc>,
) -> Result<Vec<VulnerabilityEvent>> {
    let types = types_of(&[
        EventKind::VulnerabilityOpened,
        EventKind::VulnerabilityResolved,
    ]);
    let rows: Vec<EventRow> = event::Entity::find()
        .select_only()
        .columns([
            event::Column::Source,
            event::Column::EventId,
            event::Column::EventType,
            event::Column::Time,
            event::Column::Data,
        ])
        .filter(event::Column::WorkspaceId.eq(workspace_id))
        .filter(event::Column::Source.is_in(sources.to_vec()))
        .filter(event::Column::Time.lt(until))
        .filter(event::Column::EventType.is_in(types))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(source, event_id, event_type, time, data)| {
            let (vulnerability_id, opened) =
                match stored_fact(&event_type, &event_id, data.as_ref())? {
                    Fact::VulnerabilityOpened {
                        vulnerability_id,
                        severity,
                        advisory_id,
                        purl,
                        title,
                    } => (
                        vulnerability_id,
                        Some(FindingReport {
                            severity,
                            advisory_id,
                            purl,
                            title,
                        }),
                    ),
                    Fact::VulnerabilityResolved { vulnerability_id } => (vulnerability_id, None),
                    _ => return None,
                };
            Some(VulnerabilityEvent {
                source,
                event_id,
                vulnerability_id,
                time,
                opened,
            })
        })
        .collect())
}

/// [`vulnerabilities`] of any number of sources, a statement per [`SOURCES_PER_STATEMENT`].
pub(in crate::metrics) async fn scanner_events(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
    sources: &[String],
    until: DateTime<Utc>,
) -> Result<Vec<VulnerabilityEvent>> {
    let mut all = Vec::new();
    for chunk in sources.chunks(SOURCES_PER_STATEMENT) {
        all.extend(vulnerabilities(db, workspace_id, chunk, until).await?);
    }
    Ok(all)
}
