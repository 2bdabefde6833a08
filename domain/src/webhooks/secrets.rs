//! The secret a workspace shares with each webhook provider.
//!
//! Unlike an API token it cannot be stored as a one-way hash: checking a delivery means
//! computing the provider's HMAC with the secret itself. The server has no key of its own to
//! encrypt it with (its only secret is the JWT signing key, which rotates on its own schedule
//! and may come from an identity provider instead), and a key kept beside the database would
//! guard nothing the database's own protection does not. So it is stored as given, readable
//! only through row-level security by its own workspace, never returned by the API and never
//! logged; an admin who suspects it leaked sets a new one, which replaces it at once.

use chrono::Utc;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, sea_query::OnConflict,
};
use uuid::Uuid;

use super::Provider;
use crate::{
    authz::{self, Action},
    error::{Error, FieldError, Result},
    limits,
    principal::Principal,
    security_log::Audit,
};
use entity::webhook_secret;

/// Long enough for any generated secret, short enough to stay a secret rather than a payload.
const MAX_SECRET_LENGTH: usize = 256;

/// Admin: sets the secret `provider` signs this workspace's deliveries with, replacing any
/// earlier one.
pub async fn set(
    db: &impl ConnectionTrait,
    principal: &Principal,
    provider: Provider,
    secret: &str,
) -> Result<()> {
    authz::require(principal, Action::AdministerWorkspace)?;
    if let Some(refusal) = limits::check_text("secret", secret) {
        return Err(Error::Invalid(vec![refusal]));
    }
    if secret.trim().is_empty() || secret.len() > MAX_SECRET_LENGTH {
        return Err(Error::Invalid(vec![FieldError::new(
            "secret",
            format!("must be 1 to {MAX_SECRET_LENGTH} characters, not only spaces"),
        )]));
    }
    let row = webhook_secret::ActiveModel {
        workspace_id: Set(principal.workspace_id),
        provider: Set(provider.as_str().to_owned()),
        secret: Set(secret.to_owned()),
        updated_at: Set(Utc::now()),
        updated_by: Set(principal.subject.clone()),
    };
    webhook_secret::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([
                webhook_secret::Column::WorkspaceId,
                webhook_secret::Column::Provider,
            ])
            .update_columns([
                webhook_secret::Column::Secret,
                webhook_secret::Column::UpdatedAt,
                webhook_secret::Column::UpdatedBy,
            ])
            .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    let reason = format!("{provider} webhook secret set");
    Audit::new("webhook secret set", &reason)
        .by(principal)
        .log();
    Ok(())
}

/// The secret deliveries from `provider` to `workspace_id` must be signed with, if an admin
/// set one. For authenticating a delivery, before there is a principal: the caller must be
/// inside the workspace's transaction and must never reveal the value.
pub async fn find(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
    provider: Provider,
) -> Result<Option<String>> {
    Ok(webhook_secret::Entity::find()
        .filter(webhook_secret::Column::WorkspaceId.eq(workspace_id))
        .filter(webhook_secret::Column::Provider.eq(provider.as_str()))
        .one(db)
        .await?
        .map(|row| row.secret))
}
