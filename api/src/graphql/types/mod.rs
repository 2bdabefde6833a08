//! GraphQL types. They wrap or mirror domain values; none is a database row.

pub mod advisory;
pub mod aggregate;
pub mod api_token;
pub mod change_feed;
pub mod complexity;
pub mod component;
pub mod connection;
pub mod event;
pub mod facets;
pub mod fact_sheet;
mod fact_sheet_supply_chain;
pub mod features;
pub mod history;
pub mod inputs;
pub mod landscape_diff;
pub mod meta_model;
pub mod metrics;
pub mod past_relations;
pub mod payloads;
pub mod relation;
pub mod report_inputs;
pub mod row_json;
pub mod saved_view;
pub mod tags;
pub mod unlinked_event_source;
pub mod vulnerability;
