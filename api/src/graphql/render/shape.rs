//! What a `relations` connection's or a fact sheet list's `edges` selection asks for, read once
//! per list from the query document (fragments flattened, aliases kept, variables resolved).
//! `None` wherever the selection holds something the renderer does not produce itself.

use async_graphql::{InputType, Name, SelectionField};
use domain::{
    paging::{decode_cursor, page_size},
    relations::{FarEnds, RelationSlice},
};

use crate::graphql::types::enums::RelationDirection;

/// One selected field: its response key (alias or name) and what to put there.
pub struct Selected<F> {
    pub key: Name,
    pub field: F,
}

/// The selection of one `relations(...)` field.
pub struct Shape {
    pub fields: Vec<Selected<ConnectionField>>,
}

pub enum ConnectionField {
    Typename,
    TotalCount,
    PageInfo(Vec<Selected<PageInfoField>>),
    Edges(Vec<Selected<EdgeField>>),
}

pub enum PageInfoField {
    Typename,
    HasNextPage,
    HasPreviousPage,
    StartCursor,
    EndCursor,
}

pub enum EdgeField {
    Typename,
    Cursor,
    Node(Vec<Selected<RelationField>>),
}

pub enum RelationField {
    Typename,
    Id,
    Type,
    From(Vec<Selected<SheetField>>),
    To(Vec<Selected<SheetField>>),
    Attributes,
    ActiveFrom,
    ActiveUntil,
    Revision,
    CreatedAt,
    UpdatedAt,
}

pub enum SheetField {
    Typename,
    Id,
    Type,
    Name,
    Description,
    Attributes,
    Revision,
    Status,
    Completion,
    CreatedAt,
    UpdatedAt,
    CreatedBy,
    UpdatedBy,
    Tags(Vec<Selected<TagField>>),
    Relations(Box<Nested>),
}

/// The fact sheet fields that need a column a far end read as a summary leaves out
/// ([`FarEnds::Summary`]), by name: the executor's look-ahead reads them so
/// ([`SheetField::beyond_summary`] is the same list for the renderer, tested against this one).
pub const BEYOND_SUMMARY: [&str; 4] = ["description", "attributes", "createdBy", "updatedBy"];

impl SheetField {
    /// Whether this field is one of [`BEYOND_SUMMARY`].
    pub fn beyond_summary(&self) -> bool {
        matches!(
            self,
            SheetField::Description
                | SheetField::Attributes
                | SheetField::CreatedBy
                | SheetField::UpdatedBy
        )
    }
}

/// The fact sheet fields without a selection of their own, by name.
fn scalar_sheet_field(name: &str) -> Option<SheetField> {
    Some(match name {
        "__typename" => SheetField::Typename,
        "id" => SheetField::Id,
        "type" => SheetField::Type,
        "name" => SheetField::Name,
        "description" => SheetField::Description,
        "attributes" => SheetField::Attributes,
        "revision" => SheetField::Revision,
        "status" => SheetField::Status,
        "completion" => SheetField::Completion,
        "createdAt" => SheetField::CreatedAt,
        "updatedAt" => SheetField::UpdatedAt,
        "createdBy" => SheetField::CreatedBy,
        "updatedBy" => SheetField::UpdatedBy,
        _ => return None,
    })
}

pub enum TagField {
    Typename,
    Id,
    Name,
    GroupId,
    Color,
    Description,
}

/// The selection of a fact sheet list's `edges` (`factSheets(...)`, `children(...)`).
pub struct EdgesShape {
    pub fields: Vec<Selected<SheetEdgeField>>,
}

pub enum SheetEdgeField {
    Typename,
    Cursor,
    Node(Vec<Selected<SheetField>>),
}

/// A `relations(...)` field on a fact sheet inside the connection: the next level.
pub struct Nested {
    /// Unique within the outermost shape, so a fact sheet reached twice at one level is
    /// rendered once per nested field.
    pub id: usize,
    pub slice: RelationSlice,
    pub size: u64,
    pub shape: Shape,
}

/// The arguments of a `relations(...)` field.
#[derive(Debug, Default)]
pub struct RelationArgs {
    pub relation_type: Option<String>,
    pub direction: RelationDirection,
    pub first: Option<i32>,
    pub after: Option<String>,
}

