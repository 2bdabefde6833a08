use async_graphql::{Context, ID, Object};
use domain::reports::saved_views;

use crate::graphql::{
    context::request,
    errors::{OrGql, parse_id},
    types::saved_view::SavedViewObject,
};

#[derive(Default)]
pub struct SavedViewQuery;

#[Object]
impl SavedViewQuery {
    /// The saved views the caller sees: its own and those shared with the workspace, by name.
    async fn saved_views(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<SavedViewObject>> {
        let rc = request(ctx)?;
        Ok(saved_views::list(rc.db().await?, &rc.principal)
            .await
            .gql()?
            .into_iter()
            .map(SavedViewObject)
            .collect())
    }

    /// A saved view by id; null when there is none the caller may see (another user's private
    /// view included).
    async fn saved_view(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Option<SavedViewObject>> {
        let rc = request(ctx)?;
        let id = parse_id(&id, "id")?;
        Ok(saved_views::get(rc.db().await?, &rc.principal, id)
            .await
            .gql()?
            .map(SavedViewObject))
    }
}
