//! Listing the events linked to a fact sheet, newest first.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::{
    authz::{self, Action},
    error::{Error, Result},
    external_ids::{self, EVENT_SOURCE_NAMESPACE},
    limits,
    paging::{Page, decode_cursor, encode_cursor, page_size},
    principal::Principal,
};
use entity::event;

#[derive(Debug, Clone)]
pub struct StoredEvent {
    pub source: String,
    pub id: String,
    pub event_type: String,
    pub time: DateTime<Utc>,
    pub subject: Option<String>,
    pub data: Option<Value>,
    pub received_at: DateTime<Utc>,
}

#[derive(Serialize, Deserialize)]
struct Position {
    t: DateTime<Utc>,
    s: String,
    e: String,
}

/// Events whose `source` is one of the fact sheet's `eventSource` external IDs, by event time,
/// newest first; optionally only some types.
pub async fn list_for_fact_sheet(
    db: &impl ConnectionTrait,
    principal: &Principal,
    fact_sheet_id: Uuid,
    types: Option<&[String]>,
    first: Option<i32>,
    after: Option<&str>,
) -> Result<Page<StoredEvent>> {
    authz::require(principal, Action::Read)?;
    if let Some(refusal) = types.and_then(|t| limits::TYPES.check("types", t.len())) {
        return Err(Error::Invalid(vec![refusal]));
    }
    let size = page_size(first)?;
    let sources: Vec<String> = external_ids::for_fact_sheets(db, principal, &[fact_sheet_id])
        .await?
        .remove(&fact_sheet_id)
        .unwrap_or_default()
        .into_iter()
        .filter(|e| e.namespace == EVENT_SOURCE_NAMESPACE)
        .map(|e| e.value)
        .collect();
    if sources.is_empty() {
        return Ok(Page {
            items: Vec::new(),
            has_next_page: false,
        });
    }
    let mut query = event::Entity::find()
        .filter(event::Column::WorkspaceId.eq(principal.workspace_id))
        .filter(event::Column::Source.is_in(sources));
    if let Some(types) = types {
        query = query.filter(event::Column::EventType.is_in(types.to_vec()));
    }
    if let Some(after) = after {
        let p: Position = decode_cursor(after)?;
        if let Some(outside) = limits::check_instant("after", &p.t) {
            return Err(Error::Invalid(vec![outside]));
        }
        query = query.filter(
            Condition::any().add(event::Column::Time.lt(p.t)).add(
                Condition::all().add(event::Column::Time.eq(p.t)).add(
                    Condition::any()
                        .add(event::Column::Source.lt(p.s.clone()))
                        .add(
                            Condition::all()
                                .add(event::Column::Source.eq(p.s))
                                .add(event::Column::EventId.lt(p.e)),
                        ),
                ),
            ),
        );
    }
    let rows = query
        .order_by_desc(event::Column::Time)
        .order_by_desc(event::Column::Source)
        .order_by_desc(event::Column::EventId)
        .limit(size + 1)
        .all(db)
        .await?;
    let events = rows
        .into_iter()
        .map(|r| StoredEvent {
            source: r.source,
            id: r.event_id,
            event_type: r.event_type,
            time: r.time,
            subject: r.subject,
            data: r.data,
            received_at: r.received_at,
        })
        .collect();
    Ok(Page::from_rows(events, size, |e| {
        encode_cursor(&Position {
            t: e.time,
            s: e.source.clone(),
            e: e.id.clone(),
        })
    }))
}
