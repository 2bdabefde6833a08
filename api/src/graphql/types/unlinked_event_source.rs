use async_graphql::{Context, Object, SimpleObject};
use chrono::{DateTime, Utc};
use domain::{events::UnlinkedSource, paging::Page};

use super::connection::PageInfo;
use crate::graphql::{context::request, errors::OrGql};

/// A CloudEvents `source` that sent events no fact sheet claims yet: give a fact sheet the
/// external ID `{namespace: "eventSource", value: source}` and its events count in that fact
/// sheet's metrics.
#[derive(SimpleObject)]
pub struct UnlinkedEventSource {
    pub source: String,
    /// Events stored from this source, of any type.
    pub event_count: u64,
    /// Of those, events whose type is outside the vocabulary: stored, but counted in no metric.
    /// Often a misspelt type.
    pub unrecognized_count: u64,
    /// The oldest event time (CloudEvents `time`).
    pub first_event_time: DateTime<Utc>,
    /// The newest event time (CloudEvents `time`).
    pub last_event_time: DateTime<Utc>,
    /// When Wayfinder last stored an event from this source.
    pub last_received_at: DateTime<Utc>,
}

impl From<UnlinkedSource> for UnlinkedEventSource {
    fn from(s: UnlinkedSource) -> Self {
        Self {
            source: s.source,
            event_count: s.event_count,
            unrecognized_count: s.unrecognized_count,
            first_event_time: s.first_event_time,
            last_event_time: s.last_event_time,
            last_received_at: s.last_received_at,
        }
    }
}

#[derive(SimpleObject)]
pub struct UnlinkedEventSourceEdge {
    pub cursor: String,
    pub node: UnlinkedEventSource,
}

pub struct UnlinkedEventSourceConnection {
    pub page: Page<UnlinkedSource>,
}

#[Object]
impl UnlinkedEventSourceConnection {
    async fn edges(&self) -> Vec<UnlinkedEventSourceEdge> {
        self.page
            .items
            .iter()
            .map(|(cursor, source)| UnlinkedEventSourceEdge {
                cursor: cursor.clone(),
                node: source.clone().into(),
            })
            .collect()
    }

    async fn page_info(&self) -> PageInfo {
        PageInfo::of(&self.page)
    }

    /// How many sources are unlinked, across all pages.
    async fn total_count(&self, ctx: &Context<'_>) -> async_graphql::Result<u64> {
        let rc = request(ctx)?;
        domain::events::count_unlinked_sources(rc.db().await?, &rc.principal)
            .await
            .gql()
    }
}
