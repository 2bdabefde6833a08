//! The one walk over a query document: which operation a request runs, and the fields of a
//! selection set through its fragments. Authorization (root fields), the limits (aliases, NUL
//! in arguments), the response order (a plan per selection set) and the renderer (the shape of
//! a connection) all read the document through it, so they agree on what a query selects.
//!
//! Fragments are followed the first time they are spread in one walk, as the spec's
//! CollectFields does: that also ends a cycle (which validation refuses, but the checks before
//! validation must not hang on it). The inlined size (`limits`) and the cost estimate
//! (`heavy_queries`) do not walk this way: they must not expand fragments at all, so they
//! measure each fragment once ([`PerFragment`]) and multiply.

use std::{
    collections::{HashMap, HashSet},
    ops::ControlFlow,
};

use async_graphql::{
    Name, Positioned, Value, Variables,
    parser::types::{
        DocumentOperations, Field, FragmentDefinition, OperationDefinition, Selection, SelectionSet,
    },
};

/// A document's fragment definitions, by name.
pub type Fragments = std::collections::HashMap<Name, Positioned<FragmentDefinition>>;

/// The operation async-graphql's executor runs for `name` (`Schema::execute`): the named one, or
/// without a name the document's only operation, named or not. `None` where the executor
/// refuses the request instead (an unknown name, a name for an unnamed operation, or several
/// operations and no name).
pub fn operation_to_run<'a>(
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

/// The value the request gives variable `name`, else its default in `operation`.
pub fn variable<'a>(
    operation: &'a OperationDefinition,
    variables: &'a Variables,
    name: &Name,
) -> Option<&'a Value> {
    variables.get(name).or_else(|| {
        operation
            .variable_definitions
            .iter()
            .find(|d| d.node.name.node == *name)
            .and_then(|d| d.node.default_value.as_ref())
            .map(|v| &v.node)
    })
}

/// How a walk treats fragment spreads.
pub enum Spreads<'d> {
    /// Walk a fragment where it is first spread, and only there.
    Once(HashSet<&'d Name>),
    /// Leave spreads alone: the fields as written, each fragment definition walked on its own.
    AsWritten,
}

impl Spreads<'_> {
    pub fn once() -> Self {
        Self::Once(HashSet::new())
    }
}

/// Where a walk goes after a field.
pub enum Step {
    /// Into its selection set, before its siblings.
    Down,
    /// On to its siblings.
    Over,
}

/// Calls `visit` for every field of `set` in document order, looking through inline fragments
/// and fragment spreads as `spreads` says, and into the fields `visit` asks for; stops at the
/// first `Break`.
pub fn walk<'d, B>(
    fragments: &'d Fragments,
    set: &'d SelectionSet,
    spreads: &mut Spreads<'d>,
    visit: &mut impl FnMut(&'d Positioned<Field>) -> ControlFlow<B, Step>,
) -> ControlFlow<B> {
    for selection in &set.items {
        match &selection.node {
            Selection::Field(field) => {
                if let Step::Down = visit(field)? {
                    walk(fragments, &field.node.selection_set.node, spreads, visit)?;
                }
            }
            Selection::InlineFragment(inline) => {
                walk(fragments, &inline.node.selection_set.node, spreads, visit)?;
            }
            Selection::FragmentSpread(spread) => {
                let name = &spread.node.fragment_name.node;
                let first = match spreads {
                    Spreads::Once(seen) => seen.insert(name),
                    Spreads::AsWritten => false,
                };
                if first && let Some(fragment) = fragments.get(name) {
                    walk(fragments, &fragment.node.selection_set.node, spreads, visit)?;
                }
            }
        }
    }
    ControlFlow::Continue(())
}

/// A measure of each fragment, taken once however often it is spread, for measures that must
/// not expand fragments. A measurer asks [`PerFragment::start`] at every spread and, when told
/// to measure, hands the result to [`PerFragment::finish`].
pub struct PerFragment<'d, T> {
    fragments: &'d Fragments,
    measured: HashMap<&'d str, T>,
    /// Fragments being measured: a cycle (which validation refuses) measures as the default.
    measuring: Vec<&'d str>,
}

/// What to do at a spread of a fragment.
pub enum AtSpread<'d, T> {
    /// Measured before: this is its measure.
    Measured(T),
    /// Measure this selection set, then [`PerFragment::finish`].
    Measure(&'d SelectionSet),
}

impl<'d, T: Copy + Default> PerFragment<'d, T> {
    pub fn new(fragments: &'d Fragments) -> Self {
        Self {
            fragments,
            measured: HashMap::new(),
            measuring: Vec::new(),
        }
    }

    pub fn start(&mut self, name: &'d str) -> AtSpread<'d, T> {
        if let Some(measure) = self.measured.get(name) {
            return AtSpread::Measured(*measure);
        }
        let definition = self.fragments.get(name);
        match definition {
            Some(definition) if !self.measuring.contains(&name) => {
                self.measuring.push(name);
                AtSpread::Measure(&definition.node.selection_set.node)
            }
            // Unknown (refused by validation) or part of a cycle.
            _ => AtSpread::Measured(T::default()),
        }
    }

    /// Keeps `measure` as the measure of `name`, which [`Self::start`] said to measure.
    pub fn finish(&mut self, name: &'d str, measure: T) -> T {
        self.measuring.retain(|n| *n != name);
        self.measured.insert(name, measure);
        measure
    }
}
