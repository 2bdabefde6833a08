//! Bulk inserts on PostgreSQL as one JSON document per statement: `INSERT … SELECT … FROM
//! json_to_recordset($1)`. A bulk writer serialises its rows, borrowed, straight into the one
//! bind parameter. sea-orm's multi-row INSERT needs an ActiveModel per row (cloning every
//! string and JSON map into it) and a bind value per column per row, and building those was
//! most of the server's work while an import's hundreds of thousands of history rows went in.

use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde::Serialize;

use crate::error::{Error, Result};

/// Rows per statement: large enough that round trips do not count, small enough that the
/// document stays a few megabytes.
const ROWS_PER_STATEMENT: usize = 5_000;

/// A table's columns with their PostgreSQL types, in the order a row type serialises them.
pub(crate) struct JsonTable {
    pub name: &'static str,
    pub columns: &'static [(&'static str, &'static str)],
}

impl JsonTable {
    /// Inserts `rows` (each serialising to an object with every column as a key) on PostgreSQL.
    /// The next statement's document is serialised while the database writes the current one,
    /// so the server's share and the database's overlap instead of taking turns.
    pub(crate) async fn insert<R: Serialize>(
        &self,
        db: &impl ConnectionTrait,
        rows: &[R],
    ) -> Result<()> {
        let mut chunks = rows.chunks(ROWS_PER_STATEMENT);
        let Some(first) = chunks.next() else {
            return Ok(());
        };
        let sql = self.sql();
        let mut document = self.document(first)?;
        loop {
            let next = chunks.next();
            let write = db.execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                sql.clone(),
                [document.into()],
            ));
            // The write is polled first, so its statement is on the wire before the next
            // document is built.
            let (written, following) =
                tokio::join!(write, async { next.map(|c| self.document(c)).transpose() });
            written?;
            match following? {
                Some(d) => document = d,
                None => return Ok(()),
            }
        }
    }

    fn sql(&self) -> String {
        let names = self
            .columns
            .iter()
            .map(|(name, _)| format!("\"{name}\""))
            .collect::<Vec<_>>()
            .join(", ");
        let types = self
            .columns
            .iter()
            .map(|(name, ty)| format!("\"{name}\" {ty}"))
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            "INSERT INTO \"{}\" ({names}) SELECT {names} FROM json_to_recordset($1::json) AS r({types})",
            self.name
        )
    }

    fn document<R: Serialize>(&self, rows: &[R]) -> Result<String> {
        serde_json::to_string(rows)
            .map_err(|e| Error::Internal(format!("rows of {}: {e}", self.name)))
    }
}
