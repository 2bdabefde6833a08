//! Domain tests: services against a fresh, migrated database (SQLite by default, PostgreSQL when
//! `WAYFINDER_TEST_DATABASE_URL` points at a server). One binary, many modules, to keep link
//! time low.

mod support;

mod aggregates;
mod appended_facts;
mod backstage_import;
mod change_id_lists;
mod events;
mod export_pages;
mod fact_sheet_lists;
mod fact_sheets;
mod features;
mod filters;
mod hierarchy_roll_up;
mod history;
mod import;
mod input_caps;
mod json_numbers;
mod landscape_over_time;
mod log4shell;
mod meta_model;
mod metrics_cache;
mod ndjson_import_paths;
mod option_rename;
mod osv_advisories;
mod planner_statistics;
mod pool_health;
mod rate_limits;
mod readme_log4shell_query;
mod relations;
mod report_aggregates;
mod report_filters;
mod row_level_security;
mod saved_views;
mod sbom_parsing;
mod scanner_findings;
mod siblings;
mod sqlite_memory_map;
mod statement_cancel;
mod supply_chain_store;
mod tag_admin;
mod tags_and_subscriptions;
mod unrecognized_events;
mod version_ordering;
mod versions;
mod window_cache;
mod window_pruning;
mod write_transactions;
