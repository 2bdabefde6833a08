use async_graphql::{EmptySubscription, Schema};
use domain::fact_sheets::AggregateCache;

use super::{
    authorization::Authorization, limits::DocumentLimits, mutation::Mutation, query::Query,
};

pub type AppSchema = Schema<Query, Mutation, EmptySubscription>;

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
}

impl Default for SchemaOptions {
    fn default() -> Self {
        Self {
            max_depth: 24,
            max_complexity: 20_000,
            max_tokens: 10_000,
            max_aliases: 100,
            introspection: true,
        }
    }
}

/// Facet sets (a few KiB each) and totals kept per process: enough for every saved view of a
/// few hundred busy workspaces.
const AGGREGATE_CACHE_ENTRIES: usize = 10_000;

pub fn build_schema(options: &SchemaOptions) -> AppSchema {
    let mut builder = Schema::build(Query::default(), Mutation::default(), EmptySubscription)
        .extension(DocumentLimits {
            max_tokens: options.max_tokens,
            max_aliases: options.max_aliases,
            max_depth: options.max_depth,
            max_complexity: options.max_complexity,
        })
        .limit_recursive_depth(64)
        .limit_directives(16)
        .extension(Authorization)
        .data(AggregateCache::new(AGGREGATE_CACHE_ENTRIES));
    if !options.introspection {
        builder = builder.disable_introspection().disable_suggestions();
    }
    builder.finish()
}

/// The schema in SDL, as committed in `schema.graphql`.
pub fn sdl() -> String {
    build_schema(&SchemaOptions::default()).sdl()
}
