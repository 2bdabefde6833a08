//! Loading metric inputs: the facts of a set of event sources, read with narrow statements per
//! fact table.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use serde_json::Value;
use uuid::Uuid;

use crate::{
    Result,
    metrics::{
        Change, Deployment, DeploymentStatus, Facts, IncidentEvent, IncidentEventKind,
        WorkItemState, WorkItemTransition,
    },
};
use entity::{change_fact, deployment_fact, incident_fact, work_item_fact};

/// Sources per statement, below every bind-parameter limit.
const SOURCES_PER_STATEMENT: usize = 500;

/// Which metric families a caller will read; the facts of the others are not loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Needs {
    /// Deployment frequency, lead time, change failure rate, recovery times.
    pub dora: bool,
    pub flow: bool,
}

impl Needs {
    pub const ALL: Needs = Needs {
        dora: true,
        flow: true,
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
            .extend(changes(db, workspace_id, chunk, until).await?);
        facts
            .deployments
            .extend(deployments(db, workspace_id, chunk, until).await?);
        facts
            .incidents
            .extend(incidents(db, workspace_id, chunk, until).await?);
        facts
            .work_items
            .extend(work_items(db, workspace_id, chunk, until).await?);
    }
    Ok(facts)
}

/// The facts a window's metrics can depend on, so a year of history is not read for a 90-day
/// window. Exact, not sampled: lead time reads only the changes named by the window's
/// deployments (merged by deployment id, as the engine merges them), so other change events are
/// dropped before the engine sees them; deployments, incidents and work items are read in full because a change's first
/// deployment, incident links and work in progress reach back arbitrarily far. Families the
/// caller does not need are not read at all. A test checks the result against [`load_facts`].
pub async fn load_window_facts(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
    sources: &[String],
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    needs: Needs,
) -> Result<Facts> {
    let mut facts = Facts::default();
    for chunk in sources.chunks(SOURCES_PER_STATEMENT) {
        if needs.dora {
            facts
                .deployments
                .extend(deployments(db, workspace_id, chunk, until).await?);
            facts
                .incidents
                .extend(incidents(db, workspace_id, chunk, until).await?);
        }
        if needs.flow {
            facts
                .work_items
                .extend(work_items(db, workspace_id, chunk, until).await?);
        }
    }
    if needs.dora {
        let in_window: HashSet<&str> = facts
            .deployments
            .iter()
            .filter(|d| d.time >= from)
            .map(|d| d.deployment_id.as_str())
            .collect();
        let named: HashSet<&str> = facts
            .deployments
            .iter()
            .filter(|d| in_window.contains(d.deployment_id.as_str()))
            .flat_map(|d| d.change_ids.iter().map(String::as_str))
            .collect();
        // Reading a source's changes is one index range; filtering by id here is cheaper than
        // thousands of bound ids in the statement (measured on PostgreSQL).
        let mut kept = Vec::new();
        for chunk in sources.chunks(SOURCES_PER_STATEMENT) {
            kept.extend(
                changes(db, workspace_id, chunk, until)
                    .await?
                    .into_iter()
                    .filter(|c| named.contains(c.id.as_str())),
            );
        }
        facts.changes = kept;
    }
    Ok(facts)
}

/// `(deployment_id, time, environment, status, change_ids)`
type DeploymentRow = (String, DateTime<Utc>, String, String, Value);
/// `(incident_id, time, kind, deployment_id, change_ids)`
type IncidentRow = (String, DateTime<Utc>, String, Option<String>, Value);

fn strings(v: Value) -> Vec<String> {
    match v {
        Value::Array(items) => items
            .into_iter()
            .filter_map(|i| i.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

async fn changes(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
    sources: &[String],
    until: DateTime<Utc>,
) -> Result<Vec<Change>> {
    let query = change_fact::Entity::find()
        .select_only()
        .columns([change_fact::Column::ChangeId, change_fact::Column::Time])
        .filter(change_fact::Column::WorkspaceId.eq(workspace_id))
        .filter(change_fact::Column::Source.is_in(sources.to_vec()))
        .filter(change_fact::Column::Time.lt(until));
    let rows: Vec<(String, DateTime<Utc>)> = query.into_tuple().all(db).await?;
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
    Ok(rows
        .into_iter()
        .map(
            |(deployment_id, time, environment, status, change_ids)| Deployment {
                deployment_id,
                time,
                change_ids: strings(change_ids),
                environment,
                status: if status == "failure" {
                    DeploymentStatus::Failure
                } else {
                    DeploymentStatus::Success
                },
            },
        )
        .collect())
}

async fn incidents(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
    sources: &[String],
    until: DateTime<Utc>,
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
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(
            |(incident_id, time, kind, deployment_id, change_ids)| IncidentEvent {
                incident_id,
                time,
                kind: if kind == "opened" {
                    IncidentEventKind::Opened
                } else {
                    IncidentEventKind::Resolved
                },
                deployment_id,
                change_ids: strings(change_ids),
            },
        )
        .collect())
}

async fn work_items(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
    sources: &[String],
    until: DateTime<Utc>,
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
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(item_id, item_type, state, time)| WorkItemTransition {
            item_id,
            item_type,
            state: match state.as_str() {
                "active" => WorkItemState::Active,
                "waiting" => WorkItemState::Waiting,
                "done" => WorkItemState::Done,
                _ => WorkItemState::Todo,
            },
            time,
        })
        .collect())
}
