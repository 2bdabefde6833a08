//! The landscape over time: what changed (`changes`) and between two dates (`landscapeDiff`).
//! The landscape at one date is `asOf` on `factSheet` and `factSheets`.

use async_graphql::{Context, Object};
use chrono::{DateTime, Utc};
use domain::reports::{change_feed, landscape_diff};

use crate::graphql::{
    context::request,
    errors::OrGql,
    types::{
        change_feed::{ChangeFeedConnection, ChangeFeedFilterInput},
        complexity::page_cost,
        inputs::FactSheetFilter,
        landscape_diff::LandscapeDiffObject,
    },
};

#[derive(Default)]
pub struct LandscapeQuery;

#[Object]
impl LandscapeQuery {
    /// Every change in the workspace, newest first: fact sheet revisions (relation changes
    /// once for each end) and meta model versions, a page at a time.
    #[graphql(complexity = "page_cost(first, child_complexity)")]
    async fn changes(
        &self,
        ctx: &Context<'_>,
        filter: Option<ChangeFeedFilterInput>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<ChangeFeedConnection> {
        let rc = request(ctx)?;
        let model = rc.meta_model().await?;
        let filter = filter.unwrap_or_default().into();
        let page = change_feed::feed(
            rc.db().await?,
            &rc.principal,
            &model.model,
            &filter,
            first,
            after.as_deref(),
        )
        .await
        .gql()?;
        Ok(page.into())
    }

    /// What was created, archived, restored and changed (each differing field) and which
    /// relations were made and removed between `from` and `to` (both in the past, `from`
    /// first). `filter` takes what `factSheets(asOf:)` takes and selects a fact sheet that
    /// matches at either instant, whatever its status then. A window with more changes than
    /// one diff reads is refused as `LIMIT_EXCEEDED` naming the limit, never cut short: ask
    /// for narrower dates.
    async fn landscape_diff(
        &self,
        ctx: &Context<'_>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        filter: Option<FactSheetFilter>,
    ) -> async_graphql::Result<LandscapeDiffObject> {
        let rc = request(ctx)?;
        let model = rc.meta_model().await?;
        let filter = filter.unwrap_or_default().into_domain()?;
        let diff = landscape_diff::landscape_diff(
            rc.db().await?,
            &rc.principal,
            &model.model,
            from,
            to,
            &filter,
        )
        .await
        .gql()?;
        Ok(LandscapeDiffObject::new(diff, to))
    }
}
