//! Loading metric inputs: the facts of a set of event sources, read with one narrow statement
//! per fact table.

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

fn strings(v: Value) -> Vec<String> {
    match v {
        Value::Array(items) => items
            .into_iter()
            .filter_map(|i| i.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
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
        let chunk = chunk.to_vec();
        let rows: Vec<(String, DateTime<Utc>)> = change_fact::Entity::find()
            .select_only()
            .columns([change_fact::Column::ChangeId, change_fact::Column::Time])
            .filter(change_fact::Column::WorkspaceId.eq(workspace_id))
            .filter(change_fact::Column::Source.is_in(chunk.clone()))
            .filter(change_fact::Column::Time.lt(until))
            .into_tuple()
            .all(db)
            .await?;
        facts
            .changes
            .extend(rows.into_iter().map(|(id, time)| Change { id, time }));

        let rows: Vec<(String, DateTime<Utc>, String, String, Value)> =
            deployment_fact::Entity::find()
                .select_only()
                .columns([
                    deployment_fact::Column::DeploymentId,
                    deployment_fact::Column::Time,
                    deployment_fact::Column::Environment,
                    deployment_fact::Column::Status,
                    deployment_fact::Column::ChangeIds,
                ])
                .filter(deployment_fact::Column::WorkspaceId.eq(workspace_id))
                .filter(deployment_fact::Column::Source.is_in(chunk.clone()))
                .filter(deployment_fact::Column::Time.lt(until))
                .into_tuple()
                .all(db)
                .await?;
        facts.deployments.extend(rows.into_iter().map(
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
        ));

        let rows: Vec<(String, DateTime<Utc>, String, Option<String>, Value)> =
            incident_fact::Entity::find()
                .select_only()
                .columns([
                    incident_fact::Column::IncidentId,
                    incident_fact::Column::Time,
                    incident_fact::Column::Kind,
                    incident_fact::Column::DeploymentId,
                    incident_fact::Column::ChangeIds,
                ])
                .filter(incident_fact::Column::WorkspaceId.eq(workspace_id))
                .filter(incident_fact::Column::Source.is_in(chunk.clone()))
                .filter(incident_fact::Column::Time.lt(until))
                .into_tuple()
                .all(db)
                .await?;
        facts.incidents.extend(rows.into_iter().map(
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
        ));

        let rows: Vec<(String, String, String, DateTime<Utc>)> = work_item_fact::Entity::find()
            .select_only()
            .columns([
                work_item_fact::Column::ItemId,
                work_item_fact::Column::ItemType,
                work_item_fact::Column::State,
                work_item_fact::Column::Time,
            ])
            .filter(work_item_fact::Column::WorkspaceId.eq(workspace_id))
            .filter(work_item_fact::Column::Source.is_in(chunk))
            .filter(work_item_fact::Column::Time.lt(until))
            .into_tuple()
            .all(db)
            .await?;
        facts
            .work_items
            .extend(
                rows.into_iter()
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
                    }),
            );
    }
    Ok(facts)
}
