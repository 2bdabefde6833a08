use domain::{Principal, db::Store, workspaces};

use super::JwtKeys;

/// Why a request is not authenticated. The client sees only "invalid or missing token"; the
/// reason goes to the security log.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("missing bearer token")]
    Missing,
    #[error("invalid token: {0}")]
    Invalid(String),
    #[error("unknown or deleted workspace `{0}`")]
    UnknownWorkspace(String),
    #[error("database error")]
    Database(#[from] domain::Error),
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
/// a client cannot ask for another tenant.
pub async fn authenticate(
    store: &Store,
    keys: &JwtKeys,
    header: Option<&str>,
) -> Result<Principal, AuthError> {
    let token = bearer_token(header)?;
    let claims = keys
        .verify(token)
        .map_err(|e| AuthError::Invalid(e.to_string()))?;
    let workspace = workspaces::find_by_slug(store.connection(), &claims.workspace)
        .await?
        .ok_or_else(|| AuthError::UnknownWorkspace(claims.workspace.clone()))?;
    Ok(Principal {
        workspace_id: workspace.id,
        workspace_slug: workspace.slug,
        subject: claims.sub,
        role: claims.role,
    })
}
