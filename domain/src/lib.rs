//! Wayfinder's business rules, free of any web or GraphQL framework.
//!
//! Services are plain async functions over `&impl ConnectionTrait`, so the caller decides the
//! transaction boundary (one per request) and tests run them against a real database directly.
//! Every service checks the caller's [`Principal`] through [`authz`] before it touches data, and
//! scopes every statement by the principal's workspace.

pub mod api_tokens;
pub mod attributes;
pub mod authz;
mod cache;
pub mod db;
pub mod error;
pub mod events;
pub mod external_ids;
pub(crate) mod fact_sheet_store;
pub mod fact_sheets;
pub mod features;
pub mod history;
pub mod import;
pub mod limits;
pub mod meta_model;
pub mod meta_model_versions;
pub mod metrics;
pub mod paging;
pub mod principal;
pub mod rate_limits;
pub mod relations;
pub mod subscriptions;
pub mod tags;
pub mod versions;
pub mod workspace_cache;
pub mod workspaces;

pub use error::{Error, FieldError, Result};
pub use principal::{Principal, Role};
