use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, sea_query::Expr,
};
use uuid::Uuid;

use super::{ApiToken, CreatedApiToken, TokenSecret, stored};
use crate::{
    authz::{self, Action},
    error::{Error, Result},
    principal::{Principal, Role},
    security_log::Audit,
};
use entity::api_token;

/// The longest an API token may live: a forgotten integration credential should not outlast
/// the yearly access review.
pub const MAX_LIFETIME: Duration = Duration::days(366);

const MAX_NAME_CHARS: usize = 100;

/// Creates an API token for `role` in the caller's workspace; the returned secret is the only
/// copy. A token never gets more rights than its creator has.
pub async fn create(
    db: &impl ConnectionTrait,
    principal: &Principal,
    name: &str,
    role: Role,
    expires_at: DateTime<Utc>,
) -> Result<CreatedApiToken> {
    authz::require(principal, Action::AdministerWorkspace)?;
    crate::features::require_enabled(
        db,
        principal.workspace_id,
        crate::features::Feature::ApiTokens,
    )
    .await?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(Error::invalid(
            "name",
            format!("must be 1 to {MAX_NAME_CHARS} characters"),
        ));
    }
    if role > principal.role {
        return Err(Error::Forbidden {
            role: principal.role.to_string(),
            action: format!("create an API token with role {role}"),
        });
    }
    let (now, expires_at) = (stored(Utc::now()), stored(expires_at));
    if expires_at <= now {
        return Err(Error::invalid("expiresAt", "must be in the future"));
    }
    if expires_at > now + MAX_LIFETIME {
        return Err(Error::invalid(
            "expiresAt",
            format!("may be at most {} days ahead", MAX_LIFETIME.num_days()),
        ));
    }
    let id = Uuid::now_v7();
    let token = TokenSecret::generate(principal.workspace_id, id);
    let row = api_token::Model {
        workspace_id: principal.workspace_id,
        id,
        name: name.to_owned(),
        role: role.as_str().to_owned(),
        token_hash: token.digest(),
        created_by: principal.subject.clone(),
        created_at: now,
        expires_at,
        revoked_at: None,
        last_used_at: None,
    };
    api_token::Entity::insert(api_token::ActiveModel::from(row.clone()))
        .exec_without_returning(db)
        .await?;
    Audit::new("api token created", "api token created")
        .by(principal)
        .token_id(id)
        .role(role)
        .expires_at(expires_at)
        .log();
    Ok(CreatedApiToken {
        api_token: row,
        token,
    })
}

/// Every API token of the caller's workspace, newest first, revoked and expired ones included
/// so admins can audit them.
pub async fn list(db: &impl ConnectionTrait, principal: &Principal) -> Result<Vec<ApiToken>> {
    authz::require(principal, Action::AdministerWorkspace)?;
    Ok(api_token::Entity::find()
        .filter(api_token::Column::WorkspaceId.eq(principal.workspace_id))
        .order_by_desc(api_token::Column::CreatedAt)
        .order_by_desc(api_token::Column::Id)
        .all(db)
        .await?)
}

/// Revokes a token at once: it can no longer be exchanged, and access tokens already minted
/// for it stop working too. Revoking twice keeps the first revocation time.
pub async fn revoke(
    db: &impl ConnectionTrait,
    principal: &Principal,
    id: Uuid,
) -> Result<ApiToken> {
    authz::require(principal, Action::AdministerWorkspace)?;
    let row = api_token::Entity::find_by_id((principal.workspace_id, id))
        .one(db)
        .await?
        .ok_or_else(|| Error::not_found("api token", id))?;
    if row.revoked_at.is_some() {
        return Ok(row);
    }
    let now = stored(Utc::now());
    api_token::Entity::update_many()
        .col_expr(api_token::Column::RevokedAt, Expr::value(now))
        .filter(api_token::Column::WorkspaceId.eq(principal.workspace_id))
        .filter(api_token::Column::Id.eq(id))
        .exec(db)
        .await?;
    Audit::new("api token revoked", "api token revoked")
        .by(principal)
        .token_id(id)
        .log();
    Ok(ApiToken {
        revoked_at: Some(now),
        ..row
    })
}
