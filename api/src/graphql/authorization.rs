//! Role checks for every operation, in one place, before any resolver runs. The rules are the
//! API's table ([`operation_rules`]); an operation missing from it is refused
//! to every role, so adding a query or mutation without deciding who may call it cannot ship
//! open. Services repeat their own check; this one keeps a forbidden call from doing any work.
//!
//! The check reads the root fields of the operation about to run (through fragments) before
//! execution, not in a per-field extension: async-graphql runs extensions for every field it
//! resolves, and a document with one forbidden root field is refused as a whole. It picks that
//! operation exactly as async-graphql's executor does, so an unnamed request cannot run an
//! operation the check did not read.
//!
//! A root field the schema does not serve is left to async-graphql's validation, which answers
//! "Unknown field" like for any other misspelled field: refusing it here would tell a caller
//! that the name is not an operation before validation could, and with introspection off that
//! would be a way to enumerate operation names.

use std::ops::ControlFlow;

use async_graphql::{Request, ServerError, parser::types::OperationType};
use domain::{Error, Principal, authz, security_log::Misconfiguration};

use super::{
    document::{self, Spreads, Step},
    errors::to_gql,
    limits::caller_of,
    operation_rules::{self, Root},
    root_fields::RootFields,
};

/// Refuses the request unless its caller may call every root field of the operation it runs.
pub fn check(request: &mut Request, served: &RootFields) -> Result<(), ServerError> {
    // Without a caller there is nothing to authorize against; resolvers refuse such requests
    // anyway (`request(ctx)` needs the context).
    let Some(principal) = caller_of(request).cloned() else {
        return Ok(());
    };
    let operation_name = request.operation_name.clone();
    let doc = request.parsed_query()?;
    // Without an operation, async-graphql refuses the request before executing anything.
    let Some(operation) = document::operation_to_run(&doc.operations, operation_name.as_deref())
    else {
        return Ok(());
    };
    let root = match operation.node.ty {
        OperationType::Query => Root::Query,
        OperationType::Mutation => Root::Mutation,
        OperationType::Subscription => return Ok(()), // the schema has none
    };
    let mut fields = Vec::new();
    let _ = document::walk::<()>(
        &doc.fragments,
        &operation.node.selection_set.node,
        &mut Spreads::once(),
        &mut |field| {
            fields.push((field.node.name.node.as_str(), field.node.name.pos));
            ControlFlow::Continue(Step::Over)
        },
    );
    for (name, pos) in fields {
        // Introspection (`__schema`, `__type`, `__typename`) is governed by the schema's own
        // switch, not by roles.
        if name.starts_with("__") || !served.contains(root, name) {
            continue;
        }
        if let Some(e) = refusal(&principal, root, name) {
            return Err(to_gql(e).into_server_error(pos));
        }
    }
    Ok(())
}

fn refusal(principal: &Principal, root: Root, name: &str) -> Option<Error> {
    match operation_rules::rule(root, name) {
        Some(action) => authz::require(principal, action).err(),
        None => {
            Misconfiguration::new("forbidden", "operation has no authorization rule")
                .by(principal)
                .operation(name)
                .log();
            Some(Error::Forbidden {
                role: principal.role.to_string(),
                action: format!("call {name}"),
            })
        }
    }
}
