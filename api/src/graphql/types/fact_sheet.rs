use std::sync::Arc;

use async_graphql::{Context, ID, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use domain::{
    fact_sheets::{FactSheet, FactSheetFilter, FactSheetOrder, Status},
    history,
    meta_model::{AttributeDefinition, AttributeType},
    metrics::WindowLimits,
    relations::FarEnds,
};

use crate::graphql::enums::{FactSheetStatus, RelationDirection, Severity, VulnerabilityStatus};

use super::{
    complexity::{METRICS_COST, metrics_cost, page_cost},
    component::{ComponentConnection, ComponentFilterInput, LicenseCountObject},
    connection::{ChangeConnection, FactSheetConnection, RelationConnection},
    event::EventConnection,
    metrics::{MetricWindowInput, Metrics},
    row_json::RowJson,
    tags::{SubscriptionObject, TagObject},
    vulnerability::{VulnerabilityConnection, VulnerabilitySummary},
};
use crate::graphql::{
    context::request,
    errors::{OrGql, internal},
    loader::load_error,
    name_hints::check_relation_type,
    render::{self, RelationArgs, RelationRows, Shape, SheetRow},
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
#[derive(Clone)]
pub struct FactSheetNode {
    sheet: Arc<FactSheet>,
    /// False for a far end a traversal read as a summary (see `relations` and `FarEnds`): the
    /// fields a summary leaves out load the whole fact sheet first.
    whole: bool,
    /// Set when the node shows the fact sheet as it was at a past instant (`asOf`).
    past: Option<Arc<PastView>>,
}

/// A fact sheet read `asOf` an instant: its row is as it was then; tags and relations read
/// through here are too.
#[derive(Debug)]
pub struct PastView {
    pub at: DateTime<Utc>,
    /// The tag names then, for a fact sheet rebuilt from its history; `None` when it is as
    /// stored now (its current tags were its tags then).
    pub tags: Option<Vec<String>>,
}

impl FactSheetNode {
    pub fn new(sheet: impl Into<Arc<FactSheet>>) -> Self {
        Self {
            sheet: sheet.into(),
            whole: true,
            past: None,
        }
    }

    /// A fact sheet as it was at `at` (see [`PastView`]).
    pub fn at(
        sheet: impl Into<Arc<FactSheet>>,
        at: DateTime<Utc>,
        tags: Option<Vec<String>>,
    ) -> Self {
        Self {
            sheet: sheet.into(),
            whole: true,
            past: Some(Arc::new(PastView { at, tags })),
        }
    }

    /// A fact sheet read as a summary (`FarEnds::Summary`).
    pub fn summary(sheet: Arc<FactSheet>) -> Self {
        Self {
            sheet,
            whole: false,
            past: None,
        }
    }

    pub fn sheet(&self) -> &Arc<FactSheet> {
        &self.sheet
    }

    /// The whole fact sheet: this one, or the row from the batch loader (one statement for all
    /// such nodes of a level).
    async fn whole(&self, ctx: &Context<'_>) -> async_graphql::Result<Arc<FactSheet>> {
        if self.whole {
            return Ok(self.sheet.clone());
        }
        request(ctx)?
            .loaders
            .fact_sheets
            .load(self.sheet.id)
            .await
            .map_err(load_error)?
            .ok_or_else(|| internal(&format!("fact sheet {} vanished", self.sheet.id)))
    }
}

impl From<SheetRow> for FactSheetNode {
    fn from(row: SheetRow) -> Self {
        Self {
            sheet: row.row,
            whole: row.whole,
            past: None,
        }
    }
}

#[derive(SimpleObject, Clone)]
pub struct ExternalId {
    pub namespace: String,
    pub value: String,
}

#[Object(name = "FactSheet", serial)]
impl FactSheetNode {
    async fn id(&self) -> ID {
        ID(self.sheet.id.to_string())
    }

    /// The fact sheet type's key in the meta model.
    #[graphql(name = "type")]
    async fn fact_sheet_type(&self) -> &str {
        &self.sheet.fact_sheet_type
    }

    async fn name(&self) -> &str {
        &self.sheet.name
    }

    async fn description(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        Ok(self.whole(ctx).await?.description.clone())
    }

    /// Values keyed by attribute key, validated by the meta model.
    async fn attributes(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Json<RowJson<FactSheet>>> {
        let sheet = self.whole(ctx).await?;
        Ok(Json(RowJson::new(sheet, |fs| &fs.attributes)))
    }

    /// Increases with every change; pass it as `expectedRevision` to update safely.
    async fn revision(&self) -> i32 {
        self.sheet.revision
    }

    async fn status(&self) -> FactSheetStatus {
        Status::of(&self.sheet).into()
    }

    /// Share of the attribute weight that is filled in, 0..1.
    async fn completion(&self) -> f64 {
        self.sheet.completion
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.sheet.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.sheet.updated_at
    }

    async fn created_by(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        Ok(self.whole(ctx).await?.created_by.clone())
    }

    async fn updated_by(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        Ok(self.whole(ctx).await?.updated_by.clone())
    }

    async fn external_ids(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ExternalId>> {
        let ids = request(ctx)?
            .loaders
            .external_ids
            .load_or_default(self.sheet.id)
            .await?;
        Ok(ids
            .iter()
            .map(|e| ExternalId {
                namespace: e.namespace.clone(),
                value: e.value.clone(),
            })
            .collect())
    }

    /// With `asOf`, the tags the fact sheet carried then that still exist, by name.
    async fn tags(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<TagObject>> {
        if let Some(names) = self.past.as_ref().and_then(|p| p.tags.as_ref()) {
            let rc = request(ctx)?;
            let all = domain::tags::list(rc.db().await?, &rc.principal)
                .await
                .gql()?;
            return Ok(names
                .iter()
                .filter_map(|name| all.iter().find(|t| &t.name == name))
                .cloned()
                .map(Into::into)
                .collect());
        }
        let tags = request(ctx)?
            .loaders
            .tags
            .load_or_default(self.sheet.id)
            .await?;
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
            .load_or_default(self.sheet.id)
            .await?;
        Ok(subs.iter().cloned().map(Into::into).collect())
    }

    async fn parent(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<FactSheetNode>> {
        let Some(parent) = self.sheet.parent_id else {
            return Ok(None);
        };
        Ok(request(ctx)?
            .loaders
            .fact_sheets
            .load(parent)
            .await
            .map_err(load_error)?
            .map(FactSheetNode::new))
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
    /// stable order. `asOf` gives them as they were at that instant (a fact sheet read with
    /// `asOf` gives its relations at that instant unless told another).
    #[graphql(complexity = "page_cost(first, child_complexity)")]
    async fn relations(
        &self,
        ctx: &Context<'_>,
        #[graphql(name = "type")] relation_type: Option<String>,
        #[graphql(default)] direction: RelationDirection,
        first: Option<i32>,
        after: Option<String>,
        as_of: Option<DateTime<Utc>>,
    ) -> async_graphql::Result<RelationConnection> {
        let args = RelationArgs {
            relation_type,
            direction,
            first,
            after,
        };
        if let Some(at) = as_of.or(self.past.as_ref().map(|p| p.at)) {
            let page = Box::pin(super::past_relations::relations_at(
                ctx,
                &self.sheet,
                at,
                args,
            ))
            .await?;
            return Ok(RelationConnection::or_executor(None, || page));
        }
        Box::pin(self.relations_boxed(ctx, args)).await
    }

    /// The lifecycle of the type's first lifecycle attribute that has a value: the phase it is
    /// in today and the start date of each phase.
    async fn lifecycle(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Lifecycle>> {
        let model = request(ctx)?.meta_model().await?;
        let Some(fs_type) = model.model.fact_sheet_type(&self.sheet.fact_sheet_type) else {
            return Ok(None);
        };
        let is_lifecycle = |a: &&AttributeDefinition| a.kind == AttributeType::Lifecycle;
        // A type without lifecycle attributes needs no attributes loaded.
        if !fs_type.attributes.iter().any(|a| is_lifecycle(&a)) {
            return Ok(None);
        }
        let sheet = self.whole(ctx).await?;
        let today = chrono::Utc::now().date_naive();
        for definition in fs_type.attributes.iter().filter(is_lifecycle) {
            let Some(value) = sheet.attributes.get(&definition.key) else {
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
    #[graphql(complexity = "metrics_cost(&window, child_complexity)")]
    async fn metrics(
        &self,
        ctx: &Context<'_>,
        window: MetricWindowInput,
    ) -> async_graphql::Result<Metrics> {
        Box::pin(self.metrics_boxed(ctx, window)).await
    }

    /// The components of this software artifact's newest SBOM, in the SBOM's order.
    #[graphql(complexity = "page_cost(first, child_complexity)")]
    async fn components(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<ComponentFilterInput>,
    ) -> async_graphql::Result<ComponentConnection> {
        Box::pin(self.components_boxed(ctx, first, after, filter)).await
    }

    /// How many of this artifact's components carry each SPDX expression, most used first.
    async fn licenses(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<LicenseCountObject>> {
        Box::pin(self.licenses_boxed(ctx)).await
    }

    /// Advisory matches and scanner findings, in the order they were opened: this artifact's,
    /// or for a Team or Product those of the artifacts it rolls up over (as metrics do).
    /// Without `status`, open and resolved ones; without `severities`, every severity.
    #[graphql(complexity = "METRICS_COST + page_cost(first, child_complexity)")]
    async fn vulnerabilities(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        severities: Option<Vec<Severity>>,
        status: Option<VulnerabilityStatus>,
    ) -> async_graphql::Result<VulnerabilityConnection> {
        Box::pin(self.vulnerabilities_boxed(ctx, first, after, severities, status)).await
    }

    /// Open vulnerabilities by severity: this artifact's, or for a Team or Product over the
    /// artifacts it rolls up over, each artifact counted once.
    #[graphql(complexity = "METRICS_COST + child_complexity")]
    async fn vulnerability_summary(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<VulnerabilitySummary> {
        Box::pin(self.vulnerability_summary_boxed(ctx)).await
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
            parent_id: Some(self.sheet.id),
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
            self.sheet.id,
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
        let window = window.checked(ctx.data::<WindowLimits>()?)?;
        // Only the metric families the query selects are loaded and computed.
        let selected = ctx.look_ahead();
        let needs = domain::metrics::Needs {
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
            vulnerabilities: selected.field("vulnerabilities").exists(),
        };
        let model = rc.meta_model().await?;
        let cache = ctx.data::<domain::metrics::MetricsCache>()?;
        let db = rc.db().await?;
        let metrics = cache
            .for_fact_sheet(
                db,
                &rc.principal,
                &model,
                domain::metrics::Subject::Read(&self.sheet),
                &window,
                needs,
                Some(domain::metrics::RequestReads {
                    inventory: &rc.inventory,
                    events: &rc.events,
                    metrics: &rc.metrics_gate,
                }),
            )
            .await
            .gql()?;
        let mut metrics = domain::metrics::Metrics::clone(&metrics);
        if needs.vulnerabilities {
            // The trend counts advisory matches too, which the metrics (events only) do not.
            metrics.vulnerabilities = domain::vulnerabilities::vulnerability_trend_of(
                db,
                &rc.principal,
                cache,
                &model.model,
                self.sheet.id,
                &window,
            )
            .await
            .gql()?;
        }
        Ok(metrics.into())
    }

    async fn relations_boxed(
        &self,
        ctx: &Context<'_>,
        args: RelationArgs,
    ) -> async_graphql::Result<RelationConnection> {
        let rc = request(ctx)?;
        let model = rc.meta_model().await?;
        check_relation_type(ctx, &model.model, args.relation_type.as_deref()).gql()?;
        // Read before loading: a selection the renderer does not know costs nothing more.
        let shape = render::selection(ctx, Shape::of);
        let (with_total, far_ends) = match &shape {
            Some(shape) => (shape.with_total(), shape.far_ends()),
            None => (
                ctx.look_ahead().field("totalCount").exists(),
                far_ends_for(ctx),
            ),
        };
        let (slice, size) = args.page(with_total, far_ends).gql()?;
        let window = rc
            .loaders
            .relation_windows
            .load((self.sheet.id, slice))
            .await
            .map_err(load_error)?
            .unwrap_or_default();
        let anchor = SheetRow {
            row: self.sheet.clone(),
            whole: self.whole,
        };
        let rows = RelationRows::new(anchor, window, size, far_ends);
        let rendered = match shape {
            Some(shape) => render::render(rc, &rows, &shape).await,
            None => None,
        };
        Ok(RelationConnection::or_executor(
            render::counted(ctx, rendered),
            || rows.into(),
        ))
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
            self.sheet.id,
            first,
            after.as_deref(),
        )
        .await
        .gql()?;
        Ok(page.into())
    }
}

/// How much of the fact sheets at either end a `relations` field's selection needs: all of
/// them when it shows a field a summary leaves out (`lifecycle` is rare in traversals and loads
/// the whole fact sheet itself). Only the cost depends on this guess: a summary loads the
/// whole fact sheet when a field needs it.
fn far_ends_for(ctx: &Context<'_>) -> FarEnds {
    let node = ctx.look_ahead().field("edges").field("node");
    let shown = ["from", "to"]
        .iter()
        .any(|end| render::beyond_summary().any(|field| node.field(end).field(field).exists()));
    match shown {
        true => FarEnds::Whole,
        false => FarEnds::Summary,
    }
}
