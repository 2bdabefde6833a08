//! What the renderer and the GraphQL types share: the fields of `FactSheet`, `Relation`, `Tag`
//! and `PageInfo` the renderer writes, each with how it is read from its plain row, the
//! arguments of `relations(...)`, and the page of relations both ways answer from.
//!
//! Each table entry is the whole of what the renderer knows of a field: the selection reader
//! looks names up here and the writer calls the entry's `value`, so rendering one more field is
//! one line. The objects' other fields (`metrics`, `externalIds`, ...) are left to the executor.
//! A test checks every entry against the schema's SDL, name and type, so a field that changes
//! in `types/` fails there instead of answering differently here.

use std::sync::Arc;

use async_graphql::{InputType, ScalarType, SimpleObject, Value};
use domain::{
    fact_sheets::{FactSheet, Status},
    paging::{Page, decode_cursor, encode_cursor, page_size},
    relations::{FarEnds, Relation, RelationSlice, RelationWindow},
    tags::Tag,
};

use crate::graphql::enums::{FactSheetStatus, RelationDirection};

/// One object type's fields the renderer writes from rows of type `R`.
pub struct RowObject<R: 'static> {
    /// The GraphQL type's name (`__typename`).
    pub name: &'static str,
    pub fields: &'static [RowField<R>],
}

/// One field: its name and SDL type in the schema, and its value as the executor answers it.
pub struct RowField<R: 'static> {
    pub name: &'static str,
    /// Checked against the schema by this module's test.
    #[cfg_attr(not(test), allow(dead_code))]
    pub sdl_type: &'static str,
    /// False for a fact sheet column a far end read as a summary leaves out.
    pub in_summary: bool,
    pub value: for<'r> fn(&'r R) -> Leaf<'r>,
}

impl<R> RowField<R> {
    const fn new(
        name: &'static str,
        sdl_type: &'static str,
        value: for<'r> fn(&'r R) -> Leaf<'r>,
    ) -> Self {
        Self {
            name,
            sdl_type,
            in_summary: true,
            value,
        }
    }

    /// A fact sheet field whose column [`FarEnds::Summary`] does not read.
    const fn beyond_summary(
        name: &'static str,
        sdl_type: &'static str,
        value: for<'r> fn(&'r R) -> Leaf<'r>,
    ) -> Self {
        Self {
            in_summary: false,
            ..Self::new(name, sdl_type, value)
        }
    }
}

impl<R> RowObject<R> {
    pub fn field(&'static self, name: &str) -> Option<&'static RowField<R>> {
        self.fields.iter().find(|f| f.name == name)
    }
}

pub static FACT_SHEET: RowObject<FactSheet> = RowObject {
    name: "FactSheet",
    fields: &[
        RowField::new("id", "ID!", |s| id(s.id)),
        RowField::new("type", "String!", |s| text(&s.fact_sheet_type)),
        RowField::new("name", "String!", |s| text(&s.name)),
        RowField::beyond_summary("description", "String", |s| {
            optional_text(s.description.as_ref())
        }),
        RowField::beyond_summary("attributes", "JSON!", |s| json(&s.attributes)),
        RowField::new("revision", "Int!", |s| scalar(&s.revision)),
        RowField::new("status", "FactSheetStatus!", |s| {
            Leaf::Value(InputType::to_value(&FactSheetStatus::from(Status::of(s))))
        }),
        RowField::new("completion", "Float!", |s| scalar(&s.completion)),
        RowField::new("createdAt", "DateTime!", |s| scalar(&s.created_at)),
        RowField::new("updatedAt", "DateTime!", |s| scalar(&s.updated_at)),
        RowField::beyond_summary("createdBy", "String!", |s| text(&s.created_by)),
        RowField::beyond_summary("updatedBy", "String!", |s| text(&s.updated_by)),
    ],
};

pub static RELATION: RowObject<Relation> = RowObject {
    name: "Relation",
    fields: &[
        RowField::new("id", "ID!", |r| id(r.id)),
        RowField::new("type", "String!", |r| text(&r.relation_type)),
        RowField::new("attributes", "JSON!", |r| json(&r.attributes)),
        RowField::new("activeFrom", "DateTime", |r| {
            optional(r.active_from.as_ref())
        }),
        RowField::new("activeUntil", "DateTime", |r| {
            optional(r.active_until.as_ref())
        }),
        RowField::new("revision", "Int!", |r| scalar(&r.revision)),
        RowField::new("createdAt", "DateTime!", |r| scalar(&r.created_at)),
        RowField::new("updatedAt", "DateTime!", |r| scalar(&r.updated_at)),
    ],
};

pub static TAG: RowObject<Tag> = RowObject {
    name: "Tag",
    fields: &[
        RowField::new("id", "ID!", |t| id(t.id)),
        RowField::new("name", "String!", |t| text(&t.name)),
        RowField::new("groupId", "ID", |t| match t.group_id {
            Some(group) => id(group),
            None => Leaf::Null,
        }),
        RowField::new("color", "String", |t| optional_text(t.color.as_ref())),
        RowField::new("description", "String", |t| {
            optional_text(t.description.as_ref())
        }),
    ],
};

pub static PAGE_INFO: RowObject<PageInfo> = RowObject {
    name: "PageInfo",
    fields: &[
        RowField::new("hasNextPage", "Boolean!", |p| scalar(&p.has_next_page)),
        RowField::new("hasPreviousPage", "Boolean!", |p| {
            scalar(&p.has_previous_page)
        }),
        RowField::new("startCursor", "String", |p| {
            optional_text(p.start_cursor.as_ref())
        }),
        RowField::new("endCursor", "String", |p| {
            optional_text(p.end_cursor.as_ref())
        }),
    ],
};

/// The fact sheet fields a far end read as a summary cannot show, by name: what the executor's
/// look-ahead checks before choosing [`FarEnds`].
pub fn beyond_summary() -> impl Iterator<Item = &'static str> {
    FACT_SHEET
        .fields
        .iter()
        .filter(|f| !f.in_summary)
        .map(|f| f.name)
}

