use async_graphql::{Json, SimpleObject};
use chrono::{DateTime, Utc};
use domain::history::Change;
use serde_json::Value;

use crate::graphql::enums::ChangeKind;

/// One revision of a fact sheet.
#[derive(SimpleObject)]
#[graphql(name = "Change")]
pub struct ChangeObject {
    pub revision: i32,
    pub kind: ChangeKind,
    /// `{ "<field>": { "old": …, "new": … } }`; relation changes also carry `relation`.
    pub diff: Json<Value>,
    pub comment: Option<String>,
    /// The token subject that made the change.
    pub actor: String,
    pub at: DateTime<Utc>,
}

impl From<Change> for ChangeObject {
    fn from(c: Change) -> Self {
        Self {
            revision: c.revision,
            kind: c.kind.into(),
            diff: Json(c.diff),
            comment: c.comment,
            actor: c.actor,
            at: c.at,
        }
    }
}
