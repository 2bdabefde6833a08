//! The response value of one connection, built in one pass from its loaded page. Scalars are
//! converted by the same `ScalarType`/`InputType` implementations the executor uses, objects
//! are merged under repeated response keys the way it merges them, so both produce the same
//! JSON (the traversal tests compare them).

use std::collections::HashMap;

use async_graphql::{ID, InputType, Name, ScalarType, Value, indexmap::IndexMap};
use domain::fact_sheets::Status;
use uuid::Uuid;

use super::shape::{
    ConnectionField, EdgeField, PageInfoField, RelationField, Selected, Shape, SheetField,
};
use crate::graphql::types::{
    connection::{PageInfo, RelationEdge, RelationPage},
    enums::FactSheetStatus,
    fact_sheet::FactSheetNode,
    relation::RelationNode,
};

/// The rendered nested connections of one connection, by fact sheet and nested field, each
/// with how many places still need it (the last one takes it instead of copying it).
#[derive(Default)]
pub struct NestedValues(HashMap<(Uuid, usize), (usize, Value)>);

impl NestedValues {
    pub fn insert(&mut self, key: (Uuid, usize), uses: usize, value: Value) {
        self.0.insert(key, (uses, value));
    }

    fn take(&mut self, key: (Uuid, usize)) -> Option<Value> {
        let (uses, value) = self.0.get_mut(&key)?;
        *uses -= 1;
        if *uses == 0 {
            self.0.remove(&key).map(|(_, value)| value)
        } else {
            Some(value.clone())
        }
    }
}

/// `None` when a value cannot be produced here (a far end read without the attributes the
/// selection shows): the caller leaves the connection to the executor.
pub fn connection(page: &RelationPage, shape: &Shape, nested: &mut NestedValues) -> Option<Value> {
    let mut object = Object::default();
    for Selected { key, field } in &shape.fields {
        let value = match field {
            ConnectionField::Typename => typename("RelationConnection"),
            ConnectionField::TotalCount => scalar(&page.total_count),
            ConnectionField::PageInfo(fields) => page_info(&page.page_info, fields),
            ConnectionField::Edges(fields) => {
                let mut edges = Vec::with_capacity(page.edges.len());
                for e in &page.edges {
                    edges.push(edge(e, fields, nested)?);
                }
                Value::List(edges)
            }
        };
        object.insert(key, value);
    }
    Some(object.finish())
}

fn page_info(info: &PageInfo, fields: &[Selected<PageInfoField>]) -> Value {
    let mut object = Object::default();
    for Selected { key, field } in fields {
        let value = match field {
            PageInfoField::Typename => typename("PageInfo"),
            PageInfoField::HasNextPage => scalar(&info.has_next_page),
            PageInfoField::HasPreviousPage => scalar(&info.has_previous_page),
            PageInfoField::StartCursor => optional(info.start_cursor.as_ref()),
            PageInfoField::EndCursor => optional(info.end_cursor.as_ref()),
        };
        object.insert(key, value);
    }
    object.finish()
}

fn edge(
    e: &RelationEdge,
    fields: &[Selected<EdgeField>],
    nested: &mut NestedValues,
) -> Option<Value> {
    let mut object = Object::default();
    for Selected { key, field } in fields {
        let value = match field {
            EdgeField::Typename => typename("RelationEdge"),
            EdgeField::Cursor => scalar(&e.cursor),
            EdgeField::Node(fields) => relation(&e.node, fields, nested)?,
        };
        object.insert(key, value);
    }
    Some(object.finish())
}

