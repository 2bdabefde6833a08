//! API tests: the schema executed directly (`schema.execute`) and the real HTTP server spawned
//! on port 0. Both run on SQLite by default and on PostgreSQL when
//! `WAYFINDER_TEST_DATABASE_URL` is set. One binary to keep link time low.

mod support;

mod browser_graphiql;
mod cli;
mod cli_backstage;
mod cli_exchange;
mod cli_migrate;
mod cli_openapi;
mod cli_supply_chain;
mod hostile_inputs;
mod http_api_tokens;
mod http_auth;
mod http_backstage;
mod http_component_usage;
mod http_endpoint_rules;
mod http_errors;
mod http_events;
mod http_exchange;
mod http_exchange_bulk;
mod http_features;
mod http_github_webhooks;
mod http_graphiql;
mod http_graphql;
mod http_home;
mod http_limits;
mod http_openapi;
mod http_rate_limits;
mod http_security_log;
mod http_sql_statements;
mod http_supply_chain;
mod http_token_mistakes;
mod http_tokens;
mod http_unrecognized_events;
mod http_vulnerability_trend;
mod input_refusals;
mod metric_window_last;
mod n_plus_one;
mod operations;
mod schema_api_tokens;
mod schema_authorization;
mod schema_drift;
mod schema_fact_sheets;
mod schema_landscape;
mod schema_meta_model;
mod schema_queries;
mod schema_report_filters;
mod schema_supply_chain;
mod schema_tags;
mod schema_tenant_canary;
mod schema_traversal;
mod schema_unknown_names;
mod schema_unlinked_event_sources;
mod schema_vulnerability_trend;
mod supply_chain_setup;
