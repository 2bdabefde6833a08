//! The response value of one connection, built in one pass from its loaded page. Scalars are
//! converted by the same `ScalarType`/`InputType` implementations the executor uses, objects
//! are merged under repeated response keys the way it merges them, so both produce the same
//! JSON (the traversal tests compare them).

use std::{collections::HashMap, sync::Arc};

use async_graphql::{ID, InputType, Name, ScalarType, Value, indexmap::IndexMap};
use domain::{
    fact_sheets::{FactSheet, Status},
    tags::Tag,
};
use uuid::Uuid;

use super::shape::{
    ConnectionField, EdgeField, EdgesShape, PageInfoField, RelationField, Selected, Shape,
    SheetEdgeField, SheetField, TagField,
};
use crate::graphql::types::{
    connection::{PageInfo, RelationEdge, RelationPage},
    enums::FactSheetStatus,
    fact_sheet::FactSheetNode,
    relation::RelationNode,
};

/// What the fact sheets of one list need beyond their rows: their rendered nested
/// connections, by fact sheet and nested field, each with how many places still need it (the
/// last one takes it instead of copying it), and their tags.
#[derive(Default)]
pub struct Loaded {
    nested: HashMap<(Uuid, usize), (usize, Value)>,
    tags: HashMap<Uuid, Arc<Vec<Tag>>>,
}

impl Loaded {
    pub fn insert_nested(&mut self, key: (Uuid, usize), uses: usize, value: Value) {
        self.nested.insert(key, (uses, value));
    }

    pub fn insert_tags(&mut self, fact_sheet: Uuid, tags: Arc<Vec<Tag>>) {
        self.tags.insert(fact_sheet, tags);
    }

    fn take_nested(&mut self, key: (Uuid, usize)) -> Option<Value> {
        let (uses, value) = self.nested.get_mut(&key)?;
        *uses -= 1;
        if *uses == 0 {
            self.nested.remove(&key).map(|(_, value)| value)
        } else {
            Some(value.clone())
        }
    }
}

/// The `edges` of a fact sheet list.
pub fn sheet_edges(
    items: &[(String, FactSheet)],
    shape: &EdgesShape,
    loaded: &mut Loaded,
) -> Option<Value> {
    let mut edges = Vec::with_capacity(items.len());
    for (cursor, row) in items {
        edges.push(object(&shape.fields, |field| {
            Some(match field {
                SheetEdgeField::Typename => typename("FactSheetEdge"),
                SheetEdgeField::Cursor => scalar(cursor),
                SheetEdgeField::Node(fields) => sheet(row, true, fields, loaded)?,
            })
        })?);
    }
    Some(Value::List(edges))
}

/// `None` when a value cannot be produced here (a far end read as a summary without a column
/// the selection shows): the caller leaves the connection to the executor.
pub fn connection(page: &RelationPage, shape: &Shape, loaded: &mut Loaded) -> Option<Value> {
    object(&shape.fields, |field| {
        Some(match field {
            ConnectionField::Typename => typename("RelationConnection"),
            ConnectionField::TotalCount => scalar(&page.total_count),
            ConnectionField::PageInfo(fields) => page_info(&page.page_info, fields)?,
            ConnectionField::Edges(fields) => {
                let mut edges = Vec::with_capacity(page.edges.len());
                for e in &page.edges {
                    edges.push(edge(e, fields, loaded)?);
                }
                Value::List(edges)
            }
        })
    })
}

fn page_info(info: &PageInfo, fields: &[Selected<PageInfoField>]) -> Option<Value> {
    object(fields, |field| {
        Some(match field {
            PageInfoField::Typename => typename("PageInfo"),
            PageInfoField::HasNextPage => scalar(&info.has_next_page),
            PageInfoField::HasPreviousPage => scalar(&info.has_previous_page),
            PageInfoField::StartCursor => optional(info.start_cursor.as_ref()),
            PageInfoField::EndCursor => optional(info.end_cursor.as_ref()),
        })
    })
}

