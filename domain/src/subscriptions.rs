//! Ownership: who is responsible, accountable or watching a fact sheet. At most one person is
//! accountable (the RACI rule), so "who do I call" always has one answer.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde_json::json;
use uuid::Uuid;

use crate::{
    authz::{self, Action},
    db::INSERT_CHUNK,
    error::{Error, Result},
    fact_sheet_store,
    history::{self, ChangeKind},
    principal::Principal,
};
use entity::subscription;

pub type Subscription = subscription::Model;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SubscriptionRole {
    Responsible,
    Accountable,
    Observer,
}

impl SubscriptionRole {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Responsible => "RESPONSIBLE",
            Self::Accountable => "ACCOUNTABLE",
            Self::Observer => "OBSERVER",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Responsible, Self::Accountable, Self::Observer]
            .into_iter()
            .find(|r| r.as_str() == s)
    }
}

/// Subscribes a user (an id or an email address) to a fact sheet in a role.
pub async fn subscribe(
    db: &impl ConnectionTrait,
    principal: &Principal,
    fact_sheet_id: Uuid,
    user: &str,
    role: SubscriptionRole,
) -> Result<Subscription> {
    authz::require(principal, Action::WriteInventory)?;
    let user = user.trim();
    if user.is_empty() || user.len() > 320 {
        return Err(Error::invalid(
            "user",
            "must be a user id or email address of 1 to 320 characters",
        ));
    }
    if user.contains('@')
        && !user
            .split_once('@')
            .is_some_and(|(l, d)| !l.is_empty() && d.contains('.'))
    {
        return Err(Error::invalid("user", "is not a valid email address"));
    }
    fact_sheet_store::load_for_write(db, principal, fact_sheet_id).await?;
    let existing = subscription::Entity::find()
        .filter(subscription::Column::WorkspaceId.eq(principal.workspace_id))
        .filter(subscription::Column::FactSheetId.eq(fact_sheet_id))
        .all(db)
        .await?;
    if existing
        .iter()
        .any(|s| s.subject == user && s.role == role.as_str())
    {
        return Err(Error::conflict(format!(
            "{user} is already {} for this fact sheet",
            role.as_str()
        )));
    }
    if role == SubscriptionRole::Accountable
        && let Some(other) = existing.iter().find(|s| s.role == role.as_str())
    {
        return Err(Error::invalid(
            "role",
            format!(
                "{} is already accountable; a fact sheet has at most one accountable person",
                other.subject
            ),
        ));
    }
    let now = Utc::now();
    let s = Subscription {
        workspace_id: principal.workspace_id,
        id: Uuid::now_v7(),
        fact_sheet_id,
        role: role.as_str().into(),
        subject: user.into(),
        created_at: now,
    };
    subscription::Entity::insert(subscription::ActiveModel::from(s.clone()))
        .exec_without_returning(db)
        .await?;
    let diff = json!({ "subscriptions": history::field_diff(None, Some(&json!({"user": user, "role": role.as_str()}))) });
    fact_sheet_store::touch(
        db,
        principal,
        fact_sheet_id,
        ChangeKind::SubscriptionsChanged,
        diff,
        now,
    )
    .await?;
    Ok(s)
}

pub async fn unsubscribe(
    db: &impl ConnectionTrait,
    principal: &Principal,
    subscription_id: Uuid,
) -> Result<Subscription> {
    authz::require(principal, Action::WriteInventory)?;
    let s = subscription::Entity::find()
        .filter(subscription::Column::WorkspaceId.eq(principal.workspace_id))
        .filter(subscription::Column::Id.eq(subscription_id))
        .one(db)
        .await?
        .ok_or_else(|| Error::not_found("subscription", subscription_id))?;
    subscription::Entity::delete_many()
        .filter(subscription::Column::WorkspaceId.eq(principal.workspace_id))
        .filter(subscription::Column::Id.eq(subscription_id))
        .exec(db)
        .await?;
    let diff = json!({ "subscriptions": history::field_diff(Some(&json!({"user": s.subject, "role": s.role})), None) });
    fact_sheet_store::touch(
        db,
        principal,
        s.fact_sheet_id,
        ChangeKind::SubscriptionsChanged,
        diff,
        Utc::now(),
    )
    .await?;
    Ok(s)
}

/// Subscriptions of many fact sheets in few statements (for DataLoaders).
pub async fn for_fact_sheets(
    db: &impl ConnectionTrait,
    principal: &Principal,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<Subscription>>> {
    authz::require(principal, Action::Read)?;
    let workspace_id = principal.workspace_id;
    let mut map: HashMap<Uuid, Vec<Subscription>> = HashMap::new();
    for chunk in ids.chunks(INSERT_CHUNK) {
        for s in subscription::Entity::find()
            .filter(subscription::Column::WorkspaceId.eq(workspace_id))
            .filter(subscription::Column::FactSheetId.is_in(chunk.iter().copied()))
            .order_by_asc(subscription::Column::CreatedAt)
            .all(db)
            .await?
        {
            map.entry(s.fact_sheet_id).or_default().push(s);
        }
    }
    Ok(map)
}

/// How many subscriptions a fact sheet has (used by tests and reports).
pub async fn count(
    db: &impl ConnectionTrait,
    principal: &Principal,
    fact_sheet_id: Uuid,
) -> Result<u64> {
    authz::require(principal, Action::Read)?;
    Ok(subscription::Entity::find()
        .filter(subscription::Column::WorkspaceId.eq(principal.workspace_id))
        .filter(subscription::Column::FactSheetId.eq(fact_sheet_id))
        .count(db)
        .await?)
}
