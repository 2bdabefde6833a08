//! The rows the bulk paths write, as they serialise for [`JsonTable::insert`] on PostgreSQL
//! (borrowing, so no row clones its strings or JSON maps) and as sea-orm models elsewhere.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbBackend, Statement};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use crate::{
    db::{JsonTable, insert_in_chunks, is_postgres},
    error::Result,
};
use entity::{change, external_id, fact_sheet, fact_sheet_tag, relation};

/// One history entry.
#[derive(Serialize)]
pub(super) struct ChangeRow<'a> {
    pub workspace_id: Uuid,
    pub fact_sheet_id: Uuid,
    pub revision: i32,
    pub kind: &'a str,
    pub diff: &'a Value,
    pub comment: Option<&'a str>,
    pub actor: &'a str,
    pub actor_name: Option<&'a str>,
    pub at: DateTime<Utc>,
}

const CHANGES: JsonTable = JsonTable {
    name: "changes",
    columns: &[
        ("workspace_id", "uuid"),
        ("fact_sheet_id", "uuid"),
        ("revision", "integer"),
        ("kind", "text"),
        ("diff", "jsonb"),
        ("comment", "text"),
        ("actor", "text"),
        ("actor_name", "text"),
        ("at", "timestamptz"),
    ],
};

/// One relation.
#[derive(Serialize)]
pub(super) struct RelationRow<'a> {
    pub workspace_id: Uuid,
    pub id: Uuid,
    #[serde(rename = "type")]
    pub relation_type: &'a str,
    pub from_id: Uuid,
    pub to_id: Uuid,
    pub attributes: &'a serde_json::Map<String, Value>,
    pub active_from: Option<DateTime<Utc>>,
    pub active_until: Option<DateTime<Utc>>,
    pub revision: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const RELATIONS: JsonTable = JsonTable {
    name: "relations",
    columns: &[
        ("workspace_id", "uuid"),
        ("id", "uuid"),
        ("type", "text"),
        ("from_id", "uuid"),
        ("to_id", "uuid"),
        ("attributes", "jsonb"),
        ("active_from", "timestamptz"),
        ("active_until", "timestamptz"),
        ("revision", "integer"),
        ("created_at", "timestamptz"),
        ("updated_at", "timestamptz"),
    ],
};

pub(super) async fn insert_changes(
    db: &impl ConnectionTrait,
    rows: &[ChangeRow<'_>],
) -> Result<()> {
    if is_postgres(db) {
        return CHANGES.insert(db, rows).await;
    }
    let models = rows
        .iter()
        .map(|r| change::ActiveModel {
            workspace_id: Set(r.workspace_id),
            fact_sheet_id: Set(r.fact_sheet_id),
            revision: Set(r.revision),
            kind: Set(r.kind.to_owned()),
            diff: Set(r.diff.clone()),
            comment: Set(r.comment.map(str::to_owned)),
            actor: Set(r.actor.to_owned()),
            actor_name: Set(r.actor_name.map(str::to_owned)),
            at: Set(r.at),
        })
        .collect();
    insert_in_chunks(db, models).await
}

pub(super) async fn insert_relations(
    db: &impl ConnectionTrait,
    rows: &[RelationRow<'_>],
) -> Result<()> {
    if is_postgres(db) {
        return RELATIONS.insert(db, rows).await;
    }
    let models = rows
        .iter()
        .map(|r| relation::ActiveModel {
            workspace_id: Set(r.workspace_id),
            id: Set(r.id),
            relation_type: Set(r.relation_type.to_owned()),
            from_id: Set(r.from_id),
            to_id: Set(r.to_id),
            attributes: Set(Value::Object(r.attributes.clone())),
            active_from: Set(r.active_from),
            active_until: Set(r.active_until),
            revision: Set(r.revision),
            created_at: Set(r.created_at),
            updated_at: Set(r.updated_at),
        })
        .collect();
    insert_in_chunks(db, models).await
}

/// One new fact sheet.
#[derive(Serialize)]
pub(super) struct SheetRow<'a> {
    pub workspace_id: Uuid,
    pub id: Uuid,
    #[serde(rename = "type")]
    pub fact_sheet_type: &'a str,
    pub name: &'a str,
    pub description: Option<&'a str>,
    pub attributes: &'a serde_json::Map<String, Value>,
    pub status: &'a str,
    pub revision: i32,
    pub completion: f64,
    pub parent_id: Option<Uuid>,
    pub search_text: String,
    pub created_by: &'a str,
    pub updated_by: &'a str,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const FACT_SHEETS: JsonTable = JsonTable {
    name: "fact_sheets",
    columns: &[
        ("workspace_id", "uuid"),
        ("id", "uuid"),
        ("type", "text"),
        ("name", "text"),
        ("description", "text"),
        ("attributes", "jsonb"),
        ("status", "text"),
        ("revision", "integer"),
        ("completion", "double precision"),
        ("parent_id", "uuid"),
        ("search_text", "text"),
        ("created_by", "text"),
        ("updated_by", "text"),
        ("created_at", "timestamptz"),
        ("updated_at", "timestamptz"),
    ],
};

/// One external ID a new fact sheet holds.
#[derive(Serialize)]
pub(super) struct ExternalIdRow<'a> {
    pub workspace_id: Uuid,
    pub namespace: &'a str,
    pub value: &'a str,
    pub fact_sheet_id: Uuid,
}

