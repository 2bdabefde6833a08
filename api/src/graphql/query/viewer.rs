use async_graphql::{Context, Object, SimpleObject};

use crate::graphql::{context::request, enums::Role};

#[derive(Default)]
pub struct ViewerQuery;

/// Who the token belongs to, so clients can adapt their UI to the role.
#[derive(SimpleObject)]
pub struct Viewer {
    pub subject: String,
    pub workspace: String,
    /// The same `Role` values that `createApiToken` takes, so clients compare one enum.
    pub role: Role,
}

#[Object]
impl ViewerQuery {
    async fn viewer(&self, ctx: &Context<'_>) -> async_graphql::Result<Viewer> {
        let p = &request(ctx)?.principal;
        Ok(Viewer {
            subject: p.subject.clone(),
            workspace: p.workspace_slug.clone(),
            role: p.role.into(),
        })
    }
}
