//! Storing accepted events. Each event is written once per `(workspace, source, id)`: the
//! primary key turns a duplicate into a skipped row (`ON CONFLICT DO NOTHING`), so a retried
//! batch, or two replicas receiving the same event, never count it twice. Rows go in multi-row
//! statements sized well under both databases' bind-parameter limits.

use std::collections::HashSet;

use chrono::Utc;
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait, sea_query::OnConflict};
use serde_json::json;

use super::validate::{Fact, ValidEvent};
use crate::{
    Principal, Result,
    authz::{self, Action},
};
use entity::{change_fact, deployment_fact, event, incident_fact, work_item_fact};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct IngestResult {
    pub accepted: u64,
    pub duplicates: u64,
}

/// Rows per statement: 8 columns × 1,000 stays far below SQLite's 32,766 parameters.
const ROWS_PER_STATEMENT: usize = 1000;

pub async fn ingest(
    db: &impl ConnectionTrait,
    principal: &Principal,
    events: Vec<ValidEvent>,
) -> Result<IngestResult> {
    authz::require(principal, Action::WriteInventory)?;
    let total = events.len() as u64;
    let mut seen = HashSet::with_capacity(events.len());
    let unique: Vec<ValidEvent> = events
        .into_iter()
        .filter(|e| seen.insert((e.source.clone(), e.id.clone())))
        .collect();
    let ws = principal.workspace_id;
    let now = Utc::now();

    let mut accepted = 0;
    for chunk in unique.chunks(ROWS_PER_STATEMENT) {
        let rows = chunk.iter().map(|e| event::ActiveModel {
            workspace_id: Set(ws),
            source: Set(e.source.clone()),
            event_id: Set(e.id.clone()),
            time: Set(e.time),
            event_type: Set(e.event_type.clone()),
            subject: Set(e.subject.clone()),
            data: Set(e.data.clone()),
            received_at: Set(now),
        });
        accepted += insert_new(
            db,
            event::Entity::insert_many(rows).on_conflict(skip_duplicates::<event::Column>(
                event::Column::WorkspaceId,
                event::Column::Source,
                event::Column::EventId,
            )),
        )
        .await?;
    }

    let mut changes = Vec::new();
    let mut deployments = Vec::new();
    let mut incidents = Vec::new();
    let mut work_items = Vec::new();
    for e in &unique {
        let (source, event_id, time) = (Set(e.source.clone()), Set(e.id.clone()), Set(e.time));
        match &e.fact {
            Fact::Change { change_id } => changes.push(change_fact::ActiveModel {
                workspace_id: Set(ws),
                source,
                event_id,
                time,
                change_id: Set(change_id.clone()),
            }),
            Fact::Deployment {
                deployment_id,
                environment,
                status,
                change_ids,
            } => deployments.push(deployment_fact::ActiveModel {
                workspace_id: Set(ws),
                source,
                event_id,
                time,
                deployment_id: Set(deployment_id.clone()),
                environment: Set(environment.clone()),
                status: Set(status.clone()),
                change_ids: Set(json!(change_ids)),
            }),
            Fact::Incident {
                incident_id,
                opened,
                deployment_id,
                change_ids,
            } => incidents.push(incident_fact::ActiveModel {
                workspace_id: Set(ws),
                source,
                event_id,
                time,
                incident_id: Set(incident_id.clone()),
                kind: Set(if *opened { "opened" } else { "resolved" }.to_owned()),
                deployment_id: Set(deployment_id.clone()),
                change_ids: Set(json!(change_ids)),
            }),
            Fact::WorkItem {
                item_id,
                item_type,
                state,
            } => work_items.push(work_item_fact::ActiveModel {
                workspace_id: Set(ws),
                source,
                event_id,
                time,
                item_id: Set(item_id.clone()),
                item_type: Set(item_type.clone()),
                state: Set(state.clone()),
            }),
        }
    }
    for chunk in changes.chunks(ROWS_PER_STATEMENT) {
        insert_new(
            db,
            change_fact::Entity::insert_many(chunk.to_vec()).on_conflict(skip_duplicates(
                change_fact::Column::WorkspaceId,
                change_fact::Column::Source,
                change_fact::Column::EventId,
            )),
        )
        .await?;
    }
    for chunk in deployments.chunks(ROWS_PER_STATEMENT) {
        insert_new(
            db,
            deployment_fact::Entity::insert_many(chunk.to_vec()).on_conflict(skip_duplicates(
                deployment_fact::Column::WorkspaceId,
                deployment_fact::Column::Source,
                deployment_fact::Column::EventId,
            )),
        )
        .await?;
    }
    for chunk in incidents.chunks(ROWS_PER_STATEMENT) {
        insert_new(
            db,
            incident_fact::Entity::insert_many(chunk.to_vec()).on_conflict(skip_duplicates(
                incident_fact::Column::WorkspaceId,
                incident_fact::Column::Source,
                incident_fact::Column::EventId,
            )),
        )
        .await?;
    }
    for chunk in work_items.chunks(ROWS_PER_STATEMENT) {
        insert_new(
            db,
            work_item_fact::Entity::insert_many(chunk.to_vec()).on_conflict(skip_duplicates(
                work_item_fact::Column::WorkspaceId,
                work_item_fact::Column::Source,
                work_item_fact::Column::EventId,
            )),
        )
        .await?;
    }
    Ok(IngestResult {
        accepted,
        duplicates: total - accepted,
    })
}

fn skip_duplicates<C: sea_orm::sea_query::IntoIden + Copy>(
    workspace: C,
    source: C,
    event_id: C,
) -> OnConflict {
    OnConflict::columns([workspace, source, event_id])
        .do_nothing()
        .to_owned()
}

/// Rows written by an insert that skips duplicates; "nothing inserted" is not an error here.
async fn insert_new<A: sea_orm::ActiveModelTrait>(
    db: &impl ConnectionTrait,
    insert: sea_orm::InsertMany<A>,
) -> Result<u64> {
    match insert.exec_without_returning(db).await {
        Ok(n) => Ok(n),
        Err(DbErr::RecordNotInserted) => Ok(0),
        Err(e) => Err(e.into()),
    }
}
