//! The GraphQL schema: types mirror the contract, resolvers call `domain`, and nested reads go
//! through the request's batch loaders (one per kind of row, see [`loader`]), so a level of a
//! query costs one statement per kind. The hot traversals are written by [`render`].

mod authorization;
mod context;
mod document;
mod enums;
mod errors;
mod heavy_queries;
mod limits;
mod loader;
mod mutation;
mod name_hints;
pub mod operation_rules;
mod query;
mod render;
mod root_fields;
mod schema;
mod types;

pub use context::RequestContext;
pub use errors::sanitize_errors;
pub use heavy_queries::{HeavyQueries, HeavyQueryOptions, Turn};
pub use render::TraversalRendering;
pub use schema::{AppSchema, SchemaOptions, build_schema, sdl};
