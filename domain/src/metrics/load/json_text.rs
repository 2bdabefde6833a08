//! Stored JSON read back as its text, with no conversion in either database.
//!
//! PostgreSQL keeps the change-id lists as `json` (see migration `m20261201_000090`), whose
//! wire value is the text itself; casting them to `text` in SQL, as these reads used to, cost
//! PostgreSQL a conversion per row that made up a large part of a cold team query's work there.
//! SQLite stores JSON as text anyway.

use sea_orm::{
    ColIdx, DbErr, QueryResult, TryGetError, TryGetable,
    sqlx::{
        Row, TypeInfo, ValueRef,
        postgres::{PgValueFormat, PgValueRef},
    },
};

/// A JSON column's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct JsonText(pub String);

impl TryGetable for JsonText {
    fn try_get_by<I: ColIdx>(res: &QueryResult, index: I) -> Result<Self, TryGetError> {
        let Some(row) = res.try_as_pg_row() else {
            return String::try_get_by(res, index).map(Self);
        };
        let value = row
            .try_get_raw(index.as_sqlx_postgres_index())
            .map_err(|e| type_error(index, e))?;
        if value.is_null() {
            return Err(TryGetError::Null(format!("{index:?}")));
        }
        postgres_text(value)
            .map(Self)
            .map_err(|e| type_error(index, e))
    }
}

/// The text of a `json` or `jsonb` value in either wire format.
fn postgres_text(
    value: PgValueRef<'_>,
) -> Result<String, Box<dyn std::error::Error + Send + Sync>> {
    let binary_jsonb =
        value.format() == PgValueFormat::Binary && value.type_info().name() == "JSONB";
    let mut bytes = value.as_bytes()?;
    if binary_jsonb {
        // A format version byte, then the text; version 1 is the only one there is.
        match bytes.split_first() {
            Some((1, text)) => bytes = text,
            _ => return Err("unsupported jsonb format version".into()),
        }
    }
    Ok(String::from_utf8(bytes.to_vec())?)
}

fn type_error(index: impl ColIdx, e: impl std::fmt::Display) -> TryGetError {
    TryGetError::DbErr(DbErr::Type(format!(
        "column {index:?} is not JSON text: {e}"
    )))
}
