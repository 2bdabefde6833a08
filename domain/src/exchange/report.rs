//! What an import did, line by line: the counts and every refusal.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::error::Error;

/// Fact sheets and relations counted apart.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Counts {
    pub fact_sheets: usize,
    pub relations: usize,
}

/// A refused line: its 1-based number, the field at fault (empty for the line as a whole) and
/// why, as the domain error the same input to a mutation would get.
#[derive(Debug)]
pub struct LineError {
    pub line: usize,
    pub field: String,
    pub error: Error,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineWarning {
    pub line: usize,
    pub message: String,
}

#[derive(Debug, Default)]
pub struct ImportReport {
    pub validate_only: bool,
    pub created: Counts,
    pub updated: Counts,
    pub unchanged: Counts,
    /// Sorted by line.
    pub errors: Vec<LineError>,
    pub warnings: Vec<LineWarning>,
    /// The entity each line stands for, by line, when the input's lines are documents that
    /// name one (a Backstage descriptor): a document's index alone is hard to find in a file.
    pub references: BTreeMap<usize, String>,
}

/// How refused lines affect the rest.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ImportMode {
    /// All or nothing: one refused line and nothing is written.
    #[default]
    Atomic,
    /// The valid lines are written, the others reported.
    Partial,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportOptions {
    pub mode: ImportMode,
    /// Every check runs and nothing is written.
    pub validate_only: bool,
}

impl ImportReport {
    /// Whether the caller commits the import's transaction.
    pub fn commits(&self, options: ImportOptions) -> bool {
        !options.validate_only && (options.mode == ImportMode::Partial || self.errors.is_empty())
    }
}
