//! Attribute values: checking them against their definitions, merging partial updates, scoring
//! completion and deriving the rows that make them filterable.

mod completion;
mod index_rows;
mod lifecycle;
pub(crate) mod merge;
mod values;

pub use completion::completion;
pub use index_rows::{IndexValue, index_values};
pub use lifecycle::{NOT_STARTED, current_phase, phase_label, report_phase};
pub use merge::merge_patch;
pub use values::{check_value, validate_attributes};

/// Attribute values as stored: a JSON object keyed by attribute key.
pub type Attributes = serde_json::Map<String, serde_json::Value>;