fn edge(e: &RelationEdge, fields: &[Selected<EdgeField>], loaded: &mut Loaded) -> Option<Value> {
    object(fields, |field| {
        Some(match field {
            EdgeField::Typename => typename("RelationEdge"),
            EdgeField::Cursor => scalar(&e.cursor),
            EdgeField::Node(fields) => relation(&e.node, fields, loaded)?,
        })
    })
}

fn relation(
    node: &RelationNode,
    fields: &[Selected<RelationField>],
    loaded: &mut Loaded,
) -> Option<Value> {
    let r = &node.relation;
    object(fields, |field| {
        Some(match field {
            RelationField::Typename => typename("Relation"),
            RelationField::Id => scalar(&ID(r.id.to_string())),
            RelationField::Type => Value::String(r.relation_type.clone()),
            RelationField::From(fields) => end(node.known_end(r.from_id)?, fields, loaded)?,
            RelationField::To(fields) => end(node.known_end(r.to_id)?, fields, loaded)?,
            RelationField::Attributes => json(&r.attributes),
            RelationField::ActiveFrom => optional(r.active_from.as_ref()),
            RelationField::ActiveUntil => optional(r.active_until.as_ref()),
            RelationField::Revision => scalar(&r.revision),
            RelationField::CreatedAt => scalar(&r.created_at),
            RelationField::UpdatedAt => scalar(&r.updated_at),
        })
    })
}

fn end(
    node: &FactSheetNode,
    fields: &[Selected<SheetField>],
    loaded: &mut Loaded,
) -> Option<Value> {
    sheet(node.sheet(), node.is_whole(), fields, loaded)
}

/// `whole` is false for a far end read as a summary (see `FarEnds`).
fn sheet(
    s: &FactSheet,
    whole: bool,
    fields: &[Selected<SheetField>],
    loaded: &mut Loaded,
) -> Option<Value> {
    object(fields, |field| {
        if !whole && field.beyond_summary() {
            return None;
        }
        Some(match field {
            SheetField::Typename => typename("FactSheet"),
            SheetField::Id => scalar(&ID(s.id.to_string())),
            SheetField::Type => Value::String(s.fact_sheet_type.clone()),
            SheetField::Name => Value::String(s.name.clone()),
            SheetField::Description => optional(s.description.as_ref()),
            SheetField::Attributes => json(&s.attributes),
            SheetField::Revision => scalar(&s.revision),
            SheetField::Status => InputType::to_value(&FactSheetStatus::from(Status::of(s))),
            SheetField::Completion => scalar(&s.completion),
            SheetField::CreatedAt => scalar(&s.created_at),
            SheetField::UpdatedAt => scalar(&s.updated_at),
            SheetField::CreatedBy => Value::String(s.created_by.clone()),
            SheetField::UpdatedBy => Value::String(s.updated_by.clone()),
            SheetField::Tags(fields) => {
                let tags = loaded
                    .tags
                    .get(&s.id)
                    .map(|t| t.as_slice())
                    .unwrap_or_default();
                Value::List(tags.iter().map(|t| tag(t, fields)).collect::<Option<_>>()?)
            }
            SheetField::Relations(n) => loaded.take_nested((s.id, n.id))?,
        })
    })
}

fn tag(t: &Tag, fields: &[Selected<TagField>]) -> Option<Value> {
    object(fields, |field| {
        Some(match field {
            TagField::Typename => typename("Tag"),
            TagField::Id => scalar(&ID(t.id.to_string())),
            TagField::Name => Value::String(t.name.clone()),
            TagField::GroupId => optional(t.group_id.map(|g| ID(g.to_string())).as_ref()),
            TagField::Color => optional(t.color.as_ref()),
            TagField::Description => optional(t.description.as_ref()),
        })
    })
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

/// One response object: each selected field's value in selection order, merged under repeated
/// keys; `None` as soon as one cannot be produced. Like the executor, an object without fields
/// is null (not reachable from a valid query, whose selection sets are never empty).
fn object<F>(fields: &[Selected<F>], mut value: impl FnMut(&F) -> Option<Value>) -> Option<Value> {
    let mut map = IndexMap::with_capacity(fields.len());
    for Selected { key, field } in fields {
        merge(&mut map, key.clone(), value(field)?);
    }
    Some(if map.is_empty() {
        Value::Null
    } else {
        Value::Object(map)
    })
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
