//! RFC 4180 CSV (comma-separated, CRLF line ends, fields quoted when they need it), UTF-8,
//! written through the `csv` crate a page at a time into a buffer the caller sends or writes.

use domain::reports::{Cell, ViewRow};

use super::looks_like_formula;

/// The UTF-8 byte order mark some spreadsheet programs want before they read UTF-8.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Writes a CSV file a page at a time; each call returns the bytes of what it was given.
pub struct CsvWriter {
    pending: Vec<u8>,
}

impl CsvWriter {
    /// A writer holding the header row (after a byte order mark when `bom`).
    pub fn new(labels: &[String], bom: bool) -> Self {
        let mut pending = if bom { BOM.to_vec() } else { Vec::new() };
        pending.extend(records_of(std::iter::once(
            labels.iter().map(|l| guarded(l)).collect::<Vec<_>>(),
        )));
        Self { pending }
    }

    pub fn write_rows(&mut self, rows: &[ViewRow]) {
        let records = rows.iter().map(|row| {
            row.cells
                .iter()
                .map(|cell| match cell {
                    Cell::Empty => String::new(),
                    Cell::Number(n) => n.to_string(),
                    Cell::Text(t) => guarded(t),
                })
                .collect::<Vec<_>>()
        });
        let bytes = records_of(records);
        self.pending.extend(bytes);
    }

    /// What was written since the last call, leaving the writer empty for the next page.
    pub fn take(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.pending)
    }
}

/// Records as CSV bytes, each line ended by CRLF.
fn records_of(records: impl Iterator<Item = Vec<String>>) -> Vec<u8> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    for record in records {
        writer
            .write_record(&record)
            .expect("writing into memory does not fail");
    }
    writer
        .into_inner()
        .expect("flushing into memory does not fail")
}

/// Text that could be read as a formula, prefixed with `'`.
fn guarded(text: &str) -> String {
    if looks_like_formula(text) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}
