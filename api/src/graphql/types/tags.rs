use async_graphql::{ID, SimpleObject};
use chrono::{DateTime, Utc};
use domain::{
    subscriptions::{Subscription, SubscriptionRole as DomainRole},
    tags::{Tag, TagGroup, TagGroupMode as DomainMode},
};

use crate::graphql::enums::{SubscriptionRole, TagGroupMode};

#[derive(SimpleObject, Clone)]
#[graphql(name = "Tag")]
pub struct TagObject {
    pub id: ID,
    pub name: String,
    pub group_id: Option<ID>,
    pub color: Option<String>,
    pub description: Option<String>,
}

impl From<Tag> for TagObject {
    fn from(t: Tag) -> Self {
        Self {
            id: ID(t.id.to_string()),
            name: t.name,
            group_id: t.group_id.map(|g| ID(g.to_string())),
            color: t.color,
            description: t.description,
        }
    }
}

#[derive(SimpleObject, Clone)]
#[graphql(name = "TagGroup")]
pub struct TagGroupObject {
    pub id: ID,
    pub name: String,
    pub mode: TagGroupMode,
    pub description: Option<String>,
}

impl From<TagGroup> for TagGroupObject {
    fn from(g: TagGroup) -> Self {
        Self {
            id: ID(g.id.to_string()),
            mode: DomainMode::of(&g).into(),
            name: g.name,
            description: g.description,
        }
    }
}

#[derive(SimpleObject, Clone)]
#[graphql(name = "Subscription")]
pub struct SubscriptionObject {
    pub id: ID,
    pub fact_sheet_id: ID,
    /// A user id or email address.
    pub user: String,
    pub role: SubscriptionRole,
    pub created_at: DateTime<Utc>,
}

impl From<Subscription> for SubscriptionObject {
    fn from(s: Subscription) -> Self {
        Self {
            id: ID(s.id.to_string()),
            fact_sheet_id: ID(s.fact_sheet_id.to_string()),
            role: DomainRole::parse(&s.role)
                .unwrap_or(DomainRole::Observer)
                .into(),
            user: s.subject,
            created_at: s.created_at,
        }
    }
}
