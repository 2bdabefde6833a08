use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, sea_query::Expr};
use uuid::Uuid;

use super::{TokenSecret, stored};
use crate::{Error, Result, Role, workspaces};
use entity::api_token;

/// What redeeming an API token yields: the workspace and role an access token may be minted
/// for, and the API token's own expiry, which the access token must not outlive.
#[derive(Debug, Clone)]
pub struct Grant {
    pub workspace_id: Uuid,
    pub workspace_slug: String,
    pub token_id: Uuid,
    pub role: Role,
    pub expires_at: DateTime<Utc>,
}

/// Why a presented API token was refused. Only the security log sees it; the client learns
/// nothing that would help it probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusalReason {
    Malformed,
    UnknownWorkspace,
    UnknownToken,
    WrongSecret,
    Revoked,
    Expired,
}

impl RefusalReason {
    pub fn as_str(self) -> &'static str {
        match self {
            RefusalReason::Malformed => "malformed api token",
            RefusalReason::UnknownWorkspace => "unknown or deleted workspace",
            RefusalReason::UnknownToken => "unknown api token",
            RefusalReason::WrongSecret => "api token secret does not match",
            RefusalReason::Revoked => "api token revoked",
            RefusalReason::Expired => "api token expired",
        }
    }
}

/// A refusal is an expected outcome, not an error: errors are reserved for the database.
#[derive(Debug)]
pub enum Redemption {
    Granted(Grant),
    /// Refused; `workspace` (the slug) and `token_id` are set when the token named existing
    /// ones, for the security log.
    Refused {
        reason: RefusalReason,
        workspace: Option<String>,
        token_id: Option<Uuid>,
    },
}

/// Checks a presented API token and records its use. Run it in a write transaction not yet
/// scoped to a workspace (the token names it): the only write is `last_used_at`, and only for
/// a granted token.
pub async fn redeem(
    db: &impl ConnectionTrait,
    presented: &str,
    now: DateTime<Utc>,
) -> Result<Redemption> {
    let refused = |reason, workspace, token_id| {
        Ok(Redemption::Refused {
            reason,
            workspace,
            token_id,
        })
    };
    let Some(token) = TokenSecret::parse(presented) else {
        return refused(RefusalReason::Malformed, None, None);
    };
    let Some(workspace) = workspaces::find_live_by_id(db, token.workspace_id()).await? else {
        return refused(RefusalReason::UnknownWorkspace, None, None);
    };
    // The token names its workspace: scope the transaction to it (row-level security).
    crate::db::enter_workspace(db, workspace.id).await?;
    crate::features::require_enabled(db, workspace.id, crate::features::Feature::ApiTokens).await?;
    let Some(row) = api_token::Entity::find_by_id((workspace.id, token.id()))
        .one(db)
        .await?
    else {
        return refused(RefusalReason::UnknownToken, Some(workspace.slug), None);
    };
    let reason = if !token.matches(&row.token_hash) {
        Some(RefusalReason::WrongSecret)
    } else if row.revoked_at.is_some() {
        Some(RefusalReason::Revoked)
    } else if row.expires_at <= now {
        Some(RefusalReason::Expired)
    } else {
        None
    };
    if let Some(reason) = reason {
        return refused(reason, Some(workspace.slug), Some(row.id));
    }
    let role: Role = row
        .role
        .parse()
        .map_err(|e: String| Error::Internal(format!("api token {}: {e}", row.id)))?;
    api_token::Entity::update_many()
        .col_expr(api_token::Column::LastUsedAt, Expr::value(stored(now)))
        .filter(api_token::Column::WorkspaceId.eq(workspace.id))
        .filter(api_token::Column::Id.eq(row.id))
        .exec(db)
        .await?;
    Ok(Redemption::Granted(Grant {
        workspace_id: workspace.id,
        workspace_slug: workspace.slug,
        token_id: row.id,
        role,
        expires_at: row.expires_at,
    }))
}

/// Whether API token `id` may still act: it exists, is not revoked and has not expired. Checked
/// on every request of an access token minted for it, so revocation takes effect at once
/// rather than when the short-lived access token runs out.
pub async fn still_valid(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool> {
    Ok(api_token::Entity::find_by_id((workspace_id, id))
        .one(db)
        .await?
        .is_some_and(|row| row.revoked_at.is_none() && row.expires_at > now))
}
