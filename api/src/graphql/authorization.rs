//! Role checks for every operation, in one place, before any resolver runs. The rules are the
//! domain's table (`domain::authz::operation_rule`); an operation missing from it is refused
//! to every role, so adding a query or mutation without deciding who may call it cannot ship
//! open. Services repeat their own check; this one keeps a forbidden call from doing any work.

use std::sync::Arc;

use async_graphql::{
    ServerResult, Value,
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextResolve, ResolveInfo},
};
use domain::{
    Error,
    authz::{self, Root},
};

use super::{context::RequestContext, errors::to_gql};

pub struct Authorization;

impl ExtensionFactory for Authorization {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Authorization)
    }
}

#[async_trait::async_trait]
impl Extension for Authorization {
    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        let root = match info.parent_type {
            "Query" => Some(Root::Query),
            "Mutation" => Some(Root::Mutation),
            _ => None,
        };
        // Introspection (`__schema`, `__type`, `__typename`) is governed by the schema's own
        // switch, not by roles.
        let introspection = info.is_for_introspection || info.name.starts_with("__");
        if let Some(root) = root.filter(|_| !introspection)
            && info.path_node.parent.is_none()
        {
            let principal = &ctx
                .data::<RequestContext>()
                .map_err(|e| e.into_server_error(info.field.name.pos))?
                .principal;
            let refusal = match authz::operation_rule(root, info.name) {
                Some(action) => authz::require(principal, action).err(),
                None => {
                    tracing::error!(target: "security", operation = info.name, workspace = %principal.workspace_slug, subject = %principal.subject, reason = "operation has no authorization rule", "forbidden");
                    Some(Error::Forbidden {
                        role: principal.role.to_string(),
                        action: format!("call {}", info.name),
                    })
                }
            };
            if let Some(e) = refusal {
                return Err(to_gql(e).into_server_error(info.field.name.pos));
            }
        }
        next.run(ctx, info).await
    }
}
