//! Measures of a parsed document that async-graphql does not limit itself: how many aliases it
//! writes, and how many fields it has once every fragment spread is inlined.
//!
//! Aliases are how one field is asked for a thousand times in a single request; the inlined
//! field count is how a few lines of nested fragments (`...A` spreading `...B` twice, and so
//! on) expand to billions of fields. Validation walks the inlined document, so that count has
//! to be bounded *before* validation runs. Both are computed here in time linear in the
//! document: aliases by the document walk (`graphql::document`) over each definition as
//! written; the inlined size by its own recursion, which measures each fragment once and
//! remembers it, because following the spreads as the walk does is what must not happen.

use std::ops::ControlFlow;

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};

use crate::graphql::document::{self, AtSpread, PerFragment, Spreads, Step};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocumentShape {
    /// Aliases as written (a fragment counts once however often it is spread).
    pub aliases: usize,
    /// Fields after inlining every fragment spread, saturating at `u64::MAX`.
    pub inlined_fields: u64,
    /// The deepest field nesting once fragments are inlined (a root field is at depth 1;
    /// fragments add no level), as async-graphql's validation counts it.
    pub depth: usize,
}

pub fn measure(doc: &ExecutableDocument) -> DocumentShape {
    let mut aliases = 0;
    for (_, operation) in doc.operations.iter() {
        aliases += count_aliases(doc, &operation.node.selection_set.node);
    }
    for fragment in doc.fragments.values() {
        aliases += count_aliases(doc, &fragment.node.selection_set.node);
    }
    let mut inliner = Inliner {
        sizes: PerFragment::new(&doc.fragments),
    };
    let mut inlined_fields = 0u64;
    let mut depth = 0;
    for (_, op) in doc.operations.iter() {
        let size = inliner.fields(&op.node.selection_set.node);
        inlined_fields = inlined_fields.saturating_add(size.fields);
        depth = depth.max(size.depth);
    }
    DocumentShape {
        aliases,
        inlined_fields,
        depth,
    }
}

/// Aliases as written in `set` (spreads are not followed: each definition is counted itself).
fn count_aliases(doc: &ExecutableDocument, set: &SelectionSet) -> usize {
    let mut aliases = 0;
    let _ = document::walk::<()>(&doc.fragments, set, &mut Spreads::AsWritten, &mut |field| {
        aliases += usize::from(field.node.alias.is_some());
        ControlFlow::Continue(Step::Down)
    });
    aliases
}

/// A selection set once inlined: how many fields, how deep.
#[derive(Debug, Clone, Copy, Default)]
struct Size {
    fields: u64,
    depth: usize,
}

impl Size {
    fn and(self, other: Size) -> Size {
        Size {
            fields: self.fields.saturating_add(other.fields),
            depth: self.depth.max(other.depth),
        }
    }
}

struct Inliner<'a> {
    sizes: PerFragment<'a, Size>,
}

impl<'a> Inliner<'a> {
    fn fields(&mut self, set: &'a SelectionSet) -> Size {
        set.items
            .iter()
            .map(|selection| match &selection.node {
                Selection::Field(field) => {
                    let inner = self.fields(&field.node.selection_set.node);
                    Size {
                        fields: inner.fields.saturating_add(1),
                        depth: inner.depth + 1,
                    }
                }
                Selection::InlineFragment(inline) => self.fields(&inline.node.selection_set.node),
                Selection::FragmentSpread(spread) => {
                    self.fragment(spread.node.fragment_name.node.as_str())
                }
            })
            .fold(Size::default(), Size::and)
    }

    fn fragment(&mut self, name: &'a str) -> Size {
        match self.sizes.start(name) {
            AtSpread::Measured(size) => size,
            AtSpread::Measure(set) => {
                let size = self.fields(set);
                self.sizes.finish(name, size)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::parser::parse_query;

    use super::*;

    #[test]
    fn aliases_are_counted_where_written() {
        let doc = parse_query(
            "{ a: viewer { s: subject } b: viewer { subject ...F } } fragment F on Viewer { c: role }",
        )
        .unwrap();
        assert_eq!(measure(&doc).aliases, 4);
    }

    #[test]
    fn nested_fragments_are_measured_inlined_without_being_expanded() {
        let mut query = String::from("{ ...F0 }\n");
        for i in 0..60 {
            query.push_str(&format!(
                "fragment F{i} on Query {{ ...F{n} ...F{n} }}\n",
                n = i + 1
            ));
        }
        query.push_str("fragment F60 on Query { viewer { subject } }");
        let doc = parse_query(&query).unwrap();
        assert_eq!(measure(&doc).inlined_fields, 2u64.pow(61));
        assert_eq!(measure(&doc).depth, 2, "fragments add no level");
        let doc = parse_query("{ viewer { subject role } }").unwrap();
        assert_eq!(measure(&doc).inlined_fields, 3);
        assert_eq!(measure(&doc).depth, 2);
    }
}
