//! Wayfinder's business rules, free of any web or GraphQL framework.
//!
//! Services are plain async functions over `&impl ConnectionTrait`, so the caller decides the
//! transaction boundary (one per request) and tests run them against a real database directly.
//! Every service that reads or changes a workspace's data takes the caller's [`Principal`],
//! checks it through [`authz`] before it touches data, and scopes every statement by the
//! principal's workspace. What runs below that check stays private to the crate (such as
//! `fact_sheet_store`). The few public functions without a principal are deliberate entry
//! points for trusted callers, each saying so: platform operations with no workspace role
//! ([`workspaces`], [`features::set`], [`supply_chain::advisories::upsert_shared_advisories`]),
//! authentication before a principal exists
//! ([`api_tokens::redeem`], [`workspace_cache`], [`rate_limits`], [`webhooks::secrets::find`]), and [`metrics::load`].
//!
//! Layers, each using only those below it, and no module one that uses it back:
//! 1. foundations: error, principal, security log, authz, limits, paging, db, versions, cache, meta_model;
//! 2. records: attributes, history, features, external IDs, the fact sheet store, tags, events;
//! 3. services: fact sheets, relations, metrics, import, exchange, supply chain, vulnerabilities
//!    (above metrics and supply chain, joining their findings), meta model versions, workspaces,
//!    tokens, webhooks.

pub mod api_tokens;
pub mod attributes;
pub mod authz;
mod cache;
pub mod cache_stats;
pub mod db;
pub mod error;
pub mod events;
pub mod exchange;
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
pub mod reports;
pub mod security_log;
pub mod subscriptions;
pub mod supply_chain;
pub mod tags;
pub mod versions;
pub mod vulnerabilities;
pub mod webhooks;
pub mod workspace_cache;
pub mod workspaces;

pub use error::{Error, FieldError, Result};
pub use principal::{Principal, Role};
