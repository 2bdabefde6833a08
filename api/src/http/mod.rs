//! The HTTP surface: `/graphql` (POST executes, GET serves GraphiQL where it is on, with its
//! files under `/graphiql/`), `/dashboard` (with its files under `/dashboard/`), `/events`, `/export`, `/import`, `/sbom`, `/advisories`,
//! `/auth/token` (API token exchange), `/webhooks/github/{workspace}` (signed deliveries),
//! `/healthz`, `/readyz`, and `/` (a page naming them).

mod advisories_endpoint;
mod body;
mod caller;
mod connection_limit;
mod dashboard;
pub mod endpoint_rules;
mod event_shape;
mod events_endpoint;
mod export_endpoint;
mod graphiql;
mod graphql_endpoint;
mod health;
mod home;
mod import_endpoint;
mod page_assets;
mod per_address;
mod rate_limit;
mod report_export_endpoint;
mod sbom_endpoint;
mod server;
mod token_endpoint;
mod unread_body;
mod webhooks_endpoint;

pub use graphql_endpoint::{CACHE_HITS_HEADER, CACHE_MISSES_HEADER, SQL_STATEMENTS_HEADER};
pub use rate_limit::{RateLimitSettings, RateLimiter};
pub use server::{AppState, HttpLimits, RunningServer, start};
