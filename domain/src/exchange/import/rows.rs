//! The rows the bulk paths write, as they serialise for [`JsonTable::insert`] on PostgreSQL
//! (borrowing, so no row clones its strings or JSON maps) and as sea-orm models elsewhere.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ConnectionTrait};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use crate::{
    db::{JsonTable, insert_in_chunks, is_postgres},
    error::Result,
};
use entity::{change, relation};

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
