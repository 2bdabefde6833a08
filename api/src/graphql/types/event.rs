use async_graphql::{Json, SimpleObject};
use chrono::{DateTime, Utc};
use domain::{events::StoredEvent, paging::Page};
use serde_json::Value;

use super::connection::PageInfo;

/// A stored CloudEvent.
#[derive(SimpleObject)]
#[graphql(name = "Event")]
pub struct EventObject {
    pub id: String,
    pub source: String,
    #[graphql(name = "type")]
    pub event_type: String,
    /// The event time (CloudEvents `time`), which metrics use.
    pub time: DateTime<Utc>,
    pub subject: Option<String>,
    pub data: Option<Json<Value>>,
    pub received_at: DateTime<Utc>,
}

#[derive(SimpleObject)]
pub struct EventEdge {
    pub cursor: String,
    pub node: EventObject,
}

#[derive(SimpleObject)]
pub struct EventConnection {
    pub edges: Vec<EventEdge>,
    pub page_info: PageInfo,
}

impl From<Page<StoredEvent>> for EventConnection {
    fn from(page: Page<StoredEvent>) -> Self {
        Self {
            page_info: PageInfo::of(&page),
            edges: page
                .items
                .into_iter()
                .map(|(cursor, e)| EventEdge {
                    cursor,
                    node: EventObject {
                        id: e.id,
                        source: e.source,
                        event_type: e.event_type,
                        time: e.time,
                        subject: e.subject,
                        data: e.data.map(Json),
                        received_at: e.received_at,
                    },
                })
                .collect(),
        }
    }
}
