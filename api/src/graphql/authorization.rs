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

use std::collections::HashSet;

use async_graphql::{
    Positioned, Request, ServerError,
    parser::types::{
        DocumentOperations, ExecutableDocument, OperationDefinition, OperationType, SelectionSet,
    },
};
use domain::{Error, Principal, authz};

use super::{
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
    let Some(operation) = operation_to_run(&doc.operations, operation_name.as_deref()) else {
        return Ok(());
    };
    let root = match operation.node.ty {
        OperationType::Query => Root::Query,
        OperationType::Mutation => Root::Mutation,
        OperationType::Subscription => return Ok(()), // the schema has none
    };
    let mut fields = Vec::new();
    root_fields(
        doc,
        &operation.node.selection_set.node,
        &mut HashSet::new(),
        &mut fields,
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

/// The operation async-graphql's executor runs for `name` (`Schema::execute`): the named one, or
/// without a name the document's only operation, named or not. `None` where the executor
/// refuses the request instead (an unknown name, a name for an unnamed operation, or several
/// operations and no name).
fn operation_to_run<'a>(
    operations: &'a DocumentOperations,
    name: Option<&str>,
) -> Option<&'a Positioned<OperationDefinition>> {
    match (operations, name) {
        (DocumentOperations::Single(op), None) => Some(op),
        (DocumentOperations::Single(_), Some(_)) => None,
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops.values().next(),
        (DocumentOperations::Multiple(_), None) => None,
    }
}

fn refusal(principal: &Principal, root: Root, name: &str) -> Option<Error> {
    match operation_rules::rule(root, name) {
        Some(action) => authz::require(principal, action).err(),
        None => {
            tracing::error!(target: "security", operation = name, workspace = %principal.workspace_slug, subject = %principal.subject, reason = "operation has no authorization rule", "forbidden");
            Some(Error::Forbidden {
                role: principal.role.to_string(),
                action: format!("call {name}"),
            })
        }
    }
}

/// The names of the fields selected at the root, looking through fragments (each once).
fn root_fields<'a>(
    doc: &'a ExecutableDocument,
    set: &'a SelectionSet,
    seen_fragments: &mut HashSet<&'a str>,
    out: &mut Vec<(&'a str, async_graphql::Pos)>,
) {
    use async_graphql::parser::types::Selection;
    for selection in &set.items {
        match &selection.node {
            Selection::Field(field) => {
                out.push((field.node.name.node.as_str(), field.node.name.pos));
            }
            Selection::InlineFragment(inline) => {
                root_fields(doc, &inline.node.selection_set.node, seen_fragments, out);
            }
            Selection::FragmentSpread(spread) => {
                let name = spread.node.fragment_name.node.as_str();
                if seen_fragments.insert(name)
                    && let Some(fragment) = doc.fragments.get(name)
                {
                    root_fields(doc, &fragment.node.selection_set.node, seen_fragments, out);
                }
            }
        }
    }
}
