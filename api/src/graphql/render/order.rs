//! Puts every object of a response in the order its query asked for the fields.
//!
//! The GraphQL spec (§7.2.2, "Serialized Map Ordering") orders an object's keys as its selection
//! set orders the fields. async-graphql 7 resolves an object's fields concurrently and keeps
//! them in the order they *finish* (`do_resolve_container` collects a `FuturesUnordered`), so a
//! connection's `totalCount` lands before or after its `edges` depending on which query the
//! database answered first. Clients that diff responses, snapshot them or read them as
//! streams see that as flapping output; this pass makes the order the query's, every time.
//!
//! The pass walks the response once, checking each object against the plan of its selection
//! set and sorting only an object that is out of order (and walking that one again). Lists
//! and connections the renderer wrote are in order by construction and most of a large
//! response: fields whose every answer was rendered are not walked ([`RenderedFields`]).
//!
//! Plans are built lazily, only for the fields the response holds, so a document whose
//! fragments would inline to millions of fields costs no more than the response it produced.
//! The operation and each selection set's fields are read by the one document walk
//! (`graphql::document`), as authorization and the limits read them.
//! Type conditions are not evaluated: the schema has no interfaces or unions, so every
//! fragment that validation accepted applies to the object it is spread in.

use std::{collections::HashSet, ops::ControlFlow, sync::Mutex};

use async_graphql::{
    Name, Pos, Value,
    indexmap::IndexMap,
    parser::types::{ExecutableDocument, SelectionSet},
};

use crate::graphql::document::{self, Spreads, Step};

/// Which fields of one request's document (by position) the traversal renderer answered and
/// which it left to the executor; request data, filled as fields resolve.
#[derive(Debug, Default)]
pub struct RenderedFields {
    seen: Mutex<Seen>,
}

#[derive(Debug, Default)]
struct Seen {
    rendered: HashSet<Pos>,
    executed: HashSet<Pos>,
}

impl RenderedFields {
    pub fn record(&self, field: Pos, rendered: bool) {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        match rendered {
            true => seen.rendered.insert(field),
            false => seen.executed.insert(field),
        };
    }

    /// Whether every answer of the field at `field` was rendered (a field in a fragment spread
    /// in several places has one position for all of them).
    fn only_rendered(&self, field: Pos) -> bool {
        let seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        seen.rendered.contains(&field) && !seen.executed.contains(&field)
    }

    fn is_empty(&self) -> bool {
        let seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        seen.rendered.is_empty()
    }
}

/// Reorders `data`, the result of the operation `operation_name` of `doc`, leaving the answers
/// of fields `rendered` says were only rendered as they are.
pub fn order_response(
    doc: &ExecutableDocument,
    operation_name: Option<&str>,
    rendered: &RenderedFields,
    data: &mut Value,
) {
    // Without an operation to run, async-graphql answered no data.
    let Some(operation) = document::operation_to_run(&doc.operations, operation_name) else {
        return;
    };
    let mut plan = Plan::of(doc, &[&operation.node.selection_set.node]);
    let walk = Walk {
        doc,
        rendered: (!rendered.is_empty()).then_some(rendered),
    };
    plan.apply(&walk, data);
}

/// What every step of the walk reads.
struct Walk<'d> {
    doc: &'d ExecutableDocument,
    rendered: Option<&'d RenderedFields>,
}

/// The response keys of one merged selection set, in the order CollectFields meets them, and
/// the selection sets of the fields behind each key.
struct Plan<'d> {
    keys: Vec<Key<'d>>,
}

struct Key<'d> {
    name: &'d Name,
    /// Every field answered under this key (fields may be written more than once, in
    /// fragments or beside them); their sub-selections merge.
    selections: Vec<&'d SelectionSet>,
    /// Where those fields are written.
    positions: Vec<Pos>,
    /// Built the first time the response holds an object under this key.
    plan: Option<Plan<'d>>,
}