/// The slice to load for `args` and the page size; the one rule for the executor's
/// `relations` resolver and the renderer, so both ask the loaders for the same keys.
pub fn page_of(
    args: &RelationArgs,
    with_total: bool,
    far_ends: FarEnds,
) -> domain::Result<(RelationSlice, u64)> {
    let size = page_size(args.first)?;
    let after = args.after.as_deref().map(decode_cursor).transpose()?;
    let slice = RelationSlice {
        relation_type: args.relation_type.clone(),
        direction: args.direction.into(),
        after,
        limit: size + 1,
        with_total,
        far_ends,
    };
    Ok((slice, size))
}

impl Shape {
    /// The shape of the `relations` field `field`, when the renderer knows all of it.
    pub fn of(field: &SelectionField<'_>) -> Option<Self> {
        Reader { next_id: 0 }.connection(field)
    }

    /// Whether `totalCount` is selected (the executor's rule: by field name, any alias).
    pub fn with_total(&self) -> bool {
        self.fields
            .iter()
            .any(|f| matches!(f.field, ConnectionField::TotalCount))
    }

    /// How much of the fact sheets at either end to read: all of them when one shows a field
    /// a summary leaves out (the executor's rule is `far_ends_for` in the fact sheet type).
    pub fn far_ends(&self) -> FarEnds {
        let beyond_summary = self.relation_fields().any(|f| match &f.field {
            RelationField::From(sheet) | RelationField::To(sheet) => {
                sheet.iter().any(|s| s.field.beyond_summary())
            }
            _ => false,
        });
        match beyond_summary {
            true => FarEnds::Whole,
            false => FarEnds::Summary,
        }
    }

    /// Every field selected on the connection's relations, through all `edges` and `node`s.
    pub fn relation_fields(&self) -> impl Iterator<Item = &Selected<RelationField>> {
        self.fields
            .iter()
            .filter_map(|f| match &f.field {
                ConnectionField::Edges(edge) => Some(edge),
                _ => None,
            })
            .flatten()
            .filter_map(|e| match &e.field {
                EdgeField::Node(node) => Some(node),
                _ => None,
            })
            .flatten()
    }
}

impl EdgesShape {
    /// The shape of a fact sheet connection's `edges` field, when the renderer knows all of it.
    pub fn of(field: &SelectionField<'_>) -> Option<Self> {
        let mut reader = Reader { next_id: 0 };
        let fields = each(field, |f| {
            Some(match plain(f)? {
                "__typename" => SheetEdgeField::Typename,
                "cursor" => SheetEdgeField::Cursor,
                "node" => SheetEdgeField::Node(reader.sheet(f)?),
                _ => return None,
            })
        })?;
        Some(Self { fields })
    }

    /// Every field selected on the listed fact sheets, through all `node`s.
    pub fn sheet_fields(&self) -> impl Iterator<Item = &[Selected<SheetField>]> {
        self.fields.iter().filter_map(|f| match &f.field {
            SheetEdgeField::Node(fields) => Some(fields.as_slice()),
            _ => None,
        })
    }
}

struct Reader {
    next_id: usize,
}

impl Reader {
    fn connection(&mut self, field: &SelectionField<'_>) -> Option<Shape> {
        let fields = each(field, |f| {
            Some(match plain(f)? {
                "__typename" => ConnectionField::Typename,
                "totalCount" => ConnectionField::TotalCount,
                "pageInfo" => ConnectionField::PageInfo(page_info(f)?),
                "edges" => ConnectionField::Edges(self.edges(f)?),
                _ => return None,
            })
        })?;
        Some(Shape { fields })
    }

    fn edges(&mut self, field: &SelectionField<'_>) -> Option<Vec<Selected<EdgeField>>> {
        each(field, |f| {
            Some(match plain(f)? {
                "__typename" => EdgeField::Typename,
                "cursor" => EdgeField::Cursor,
                "node" => EdgeField::Node(self.relation(f)?),
                _ => return None,
            })
        })
    }

    fn relation(&mut self, field: &SelectionField<'_>) -> Option<Vec<Selected<RelationField>>> {
        each(field, |f| {
            Some(match plain(f)? {
                "__typename" => RelationField::Typename,
                "id" => RelationField::Id,
                "type" => RelationField::Type,
                "from" => RelationField::From(self.sheet(f)?),
                "to" => RelationField::To(self.sheet(f)?),
                "attributes" => RelationField::Attributes,
                "activeFrom" => RelationField::ActiveFrom,
                "activeUntil" => RelationField::ActiveUntil,
                "revision" => RelationField::Revision,
                "createdAt" => RelationField::CreatedAt,
                "updatedAt" => RelationField::UpdatedAt,
                _ => return None,
            })
        })
    }

