use async_graphql::{Json, SimpleObject};
use chrono::{DateTime, Utc};
use domain::history::{AuthorKind as DomainAuthorKind, Change};
use serde_json::Value;

use crate::graphql::enums::{AuthorKind, ChangeKind};

/// One revision of a fact sheet.
#[derive(SimpleObject)]
#[graphql(name = "Change")]
pub struct ChangeObject {
    pub revision: i32,
    pub kind: ChangeKind,
    /// `{ "<field>": { "old": …, "new": … } }`; relation changes also carry `relation`, whose
    /// `fromName`/`fromType` and `toName`/`toType` are its ends as they were at the time of the
    /// change (absent in changes recorded before they were kept).
    pub diff: Json<Value>,
    pub comment: Option<String>,
    /// Who made the change, readably: a user's subject as today, an API token as
    /// `<name> (API token)` with its name at the time of the change (its subject for changes
    /// recorded before token names were kept). `author` has it typed.
    pub actor: String,
    pub author: ChangeAuthor,
    pub at: DateTime<Utc>,
}

/// Who made a change.
#[derive(SimpleObject)]
pub struct ChangeAuthor {
    pub kind: AuthorKind,
    /// A user's subject, or an API token's name as it was at the time of the change (its
    /// subject for changes recorded before token names were kept).
    pub name: String,
    /// The subject of the token the change was made with (`apitoken:<id>` for API tokens).
    pub subject: String,
}

impl From<Change> for ChangeObject {
    fn from(c: Change) -> Self {
        let kind = c.author_kind();
        let name = c.author_name().to_owned();
        let actor = match (kind, &c.actor_name) {
            (DomainAuthorKind::ApiToken, Some(token_name)) => format!("{token_name} (API token)"),
            _ => c.actor.clone(),
        };
        Self {
            revision: c.revision,
            kind: c.kind.into(),
            diff: Json(c.diff),
            comment: c.comment,
            actor,
            author: ChangeAuthor {
                kind: kind.into(),
                name,
                subject: c.actor,
            },
            at: c.at,
        }
    }
}