/// A field's value as the renderer writes it: text and ids as they are, anything else as the
/// executor's value of it.
pub enum Leaf<'r> {
    Null,
    /// A string, as `String` answers it.
    Text(&'r str),
    /// An `ID`, as `ID(id.to_string())` answers it: hyphenated, lower case.
    Id(uuid::Uuid),
    /// A `JSON` scalar, as `Json<_>` answers it: the same document.
    Json(&'r serde_json::Value),
    Value(Value),
}

fn id(id: uuid::Uuid) -> Leaf<'static> {
    Leaf::Id(id)
}

fn scalar<T: ScalarType>(value: &T) -> Leaf<'static> {
    Leaf::Value(value.to_value())
}

fn text(text: &str) -> Leaf<'_> {
    Leaf::Text(text)
}

fn optional<T: ScalarType>(value: Option<&T>) -> Leaf<'static> {
    value.map_or(Leaf::Null, scalar)
}

fn optional_text(value: Option<&String>) -> Leaf<'_> {
    value.map_or(Leaf::Null, |t| text(t))
}

fn json(value: &serde_json::Value) -> Leaf<'_> {
    Leaf::Json(value)
}

#[derive(SimpleObject, Debug, Clone)]
#[graphql(serial)]
pub struct PageInfo {
    pub has_next_page: bool,
    /// Always false: lists page forward only.
    pub has_previous_page: bool,
    pub start_cursor: Option<String>,
    pub end_cursor: Option<String>,
}

impl PageInfo {
    pub fn of<T>(page: &Page<T>) -> Self {
        let cursor = |item: Option<&(String, T)>| item.map(|(c, _)| c.clone());
        Self::forward(
            page.has_next_page,
            cursor(page.items.first()),
            cursor(page.items.last()),
        )
    }

    /// A page of a list that pages forward only, as every list does.
    fn forward(has_next_page: bool, start: Option<String>, end: Option<String>) -> Self {
        Self {
            has_next_page,
            has_previous_page: false,
            start_cursor: start,
            end_cursor: end,
        }
    }
}

/// A fact sheet row, and whether all of it was read: false for a far end read as a summary
/// ([`FarEnds::Summary`]), whose fields beyond the summary load the whole row first.
#[derive(Clone)]
pub struct SheetRow {
    pub row: Arc<FactSheet>,
    pub whole: bool,
}

/// One page of an anchor's relations as loaded, each with the fact sheet at its other end,
/// borrowed from the loaded window: a traversal's pages are thousands of relations, and only
/// the fields a selection shows are made of them (a cursor is made only where one is shown).
pub struct RelationRows {
    pub anchor: SheetRow,
    window: Arc<RelationWindow>,
    /// How many of the window's relations the page shows.
    shown: usize,
    /// How much of the far ends was read.
    pub far_ends: FarEnds,
    /// Counted whenever the query selects `totalCount`.
    pub total: u64,
}

impl RelationRows {
    /// `window.items` holds up to `size + 1` relations, the extra one only saying that a next
    /// page exists.
    pub fn new(
        anchor: SheetRow,
        window: Arc<RelationWindow>,
        size: u64,
        far_ends: FarEnds,
    ) -> Self {
        Self {
            anchor,
            shown: window.items.len().min(size as usize),
            total: window.total.unwrap_or_default(),
            window,
            far_ends,
        }
    }