    fn sheet(&mut self, field: &SelectionField<'_>) -> Option<Vec<Selected<SheetField>>> {
        each(field, |f| {
            // The one field with arguments (read by `nested`).
            if f.name() == "relations" {
                return Some(SheetField::Relations(Box::new(self.nested(f)?)));
            }
            match plain(f)? {
                "tags" => Some(SheetField::Tags(tags(f)?)),
                name => scalar_sheet_field(name),
            }
        })
    }

    fn nested(&mut self, field: &SelectionField<'_>) -> Option<Nested> {
        known_directives(field)?;
        let args = relation_args(field)?;
        let id = self.next_id;
        self.next_id += 1;
        let shape = self.connection(field)?;
        let (slice, size) = page_of(&args, shape.with_total(), shape.far_ends()).ok()?;
        Some(Nested {
            id,
            slice,
            size,
            shape,
        })
    }
}

fn tags(field: &SelectionField<'_>) -> Option<Vec<Selected<TagField>>> {
    each(field, |f| {
        Some(match plain(f)? {
            "__typename" => TagField::Typename,
            "id" => TagField::Id,
            "name" => TagField::Name,
            "groupId" => TagField::GroupId,
            "color" => TagField::Color,
            "description" => TagField::Description,
            _ => return None,
        })
    })
}

fn page_info(field: &SelectionField<'_>) -> Option<Vec<Selected<PageInfoField>>> {
    each(field, |f| {
        Some(match plain(f)? {
            "__typename" => PageInfoField::Typename,
            "hasNextPage" => PageInfoField::HasNextPage,
            "hasPreviousPage" => PageInfoField::HasPreviousPage,
            "startCursor" => PageInfoField::StartCursor,
            "endCursor" => PageInfoField::EndCursor,
            _ => return None,
        })
    })
}

/// Each field of `field`'s selection under its response key, as `read` reads it; `None` as
/// soon as one is not known.
fn each<F>(
    field: &SelectionField<'_>,
    mut read: impl FnMut(&SelectionField<'_>) -> Option<F>,
) -> Option<Vec<Selected<F>>> {
    field
        .selection_set()
        .map(|f| {
            Some(Selected {
                key: key(&f),
                field: read(&f)?,
            })
        })
        .collect()
}

/// The arguments of a nested `relations(...)`, read as the executor reads them; any it would
/// refuse is left to it, so it words the error.
fn relation_args(field: &SelectionField<'_>) -> Option<RelationArgs> {
    let mut args = RelationArgs::default();
    for (name, value) in field.arguments().ok()? {
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

/// The field's name when it carries no arguments and no directive but `@skip`/`@include`
/// (async-graphql drops skipped fields before execution; the others stay, marked).
fn plain<'a>(field: &SelectionField<'a>) -> Option<&'a str> {
    let name = known_directives(field)?;
    field.arguments().ok()?.is_empty().then_some(name)
}

fn known_directives<'a>(field: &SelectionField<'a>) -> Option<&'a str> {
    let directives = field.directives().ok()?;
    directives
        .iter()
        .all(|d| matches!(d.name.node.as_str(), "skip" | "include"))
        .then(|| field.name())
}

fn key(field: &SelectionField<'_>) -> Name {
    Name::new(field.alias().unwrap_or(field.name()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The renderer and the executor's look-ahead decide alike which far ends to read whole.
    #[test]
    fn the_renderer_and_the_executor_agree_on_what_a_summary_cannot_show() {
        let names = [
            "__typename",
            "id",
            "type",
            "name",
            "description",
            "attributes",
            "revision",
            "status",
            "completion",
            "createdAt",
            "updatedAt",
            "createdBy",
            "updatedBy",
        ];
        for name in names {
            let field = scalar_sheet_field(name).expect(name);
            assert_eq!(
                field.beyond_summary(),
                BEYOND_SUMMARY.contains(&name),
                "{name}"
            );
        }
        assert!(BEYOND_SUMMARY.iter().all(|name| names.contains(name)));
    }
}
