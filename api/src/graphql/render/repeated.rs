//! Whether a field the renderer would answer shares its response key with another field of the
//! selection its answer is merged into.
//!
//! The executor answers each field of a selection on its own and merges the answers under one
//! response key field by field (`edges { … } ...page` where the fragment selects `edges` too).
//! A rendered answer is text, standing in the response as a placeholder until it is serialized
//! ([`super::WrittenParts`]), and nothing can merge it: such a field is left to the executor.
//! Inside a rendered connection the shape merges repeated keys itself. The selection is found
//! by following the field's response path down from the operation, as the executor collects
//! fields: a few selection sets, only for the fields the executor resolves.

use std::ops::ControlFlow;

use async_graphql::{
    Context, Positioned, QueryPathSegment,
    parser::types::{Field, SelectionSet},
};

use crate::graphql::document::{self, Fragments, Spreads, Step};

/// Whether the field `ctx` resolves is one of several under its response key.
pub fn key_repeated(ctx: &Context<'_>) -> bool {
    let mut path = Vec::new();
    let mut node = ctx.path_node.as_ref();
    while let Some(at) = node {
        if let QueryPathSegment::Name(key) = at.segment {
            path.push(key);
        }
        node = at.parent;
    }
    path.reverse();
    let Some((key, parents)) = path.split_last() else {
        return false;
    };
    let env = ctx.query_env;
    let mut sets = vec![&env.operation.node.selection_set.node];
    for parent in parents {
        let fields = fields_under(&env.fragments, &sets, parent);
        sets = fields
            .into_iter()
            .map(|f| &f.node.selection_set.node)
            .collect();
    }
    fields_under(&env.fragments, &sets, key).len() > 1
}

/// The fields of `sets` under response key `key`, fragments looked through.
fn fields_under<'d>(
    fragments: &'d Fragments,
    sets: &[&'d SelectionSet],
    key: &str,
) -> Vec<&'d Positioned<Field>> {
    let mut fields = Vec::new();
    for set in sets {
        let mut under = |field: &'d Positioned<Field>| {
            if field.node.response_key().node == key {
                fields.push(field);
            }
            ControlFlow::<(), Step>::Continue(Step::Over)
        };
        let _ = document::walk(fragments, set, &mut Spreads::once(), &mut under);
    }
    fields
}
