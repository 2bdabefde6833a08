//! Storing accepted events. Each event is written once per `(workspace, source, id)`: the
//! primary key turns a duplicate into a skipped row (`ON CONFLICT DO NOTHING`), so a retried
//! batch, or two replicas receiving the same event, never count it twice. Rows go in multi-row
//! statements sized well under both databases' bind-parameter limits.
//!
//! Events of a type outside the vocabulary are stored like any other (and count as accepted,
//! duplicates and quota alike) but write no fact. They go in their own statements so the
//! answer can say how many of the newly stored events were of an unrecognized type.

use std::collections::HashSet;

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait, sea_query::OnConflict,
};
use serde_json::json;
use uuid::Uuid;

use super::validate::{Fact, ValidEvent};
use crate::{
    authz::{self, Action},
    error::Result,
    features::{self, Feature},
    principal::Principal,
    versions::{self, Touched},
};
use entity::{change_fact, deployment_fact, event, incident_fact, work_item_fact};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct IngestResult {
    /// Newly stored events, of any type.
    pub accepted: u64,
    /// Events already stored (or repeated within the request), left unchanged.
    pub duplicates: u64,
    /// How many of the `accepted` events have a type outside the vocabulary: stored and
    /// listed, but counted in no metric.
    pub unrecognized: u64,
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
    // Names this ingestion on every fact row it stores and on its touches, so a reader keeping
    // a source's facts can read just these rows (see `versions::ingestions`).
    let ingest_id = Uuid::now_v7();

    let row = |e: &ValidEvent| event::ActiveModel {
        workspace_id: Set(ws),
        source: Set(e.source.clone()),
        event_id: Set(e.id.clone()),
        time: Set(e.time),
        event_type: Set(e.event_type.clone()),
        subject: Set(e.subject.clone()),
        data: Set(e.data.clone()),
        received_at: Set(now),
    };
    let (recognized, unrecognized): (Vec<_>, Vec<_>) =
        unique.iter().partition(|e| e.fact.is_some());
    let key = [
        event::Column::WorkspaceId,
        event::Column::Source,
        event::Column::EventId,
    ];
    let recognized = insert_new(db, recognized.into_iter().map(row).collect(), key).await?;
    let unrecognized = insert_new(db, unrecognized.into_iter().map(row).collect(), key).await?;
    let accepted = recognized + unrecognized;

    let mut changes = Vec::new();
    let mut deployments = Vec::new();
    let mut incidents = Vec::new();
    let mut work_items = Vec::new();
    for e in &unique {
        let (source, event_id, time) = (Set(e.source.clone()), Set(e.id.clone()), Set(e.time));
        let Some(fact) = &e.fact else {
            continue;
        };
        match fact {
            Fact::Change { change_id } => changes.push(change_fact::ActiveModel {
                workspace_id: Set(ws),
                ingest_id: Set(Some(ingest_id)),
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
                ingest_id: Set(Some(ingest_id)),
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
                ingest_id: Set(Some(ingest_id)),
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
                ingest_id: Set(Some(ingest_id)),
                source,
                event_id,
                time,
                item_id: Set(item_id.clone()),
                item_type: Set(item_type.clone()),
                state: Set(state.clone()),
            }),
            // A finding's data stays in its event row; the findings are read from there.
            Fact::VulnerabilityOpened { .. } | Fact::VulnerabilityResolved { .. } => {}
        }
    }
    insert_new(
        db,
        changes,
        [
            change_fact::Column::WorkspaceId,
            change_fact::Column::Source,
            change_fact::Column::EventId,
        ],
    )
    .await?;
    insert_new(
        db,
        deployments,
        [
            deployment_fact::Column::WorkspaceId,
            deployment_fact::Column::Source,
            deployment_fact::Column::EventId,
        ],
    )
    .await?;
    insert_new(
        db,
        incidents,
        [
            incident_fact::Column::WorkspaceId,
            incident_fact::Column::Source,
            incident_fact::Column::EventId,
        ],
    )
    .await?;
    insert_new(
        db,
        work_items,
        [
            work_item_fact::Column::WorkspaceId,
            work_item_fact::Column::Source,
            work_item_fact::Column::EventId,
        ],
    )
    .await?;
    // Metered on what was stored: duplicates are free. Over the quota, the error rolls back
    // the whole request, events and count alike.
    features::consume_daily(db, ws, Feature::Events, accepted).await?;
    if accepted > 0 {
        // Sources of duplicates too: a touch of an unchanged source only costs a recompute.
        let sources: HashSet<&str> = unique.iter().map(|e| e.source.as_str()).collect();
        let touched = Touched::Only(sources.into_iter().map(str::to_owned).collect());
        versions::raise_for_ingestion(db, ws, touched, ingest_id).await?;
    }
    Ok(IngestResult {
        accepted,
        duplicates: total - accepted,
        unrecognized,
    })
}

/// Inserts `rows` in multi-row statements, skipping any whose `key` (the CloudEvents identity
/// `(workspace, source, id)`) is already stored; returns how many were written.
async fn insert_new<A>(
    db: &impl ConnectionTrait,
    mut rows: Vec<A>,
    key: [<A::Entity as EntityTrait>::Column; 3],
) -> Result<u64>
where
    A: ActiveModelTrait,
{
    let mut written = 0;
    while !rows.is_empty() {
        let rest = rows.split_off(rows.len().min(ROWS_PER_STATEMENT));
        let chunk = std::mem::replace(&mut rows, rest);
        let insert = <A::Entity as EntityTrait>::insert_many(chunk)
            .on_conflict(OnConflict::columns(key).do_nothing().to_owned());
        written += match insert.exec_without_returning(db).await {
            Ok(n) => n,
            // Every row of the statement was a duplicate.
            Err(DbErr::RecordNotInserted) => 0,
            Err(e) => return Err(e.into()),
        };
    }
    Ok(written)
}
