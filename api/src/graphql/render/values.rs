//! The response text of one connection, written in one pass from its loaded page as JSON.
//!
//! Why text and not a response value: a depth-3 traversal is thousands of objects, and building
//! each as a map of named values, serializing the maps and freeing them was most of what the
//! server spent on it (BENCHMARKS.md). Written here, an object is its bytes; the text takes the
//! connection's place when the response is serialized ([`super::WrittenParts`]).
//!
//! Scalars are converted by the same `ScalarType`/`InputType` implementations the executor
//! uses and written by the same serializer, and every response key is unique (the shape merged
//! repeated keys as the executor merges its answers), so both produce the same JSON (the
//! traversal tests compare them).

use std::{collections::HashMap, sync::Arc};

use async_graphql::{ScalarType, Value};
use domain::{fact_sheets::FactSheet, relations::Relation, tags::Tag};
use uuid::Uuid;

use super::{
    contract::{FACT_SHEET, Leaf, PAGE_INFO, RELATION, RelationRows, RowObject, TAG, cursor},
    shape::{
        ConnectionField, EdgeField, EdgesShape, RelationField, RowSelection, Selected, Shape,
        SheetEdgeField, SheetField,
    },
};

/// Written JSON text.
pub type Json = Vec<u8>;

/// What the fact sheets of one list need beyond their rows: their written nested connections,
/// by fact sheet and nested field, each with how many places still need it (freed after the
/// last), and their tags.
#[derive(Default)]
pub struct Loaded {
    nested: HashMap<(Uuid, usize), (usize, Json)>,
    tags: HashMap<Uuid, Arc<Vec<Tag>>>,
}

impl Loaded {
    pub fn insert_nested(&mut self, key: (Uuid, usize), uses: usize, json: Json) {
        self.nested.insert(key, (uses, json));
    }

    pub fn insert_tags(&mut self, fact_sheet: Uuid, tags: Arc<Vec<Tag>>) {
        self.tags.insert(fact_sheet, tags);
    }

    fn write_nested(&mut self, key: (Uuid, usize), out: &mut Json) -> Option<()> {
        let (uses, json) = self.nested.get_mut(&key)?;
        out.extend_from_slice(json);
        *uses -= 1;
        if *uses == 0 {
            self.nested.remove(&key);
        }
        Some(())
    }
}

/// The `edges` of a fact sheet list.
pub fn sheet_edges(
    items: &[(String, Arc<FactSheet>)],
    shape: &EdgesShape,
    loaded: &mut Loaded,
    out: &mut Json,
) -> Option<()> {
    list(out, items, |out, (cursor, row)| {
        object(out, &shape.fields, |out, field| match field {
            SheetEdgeField::Typename => string(out, "FactSheetEdge"),
            SheetEdgeField::Cursor => string(out, cursor),
            SheetEdgeField::Node(fields) => sheet(out, row, true, fields, loaded),
        })
    })
}

/// `None` when the text cannot be produced here (a far end read as a summary without a column
/// the selection shows): the caller leaves the connection to the executor.
pub fn connection(
    rows: &RelationRows,
    shape: &Shape,
    loaded: &mut Loaded,
    out: &mut Json,
) -> Option<()> {
    object(out, &shape.fields, |out, field| match field {
        ConnectionField::Typename => string(out, "RelationConnection"),
        ConnectionField::TotalCount => value(out, &rows.total.to_value()),
        ConnectionField::PageInfo(fields) => {
            let info = rows.page_info();
            object(out, fields, |out, field| {
                row_field(out, &PAGE_INFO, field, &info)
            })
        }
        ConnectionField::Edges(fields) => list(out, rows.items(), |out, (relation, far)| {
            object(out, fields, |out, field| match field {
                EdgeField::Typename => string(out, "RelationEdge"),
                EdgeField::Cursor => string(out, &cursor(relation)),
                EdgeField::Node(fields) => self::relation(out, rows, relation, far, fields, loaded),
            })
        }),
    })
}

fn relation(
    out: &mut Json,
    rows: &RelationRows,
    r: &Relation,
    far: &Arc<FactSheet>,
    fields: &[Selected<RelationField>],
    loaded: &mut Loaded,
) -> Option<()> {
    object(out, fields, |out, field| match field {
        RelationField::Plain(field) => row_field(out, &RELATION, field, r),
        RelationField::From(fields) => {
            let (end, whole) = rows.end(far, r.from_id)?;
            sheet(out, end, whole, fields, loaded)
        }
        RelationField::To(fields) => {
            let (end, whole) = rows.end(far, r.to_id)?;
            sheet(out, end, whole, fields, loaded)
        }
    })
}

/// `whole` is false for a far end read as a summary (see `FarEnds`).
fn sheet(
    out: &mut Json,
    s: &FactSheet,
    whole: bool,
    fields: &[Selected<SheetField>],
    loaded: &mut Loaded,
) -> Option<()> {
    object(out, fields, |out, field| {
        if !whole && field.beyond_summary() {
            return None;
        }
        match field {
            SheetField::Plain(field) => row_field(out, &FACT_SHEET, field, s),
            SheetField::Tags(fields) => {
                let tags = loaded.tags.get(&s.id).map(|t| t.as_slice());
                list(out, tags.unwrap_or_default(), |out, tag| {
                    object(out, fields, |out, field| row_field(out, &TAG, field, tag))
                })
            }
            SheetField::Relations(n) => loaded.write_nested((s.id, n.id), out),
        }
    })
}

/// A field of `object` read from `row`, as the table says.
fn row_field<R>(
    out: &mut Json,
    object: &RowObject<R>,
    field: &RowSelection<R>,
    row: &R,
) -> Option<()> {
    match field {
        RowSelection::Typename => string(out, object.name),
        RowSelection::Row(field) => match (field.value)(row) {
            Leaf::Null => {
                out.extend_from_slice(b"null");
                Some(())
            }
            Leaf::Text(text) => string(out, text),
            Leaf::Id(id) => {
                let mut hyphenated = uuid::Uuid::encode_buffer();
                string(out, id.hyphenated().encode_lower(&mut hyphenated))
            }
            Leaf::Json(json) => serde_json::to_writer(out, json).ok(),
            Leaf::Value(v) => value(out, &v),
        },
    }
}

/// One response object: each selected field under its key, in selection order; `None` as soon
/// as one cannot be produced. Like the executor, an object without fields is null (not
/// reachable from a valid query, whose selection sets are never empty).
fn object<F>(
    out: &mut Json,
    fields: &[Selected<F>],
    mut write: impl FnMut(&mut Json, &F) -> Option<()>,
) -> Option<()> {
    if fields.is_empty() {
        out.extend_from_slice(b"null");
        return Some(());
    }
    let mut separator = b'{';
    for Selected { key, field } in fields {
        out.push(separator);
        separator = b',';
        string(out, key)?;
        out.push(b':');
        write(out, field)?;
    }
    out.push(b'}');
    Some(())
}

fn list<T>(
    out: &mut Json,
    items: &[T],
    mut write: impl FnMut(&mut Json, &T) -> Option<()>,
) -> Option<()> {
    out.push(b'[');
    for (index, item) in items.iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        write(out, item)?;
    }
    out.push(b']');
    Some(())
}

fn string(out: &mut Json, text: &str) -> Option<()> {
    serde_json::to_writer(out, text).ok()
}

fn value(out: &mut Json, value: &Value) -> Option<()> {
    serde_json::to_writer(out, value).ok()
}
