//! The workspace-wide change feed (`changes`): its filter, entries and connection.

use async_graphql::{ID, InputObject, Json, SimpleObject};
use chrono::{DateTime, Utc};
use domain::{
    paging::Page,
    reports::change_feed::{ChangeFeedFilter, FeedEntry},
};
use serde_json::Value;

use super::{
    connection::PageInfo,
    history::{ChangeAuthor, ChangeObject},
};

/// Which changes `changes` lists; every part given must hold.
#[derive(InputObject, Default)]
pub struct ChangeFeedFilterInput {
    /// Changes at or after this instant.
    pub since: Option<DateTime<Utc>>,
    /// Changes before this instant (exclusive), so consecutive windows neither overlap nor
    /// leave gaps.
    pub until: Option<DateTime<Utc>>,
    /// Kinds of change: those of a fact sheet's `history` (`CREATED`, `UPDATED`, `ARCHIVED`,
    /// `RESTORED`, `RELATION_CREATED`, `RELATION_UPDATED`, `RELATION_DELETED`, `TAGS_CHANGED`,
    /// `SUBSCRIPTIONS_CHANGED`, `META_MODEL_MIGRATED`) and `META_MODEL_CHANGED`, a new version
    /// of the meta model.
    pub kinds: Option<Vec<String>>,
    /// Fact sheet types; meta model changes, which belong to no type, are left out when given.
    pub types: Option<Vec<String>>,
    /// Who made the change: a user's subject, or an API token's name or subject.
    pub actors: Option<Vec<String>>,
}

impl From<ChangeFeedFilterInput> for ChangeFeedFilter {
    fn from(f: ChangeFeedFilterInput) -> Self {
        Self {
            since: f.since,
            until: f.until,
            kinds: f.kinds,
            types: f.types,
            actors: f.actors,
        }
    }
}

/// The fact sheet a change is about, as it is now.
#[derive(SimpleObject)]
pub struct ChangedFactSheet {
    pub id: ID,
    #[graphql(name = "type")]
    pub fact_sheet_type: String,
    pub name: String,
}

/// One change in the workspace: a fact sheet revision (relation changes appear once for each
/// end) or a new meta model version.
#[derive(SimpleObject)]
pub struct ChangeFeedEntry {
    pub at: DateTime<Utc>,
    /// A kind of `history` or `META_MODEL_CHANGED`.
    pub kind: String,
    /// Who made the change, as a fact sheet's `history` shows it.
    pub actor: String,
    pub author: ChangeAuthor,
    /// The fact sheet changed; null for a meta model change.
    pub fact_sheet: Option<ChangedFactSheet>,
    /// The fact sheet's revision, or the meta model's version.
    pub revision: i32,
    /// As in `history`; empty for a meta model change, whose `comment` says what changed.
    pub diff: Json<Value>,
    pub comment: Option<String>,
}

impl From<FeedEntry> for ChangeFeedEntry {
    fn from(e: FeedEntry) -> Self {
        let kind = e.kind.as_str().to_owned();
        let c = ChangeObject::from(e.change);
        Self {
            at: c.at,
            kind,
            actor: c.actor,
            author: c.author,
            fact_sheet: e.fact_sheet.map(|f| ChangedFactSheet {
                id: ID(f.id.to_string()),
                fact_sheet_type: f.fact_sheet_type,
                name: f.name,
            }),
            revision: c.revision,
            diff: c.diff,
            comment: c.comment,
        }
    }
}

#[derive(SimpleObject)]
pub struct ChangeFeedEdge {
    pub cursor: String,
    pub node: ChangeFeedEntry,
}

#[derive(SimpleObject)]
pub struct ChangeFeedConnection {
    pub edges: Vec<ChangeFeedEdge>,
    pub page_info: PageInfo,
}

impl From<Page<FeedEntry>> for ChangeFeedConnection {
    fn from(page: Page<FeedEntry>) -> Self {
        Self {
            page_info: PageInfo::of(&page),
            edges: page
                .items
                .into_iter()
                .map(|(cursor, e)| ChangeFeedEdge {
                    cursor,
                    node: e.into(),
                })
                .collect(),
        }
    }
}
