//! A list's nested levels and tags loaded, then its text written.

use std::{
    collections::{HashMap, HashSet},
    sync::Arc,
};

use domain::fact_sheets::FactSheet;
use futures::future::{BoxFuture, join, join_all};
use uuid::Uuid;

use super::{
    contract::{RelationRows, SheetRow},
    shape::{EdgesShape, Nested, RelationField, Selected, Shape, SheetField},
    values::{self, Json, Loaded},
};
use crate::graphql::RequestContext;

/// The JSON text of `rows` as `shape` selects it, or `None` to leave it to the executor.
///
/// Every nested `relations(...)` and `tags` of the page's fact sheets is requested from the
/// request's loaders before any is awaited, and every connection of a level does so while the
/// executor resolves its siblings, so a level is still one batch, one statement.
pub fn render<'a>(
    rc: &'a RequestContext,
    rows: &'a RelationRows,
    shape: &'a Shape,
) -> BoxFuture<'a, Option<Json>> {
    Box::pin(async move {
        let mut sheets = Vec::new();
        for (relation, far) in rows.items() {
            for field in shape.relation_fields() {
                let (end, fields) = match &field.field {
                    RelationField::From(fields) => (relation.from_id, fields),
                    RelationField::To(fields) => (relation.to_id, fields),
                    RelationField::Plain(_) => continue,
                };
                let (row, whole) = rows.end(far, end)?;
                sheets.push(Sheet { row, whole, fields });
            }
        }
        let mut loaded = load(rc, sheets).await?;
        let mut out = Json::with_capacity(TEXT_PER_ROW * (rows.items().len() + 1));
        values::connection(rows, shape, &mut loaded, &mut out)?;
        Some(out)
    })
}

/// The JSON text of a fact sheet list's `edges` as `shape` selects them, or `None` to leave
/// them to the executor.
pub async fn render_edges(
    rc: &RequestContext,
    items: &[(String, Arc<FactSheet>)],
    shape: &EdgesShape,
) -> Option<Json> {
    let sheets = items
        .iter()
        .flat_map(|(_, row)| {
            shape.sheet_fields().map(move |fields| Sheet {
                row,
                whole: true,
                fields,
            })
        })
        .collect();
    let mut loaded = load(rc, sheets).await?;
    let mut out = Json::with_capacity(TEXT_PER_ROW * (items.len() + 1));
    values::sheet_edges(items, shape, &mut loaded, &mut out)?;
    Some(out)
}

/// About what one row's object takes as text without what is nested in it, to start a list's
/// buffer at a size that rarely grows.
const TEXT_PER_ROW: usize = 256;

/// A fact sheet of the list with one of its selections; a nested level takes it as its anchor.
struct Sheet<'a> {
    row: &'a Arc<FactSheet>,
    /// False for a far end read as a summary.
    whole: bool,
    fields: &'a [Selected<SheetField>],
}

/// The nested connections (each rendered once per fact sheet and nested field, however often
/// the fact sheet appears) and the tags the list's selections show.
async fn load(rc: &RequestContext, sheets: Vec<Sheet<'_>>) -> Option<Loaded> {
    let mut nested: HashMap<(Uuid, usize), (usize, SheetRow, &Nested)> = HashMap::new();
    let mut tagged = HashSet::new();
    for sheet in &sheets {
        for selected in sheet.fields {
            match &selected.field {
                SheetField::Relations(n) => {
                    nested
                        .entry((sheet.row.id, n.id))
                        .and_modify(|(uses, _, _)| *uses += 1)
                        .or_insert_with(|| {
                            let anchor = SheetRow {
                                row: sheet.row.clone(),
                                whole: sheet.whole,
                            };
                            (1, anchor, n)
                        });
                }
                SheetField::Tags(_) => {
                    tagged.insert(sheet.row.id);
                }
                _ => {}
            }
        }
    }
    // A relation type the meta model does not know is left to the executor, which refuses it.
    if nested
        .values()
        .any(|(_, _, n)| n.slice.relation_type.is_some())
    {
        let model = rc.meta_model().await.ok()?;
        let known = |n: &Nested| {
            n.slice
                .relation_type
                .as_deref()
                .is_none_or(|t| model.model.relation_type(t).is_some())
        };
        if !nested.values().all(|(_, _, n)| known(n)) {
            return None;
        }
    }
    let levels = join_all(
        nested
            .into_iter()
            .map(|(key, (uses, anchor, n))| async move {
                let window = rc
                    .loaders
                    .relation_windows
                    .load((key.0, n.slice.clone()))
                    .await
                    .ok()?
                    .unwrap_or_default();
                let rows = RelationRows::new(anchor, window, n.size, n.slice.far_ends);
                let json = render(rc, &rows, &n.shape).await?;
                Some((key, uses, json))
            }),
    );
    let tags = join_all(tagged.into_iter().map(|id| async move {
        let tags = rc.loaders.tags.load(id).await.ok()?.unwrap_or_default();
        Some((id, tags))
    }));
    let (levels, tags) = join(levels, tags).await;
    let mut loaded = Loaded::default();
    for level in levels {
        let (key, uses, json) = level?;
        loaded.insert_nested(key, uses, json);
    }
    for found in tags {
        let (id, tags) = found?;
        loaded.insert_tags(id, tags);
    }
    Some(loaded)
}
