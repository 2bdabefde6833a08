//! Refusing abusive documents before any resolver runs, each with `extensions.code =
//! LIMIT_EXCEEDED` and a `security` log line.
//!
//! The checks run in order of cost, each before the step it protects: tokens before parsing,
//! aliases and the inlined size right after parsing, before anything walks the inlined document
//! (async-graphql's own recursion check follows every fragment spread, so a few lines of nested
//! fragments would keep it busy for hours), depth and complexity once validation computed them,
//! before execution. async-graphql's own depth and complexity limits are not used: their errors
//! carry no code, and a client must be able to tell "your query is too big" from "it is wrong".

mod shape;
mod tokens;

use std::{any::TypeId, sync::Arc};

use async_graphql::{
    Request, ServerError, ServerResult, ValidationResult,
    extensions::{
        Extension, ExtensionContext, ExtensionFactory, NextPrepareRequest, NextValidation,
    },
};
use domain::Principal;

use super::RequestContext;

#[derive(Debug, Clone, Copy)]
pub struct DocumentLimits {
    pub max_tokens: usize,
    pub max_aliases: usize,
    pub max_depth: usize,
    pub max_complexity: usize,
}

impl ExtensionFactory for DocumentLimits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(*self)
    }
}

/// A refusal as the client sees it, logged for the security team.
fn exceeded(caller: Option<&Principal>, reason: &str, message: String) -> ServerError {
    match caller {
        Some(p) => tracing::warn!(
            target: "security",
            workspace = %p.workspace_slug,
            subject = %p.subject,
            reason,
            "GraphQL document refused"
        ),
        None => tracing::warn!(target: "security", reason, "GraphQL document refused"),
    }
    let mut error = ServerError::new(message, None);
    error
        .extensions
        .get_or_insert_with(Default::default)
        .set("code", "LIMIT_EXCEEDED");
    error
}

fn caller_of(request: &Request) -> Option<&Principal> {
    request
        .data
        .get(&TypeId::of::<RequestContext>())
        .and_then(|data| data.downcast_ref::<RequestContext>())
        .map(|rc| &rc.principal)
}

#[async_graphql::async_trait::async_trait]
impl Extension for DocumentLimits {
    /// Counts tokens, then parses here (async-graphql keeps the document and does not parse
    /// again) to measure the document before async-graphql's own checks walk it.
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        mut request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        if tokens::count_tokens(&request.query, self.max_tokens).is_none() {
            return Err(exceeded(
                caller_of(&request),
                "too many tokens",
                format!("the query has more than {} tokens", self.max_tokens),
            ));
        }
        let shape = match request.parsed_query() {
            Ok(doc) => shape::measure(doc),
            Err(e) if e.message.contains("recursion limit exceeded") => {
                return Err(exceeded(
                    caller_of(&request),
                    "nested too deep",
                    "the query is nested too deep".into(),
                ));
            }
            Err(e) => return Err(e),
        };
        if shape.aliases > self.max_aliases {
            return Err(exceeded(
                caller_of(&request),
                "too many aliases",
                format!(
                    "the query uses {} aliases; at most {} are allowed",
                    shape.aliases, self.max_aliases
                ),
            ));
        }
        // Every field costs at least 1, so a document larger than the complexity limit once
        // inlined would be refused after validation anyway; refusing it now spares the walk.
        if shape.inlined_fields > self.max_complexity as u64 {
            return Err(exceeded(
                caller_of(&request),
                "too complex",
                format!(
                    "the query has more than {} fields once its fragments are inlined",
                    self.max_complexity
                ),
            ));
        }
        next.run(ctx, request).await
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await?;
        let caller = ctx.data_opt::<RequestContext>().map(|rc| &rc.principal);
        if result.depth > self.max_depth {
            return Err(vec![exceeded(
                caller,
                "nested too deep",
                format!(
                    "the query is nested {} levels deep; at most {} are allowed",
                    result.depth, self.max_depth
                ),
            )]);
        }
        if result.complexity > self.max_complexity {
            return Err(vec![exceeded(
                caller,
                "too complex",
                format!(
                    "the query's complexity is {}; at most {} is allowed (a list costs `first` times its items)",
                    result.complexity, self.max_complexity
                ),
            )]);
        }
        Ok(result)
    }
}
