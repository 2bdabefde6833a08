use async_graphql::{Context, Object};
use domain::{metrics::WindowLimits, reports};

use crate::graphql::{
    context::request,
    errors::{OrGql, bad_input},
    types::{
        aggregate::{AggregateSortInput, FactSheetAggregate, GroupByInput, MeasureInput},
        complexity::METRICS_COST,
        inputs::FactSheetFilter,
    },
};

#[derive(Default)]
pub struct AggregateQuery;

#[Object]
impl AggregateQuery {
    /// The fact sheets `filter` selects, grouped by one or two keys (two make a matrix: every
    /// pair of values that occurs), with one value per measure for each group. Each fact sheet
    /// counts once per group, however many paths reach it: a cloud resource two of a team's
    /// artifacts run on adds its cost to that team once. Fact sheets without a value of a key
    /// are in that key's null group. `limit` (default 100, at most 1000) cuts the sorted
    /// groups; `groupCount` and `totals` count them all.
    #[graphql(complexity = "METRICS_COST + child_complexity")]
    async fn fact_sheet_aggregate(
        &self,
        ctx: &Context<'_>,
        filter: Option<FactSheetFilter>,
        group_by: Vec<GroupByInput>,
        measures: Vec<MeasureInput>,
        sort: Option<AggregateSortInput>,
        limit: Option<i32>,
    ) -> async_graphql::Result<FactSheetAggregate> {
        let query = reports::AggregateQuery {
            filter: filter.unwrap_or_default().into_domain()?,
            group_by: crate::graphql::types::aggregate::group_by(group_by)?,
            measures: crate::graphql::types::aggregate::measures(
                measures,
                ctx.data::<WindowLimits>()?,
            )?,
            sort: sort.map(TryInto::try_into).transpose()?,
            limit: limit
                .map(|n| u32::try_from(n).map_err(|_| bad_input("limit", "must be from 1 to 1000")))
                .transpose()?,
            totals: ctx.look_ahead().field("totals").exists(),
        };
        let rc = request(ctx)?;
        let model = rc.meta_model().await?;
        let db = rc.db().await?;
        Ok(reports::aggregate(db, &rc.principal, &model.model, &query)
            .await
            .gql()?
            .into())
    }
}
