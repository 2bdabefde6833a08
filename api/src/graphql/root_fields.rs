//! The root fields the schema serves, read once from its own SDL when it is built.
//!
//! The authorization check needs to tell a field that exists but lacks a rule (refused to every
//! role, so a new operation cannot ship open) from a name that is no field at all (left to
//! async-graphql's validation, "Unknown field", like any typo). The schema is the one place
//! that knows its fields; async-graphql exposes them only as SDL.

use std::collections::HashSet;

use async_graphql::parser::{
    parse_schema,
    types::{TypeKind, TypeSystemDefinition},
};

use super::operation_rules::Root;

#[derive(Debug, Clone, Default)]
pub struct RootFields {
    query: HashSet<String>,
    mutation: HashSet<String>,
}

impl RootFields {
    /// The fields of `type Query` and `type Mutation` in `sdl` (async-graphql's export, which
    /// names its root types so).
    pub fn from_sdl(sdl: &str) -> Self {
        let mut fields = Self::default();
        // The SDL comes from the schema itself; it always parses.
        let Ok(document) = parse_schema(sdl) else {
            return fields;
        };
        for definition in document.definitions {
            let TypeSystemDefinition::Type(ty) = definition else {
                continue;
            };
            let set = match ty.node.name.node.as_str() {
                "Query" => &mut fields.query,
                "Mutation" => &mut fields.mutation,
                _ => continue,
            };
            if let TypeKind::Object(object) = &ty.node.kind {
                set.extend(object.fields.iter().map(|f| f.node.name.node.to_string()));
            }
        }
        fields
    }

    pub fn contains(&self, root: Root, name: &str) -> bool {
        match root {
            Root::Query => self.query.contains(name),
            Root::Mutation => self.mutation.contains(name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_fields_of_both_root_types_and_nothing_else() {
        let fields = RootFields::from_sdl(
            "type Query { a: Int b(x: Int): Int }\ntype Mutation { c: Int }\ntype Other { d: Int }",
        );
        assert!(fields.contains(Root::Query, "a"));
        assert!(fields.contains(Root::Query, "b"));
        assert!(fields.contains(Root::Mutation, "c"));
        assert!(!fields.contains(Root::Query, "c"));
        assert!(!fields.contains(Root::Mutation, "a"));
        assert!(!fields.contains(Root::Query, "d"));
    }
}
