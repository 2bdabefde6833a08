//! What a `relations` connection's or a fact sheet list's `edges` selection asks for, read once
//! per list from the query document (fragments flattened, aliases kept, variables resolved).
//! `None` wherever the selection holds something the renderer does not produce itself.

use std::ops::ControlFlow;

use async_graphql::{
    Context, Name, Positioned, Variables,
    parser::types::{Field, OperationDefinition},
};
use domain::{
    fact_sheets::FactSheet,
    relations::{FarEnds, Relation, RelationSlice},
    tags::Tag,
};

use super::contract::{
    FACT_SHEET, PAGE_INFO, PageInfo, RELATION, RelationArgs, RowField, RowObject, TAG,
};
use crate::graphql::document::{self, Fragments, Spreads, Step};

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

/// A field of an object the renderer writes from its row alone.
pub enum RowSelection<R: 'static> {
    Typename,
    Row(&'static RowField<R>),
}

pub type PageInfoField = RowSelection<PageInfo>;
pub type TagField = RowSelection<Tag>;

/// An edge's selection, its `node` selecting `N`s.
pub enum EdgeOf<N> {
    Typename,
    Cursor,
    Node(Vec<Selected<N>>),
}

/// An edge of a `relations` connection.
pub type EdgeField = EdgeOf<RelationField>;

pub enum RelationField {
    Plain(RowSelection<Relation>),
    From(Vec<Selected<SheetField>>),
    To(Vec<Selected<SheetField>>),
}

pub enum SheetField {
    Plain(RowSelection<FactSheet>),
    Tags(Vec<Selected<TagField>>),
    Relations(Box<Nested>),
}

impl SheetField {
    /// Whether this field needs a column a far end read as a summary leaves out.
    pub fn beyond_summary(&self) -> bool {
        matches!(self, SheetField::Plain(RowSelection::Row(field)) if !field.in_summary)
    }
}

/// The selection of a fact sheet list's `edges` (`factSheets(...)`, `children(...)`).
pub struct EdgesShape {
    pub fields: Vec<Selected<SheetEdgeField>>,
}

/// An edge of a fact sheet list.
pub type SheetEdgeField = EdgeOf<SheetField>;

/// A `relations(...)` field on a fact sheet inside the connection: the next level.
pub struct Nested {
    /// Unique within the outermost shape, so a fact sheet reached twice at one level is
    /// rendered once per nested field.
    pub id: usize,
    pub slice: RelationSlice,
    pub size: u64,
    pub shape: Shape,
}

