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

/// Rows an import must have written before the planner's statistics of the tables it writes
/// are refreshed ([`ImportReport::moves_statistics`]): below it, the figures move too little to
/// change a plan, and an `ANALYZE` per small import would be waste.
pub const STATISTICS_AFTER_ROWS: usize = 1_000;

/// The tables an import writes whose statistics the read paths' plans depend on.
pub const IMPORTED_TABLES: &[&str] = &[
    "fact_sheets",
    "relations",
    "attribute_values",
    "external_ids",
    "fact_sheet_tags",
    "subscriptions",
];

impl ImportReport {
    /// Whether the committed import wrote enough rows that the planner's statistics of
    /// [`IMPORTED_TABLES`] should be refreshed.
    pub fn moves_statistics(&self, options: ImportOptions) -> bool {
        let written = self.created.fact_sheets
            + self.created.relations
            + self.updated.fact_sheets
            + self.updated.relations;
        self.commits(options) && written >= STATISTICS_AFTER_ROWS
    }

    /// Whether the caller commits the import's transaction.
    pub fn commits(&self, options: ImportOptions) -> bool {
        !options.validate_only && (options.mode == ImportMode::Partial || self.errors.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(created: usize, updated: usize, refused: bool) -> ImportReport {
        ImportReport {
            created: Counts {
                fact_sheets: created / 2,
                relations: created - created / 2,
            },
            updated: Counts {
                fact_sheets: updated,
                relations: 0,
            },
            unchanged: Counts {
                fact_sheets: 10 * STATISTICS_AFTER_ROWS,
                relations: 0,
            },
            errors: refused
                .then(|| LineError {
                    line: 1,
                    field: String::new(),
                    error: Error::invalid("name", "is empty"),
                })
                .into_iter()
                .collect(),
            ..ImportReport::default()
        }
    }

    #[test]
    fn only_a_committed_import_that_wrote_enough_rows_moves_statistics() {
        let atomic = ImportOptions::default();
        let partial = ImportOptions {
            mode: ImportMode::Partial,
            ..atomic
        };
        let dry = ImportOptions {
            validate_only: true,
            ..atomic
        };
        let enough = STATISTICS_AFTER_ROWS;
        assert!(report(enough, 0, false).moves_statistics(atomic));
        assert!(report(enough - 1, 1, false).moves_statistics(atomic));
        assert!(
            !report(enough - 1, 0, false).moves_statistics(atomic),
            "unchanged rows write nothing"
        );
        assert!(!report(enough, 0, false).moves_statistics(dry));
        assert!(
            !report(enough, 0, true).moves_statistics(atomic),
            "a refused atomic import writes nothing"
        );
        assert!(report(enough, 0, true).moves_statistics(partial));
    }
}
