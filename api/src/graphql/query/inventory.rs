use std::sync::Arc;

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use domain::{fact_sheets, relations, reports::as_of};

use crate::graphql::{
    context::request,
    errors::{OrGql, parse_id},
    types::{
        complexity::page_cost,
        connection::FactSheetConnection,
        fact_sheet::FactSheetNode,
        inputs::{FactSheetFilter, FactSheetOrderInput},
        relation::RelationNode,
    },
};

#[derive(Default)]
pub struct InventoryQuery;

#[Object]
impl InventoryQuery {
    /// A fact sheet by id; with `asOf`, as it was at that instant (names, attributes, tags,
    /// status and relations), null when it did not exist yet. A future `asOf` is refused.
    async fn fact_sheet(
        &self,
        ctx: &Context<'_>,
        id: ID,
        as_of: Option<DateTime<Utc>>,
    ) -> async_graphql::Result<Option<FactSheetNode>> {
        let rc = request(ctx)?;
        let id = parse_id(&id, "id")?;
        if let Some(at) = as_of {
            let model = rc.meta_model().await?;
            as_of::check_as_of(at, "asOf").gql()?;
            let mut states =
                as_of::states_at(rc.db().await?, &rc.principal, &model.model, &[id], at)
                    .await
                    .gql()?;
            return Ok(states
                .remove(&id)
                .map(|p| FactSheetNode::at(p.sheet, at, Some(p.tags))));
        }
        // The lists asked for come with the fact sheet in one statement, not two more.
        let fields = ctx.look_ahead();
        let lists = fact_sheets::Lists {
            external_ids: fields.field("externalIds").exists(),
            tags: fields.field("tags").exists(),
        };
        let Some(found) = fact_sheets::get_with_lists(rc.db().await?, &rc.principal, id, lists)
            .await
            .gql()?
        else {
            return Ok(None);
        };
        if let Some(ids) = found.external_ids {
            rc.loaders.external_ids.prime(id, Arc::new(ids));
        }
        if let Some(tags) = found.tags {
            rc.loaders.tags.prime(id, Arc::new(tags));
        }
        Ok(Some(FactSheetNode::new(found.sheet)))
    }

    async fn fact_sheet_by_external_id(
        &self,
        ctx: &Context<'_>,
        namespace: String,
        value: String,
    ) -> async_graphql::Result<Option<FactSheetNode>> {
        let rc = request(ctx)?;
        Ok(
            fact_sheets::by_external_id(rc.db().await?, &rc.principal, &namespace, &value)
                .await
                .gql()?
                .map(FactSheetNode::new),
        )
    }

    /// Fact sheets matching a filter, in a stable order, a page at a time (`first` defaults to
    /// 50, at most 500).
    ///
    /// `asOf` lists them as they were at that instant, with `totalCount` and `facets` then: an
    /// instant before the workspace existed gives an empty list, a future one is refused. Every
    /// filter part and order reads the fact sheets (relations, completion, last change) as they
    /// were then, except `subscriptions`, which keep no history and are refused with `asOf`.
    #[graphql(complexity = "page_cost(first, child_complexity)")]
    async fn fact_sheets(
        &self,
        ctx: &Context<'_>,
        filter: Option<FactSheetFilter>,
        first: Option<i32>,
        after: Option<String>,
        order_by: Option<FactSheetOrderInput>,
        as_of: Option<DateTime<Utc>>,
    ) -> async_graphql::Result<FactSheetConnection> {
        let filter = filter.unwrap_or_default().into_domain()?;
        let order = order_by
            .map(TryInto::try_into)
            .transpose()?
            .unwrap_or_default();
        if let Some(at) = as_of {
            return FactSheetConnection::list_at(ctx, filter, order, first, after.as_deref(), at)
                .await;
        }
        FactSheetConnection::list(ctx, filter, order, first, after.as_deref()).await
    }

    async fn relation(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Option<RelationNode>> {
        let rc = request(ctx)?;
        let id = parse_id(&id, "id")?;
        Ok(relations::get(rc.db().await?, &rc.principal, id)
            .await
            .gql()?
            .map(RelationNode::alone))
    }
}
