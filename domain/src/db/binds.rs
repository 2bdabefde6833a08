use sea_orm::{DbBackend, Statement, Value};
use uuid::Uuid;

/// Collects bind values and writes numbered placeholders for them (`$n` on PostgreSQL, `?n` on
/// SQLite), so values can be pushed in any order relative to where the SQL text uses them, and
/// one placeholder can be used twice.
pub(crate) struct Binds {
    backend: DbBackend,
    values: Vec<Value>,
}

impl Binds {
    pub(crate) fn new(backend: DbBackend) -> Self {
        Self {
            backend,
            values: Vec::new(),
        }
    }

    pub(crate) fn backend(&self) -> DbBackend {
        self.backend
    }

    pub(crate) fn push(&mut self, value: impl Into<Value>) -> String {
        self.values.push(value.into());
        match self.backend {
            DbBackend::Postgres => format!("${}", self.values.len()),
            _ => format!("?{}", self.values.len()),
        }
    }

    /// Placeholders for `ids`, separated by commas (for `IN (…)`).
    pub(crate) fn list(&mut self, ids: &[Uuid]) -> String {
        ids.iter()
            .map(|id| self.push(*id))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The statement `sql` with the values pushed so far.
    pub(crate) fn statement(self, sql: String) -> Statement {
        Statement::from_sql_and_values(self.backend, sql, self.values)
    }
}