const EXTERNAL_IDS: JsonTable = JsonTable {
    name: "external_ids",
    columns: &[
        ("workspace_id", "uuid"),
        ("namespace", "text"),
        ("value", "text"),
        ("fact_sheet_id", "uuid"),
    ],
};

/// One tag on a new fact sheet.
#[derive(Serialize)]
pub(super) struct TagRow {
    pub workspace_id: Uuid,
    pub fact_sheet_id: Uuid,
    pub tag_id: Uuid,
}

const FACT_SHEET_TAGS: JsonTable = JsonTable {
    name: "fact_sheet_tags",
    columns: &[
        ("workspace_id", "uuid"),
        ("fact_sheet_id", "uuid"),
        ("tag_id", "uuid"),
    ],
};

pub(super) async fn insert_sheets(db: &impl ConnectionTrait, rows: &[SheetRow<'_>]) -> Result<()> {
    if is_postgres(db) {
        return FACT_SHEETS.insert(db, rows).await;
    }
    let models = rows
        .iter()
        .map(|r| fact_sheet::ActiveModel {
            workspace_id: Set(r.workspace_id),
            id: Set(r.id),
            fact_sheet_type: Set(r.fact_sheet_type.to_owned()),
            name: Set(r.name.to_owned()),
            search_text: Set(r.search_text.clone()),
            description: Set(r.description.map(str::to_owned)),
            attributes: Set(Value::Object(r.attributes.clone())),
            status: Set(r.status.to_owned()),
            revision: Set(r.revision),
            completion: Set(r.completion),
            parent_id: Set(r.parent_id),
            created_by: Set(r.created_by.to_owned()),
            updated_by: Set(r.updated_by.to_owned()),
            created_at: Set(r.created_at),
            updated_at: Set(r.updated_at),
        })
        .collect();
    insert_in_chunks(db, models).await
}

pub(super) async fn insert_external_ids(
    db: &impl ConnectionTrait,
    rows: &[ExternalIdRow<'_>],
) -> Result<()> {
    if is_postgres(db) {
        return EXTERNAL_IDS.insert(db, rows).await;
    }
    let models = rows
        .iter()
        .map(|r| external_id::ActiveModel {
            workspace_id: Set(r.workspace_id),
            namespace: Set(r.namespace.to_owned()),
            value: Set(r.value.to_owned()),
            fact_sheet_id: Set(r.fact_sheet_id),
        })
        .collect();
    insert_in_chunks(db, models).await
}

pub(super) async fn insert_tags(db: &impl ConnectionTrait, rows: &[TagRow]) -> Result<()> {
    if is_postgres(db) {
        return FACT_SHEET_TAGS.insert(db, rows).await;
    }
    let models = rows
        .iter()
        .map(|r| fact_sheet_tag::ActiveModel {
            workspace_id: Set(r.workspace_id),
            fact_sheet_id: Set(r.fact_sheet_id),
            tag_id: Set(r.tag_id),
        })
        .collect();
    insert_in_chunks(db, models).await
}

/// Rows per revision update on PostgreSQL.
const REVISIONS_PER_UPDATE: usize = 5_000;

/// Sets the revision of each fact sheet of `raised` on PostgreSQL, as one JSON document per
/// statement: a `CASE` of a branch per row is tried branch by branch for every row it updates.
pub(super) async fn store_revisions(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
    raised: &[(Uuid, i32)],
    at: DateTime<Utc>,
    by: &str,
) -> Result<()> {
    #[derive(Serialize)]
    struct Revision {
        id: Uuid,
        revision: i32,
    }
    let sql = "UPDATE fact_sheets AS f SET revision = r.revision, updated_at = $2, updated_by = $3 \
               FROM json_to_recordset($1::json) AS r(id uuid, revision integer) \
               WHERE f.workspace_id = $4 AND f.id = r.id";
    for chunk in raised.chunks(REVISIONS_PER_UPDATE) {
        let rows: Vec<Revision> = chunk
            .iter()
            .map(|&(id, revision)| Revision { id, revision })
            .collect();
        let document = serde_json::to_string(&rows)
            .map_err(|e| crate::error::Error::Internal(format!("revisions: {e}")))?;
        db.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            sql,
            [document.into(), at.into(), by.into(), workspace_id.into()],
        ))
        .await?;
    }
    Ok(())
}
