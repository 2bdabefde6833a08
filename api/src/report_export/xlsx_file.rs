//! Excel .xlsx through `rust_xlsxwriter` in its constant-memory mode: each row goes to a temp
//! file as soon as the next one starts, so the sheet is never held whole in memory. Text is
//! always written as a string cell (never as a formula), numbers as numbers.

use std::path::Path;

use domain::reports::{Cell, ViewRow};
use rust_xlsxwriter::{Format, Workbook, XlsxError};

/// Excel's last row: a view longer than this is refused rather than cut short.
pub const MAX_ROWS: u32 = 1_048_576;

pub struct XlsxWriter {
    workbook: Workbook,
    next_row: u32,
}

impl XlsxWriter {
    /// A workbook of one sheet with the header row in bold, spooling to `temp_dir`.
    pub fn new(labels: &[String], temp_dir: &Path) -> Result<Self, XlsxError> {
        let mut workbook = Workbook::new();
        workbook.set_tempdir(temp_dir)?;
        let bold = Format::new().set_bold();
        let sheet = workbook.add_worksheet_with_constant_memory();
        for (col, label) in labels.iter().enumerate() {
            sheet.write_string_with_format(0, col as u16, label, &bold)?;
        }
        Ok(Self {
            workbook,
            next_row: 1,
        })
    }

    pub fn write_rows(&mut self, rows: &[ViewRow]) -> Result<(), XlsxError> {
        let sheet = self.workbook.worksheet_from_index(0)?;
        for row in rows {
            if self.next_row >= MAX_ROWS {
                return Err(XlsxError::RowColumnLimitError);
            }
            for (col, cell) in row.cells.iter().enumerate() {
                let col = col as u16;
                match cell {
                    Cell::Empty => {}
                    Cell::Number(n) => {
                        sheet.write_number(self.next_row, col, *n)?;
                    }
                    Cell::Text(t) => {
                        sheet.write_string(self.next_row, col, t)?;
                    }
                }
            }
            self.next_row += 1;
        }
        Ok(())
    }

    /// Writes the finished workbook to `path`.
    pub fn save(mut self, path: &Path) -> Result<(), XlsxError> {
        self.workbook.save(path)
    }
}
