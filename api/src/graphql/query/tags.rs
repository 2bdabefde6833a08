use async_graphql::{Context, Object};
use domain::tags;

use crate::graphql::{
    context::request,
    errors::OrGql,
    types::tags::{TagGroupObject, TagObject},
};

#[derive(Default)]
pub struct TagQuery;

#[Object]
impl TagQuery {
    async fn tags(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<TagObject>> {
        let rc = request(ctx)?;
        Ok(tags::list(rc.db().await?, &rc.principal)
            .await
            .gql()?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    async fn tag_groups(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<TagGroupObject>> {
        let rc = request(ctx)?;
        Ok(tags::list_groups(rc.db().await?, &rc.principal)
            .await
            .gql()?
            .into_iter()
            .map(Into::into)
            .collect())
    }
}
