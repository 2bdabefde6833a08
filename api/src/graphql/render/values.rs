//! The response value of one connection, built in one pass from its loaded page. Scalars are
//! converted by the same `ScalarType`/`InputType` implementations the executor uses, objects
//! are merged under repeated response keys the way it merges them, so both produce the same
//! JSON (the traversal tests compare them).

use std::{collections::HashMap, sync::Arc};

use async_graphql::{Name, ScalarType, Value, indexmap::IndexMap};
use domain::{fact_sheets::FactSheet, relations::Relation, tags::Tag};
use uuid::Uuid;

use super::{
    contract::{FACT_SHEET, PAGE_INFO, PageInfo, RELATION, RelationRows, RowObject, TAG},
    shape::{
        ConnectionField, EdgeField, EdgesShape, RelationField, RowSelection, Selected, Shape,
        SheetEdgeField, SheetField,
    },
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
                SheetEdgeField::Cursor => cursor.to_value(),
                SheetEdgeField::Node(fields) => sheet(row, true, fields, loaded)?,
            })
        })?);
    }
    Some(Value::List(edges))
}

/// `None` when a value cannot be produced here (a far end read as a summary without a column
/// the selection shows): the caller leaves the connection to the executor.
pub fn connection(rows: &RelationRows, shape: &Shape, loaded: &mut Loaded) -> Option<Value> {
    object(&shape.fields, |field| {
        Some(match field {
            ConnectionField::Typename => typename("RelationConnection"),
            ConnectionField::TotalCount => rows.total.to_value(),
            ConnectionField::PageInfo(fields) => {
                let info = PageInfo::of(&rows.page);
                object(fields, |field| Some(row_value(&PAGE_INFO, field, &info)))?
            }
            ConnectionField::Edges(fields) => {
                let mut edges = Vec::with_capacity(rows.page.items.len());
                for (cursor, (relation, far)) in &rows.page.items {
                    edges.push(object(fields, |field| {
                        Some(match field {
                            EdgeField::Typename => typename("RelationEdge"),
                            EdgeField::Cursor => cursor.to_value(),
                            EdgeField::Node(fields) => {
                                self::relation(rows, relation, far, fields, loaded)?
                            }
                        })
                    })?);
                }
                Value::List(edges)
            }
        })
    })
}

fn relation(
    rows: &RelationRows,
    r: &Relation,
    far: &Arc<FactSheet>,
    fields: &[Selected<RelationField>],
    loaded: &mut Loaded,
) -> Option<Value> {
    object(fields, |field| {
        Some(match field {
            RelationField::Plain(field) => row_value(&RELATION, field, r),
            RelationField::From(fields) => {
                let (end, whole) = rows.end(far, r.from_id)?;
                sheet(end, whole, fields, loaded)?
            }
            RelationField::To(fields) => {
                let (end, whole) = rows.end(far, r.to_id)?;
                sheet(end, whole, fields, loaded)?
            }
        })
    })
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
            SheetField::Plain(field) => row_value(&FACT_SHEET, field, s),
            SheetField::Tags(fields) => {
                let tags = loaded
                    .tags
                    .get(&s.id)
                    .map(|t| t.as_slice())
                    .unwrap_or_default();
                let tags = tags
                    .iter()
                    .map(|t| object(fields, |field| Some(row_value(&TAG, field, t))));
                Value::List(tags.collect::<Option<_>>()?)
            }
            SheetField::Relations(n) => loaded.take_nested((s.id, n.id))?,
        })
    })
}

/// A field of `object` read from `row`, as the table says.
fn row_value<R>(object: &RowObject<R>, field: &RowSelection<R>, row: &R) -> Value {
    match field {
        RowSelection::Typename => typename(object.name),
        RowSelection::Row(field) => (field.value)(row),
    }
}

fn typename(name: &str) -> Value {
    Value::String(name.to_owned())
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