    /// The page's relations, each with the fact sheet at its other end.
    pub fn items(&self) -> &[(Arc<Relation>, Arc<FactSheet>)] {
        &self.window.items[..self.shown]
    }

    pub fn page_info(&self) -> PageInfo {
        let items = self.items();
        PageInfo::forward(
            self.window.items.len() > self.shown,
            items.first().map(|(r, _)| cursor(r)),
            items.last().map(|(r, _)| cursor(r)),
        )
    }

    /// The page with each relation's cursor, for the executor.
    pub fn page(&self) -> Page<(Arc<Relation>, Arc<FactSheet>)> {
        let rows = self
            .window
            .items
            .iter()
            .take(self.shown + 1)
            .cloned()
            .collect();
        Page::from_rows(rows, self.shown as u64, |(r, _)| cursor(r))
    }

    /// The end `id` of a relation whose far end is `far`: the anchor or the far end, with
    /// whether all of it was read (the anchor first, for a relation from a fact sheet to itself).
    pub fn end<'a>(
        &'a self,
        far: &'a Arc<FactSheet>,
        id: uuid::Uuid,
    ) -> Option<(&'a Arc<FactSheet>, bool)> {
        if self.anchor.row.id == id {
            Some((&self.anchor.row, self.anchor.whole))
        } else if far.id == id {
            Some((far, self.far_ends == FarEnds::Whole))
        } else {
            None
        }
    }
}

/// A relation's cursor in its anchor's pages: what `after` takes to page on from it.
pub fn cursor(relation: &Relation) -> String {
    encode_cursor(&relation.id)
}

/// The arguments of a `relations(...)` field.
#[derive(Debug, Default)]
pub struct RelationArgs {
    pub relation_type: Option<String>,
    pub direction: RelationDirection,
    pub first: Option<i32>,
    pub after: Option<String>,
}

impl RelationArgs {
    /// The arguments as the executor reads them from a nested `relations(...)`; `None` for one
    /// it would refuse, so it words the error.
    pub fn read(arguments: impl IntoIterator<Item = (async_graphql::Name, Value)>) -> Option<Self> {
        let mut args = Self::default();
        for (name, value) in arguments {
            let value = Some(value);
            match name.as_str() {
                "type" => args.relation_type = InputType::parse(value).ok()?,
                "direction" => args.direction = InputType::parse(value).ok()?,
                "first" => args.first = InputType::parse(value).ok()?,
                "after" => args.after = InputType::parse(value).ok()?,
                _ => return None,
            }
        }
        Some(args)
    }

    /// The slice to load and the page size; the one rule for the executor's `relations`
    /// resolver and the renderer, so both ask the loaders for the same keys.
    pub fn page(
        &self,
        with_total: bool,
        far_ends: FarEnds,
    ) -> domain::Result<(RelationSlice, u64)> {
        let size = page_size(self.first)?;
        let after = self.after.as_deref().map(decode_cursor).transpose()?;
        let slice = RelationSlice {
            relation_type: self.relation_type.clone(),
            direction: self.direction.into(),
            after,
            limit: size + 1,
            with_total,
            far_ends,
        };
        Ok((slice, size))
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::parser::{
        parse_schema,
        types::{TypeKind, TypeSystemDefinition},
    };

    use super::*;

    /// The SDL type of every field of `object`, by name.
    fn sdl_fields(sdl: &str, object: &str) -> Vec<(String, String)> {
        let document = parse_schema(sdl).unwrap();
        for definition in document.definitions {
            if let TypeSystemDefinition::Type(ty) = definition
                && ty.node.name.node == object
                && let TypeKind::Object(fields) = &ty.node.kind
            {
                return fields
                    .fields
                    .iter()
                    .map(|f| (f.node.name.node.to_string(), f.node.ty.node.to_string()))
                    .collect();
            }
        }
        panic!("the schema has no type {object}");
    }

    fn agrees<R>(sdl: &str, object: &RowObject<R>) {
        let fields = sdl_fields(sdl, object.name);
        for field in object.fields {
            let found = fields.iter().find(|(name, _)| name == field.name);
            assert_eq!(
                found.map(|(_, ty)| ty.as_str()),
                Some(field.sdl_type),
                "{}.{}",
                object.name,
                field.name
            );
        }
    }

    #[test]
    fn every_rendered_field_is_the_schema_field_of_that_name_and_type() {
        let sdl = crate::graphql::sdl();
        agrees(&sdl, &FACT_SHEET);
        agrees(&sdl, &RELATION);
        agrees(&sdl, &TAG);
        agrees(&sdl, &PAGE_INFO);
    }
}
