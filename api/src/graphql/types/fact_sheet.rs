use crate::graphql::errors::bad_input;
use std::sync::Arc;

use async_graphql::{Context, ID, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use domain::{
    fact_sheets::{FactSheet, FactSheetFilter, FactSheetOrder, Status},
    history,
    paging::{decode_cursor, page_size},
    relations::RelationSlice,
};
use serde_json::Value;
use uuid::Uuid;

use super::{
    connection::{ChangeConnection, FactSheetConnection, RelationConnection},
    enums::{FactSheetStatus, RelationDirection},
    event::EventConnection,
    metrics::{MetricWindowInput, Metrics},
    tags::{SubscriptionObject, TagObject},
};
use crate::graphql::{
    complexity::{METRICS_COST, page_cost},
    context::request,
    errors::OrGql,
    loader::load_error,
};

/// Where a fact sheet stands in its lifecycle.
#[derive(SimpleObject)]
pub struct Lifecycle {
    /// The lifecycle attribute this comes from.
    pub attribute: String,
    /// plan, phaseIn, active, phaseOut or endOfLife; null before the first phase starts.
    pub phase: Option<String>,
    pub phases: Vec<LifecyclePhaseStart>,
}

#[derive(SimpleObject)]
pub struct LifecyclePhaseStart {
    pub phase: String,
    /// YYYY-MM-DD
    pub start_date: String,
}

/// A fact sheet: one node of the inventory graph, typed by the meta model.
pub struct FactSheetNode(pub Arc<FactSheet>);

#[derive(SimpleObject, Clone)]
pub struct ExternalId {
    pub namespace: String,
    pub value: String,
}

#[Object(name = "FactSheet", serial)]
impl FactSheetNode {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// The fact sheet type's key in the meta model.
    #[graphql(name = "type")]
    async fn fact_sheet_type(&self) -> &str {
        &self.0.fact_sheet_type
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }

    /// Values keyed by attribute key, validated by the meta model.
    async fn attributes(&self) -> Json<Value> {
        Json(self.0.attributes.clone())
    }

    /// Increases with every change; pass it as `expectedRevision` to update safely.
    async fn revision(&self) -> i32 {
        self.0.revision
    }

    async fn status(&self) -> FactSheetStatus {
        Status::of(&self.0).into()
    }

    /// Share of the attribute weight that is filled in, 0..1.
    async fn completion(&self) -> f64 {
        self.0.completion
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    async fn created_by(&self) -> &str {
        &self.0.created_by
    }

    async fn updated_by(&self) -> &str {
        &self.0.updated_by
    }

    async fn external_ids(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ExternalId>> {
        let ids = request(ctx)?
            .loaders
            .external_ids
            .load(self.0.id)
            .await
            .map_err(load_error)?
            .unwrap_or_default();
        Ok(ids
            .iter()
            .map(|e| ExternalId {
                namespace: e.namespace.clone(),
                value: e.value.clone(),
            })
            .collect())
    }

    async fn tags(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<TagObject>> {
        let tags = request(ctx)?
            .loaders
            .tags
            .load(self.0.id)
            .await
            .map_err(load_error)?
            .unwrap_or_default();
        Ok(tags.iter().cloned().map(Into::into).collect())
    }

    /// Who is responsible, accountable or observing.
    async fn subscriptions(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<SubscriptionObject>> {
        let subs = request(ctx)?
            .loaders
            .subscriptions
            .load(self.0.id)
            .await
            .map_err(load_error)?
            .unwrap_or_default();
        Ok(subs.iter().cloned().map(Into::into).collect())
    }

    async fn parent(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<FactSheetNode>> {
        let Some(parent) = self.0.parent_id else {
            return Ok(None);
        };
        Ok(request(ctx)?
            .loaders
            .fact_sheets
            .load(parent)
            .await
            .map_err(load_error)?
            .map(FactSheetNode))
    }

    #[graphql(complexity = "page_cost(first, child_complexity)")]
    async fn children(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<FactSheetConnection> {
        Box::pin(self.children_boxed(ctx, first, after)).await
    }

    /// Relations from and to this fact sheet, optionally of one type and direction, in a
    /// stable order.
    #[graphql(complexity = "page_cost(first, child_complexity)")]
    async fn relations(
        &self,
        ctx: &Context<'_>,
        #[graphql(name = "type")] relation_type: Option<String>,
        #[graphql(default)] direction: RelationDirection,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<RelationConnection> {
        let size = page_size(first).gql()?;
        let after: Option<Uuid> = after.as_deref().map(decode_cursor).transpose().gql()?;
        let slice = RelationSlice {
            relation_type,
            direction: direction.into(),
            after,
            limit: size + 1,
            with_total: ctx.look_ahead().field("totalCount").exists(),
        };
        let window = request(ctx)?
            .loaders
            .relation_windows
            .load((self.0.id, slice))
            .await
            .map_err(load_error)?
            .unwrap_or_default();
        Ok(RelationConnection::new(&self.0, &window, size))
    }

    /// The lifecycle of the type's first lifecycle attribute that has a value: the phase it is
    /// in today and the start date of each phase.
    async fn lifecycle(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Lifecycle>> {
        let model = request(ctx)?.meta_model().await?;
        let Some(fs_type) = model.model.fact_sheet_type(&self.0.fact_sheet_type) else {
            return Ok(None);
        };
        let today = chrono::Utc::now().date_naive();
        for definition in fs_type
            .attributes
            .iter()
            .filter(|a| a.kind == domain::meta_model::AttributeType::Lifecycle)
        {
            let Some(value) = self.0.attributes.get(&definition.key) else {
                continue;
            };
            let phases = domain::meta_model::LIFECYCLE_PHASES
                .iter()
                .filter_map(|phase| {
                    value
                        .get(*phase)
                        .and_then(|d| d.as_str())
                        .map(|d| LifecyclePhaseStart {
                            phase: (*phase).to_owned(),
                            start_date: d.to_owned(),
                        })
                })
                .collect();
            return Ok(Some(Lifecycle {
                attribute: definition.key.clone(),
                phase: domain::attributes::current_phase(value, today).map(str::to_owned),
                phases,
            }));
        }
        Ok(None)
    }

    /// Events linked to this fact sheet through its `eventSource` external IDs, newest first.
    #[graphql(complexity = "page_cost(first, child_complexity)")]
    async fn events(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        types: Option<Vec<String>>,
    ) -> async_graphql::Result<EventConnection> {
        Box::pin(self.events_boxed(ctx, first, after, types)).await
    }

    /// DORA four keys and Flow metrics over the window: from this fact sheet's own events, or
    /// rolled up over the fact sheets its type rolls up through (a Team over its artifacts).
    #[graphql(complexity = "METRICS_COST + child_complexity")]
    async fn metrics(
        &self,
        ctx: &Context<'_>,
        window: MetricWindowInput,
    ) -> async_graphql::Result<Metrics> {
        Box::pin(self.metrics_boxed(ctx, window)).await
    }

    /// Every change, newest first.
    #[graphql(complexity = "page_cost(first, child_complexity)")]
    async fn history(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<ChangeConnection> {
        Box::pin(self.history_boxed(ctx, first, after)).await
    }
}

/// The bodies of the fields whose futures are large. async-graphql boxes one future per field
/// it resolves, sized for the largest field of the object, and moves it into place: with
/// `metrics` inlined, each `name` of each fact sheet of a traversal cost an allocation and a copy
/// of several kilobytes. Boxed here, these fields pay one more allocation each, and only when
/// selected.
impl FactSheetNode {
    async fn children_boxed(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<FactSheetConnection> {
        let filter = FactSheetFilter {
            parent_id: Some(self.0.id),
            ..Default::default()
        };
        FactSheetConnection::list(
            ctx,
            filter,
            FactSheetOrder::default(),
            first,
            after.as_deref(),
        )
        .await
    }

    async fn events_boxed(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        types: Option<Vec<String>>,
    ) -> async_graphql::Result<EventConnection> {
        let rc = request(ctx)?;
        let page = domain::events::list_for_fact_sheet(
            rc.db().await?,
            &rc.principal,
            self.0.id,
            types.as_deref(),
            first,
            after.as_deref(),
        )
        .await
        .gql()?;
        Ok(page.into())
    }

    async fn metrics_boxed(
        &self,
        ctx: &Context<'_>,
        window: MetricWindowInput,
    ) -> async_graphql::Result<Metrics> {
        let rc = request(ctx)?;
        let time_zone: chrono_tz::Tz = window.time_zone.parse().map_err(|_| {
            bad_input(
                "window.timeZone",
                "is not an IANA time zone such as Europe/Berlin",
            )
        })?;
        let window = domain::metrics::MetricWindow::new(
            window.from,
            window.to,
            window.bucket.into(),
            time_zone,
        )
        .map_err(|_| bad_input("window.to", "must be after window.from"))?;
        // Only the metric families the query selects are loaded and computed.
        let selected = ctx.look_ahead();
        let needs = domain::events::Needs {
            dora: [
                "deploymentFrequency",
                "leadTime",
                "changeFailureRate",
                "failedDeploymentRecoveryTime",
                "timeToRestore",
            ]
            .iter()
            .any(|f| selected.field(f).exists()),
            flow: selected.field("flow").exists(),
        };
        let model = rc.meta_model().await?;
        let metrics = ctx
            .data::<domain::metrics::MetricsCache>()?
            .for_fact_sheet(
                rc.db().await?,
                &rc.principal,
                &model,
                self.0.id,
                &window,
                needs,
            )
            .await
            .gql()?;
        Ok(domain::metrics::Metrics::clone(&metrics).into())
    }

    async fn history_boxed(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<ChangeConnection> {
        let rc = request(ctx)?;
        let page = history::list(
            rc.db().await?,
            &rc.principal,
            self.0.id,
            first,
            after.as_deref(),
        )
        .await
        .gql()?;
        Ok(page.into())
    }
}