fn relation(
    node: &RelationNode,
    fields: &[Selected<RelationField>],
    nested: &mut NestedValues,
) -> Option<Value> {
    let r = &node.relation;
    let mut object = Object::default();
    for Selected { key, field } in fields {
        let value = match field {
            RelationField::Typename => typename("Relation"),
            RelationField::Id => scalar(&ID(r.id.to_string())),
            RelationField::Type => Value::String(r.relation_type.clone()),
            RelationField::From(fields) => sheet(node.known_end(r.from_id)?, fields, nested)?,
            RelationField::To(fields) => sheet(node.known_end(r.to_id)?, fields, nested)?,
            RelationField::Attributes => json(&r.attributes),
            RelationField::ActiveFrom => optional(r.active_from.as_ref()),
            RelationField::ActiveUntil => optional(r.active_until.as_ref()),
            RelationField::Revision => scalar(&r.revision),
            RelationField::CreatedAt => scalar(&r.created_at),
            RelationField::UpdatedAt => scalar(&r.updated_at),
        };
        object.insert(key, value);
    }
    Some(object.finish())
}

fn sheet(
    node: &FactSheetNode,
    fields: &[Selected<SheetField>],
    nested: &mut NestedValues,
) -> Option<Value> {
    let s = node.sheet();
    let mut object = Object::default();
    for Selected { key, field } in fields {
        let value = match field {
            SheetField::Typename => typename("FactSheet"),
            SheetField::Id => scalar(&ID(s.id.to_string())),
            SheetField::Type => Value::String(s.fact_sheet_type.clone()),
            SheetField::Name => Value::String(s.name.clone()),
            SheetField::Description => optional(s.description.as_ref()),
            SheetField::Attributes if node.has_attributes() => json(&s.attributes),
            SheetField::Attributes => return None,
            SheetField::Revision => scalar(&s.revision),
            SheetField::Status => InputType::to_value(&FactSheetStatus::from(Status::of(s))),
            SheetField::Completion => scalar(&s.completion),
            SheetField::CreatedAt => scalar(&s.created_at),
            SheetField::UpdatedAt => scalar(&s.updated_at),
            SheetField::CreatedBy => Value::String(s.created_by.clone()),
            SheetField::UpdatedBy => Value::String(s.updated_by.clone()),
            SheetField::Relations(n) => nested.take((s.id, n.id))?,
        };
        object.insert(key, value);
    }
    Some(object.finish())
}

fn typename(name: &str) -> Value {
    Value::String(name.to_owned())
}

fn scalar<T: ScalarType>(value: &T) -> Value {
    value.to_value()
}

fn optional<T: ScalarType>(value: Option<&T>) -> Value {
    value.map_or(Value::Null, ScalarType::to_value)
}

/// As `Json<Value>` resolves.
fn json(value: &serde_json::Value) -> Value {
    async_graphql::to_value(value).ok().unwrap_or_default()
}

/// One response object, fields in selection order.
#[derive(Default)]
struct Object(IndexMap<Name, Value>);

impl Object {
    fn insert(&mut self, key: &Name, value: Value) {
        merge(&mut self.0, key.clone(), value);
    }

    /// Like the executor, an object without fields is null (not reachable from a valid
    /// query, whose selection sets are never empty).
    fn finish(self) -> Value {
        if self.0.is_empty() {
            Value::Null
        } else {
            Value::Object(self.0)
        }
    }
}

/// A response key selected twice (`to { id } to { name }`) holds one object with the fields of
/// both; lists of objects merge item by item. async-graphql's own `insert_value`, which is
/// private to it.
fn merge(target: &mut IndexMap<Name, Value>, name: Name, value: Value) {
    let Some(previous) = target.get_mut(&name) else {
        target.insert(name, value);
        return;
    };
    match (previous, value) {
        (Value::Object(into), Value::Object(from)) => {
            for (key, value) in from {
                merge(into, key, value);
            }
        }
        (Value::List(into), Value::List(from)) => {
            for (index, value) in from.into_iter().enumerate() {
                if let (Some(Value::Object(into)), Value::Object(from)) =
                    (into.get_mut(index), value)
                {
                    for (key, value) in from {
                        merge(into, key, value);
                    }
                }
            }
        }
        _ => {}
    }
}
