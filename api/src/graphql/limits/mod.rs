//! Refusing abusive documents before any resolver runs, each with `extensions.code =
//! LIMIT_EXCEEDED` and a `security` log line.
//!
//! The checks run in order of cost, each before the step it protects: tokens before parsing,
//! aliases, the inlined size and the depth right after parsing, before anything walks the
//! inlined document (async-graphql's own recursion check follows every fragment spread, so a
//! few lines of nested fragments would keep it busy for hours). Complexity needs the schema's
//! per-field costs, which only async-graphql's validation knows: its limit is set on the schema
//! and its refusal, which carries no code, is replaced by ours, because a client must be able to
//! tell "your query is too big" from "it is wrong".
//!
//! These run around `Schema::execute` (see [`super::AppSchema`]) rather than as an extension:
//! with any extension installed, async-graphql runs the extension chain for every field it
//! resolves. So does [`refuse_nul`], which refuses text no database can store with
//! `BAD_USER_INPUT` instead.

mod nul;
mod shape;
mod tokens;

pub use nul::refuse_nul;
pub(super) use tokens::count_tokens;

use std::any::TypeId;

use async_graphql::{Request, Response, ServerError};
use domain::{Principal, security_log::Refusal};

use super::RequestContext;
use crate::error_code::ErrorCode;

#[derive(Debug, Clone, Copy)]
pub struct DocumentLimits {
    pub max_tokens: usize,
    pub max_aliases: usize,
    pub max_depth: usize,
    pub max_complexity: usize,
}

/// A refusal as the client sees it, logged for the security team.
fn exceeded(caller: Option<&Principal>, reason: &str, message: String) -> ServerError {
    Refusal::new("GraphQL document refused", reason)
        .by_caller(caller)
        .log();
    let mut error = ServerError::new(message, None);
    error
        .extensions
        .get_or_insert_with(Default::default)
        .set("code", ErrorCode::LimitExceeded.as_str());
    error
}

pub(super) fn caller_of(request: &Request) -> Option<&Principal> {
    request
        .data
        .get(&TypeId::of::<RequestContext>())
        .and_then(|data| data.downcast_ref::<RequestContext>())
        .map(|rc| &rc.principal)
}

/// async-graphql's refusals for the limits set on the schema builder (`limit_complexity`,
/// `limit_depth`), matched exactly; `http_limits` tests fail if a new version rewords them.
const TOO_COMPLEX: &str = "Query is too complex.";
const TOO_DEEP: &str = "Query is nested too deep.";

impl DocumentLimits {
    /// Counts tokens, then parses (the document stays in the request, so async-graphql does not
    /// parse again) and measures the document before async-graphql's own checks walk it.
    pub fn check(&self, request: &mut Request) -> Result<(), ServerError> {
        let caller = caller_of(request).cloned();
        let caller = caller.as_ref();
        if tokens::count_tokens(&request.query, self.max_tokens).is_none() {
            return Err(exceeded(
                caller,
                "too many tokens",
                format!("the query has more than {} tokens", self.max_tokens),
            ));
        }
        let shape = match request.parsed_query() {
            Ok(doc) => shape::measure(doc),
            Err(e) if e.message.contains("recursion limit exceeded") => {
                return Err(exceeded(
                    caller,
                    "nested too deep",
                    "the query is nested too deep".into(),
                ));
            }
            Err(e) => return Err(e),
        };
        if shape.aliases > self.max_aliases {
            return Err(exceeded(
                caller,
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
                caller,
                "too complex",
                format!(
                    "the query has more than {} fields once its fragments are inlined",
                    self.max_complexity
                ),
            ));
        }
        if shape.depth > self.max_depth {
            return Err(exceeded(
                caller,
                "nested too deep",
                format!(
                    "the query is nested {} levels deep; at most {} are allowed",
                    shape.depth, self.max_depth
                ),
            ));
        }
        Ok(())
    }

    /// Replaces async-graphql's uncoded refusals of the schema's own limits with ours.
    pub fn explain(&self, response: &mut Response, caller: Option<&Principal>) {
        for error in &mut response.errors {
            if error.message == TOO_COMPLEX {
                *error = exceeded(
                    caller,
                    "too complex",
                    format!(
                        "the query's complexity is over {}, the most allowed (a list costs `first` times its items)",
                        self.max_complexity
                    ),
                );
            } else if error.message == TOO_DEEP {
                *error = exceeded(
                    caller,
                    "nested too deep",
                    format!(
                        "the query is nested more than {} levels deep",
                        self.max_depth
                    ),
                );
            }
        }
    }
}
