use async_graphql::{Context, Object};
use domain::api_tokens;

use crate::graphql::{context::request, errors::OrGql, types::api_token::ApiTokenObject};

#[derive(Default)]
pub struct ApiTokenQuery;

#[Object]
impl ApiTokenQuery {
    /// Admin: the workspace's API tokens, newest first, revoked and expired ones included.
    async fn api_tokens(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ApiTokenObject>> {
        let rc = request(ctx)?;
        api_tokens::list(rc.db().await?, &rc.principal)
            .await
            .gql()?
            .into_iter()
            .map(ApiTokenObject::try_from)
            .collect()
    }
}
