//! Writing a saved view (or columns chosen on the spot) out as a file: CSV or Excel, a page of
//! rows at a time. `GET /reports/export` and `wayfinder export --view` share it, so a file
//! reads the same whichever way it was made.
//!
//! A file is opened by people, in spreadsheet programs that run a cell starting with `=` as a
//! formula (and, via `+`, `-`, `@`, tab and carriage return, ways round a naive check). Such
//! text is written so it stays text: prefixed with `'` in CSV, as the common guidance for CSV
//! injection recommends, and as a string cell in xlsx, which Excel never evaluates.

mod columns_param;
mod csv_file;
mod run;
mod xlsx_file;

pub use columns_param::parse_columns;
pub use csv_file::CsvWriter;
pub use run::{ExportRun, PAGE_SIZE};
pub use xlsx_file::XlsxWriter;

/// The formats an export is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Xlsx,
}

impl ExportFormat {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "csv" => Some(Self::Csv),
            "xlsx" => Some(Self::Xlsx),
            _ => None,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Csv => "text/csv; charset=utf-8",
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Xlsx => "xlsx",
        }
    }
}

/// Whether a spreadsheet program could take `text` for a formula.
pub fn looks_like_formula(text: &str) -> bool {
    text.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_a_spreadsheet_would_evaluate_is_recognised() {
        for risky in ["=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert!(looks_like_formula(risky), "{risky:?}");
        }
        for plain in ["", "a=b", "Payments", "1-2"] {
            assert!(!looks_like_formula(plain), "{plain:?}");
        }
    }
}
