//! The GraphQL schema: types mirror the contract, resolvers call `domain`, nested reads go
//! through one per-request DataLoader.

mod authorization;
mod complexity;
mod context;
mod errors;
mod limits;
mod loader;
mod mutation;
pub mod operation_rules;
mod query;
mod response_order;
mod root_fields;
mod schema;
mod traversal;
mod types;

pub use context::RequestContext;
pub use errors::sanitize_errors;
pub use schema::{AppSchema, SchemaOptions, build_schema, sdl};
pub use traversal::TraversalRendering;
