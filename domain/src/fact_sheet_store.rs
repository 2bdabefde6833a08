//! Write helpers shared by every change to a fact sheet, so that revision, history, search text
//! and attribute index can never drift apart. Below the services: nothing here checks the
//! caller's role (the services that call it have), so it stays private to the crate. Tags,
//! subscriptions, relations and meta model changes touch fact sheets through it too, which is
//! why it sits below `fact_sheets` rather than inside it.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect,
    sea_query::{Expr, SimpleExpr},
};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use crate::{
    attributes::IndexValue,
    db::{INSERT_CHUNK, JsonTable, is_postgres},
    error::{Error, Result},
    history::{self, ChangeKind, NewChange},
    principal::Principal,
};
use entity::{attribute_value, fact_sheet, fact_sheet::Model as FactSheet};

pub(crate) fn search_text(name: &str, description: Option<&str>) -> String {
    match description {
        Some(d) => format!("{}\n{}", name.to_lowercase(), d.to_lowercase()),
        None => name.to_lowercase(),
    }
}

/// Loads a fact sheet about to be changed. On PostgreSQL the row is locked (`FOR UPDATE`) so
/// concurrent writers queue instead of failing; SQLite writers are already serialized.
pub(crate) async fn load_for_write(
    db: &impl ConnectionTrait,
    principal: &Principal,
    id: Uuid,
) -> Result<FactSheet> {
    let mut query = fact_sheet::Entity::find()
        .filter(fact_sheet::Column::WorkspaceId.eq(principal.workspace_id))
        .filter(fact_sheet::Column::Id.eq(id));
    if is_postgres(db) {
        query = query.lock_exclusive();
    }
    query
        .one(db)
        .await?
        .ok_or_else(|| Error::not_found("fact sheet", id))
}

pub(crate) fn check_expected_revision(current: &FactSheet, expected: Option<i32>) -> Result<()> {
    match expected {
        Some(expected) if expected != current.revision => Err(Error::StaleRevision {
            id: current.id.to_string(),
            expected,
            actual: current.revision,
        }),
        _ => Ok(()),
    }
}

/// Column changes of one revision, applied together with the revision bump.
pub(crate) type ColumnChanges = Vec<(fact_sheet::Column, SimpleExpr)>;

/// One revision to write: column changes plus what the history records about them.
pub(crate) struct Revision<'a> {
    pub changes: ColumnChanges,
    pub kind: ChangeKind,
    pub diff: Value,
    pub comment: Option<&'a str>,
    pub at: DateTime<Utc>,
}

/// Writes the next revision of `current`: the given column changes, `revision + 1`, who and
/// when, and the history entry. The update is guarded by the revision read, so a concurrent
/// change can never be overwritten unseen.
pub(crate) async fn next_revision(
    db: &impl ConnectionTrait,
    principal: &Principal,
    current: &FactSheet,
    next: Revision<'_>,
) -> Result<i32> {
    let revision = current.revision + 1;
    let mut update = fact_sheet::Entity::update_many()
        .col_expr(fact_sheet::Column::Revision, Expr::value(revision))
        .col_expr(fact_sheet::Column::UpdatedAt, Expr::value(next.at))
        .col_expr(
            fact_sheet::Column::UpdatedBy,
            Expr::value(principal.subject.clone()),
        );
    for (column, value) in next.changes {
        update = update.col_expr(column, value);
    }
    let result = update
        .filter(fact_sheet::Column::WorkspaceId.eq(principal.workspace_id))
        .filter(fact_sheet::Column::Id.eq(current.id))
        .filter(fact_sheet::Column::Revision.eq(current.revision))
        .exec(db)
        .await?;
    if result.rows_affected != 1 {
        return Err(Error::StaleRevision {
            id: current.id.to_string(),
            expected: current.revision,
            actual: current.revision + 1,
        });
    }
    history::record(
        db,
        principal,
        NewChange {
            fact_sheet_id: current.id,
            revision,
            kind: next.kind,
            diff: next.diff,
            comment: next.comment,
            at: next.at,
        },
    )
    .await?;
    Ok(revision)
}

/// Bumps the revision of a fact sheet for a change that lives in another table (relations,
/// tags, subscriptions).
pub(crate) async fn touch(
    db: &impl ConnectionTrait,
    principal: &Principal,
    id: Uuid,
    kind: ChangeKind,
    diff: Value,
    now: DateTime<Utc>,
) -> Result<i32> {
    let current = load_for_write(db, principal, id).await?;
    next_revision(
        db,
        principal,
        &current,
        Revision {
            changes: Vec::new(),
            kind,
            diff,
            comment: None,
            at: now,
        },
    )
    .await
}

/// Replaces the attribute index rows of one fact sheet.
pub(crate) async fn write_index(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
    fact_sheet_id: Uuid,
    rows: Vec<IndexValue>,
) -> Result<()> {
    attribute_value::Entity::delete_many()
        .filter(attribute_value::Column::WorkspaceId.eq(workspace_id))
        .filter(attribute_value::Column::FactSheetId.eq(fact_sheet_id))
        .exec(db)
        .await?;
    insert_index(db, workspace_id, &[(fact_sheet_id, rows)]).await
}

/// Inserts attribute index rows for many fact sheets in a few statements (bulk loads use this).
pub(crate) async fn insert_index(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
    rows: &[(Uuid, Vec<IndexValue>)],
) -> Result<()> {
    if is_postgres(db) {
        let rows: Vec<IndexRow> = rows
            .iter()
            .flat_map(|(id, values)| {
                values.iter().map(move |v| IndexRow {
                    workspace_id,
                    fact_sheet_id: *id,
                    key: &v.key,
                    ordinal: v.ordinal,
                    value_text: v.text.as_deref(),
                    value_number: v.number,
                })
            })
            .collect();
        return ATTRIBUTE_VALUES.insert(db, &rows).await;
    }
    let models: Vec<attribute_value::ActiveModel> = rows
        .iter()
        .flat_map(|(id, values)| {
            values.iter().map(move |v| attribute_value::ActiveModel {
                workspace_id: Set(workspace_id),
                fact_sheet_id: Set(*id),
                key: Set(v.key.clone()),
                ordinal: Set(v.ordinal),
                value_text: Set(v.text.clone()),
                value_number: Set(v.number),
            })
        })
        .collect();
    for chunk in models.chunks(INSERT_CHUNK) {
        attribute_value::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// One attribute index row, borrowed, as [`JsonTable::insert`] serialises it.
#[derive(Serialize)]
struct IndexRow<'a> {
    workspace_id: Uuid,
    fact_sheet_id: Uuid,
    key: &'a str,
    ordinal: i32,
    value_text: Option<&'a str>,
    value_number: Option<f64>,
}

const ATTRIBUTE_VALUES: JsonTable = JsonTable {
    name: "attribute_values",
    columns: &[
        ("workspace_id", "uuid"),
        ("fact_sheet_id", "uuid"),
        ("key", "text"),
        ("ordinal", "integer"),
        ("value_text", "text"),
        ("value_number", "double precision"),
    ],
};
