//! The history of every fact sheet: each change is one revision with who, when and a diff.
//! Writers call [`record`] in the same transaction as the change, so there is no change without
//! its trace.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde_json::Value;
use uuid::Uuid;

use crate::{
    authz::{self, Action},
    error::Result,
    paging::{Page, decode_cursor, encode_cursor, page_size},
    principal::Principal,
};
use entity::change;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Created,
    Updated,
    Archived,
    Restored,
    RelationCreated,
    RelationUpdated,
    RelationDeleted,
    TagsChanged,
    SubscriptionsChanged,
    /// Values stripped because an admin forced a meta model change that invalidated them.
    MetaModelMigrated,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "CREATED",
            Self::Updated => "UPDATED",
            Self::Archived => "ARCHIVED",
            Self::Restored => "RESTORED",
            Self::RelationCreated => "RELATION_CREATED",
            Self::RelationUpdated => "RELATION_UPDATED",
            Self::RelationDeleted => "RELATION_DELETED",
            Self::TagsChanged => "TAGS_CHANGED",
            Self::SubscriptionsChanged => "SUBSCRIPTIONS_CHANGED",
            Self::MetaModelMigrated => "META_MODEL_MIGRATED",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Created,
            Self::Updated,
            Self::Archived,
            Self::Restored,
            Self::RelationCreated,
            Self::RelationUpdated,
            Self::RelationDeleted,
            Self::TagsChanged,
            Self::SubscriptionsChanged,
            Self::MetaModelMigrated,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// A change as read back.
#[derive(Debug, Clone)]
pub struct Change {
    pub fact_sheet_id: Uuid,
    pub revision: i32,
    pub kind: ChangeKind,
    /// `{ "<field path>": { "old": …, "new": … } }`, or for relation changes the relation.
    pub diff: Value,
    pub comment: Option<String>,
    /// The subject of the token that made the change.
    pub actor: String,
    /// The name the actor went by at the time, when its subject is not a name (API tokens).
    pub actor_name: Option<String>,
    pub at: DateTime<Utc>,
}

/// What kind of caller made a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthorKind {
    /// A person, signed in with a token whose subject is their id or email address.
    User,
    /// An integration acting through an API token.
    ApiToken,
}

impl Change {
    pub fn author_kind(&self) -> AuthorKind {
        if crate::api_tokens::token_id_of_subject(&self.actor).is_some() {
            AuthorKind::ApiToken
        } else {
            AuthorKind::User
        }
    }

    /// Who made the change, readably: a user's subject, an API token's name as it was then
    /// (its subject for changes recorded before names were kept).
    pub fn author_name(&self) -> &str {
        self.actor_name.as_deref().unwrap_or(&self.actor)
    }
}

pub struct NewChange<'a> {
    pub fact_sheet_id: Uuid,
    pub revision: i32,
    pub kind: ChangeKind,
    pub diff: Value,
    pub comment: Option<&'a str>,
    pub at: DateTime<Utc>,
}

pub async fn record(
    db: &impl ConnectionTrait,
    principal: &Principal,
    change: NewChange<'_>,
) -> Result<()> {
    let actor_name = crate::api_tokens::acting_token_name(db, principal).await?;
    let touched = touched_by(&change);
    change::Entity::insert(change::ActiveModel {
        workspace_id: Set(principal.workspace_id),
        fact_sheet_id: Set(change.fact_sheet_id),
        revision: Set(change.revision),
        kind: Set(change.kind.as_str().to_owned()),
        diff: Set(change.diff),
        comment: Set(change.comment.map(str::to_owned)),
        actor: Set(principal.subject.clone()),
        actor_name: Set(actor_name.map(|name| name.to_string())),
        at: Set(change.at),
    })
    .exec_without_returning(db)
    .await?;
    crate::versions::raise(
        db,
        crate::versions::Counter::Inventory,
        principal.workspace_id,
        crate::versions::Touched::sheets(touched),
    )
    .await
}

/// The fact sheets a change touches: its own, and the parents its diff names (`parentId`, old
/// and new), whose children it changed: a parent's roll-up reads its children.
fn touched_by(change: &NewChange<'_>) -> Vec<Uuid> {
    let named = change
        .diff
        .get("parentId")
        .into_iter()
        .flat_map(|d| [d.get("old"), d.get("new")])
        .flatten()
        .filter_map(|v| v.as_str().and_then(|s| Uuid::parse_str(s).ok()));
    std::iter::once(change.fact_sheet_id).chain(named).collect()
}

/// A field-level diff entry.
pub fn field_diff(old: Option<&Value>, new: Option<&Value>) -> Value {
    serde_json::json!({ "old": old, "new": new })
}

/// The history of one fact sheet, newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    principal: &Principal,
    fact_sheet_id: Uuid,
    first: Option<i32>,
    after: Option<&str>,
) -> Result<Page<Change>> {
    authz::require(principal, Action::Read)?;
    let size = page_size(first)?;
    let mut query = change::Entity::find()
        .filter(change::Column::WorkspaceId.eq(principal.workspace_id))
        .filter(change::Column::FactSheetId.eq(fact_sheet_id));
    if let Some(after) = after {
        let revision: i32 = decode_cursor(after)?;
        query = query.filter(change::Column::Revision.lt(revision));
    }
    let rows = query
        .order_by_desc(change::Column::Revision)
        .limit(size + 1)
        .all(db)
        .await?;
    let changes = rows
        .into_iter()
        .map(|row| Change {
            fact_sheet_id: row.fact_sheet_id,
            revision: row.revision,
            kind: ChangeKind::parse(&row.kind).unwrap_or(ChangeKind::Updated),
            diff: row.diff,
            comment: row.comment,
            actor: row.actor,
            actor_name: row.actor_name,
            at: row.at,
        })
        .collect();
    Ok(Page::from_rows(changes, size, |c| {
        encode_cursor(&c.revision)
    }))
}