impl Shape {
    /// The shape of the `relations` field `ctx` resolves, when the renderer knows all of it.
    pub fn of(ctx: &Context<'_>) -> Option<Self> {
        Reader::new(ctx).connection(ctx.item)
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
    /// The shape of the fact sheet connection's `edges` field `ctx` resolves, when the
    /// renderer knows all of it.
    pub fn of(ctx: &Context<'_>) -> Option<Self> {
        let mut reader = Reader::new(ctx);
        let fields = each(reader.request, ctx.item, |f| {
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

/// What reading a selection needs besides its fields: the request's fragments, and its
/// variables with the operation's defaults. async-graphql's `SelectionField` offers the same
/// through fragments, but the renderer reads the document as every other check does
/// (`graphql::document`); `Context::query_env` is async-graphql's own (hidden) field for it.
#[derive(Clone, Copy)]
struct Request<'c> {
    fragments: &'c Fragments,
    operation: &'c OperationDefinition,
    variables: &'c Variables,
}

struct Reader<'c> {
    request: Request<'c>,
    next_id: usize,
}

impl<'c> Reader<'c> {
    fn new(ctx: &Context<'c>) -> Self {
        let env = ctx.query_env;
        Self {
            request: Request {
                fragments: &env.fragments,
                operation: &env.operation.node,
                variables: &env.variables,
            },
            next_id: 0,
        }
    }

    fn connection(&mut self, field: &'c Positioned<Field>) -> Option<Shape> {
        let fields = each(self.request, field, |f| {
            Some(match plain(f)? {
                "__typename" => ConnectionField::Typename,
                "totalCount" => ConnectionField::TotalCount,
                "pageInfo" => ConnectionField::PageInfo(each(self.request, f, |p| {
                    row_selection(&PAGE_INFO, plain(p)?)
                })?),
                "edges" => ConnectionField::Edges(self.edges(f)?),
                _ => return None,
            })
        })?;
        Some(Shape { fields })
    }

    fn edges(&mut self, field: &'c Positioned<Field>) -> Option<Vec<Selected<EdgeField>>> {
        each(self.request, field, |f| {
            Some(match plain(f)? {
                "__typename" => EdgeField::Typename,
                "cursor" => EdgeField::Cursor,
                "node" => EdgeField::Node(self.relation(f)?),
                _ => return None,
            })
        })
    }

    fn relation(&mut self, field: &'c Positioned<Field>) -> Option<Vec<Selected<RelationField>>> {
        each(self.request, field, |f| {
            Some(match plain(f)? {
                "from" => RelationField::From(self.sheet(f)?),
                "to" => RelationField::To(self.sheet(f)?),
                name => RelationField::Plain(row_selection(&RELATION, name)?),
            })
        })
    }

    fn sheet(&mut self, field: &'c Positioned<Field>) -> Option<Vec<Selected<SheetField>>> {
        each(self.request, field, |f| {
            // The one field with arguments (read by `nested`).
            if f.node.name.node == "relations" {
                return Some(SheetField::Relations(Box::new(self.nested(f)?)));
            }
            Some(match plain(f)? {
                "tags" => {
                    SheetField::Tags(each(self.request, f, |t| row_selection(&TAG, plain(t)?))?)
                }
                name => SheetField::Plain(row_selection(&FACT_SHEET, name)?),
            })
        })
    }

    fn nested(&mut self, field: &'c Positioned<Field>) -> Option<Nested> {
        known_directives(field)?;
        let request = self.request;
        let arguments = field.node.arguments.iter().map(|(name, value)| {
            let value = value.node.clone().into_const_with(|variable| {
                document::variable(request.operation, request.variables, &variable)
                    .cloned()
                    .ok_or(())
            });
            Some((name.node.clone(), value.ok()?))
        });
        let args = RelationArgs::read(arguments.collect::<Option<Vec<_>>>()?)?;
        let id = self.next_id;
        self.next_id += 1;
        let shape = self.connection(field)?;
        let (slice, size) = args.page(shape.with_total(), shape.far_ends()).ok()?;
        Some(Nested {
            id,
            slice,
            size,
            shape,
        })
    }
}

/// `name` as a field of `object` the renderer writes from the row.
fn row_selection<R>(object: &'static RowObject<R>, name: &str) -> Option<RowSelection<R>> {
    match name {
        "__typename" => Some(RowSelection::Typename),
        _ => object.field(name).map(RowSelection::Row),
    }
}

/// Each field of `field`'s selection under its response key, as `read` reads it, fields
/// under one key merged (see [`Merge`]); `None` as soon as one is not known.
fn each<'c, F: Merge>(
    request: Request<'c>,
    field: &'c Positioned<Field>,
    mut read: impl FnMut(&'c Positioned<Field>) -> Option<F>,
) -> Option<Vec<Selected<F>>> {
    let mut fields = Vec::new();
    let mut merged = Some(());
    let set = &field.node.selection_set.node;
    let walked = document::walk(request.fragments, set, &mut Spreads::once(), &mut |f| {
        let Some(field) = read(f) else {
            return ControlFlow::Break(());
        };
        let key = f.node.response_key().node.clone();
        merged = merge_into(&mut fields, vec![Selected { key, field }]);
        match merged {
            Some(()) => ControlFlow::Continue(Step::Over),
            None => ControlFlow::Break(()),
        }
    });
    walked.is_continue().then_some(fields)
}

/// A response key selected twice, as fragments often do (`id` in the query and again in a
/// fragment; `to { id } to { name }`), holds one answer with the fields of both, in the order
/// they were first selected: the executor's merge (a key's first answer stays, objects merge
/// field by field, lists of objects item by item), done once on the selection instead of on
/// every object, so the writer puts each key once. `None` where the selections differ (which
/// validation refuses) or hold nested `relations`, both left to the executor.
trait Merge: Sized {
    fn merge(&mut self, other: Self) -> Option<()>;
}

/// `more` merged into `fields`, key by key.
fn merge_into<F: Merge>(fields: &mut Vec<Selected<F>>, more: Vec<Selected<F>>) -> Option<()> {
    for selected in more {
        match fields.iter_mut().find(|f| f.key == selected.key) {
            Some(existing) => existing.field.merge(selected.field)?,
            None => fields.push(selected),
        }
    }
    Some(())
}

impl<R> Merge for RowSelection<R> {
    fn merge(&mut self, other: Self) -> Option<()> {
        match (&*self, other) {
            (Self::Typename, Self::Typename) => Some(()),
            (Self::Row(field), Self::Row(other)) if std::ptr::eq(*field, other) => Some(()),
            _ => None,
        }
    }
}

impl Merge for ConnectionField {
    fn merge(&mut self, other: Self) -> Option<()> {
        match (self, other) {
            (Self::Typename, Self::Typename) | (Self::TotalCount, Self::TotalCount) => Some(()),
            (Self::PageInfo(fields), Self::PageInfo(more)) => merge_into(fields, more),
            (Self::Edges(fields), Self::Edges(more)) => merge_into(fields, more),
            _ => None,
        }
    }
}

impl<N: Merge> Merge for EdgeOf<N> {
    fn merge(&mut self, other: Self) -> Option<()> {
        match (self, other) {
            (Self::Typename, Self::Typename) | (Self::Cursor, Self::Cursor) => Some(()),
            (Self::Node(fields), Self::Node(more)) => merge_into(fields, more),
            _ => None,
        }
    }
}

impl Merge for RelationField {
    fn merge(&mut self, other: Self) -> Option<()> {
        match (self, other) {
            (Self::Plain(field), Self::Plain(other)) => field.merge(other),
            (Self::From(fields), Self::From(more)) | (Self::To(fields), Self::To(more)) => {
                merge_into(fields, more)
            }
            _ => None,
        }
    }
}

impl Merge for SheetField {
    fn merge(&mut self, other: Self) -> Option<()> {
        match (self, other) {
            (Self::Plain(field), Self::Plain(other)) => field.merge(other),
            (Self::Tags(fields), Self::Tags(more)) => merge_into(fields, more),
            _ => None,
        }
    }
}

/// The field's name when it carries no arguments and no directive but `@skip`/`@include`
/// (async-graphql drops skipped fields before execution; the others stay, marked).
fn plain(field: &Positioned<Field>) -> Option<&str> {
    let name = known_directives(field)?;
    field.node.arguments.is_empty().then_some(name)
}

fn known_directives(field: &Positioned<Field>) -> Option<&str> {
    let field = &field.node;
    field
        .directives
        .iter()
        .all(|d| matches!(d.node.name.node.as_str(), "skip" | "include"))
        .then(|| field.name.node.as_str())
}
