use chrono::Utc;
use domain::{Principal, api_tokens, db::Store, workspace_cache::WorkspaceCache};

use super::JwtKeys;

/// Why a request is not authenticated. The client sees only "invalid or missing token"; the
/// reason goes to the security log.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("missing bearer token")]
    Missing,
    #[error("invalid token: {0}")]
    Invalid(String),
    #[error("unknown or deleted workspace")]
    UnknownWorkspace { workspace: String, subject: String },
    #[error("api token revoked, expired or unknown")]
    ApiTokenInvalid { workspace: String, subject: String },
    #[error("database error")]
    Database(#[from] domain::Error),
}

impl AuthError {
    /// The verified workspace and subject, when the token got far enough to have them.
    pub fn identity(&self) -> (&str, &str) {
        match self {
            AuthError::UnknownWorkspace { workspace, subject }
            | AuthError::ApiTokenInvalid { workspace, subject } => (workspace, subject),
            _ => ("-", "-"),
        }
    }
}

/// The token of an `Authorization: Bearer …` header value.
pub fn bearer_token(header: Option<&str>) -> Result<&str, AuthError> {
    let value = header.ok_or(AuthError::Missing)?;
    let (scheme, token) = value.split_once(' ').ok_or(AuthError::Missing)?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(AuthError::Missing);
    }
    Ok(token.trim())
}

/// Verifies the token and resolves its workspace. The workspace comes from the token only, so
/// a client cannot ask for another tenant. An access token minted for an API token works only
/// while that API token does, so revoking it takes effect at once.
///
/// The workspace may come from `workspaces` without a statement; it is checked again where the
/// request's first transaction is scoped (see [`WorkspaceCache`]), and callers treat
/// [`domain::Error::Unauthenticated`] there like [`AuthError::UnknownWorkspace`].
pub async fn authenticate(
    store: &Store,
    workspaces: &WorkspaceCache,
    keys: &JwtKeys,
    header: Option<&str>,
) -> Result<Principal, AuthError> {
    let token = bearer_token(header)?;
    let claims = keys
        .verify_fresh(token)
        .await
        .map_err(|e| AuthError::Invalid(e.to_string()))?;
    let unknown = |claims: super::Claims| AuthError::UnknownWorkspace {
        workspace: claims.workspace,
        subject: claims.sub,
    };
    let Some(workspace_id) = workspaces
        .live_id(store.connection(), &claims.workspace)
        .await?
    else {
        return Err(unknown(claims));
    };
    if let Some(token_id) = api_tokens::token_id_of_subject(&claims.sub) {
        let valid = match token_id {
            Some(id) => match store.tenant(workspace_id).await {
                Ok(scoped) => {
                    api_tokens::still_valid(&scoped, workspace_id, id, Utc::now()).await?
                }
                Err(domain::Error::Unauthenticated) => {
                    workspaces.forget(&claims.workspace);
                    return Err(unknown(claims));
                }
                Err(e) => return Err(e.into()),
            },
            None => false,
        };
        if !valid {
            return Err(AuthError::ApiTokenInvalid {
                workspace: claims.workspace,
                subject: claims.sub,
            });
        }
    }
    Ok(Principal {
        workspace_id,
        workspace_slug: claims.workspace,
        subject: claims.sub,
        role: claims.role,
    })
}
