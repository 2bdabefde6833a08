use async_graphql::{Context, Object};
use domain::meta_model_versions;

use crate::graphql::{context::request, errors::OrGql, types::meta_model::MetaModelObject};

#[derive(Default)]
pub struct MetaModelQuery;

#[Object]
impl MetaModelQuery {
    /// The workspace's meta model: the current version, or an earlier one by number.
    async fn meta_model(
        &self,
        ctx: &Context<'_>,
        version: Option<i32>,
    ) -> async_graphql::Result<MetaModelObject> {
        let rc = request(ctx)?;
        match version {
            None => Ok((&*rc.meta_model().await?).into()),
            Some(v) => meta_model_versions::version(rc.db().await?, &rc.principal, v)
                .await
                .gql()?
                .map(|m| (&m).into())
                .ok_or_else(|| {
                    crate::graphql::errors::to_gql(domain::Error::not_found(
                        "meta model version",
                        v,
                    ))
                }),
        }
    }

    /// Every version of the meta model, newest first.
    async fn meta_model_versions(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<MetaModelObject>> {
        let rc = request(ctx)?;
        Ok(meta_model_versions::history(rc.db().await?, &rc.principal)
            .await
            .gql()?
            .iter()
            .map(Into::into)
            .collect())
    }
}
