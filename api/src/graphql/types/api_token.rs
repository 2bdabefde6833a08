use async_graphql::{ID, SimpleObject};
use chrono::{DateTime, Utc};
use domain::api_tokens::ApiToken;

use crate::graphql::enums::Role;
use crate::graphql::errors::internal;

/// An API token of a technical user, without its secret (which is shown once, at creation).
#[derive(SimpleObject)]
#[graphql(name = "ApiToken")]
pub struct ApiTokenObject {
    pub id: ID,
    pub name: String,
    pub role: Role,
    /// Who created it.
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// When it was last exchanged for an access token.
    pub last_used_at: Option<DateTime<Utc>>,
}

impl TryFrom<ApiToken> for ApiTokenObject {
    type Error = async_graphql::Error;

    fn try_from(t: ApiToken) -> async_graphql::Result<Self> {
        let role: domain::Role = t
            .role
            .parse()
            .map_err(|e: String| internal(&format!("api token {}: {e}", t.id)))?;
        Ok(Self {
            id: ID(t.id.to_string()),
            name: t.name,
            role: role.into(),
            created_by: t.created_by,
            created_at: t.created_at,
            expires_at: t.expires_at,
            revoked_at: t.revoked_at,
            last_used_at: t.last_used_at,
        })
    }
}

#[derive(SimpleObject)]
pub struct CreateApiTokenPayload {
    /// The API token itself. Shown this once and never again: store it in the integration's
    /// secret store, then exchange it at `POST /auth/token`.
    pub token: String,
    pub api_token: ApiTokenObject,
}

#[derive(SimpleObject)]
pub struct ApiTokenPayload {
    pub api_token: ApiTokenObject,
}
