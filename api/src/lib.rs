//! Wayfinder's server: HTTP (actix-web), the GraphQL schema (async-graphql), authentication,
//! configuration, telemetry and the `wayfinder` command line. Resolvers translate between
//! GraphQL and the `domain` crate; the rules live there.

mod allocator;
mod artifact_ref;
pub mod auth;
pub mod bootstrap;
pub mod cli;
mod client_error;
pub mod config;
pub mod demo;
mod error_code;
pub mod graphql;
pub mod http;
mod import_report;
pub mod report_export;
mod supply_chain_report;
pub mod telemetry;
