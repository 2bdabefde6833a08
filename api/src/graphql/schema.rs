use std::sync::Arc;

use async_graphql::{BatchRequest, BatchResponse, EmptySubscription, Request, Response, Schema};
use domain::{
    fact_sheets::AggregateCache,
    metrics::{MetricsCache, WindowLimits},
};

use super::{
    authorization,
    heavy_queries::{HeavyQueries, HeavyQueryOptions},
    limits::{DocumentLimits, caller_of, refuse_nul},
    mutation::Mutation,
    name_hints::NameHints,
    query::Query,
    render::{RenderedFields, TraversalCounts, TraversalRendering, WrittenParts, order_response},
    root_fields::RootFields,
};

/// The GraphQL schema with Wayfinder's checks around execution: document limits, the
/// authorization table and the refusal of U+0000 run once per request before any resolver, and the response is put in
/// the query's order after the last one, instead of as async-graphql extensions, which would
/// run for every resolved field (see BENCHMARKS.md for what that was measured to cost).
#[derive(Clone)]
pub struct AppSchema {
    schema: Schema<Query, Mutation, EmptySubscription>,
    limits: DocumentLimits,
    /// What the authorization check tells apart from unknown names.
    root_fields: Arc<RootFields>,
    traversal: Arc<TraversalCounts>,
    heavy_queries: HeavyQueries,
}

impl AppSchema {
    /// The response of `request` as a value, for callers that keep it as one; the HTTP
    /// endpoint writes its text with [`Self::execute_batch_to_json`] instead.
    pub async fn execute(&self, request: impl Into<Request>) -> Response {
        let written = Arc::new(WrittenParts::default());
        let mut response = self.run(request.into(), &written).await;
        written.resolve(&mut response.data);
        response
    }

    /// The response to `batch` as JSON text, each request's response `finish`ed before it is
    /// written; each request is checked and executed on its own, in order.
    pub async fn execute_batch_to_json(
        &self,
        batch: BatchRequest,
        finish: impl Fn(&mut Response),
    ) -> serde_json::Result<Vec<u8>> {
        let written = Arc::new(WrittenParts::default());
        let answer = async |request| {
            let mut response = self.run(request, &written).await;
            finish(&mut response);
            response
        };
        let response = match batch {
            BatchRequest::Single(request) => BatchResponse::Single(answer(request).await),
            BatchRequest::Batch(requests) => {
                let mut responses = Vec::with_capacity(requests.len());
                for request in requests {
                    responses.push(answer(request).await);
                }
                BatchResponse::Batch(responses)
            }
        };
        Ok(written.splice(serde_json::to_vec(&response)?))
    }

    /// `request` checked and executed, the connections the renderer wrote left in `written`.
    async fn run(&self, mut request: Request, written: &Arc<WrittenParts>) -> Response {
        let checked = self
            .limits
            .check(&mut request)
            .and_then(|()| authorization::check(&mut request, &self.root_fields))
            .and_then(|()| refuse_nul(&mut request));
        if let Err(refusal) = checked {
            return Response::from_errors(vec![refusal]);
        }
        let caller = caller_of(&request).cloned();
        // `check` parsed the document; the executor consumes the request, so the pass that
        // orders the response keeps its own copy (a few microseconds for any allowed query).
        let document = request.parsed_query().ok().cloned();
        let operation_name = request.operation_name.clone();
        let rendered = Arc::new(RenderedFields::default());
        let request = request.data(rendered.clone()).data(written.clone());
        let mut response = self.schema.execute(request).await;
        if let Some(document) = &document {
            order_response(
                document,
                operation_name.as_deref(),
                &rendered,
                &mut response.data,
            );
        }
        self.limits.explain(&mut response, caller.as_ref());
        response
    }

    /// Connections rendered directly and resolved by the executor since the schema was built.
    pub fn traversal_counts(&self) -> (u64, u64) {
        self.traversal.get()
    }

    pub fn sdl(&self) -> String {
        self.schema.sdl()
    }

    /// The slots expensive queries take turns on, before their requests open a connection.
    pub fn heavy_queries(&self) -> &HeavyQueries {
        &self.heavy_queries
    }
}

/// Limits applied while validating a query, before any resolver runs.
#[derive(Debug, Clone)]
pub struct SchemaOptions {
    pub max_depth: usize,
    pub max_complexity: usize,
    pub max_tokens: usize,
    pub max_aliases: usize,
    /// Off in production: introspection and "did you mean" suggestions both map the schema
    /// for an attacker.
    pub introspection: bool,
    pub traversal_rendering: TraversalRendering,
    /// How large a metrics window one request may ask for.
    pub metric_window_limits: WindowLimits,
    pub heavy_queries: HeavyQueryOptions,
}

impl Default for SchemaOptions {
    fn default() -> Self {
        Self {
            max_depth: 24,
            max_complexity: 20_000,
            max_tokens: 10_000,
            max_aliases: 100,
            introspection: true,
            traversal_rendering: TraversalRendering::default(),
            metric_window_limits: WindowLimits::default(),
            heavy_queries: HeavyQueryOptions::default(),
        }
    }
}

/// Facet sets (a few KiB each) and totals kept per process: every saved view of a few hundred
/// busy workspaces.
const AGGREGATE_CACHE_BYTES: u64 = 64 * 1024 * 1024;
/// Metric results (a few KiB each with weekly buckets): every dashboard tile of a few hundred
/// busy workspaces.
const METRICS_CACHE_BYTES: u64 = 128 * 1024 * 1024;

pub fn build_schema(options: &SchemaOptions) -> AppSchema {
    let traversal = Arc::new(TraversalCounts::default());
    let mut builder = Schema::build(Query::default(), Mutation::default(), EmptySubscription)
        // Enforced by async-graphql's validation (it alone knows each field's cost); the
        // refusal is reworded by `DocumentLimits::explain`. Depth is checked before, with the
        // same rule, so this one is a backstop.
        .limit_complexity(options.max_complexity)
        .limit_depth(options.max_depth)
        .limit_recursive_depth(64)
        .limit_directives(16)
        .data(AggregateCache::new(AGGREGATE_CACHE_BYTES))
        .data(MetricsCache::new(METRICS_CACHE_BYTES))
        .data(options.metric_window_limits)
        .data(options.traversal_rendering)
        .data(NameHints(options.introspection))
        .data(traversal.clone());
    if !options.introspection {
        builder = builder.disable_introspection().disable_suggestions();
    }
    let schema = builder.finish();
    AppSchema {
        root_fields: Arc::new(RootFields::from_sdl(&schema.sdl())),
        schema,
        traversal,
        heavy_queries: HeavyQueries::new(options.heavy_queries, options.max_tokens),
        limits: DocumentLimits {
            max_tokens: options.max_tokens,
            max_aliases: options.max_aliases,
            max_depth: options.max_depth,
            max_complexity: options.max_complexity,
        },
    }
}

/// The schema in SDL, as committed in `schema.graphql`.
pub fn sdl() -> String {
    build_schema(&SchemaOptions::default()).sdl()
}