impl<'d> Plan<'d> {
    /// The keys of `sets` merged, through their fragments (each fragment once).
    fn of(doc: &'d ExecutableDocument, sets: &[&'d SelectionSet]) -> Self {
        let mut keys: Vec<Key<'d>> = Vec::new();
        let mut spreads = Spreads::once();
        for set in sets {
            let _ = document::walk::<()>(&doc.fragments, set, &mut spreads, &mut |field| {
                let name = &field.node.response_key().node;
                let sub = &field.node.selection_set.node;
                match keys.iter_mut().find(|key| key.name == name) {
                    Some(key) => {
                        key.selections.push(sub);
                        key.positions.push(field.pos);
                    }
                    None => keys.push(Key {
                        name,
                        selections: vec![sub],
                        positions: vec![field.pos],
                        plan: None,
                    }),
                }
                ControlFlow::Continue(Step::Over)
            });
        }
        Plan { keys }
    }

    /// Orders `value` (an object or a list of them answered for this plan's selection) and
    /// everything below it.
    fn apply(&mut self, walk: &Walk<'d>, value: &mut Value) {
        if let Value::List(items) = value {
            for item in items {
                self.apply(walk, item);
            }
        } else if let Value::Object(map) = value
            && !self.walk(walk, map)
        {
            map.sort_by_cached_key(|name, _| self.position(name));
            self.walk(walk, map);
        }
    }

    /// Orders the objects below `map` while checking, in the same pass, that `map` itself
    /// follows the plan; false (and the rest left as is) at its first key out of place. Almost
    /// every object is in order, so each key costs one comparison.
    fn walk(&mut self, walk: &Walk<'d>, map: &mut IndexMap<Name, Value>) -> bool {
        let mut next = 0;
        for (name, child) in map.iter_mut() {
            let Some(offset) = self.keys[next..].iter().position(|key| key.name == name) else {
                return false;
            };
            let key = &mut self.keys[next + offset];
            next += offset + 1;
            // A leaf (a JSON scalar such as `attributes`) keeps the order it was given.
            if !matches!(child, Value::Object(_) | Value::List(_))
                || key.selections.iter().all(|set| set.items.is_empty())
            {
                continue;
            }
            let rendered = match (walk.rendered, key.positions.as_slice()) {
                (Some(rendered), [field]) => rendered.only_rendered(*field),
                _ => false,
            };
            if rendered {
                continue;
            }
            let Key {
                selections, plan, ..
            } = key;
            plan.get_or_insert_with(|| Plan::of(walk.doc, selections))
                .apply(walk, child);
        }
        true
    }

    /// Where `name` goes; a key the query did not ask for (none should exist) goes last.
    fn position(&self, name: &Name) -> usize {
        self.keys
            .iter()
            .position(|key| key.name == name)
            .unwrap_or(usize::MAX)
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::parser::parse_query;

    use super::*;

    /// `data` ordered for `query`, both as JSON text (async-graphql's `Value` keeps key order
    /// both ways).
    fn ordered(query: &str, operation: Option<&str>, data: &str) -> String {
        let doc = parse_query(query).unwrap();
        let mut value: Value = serde_json::from_str(data).unwrap();
        order_response(&doc, operation, &RenderedFields::default(), &mut value);
        serde_json::to_string(&value).unwrap()
    }

    #[test]
    fn keys_follow_the_selection_at_every_level_and_in_lists() {
        let query = "{ a { x y } b: c { list { p q } } }";
        let data =
            r#"{"b": {"list": [{"q": 1, "p": 2}, {"p": 3, "q": 4}]}, "a": {"y": 1, "x": 2}}"#;
        assert_eq!(
            ordered(query, None, data),
            r#"{"a":{"x":2,"y":1},"b":{"list":[{"p":2,"q":1},{"p":3,"q":4}]}}"#
        );
    }

    #[test]
    fn fragments_place_their_fields_where_they_are_spread() {
        let query = "query { n { z ...F ... { w } x } } fragment F on T { y x }";
        let data = r#"{"n": {"w": 0, "x": 1, "y": 2, "z": 3}}"#;
        assert_eq!(
            ordered(query, None, data),
            r#"{"n":{"z":3,"y":2,"x":1,"w":0}}"#
        );
    }

    #[test]
    fn a_field_written_twice_merges_its_selections() {
        let query = "{ n { a } n { b a } }";
        let data = r#"{"n": {"b": 1, "a": 2}}"#;
        assert_eq!(ordered(query, None, data), r#"{"n":{"a":2,"b":1}}"#);
    }

    #[test]
    fn json_scalars_keep_their_own_order() {
        let query = "{ n { attributes id } }";
        let data = r#"{"n": {"id": 1, "attributes": {"z": 1, "a": {"y": 2, "b": 3}}}}"#;
        assert_eq!(
            ordered(query, None, data),
            r#"{"n":{"attributes":{"z":1,"a":{"y":2,"b":3}},"id":1}}"#
        );
    }

    #[test]
    fn answers_only_rendered_are_left_as_they_are() {
        let query = "{ a { y x } b { y x } }";
        let doc = parse_query(query).unwrap();
        let at = |key: &str| {
            let position = query.find(key).unwrap();
            Pos {
                line: 1,
                column: position + 1,
            }
        };
        let rendered = RenderedFields::default();
        rendered.record(at("a {"), true);
        // `b` was rendered once and left to the executor once: walked.
        rendered.record(at("b {"), true);
        rendered.record(at("b {"), false);
        let mut value: Value =
            serde_json::from_str(r#"{"b": {"x": 1, "y": 2}, "a": {"x": 3, "y": 4}}"#).unwrap();
        order_response(&doc, None, &rendered, &mut value);
        assert_eq!(
            serde_json::to_string(&value).unwrap(),
            r#"{"a":{"x":3,"y":4},"b":{"y":2,"x":1}}"#
        );
    }

    #[test]
    fn the_named_operation_orders_the_response() {
        let query = "query A { x y } query B { y x }";
        let data = r#"{"x": 1, "y": 2}"#;
        assert_eq!(ordered(query, Some("B"), data), r#"{"y":2,"x":1}"#);
    }
}
