//! JSON columns answered from the shared row they belong to.

use std::sync::Arc;

use serde::{Serialize, Serializer};

/// One JSON value of a shared row (`JSON` scalar), serialized where it lies. Answering
/// `Json(row.attributes.clone())` copied each fact sheet's attribute map only to convert and
/// drop it, a cost `perf` showed on every page of fact sheets (BENCHMARKS.md).
pub struct RowJson<T> {
    row: Arc<T>,
    column: fn(&T) -> &serde_json::Value,
}

impl<T> RowJson<T> {
    pub fn new(row: Arc<T>, column: fn(&T) -> &serde_json::Value) -> Self {
        Self { row, column }
    }
}

impl<T> Serialize for RowJson<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (self.column)(&self.row).serialize(serializer)
    }
}
