use async_graphql::{Context, Object};
use domain::features;

use crate::graphql::{context::request, errors::OrGql, types::features::WorkspaceFeatures};

#[derive(Default)]
pub struct WorkspaceQuery;

#[Object]
impl WorkspaceQuery {
    /// The workspace's edition and features with their quotas and usage (admins).
    async fn workspace_features(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<WorkspaceFeatures> {
        let rc = request(ctx)?;
        let (edition, settings) = features::effective(rc.db().await?, &rc.principal)
            .await
            .gql()?;
        Ok(WorkspaceFeatures::new(edition, settings))
    }
}
