//! The fast renderer: fact sheet lists' `edges` and `relations` connections written straight
//! into the response as JSON text, and the pass that puts the executor's answers in query order.
//!
//! Why: in deep traversals async-graphql spends most of the server's CPU on per-object work (a
//! boxed future per field, an `IndexMap` per object, dispatch by field name), not on reading
//! rows. A connection's selection is the same for every one of its objects, so it is read once
//! ([`shape`]), every nested level is loaded through the same request loaders as the executor
//! uses ([`load`]), and the text is written from the plain rows in one pass ([`values`]), as the
//! field tables of [`contract`] say, to take its place in the response ([`written`]). Batching,
//! statements and authorization are unchanged.
//!
//! Anything the renderer does not know (a field such as `metrics`, a custom directive, an
//! argument it cannot read, a far end read without a column it must show, a failed load) sends
//! the whole list or connection through the executor, which also words any error. Tests compare
//! the response texts of both ways on the same data.

use std::sync::{
    Arc,
    atomic::{AtomicU64, Ordering},
};

use async_graphql::{Context, Value};

mod answer;
mod contract;
mod load;
mod order;
mod repeated;
mod shape;
mod values;
mod written;

pub use answer::Rendered;
pub use contract::{PageInfo, RelationArgs, RelationRows, SheetRow, beyond_summary};
pub use load::{render, render_edges};
pub use order::{RenderedFields, order_response};
pub use shape::{EdgesShape, Shape};
pub use written::WrittenParts;

/// The selection of the field `ctx` resolves, as `read` reads it, unless the schema leaves
/// everything to the executor or the field's answer is to be merged with another's.
pub fn selection<S>(ctx: &Context<'_>, read: impl FnOnce(&Context<'_>) -> Option<S>) -> Option<S> {
    match ctx.data_opt::<TraversalRendering>() {
        Some(TraversalRendering::Executor) => None,
        _ if repeated::key_repeated(ctx) => None,
        _ => read(ctx),
    }
}

/// `rendered`'s value in the response, counted as rendered directly or left to the executor,
/// and recorded for the pass that orders the response (which need not walk what was rendered).
pub fn counted(ctx: &Context<'_>, rendered: Option<Vec<u8>>) -> Option<Value> {
    // Every execution has a place for texts (`AppSchema::run`).
    let parts = ctx.data_opt::<Arc<WrittenParts>>();
    let value = rendered
        .zip(parts)
        .map(|(text, parts)| parts.placeholder(text));
    if let Some(counts) = ctx.data_opt::<Arc<TraversalCounts>>() {
        counts.count(value.is_some());
    }
    if let Some(fields) = ctx.data_opt::<Arc<RenderedFields>>() {
        fields.record(ctx.item.pos, value.is_some());
    }
    value
}

/// How fact sheet lists and `relations` connections are turned into response values; schema
/// data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TraversalRendering {
    /// Selections the renderer knows are rendered directly (the default).
    #[default]
    Direct,
    /// Everything goes through async-graphql's executor: for comparisons in tests and
    /// benchmarks.
    Executor,
}

/// How many fact sheet lists (`edges`) and `relations` connections were rendered directly and
/// how many went through the executor since the schema was built (`AppSchema::traversal_counts`):
/// how often selections fall outside the renderer.
#[derive(Debug, Default)]
pub struct TraversalCounts {
    rendered: AtomicU64,
    executed: AtomicU64,
}

impl TraversalCounts {
    pub fn count(&self, rendered: bool) {
        let counter = match rendered {
            true => &self.rendered,
            false => &self.executed,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// (rendered directly, resolved by the executor)
    pub fn get(&self) -> (u64, u64) {
        (
            self.rendered.load(Ordering::Relaxed),
            self.executed.load(Ordering::Relaxed),
        )
    }
}
