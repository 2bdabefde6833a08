//! The HTTP surface: `/graphql` (POST executes, GET serves GraphiQL), `/healthz`, `/readyz`.

mod body;
mod caller;
mod events_endpoint;
mod graphql_endpoint;
mod health;
mod responses;
mod server;

pub use server::{AppState, HttpLimits, RunningServer, start};
