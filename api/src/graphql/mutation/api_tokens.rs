use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use domain::api_tokens;

use crate::graphql::{
    context::request,
    enums::Role,
    errors::{OrGql, bad_input, parse_id},
    types::api_token::{ApiTokenObject, ApiTokenPayload, CreateApiTokenPayload},
};

#[derive(Default)]
pub struct ApiTokenMutation;

/// Give exactly one of `expiresAt` and `ttl`.
#[derive(InputObject)]
pub struct CreateApiTokenInput {
    /// What the token is for, such as the integration's name.
    pub name: String,
    /// At most the creator's own role.
    pub role: Role,
    pub expires_at: Option<DateTime<Utc>>,
    /// A lifetime such as `30d` or `12h`.
    pub ttl: Option<String>,
}

fn expiry(input: &CreateApiTokenInput) -> async_graphql::Result<DateTime<Utc>> {
    match (&input.expires_at, &input.ttl) {
        (Some(at), None) => Ok(*at),
        (None, Some(ttl)) => {
            let ttl = humantime::parse_duration(ttl)
                .map_err(|_| bad_input("ttl", "is not a duration such as 30d or 12h"))?;
            chrono::Duration::from_std(ttl)
                .ok()
                .and_then(|d| Utc::now().checked_add_signed(d))
                .ok_or_else(|| bad_input("ttl", "is too long"))
        }
        _ => Err(bad_input(
            "expiresAt",
            "give exactly one of expiresAt and ttl",
        )),
    }
}

#[Object]
impl ApiTokenMutation {
    /// Admin: creates an API token for a technical user. The token is in the payload this once
    /// only; exchange it at `POST /auth/token` for short-lived access tokens.
    async fn create_api_token(
        &self,
        ctx: &Context<'_>,
        input: CreateApiTokenInput,
    ) -> async_graphql::Result<CreateApiTokenPayload> {
        let rc = request(ctx)?;
        let expires_at = expiry(&input)?;
        let created = rc
            .write_and_commit(async |tx| {
                api_tokens::create(
                    tx,
                    &rc.principal,
                    &input.name,
                    input.role.into(),
                    expires_at,
                )
                .await
                .gql()
            })
            .await?;
        Ok(CreateApiTokenPayload {
            token: created.token.expose().to_owned(),
            api_token: ApiTokenObject::try_from(created.api_token)?,
        })
    }

    /// Admin: revokes an API token. It can no longer be exchanged, and access tokens already
    /// minted for it stop working at once.
    async fn revoke_api_token(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<ApiTokenPayload> {
        let rc = request(ctx)?;
        let id = parse_id(&id, "id")?;
        let revoked = rc
            .write_and_commit(async |tx| api_tokens::revoke(tx, &rc.principal, id).await.gql())
            .await?;
        Ok(ApiTokenPayload {
            api_token: ApiTokenObject::try_from(revoked)?,
        })
    }
}
