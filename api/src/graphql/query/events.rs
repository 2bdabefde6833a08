use async_graphql::{Context, Object};
use domain::events;

use crate::graphql::{
    context::request,
    errors::OrGql,
    types::{complexity::page_cost, unlinked_event_source::UnlinkedEventSourceConnection},
};

#[derive(Default)]
pub struct EventQuery;

#[Object]
impl EventQuery {
    /// Event sources whose events no fact sheet claims yet (no fact sheet has the source as an
    /// `eventSource` external ID), most recent events first: what is left to link.
    #[graphql(complexity = "page_cost(first, child_complexity)")]
    async fn unlinked_event_sources(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<UnlinkedEventSourceConnection> {
        let rc = request(ctx)?;
        let page =
            events::list_unlinked_sources(rc.db().await?, &rc.principal, first, after.as_deref())
                .await
                .gql()?;
        Ok(UnlinkedEventSourceConnection { page })
    }
}
