use async_graphql::{Context, Object};
use domain::webhooks::{Provider, secrets};

use crate::graphql::{
    context::request, enums::WebhookProvider, errors::OrGql, types::payloads::WebhookSecretPayload,
};

#[derive(Default)]
pub struct WebhookMutation;

#[Object]
impl WebhookMutation {
    /// Admin: sets the secret `provider` signs this workspace's webhook deliveries with (the
    /// "Secret" of a GitHub webhook). Setting it again replaces it at once; it is never
    /// readable back.
    async fn set_webhook_secret(
        &self,
        ctx: &Context<'_>,
        provider: WebhookProvider,
        secret: String,
    ) -> async_graphql::Result<WebhookSecretPayload> {
        let rc = request(ctx)?;
        let domain_provider = Provider::from(provider);
        rc.write_and_commit(async |tx| {
            secrets::set(tx, &rc.principal, domain_provider, &secret)
                .await
                .gql()
        })
        .await?;
        Ok(WebhookSecretPayload {
            provider,
            path: format!(
                "/webhooks/{domain_provider}/{}",
                rc.principal.workspace_slug
            ),
        })
    }
}
