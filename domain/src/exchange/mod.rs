//! Bulk exchange of a workspace's inventory as NDJSON: one JSON object per line, fact sheets
//! first and then relations. An export is itself a valid import, so the same lines move a graph
//! between workspaces and bring a workspace back to a known state.
//!
//! Export reads page by page (keyset pagination on the id), so neither the server nor the
//! client ever holds a whole workspace. Import applies each line through the same services as
//! the GraphQL mutations, so it validates and records history exactly as they do, and a line
//! that changes nothing writes nothing. Other formats (Backstage descriptors) are read into the
//! same lines and go through the same import.

mod backstage;
mod export;
mod held_attributes;
mod import;
mod line;
pub mod openapi;
mod parse;
mod relation_lines;
mod report;
mod spool;
mod stored_refs;
mod stored_relations;

pub use backstage::import_backstage;
pub use export::{ExportCursor, ExportFilter, export_page};
pub use import::{import_lines, import_ndjson};
pub use line::Ref;
pub use openapi::import_openapi;
pub use parse::{NdjsonReader, ParsedBody};
pub use report::{
    Counts, IMPORTED_TABLES, ImportMode, ImportOptions, ImportReport, LineError, LineWarning,
    STATISTICS_AFTER_ROWS,
};
