//! A connection's nested levels loaded, then its value built.

use std::collections::HashMap;

use async_graphql::Value;
use futures::future::{BoxFuture, join_all};
use uuid::Uuid;

use super::{
    shape::{Nested, RelationField, Shape, SheetField},
    values::{self, NestedValues},
};
use crate::graphql::{
    RequestContext,
    types::{connection::RelationPage, fact_sheet::FactSheetNode},
};

/// The value of `page` as `shape` selects it, or `None` to leave it to the executor.
///
/// Every nested `relations(...)` of the page's fact sheets is requested from the request's
/// loaders before any is awaited, and every connection of a level does so while the executor
/// resolves its siblings, so a level is still one batch, one statement.
pub fn render<'a>(
    rc: &'a RequestContext,
    page: &'a RelationPage,
    shape: &'a Shape,
) -> BoxFuture<'a, Option<Value>> {
    Box::pin(async move {
        let mut nested = nested_levels(rc, page, shape).await?;
        values::connection(page, shape, &mut nested)
    })
}

/// The nested connections of the page's fact sheets, each rendered once per fact sheet and
/// nested field however often that fact sheet appears in the page.
async fn nested_levels(
    rc: &RequestContext,
    page: &RelationPage,
    shape: &Shape,
) -> Option<NestedValues> {
    let mut wanted: HashMap<(Uuid, usize), (usize, &FactSheetNode, &Nested)> = HashMap::new();
    for edge in &page.edges {
        let relation = &edge.node.relation;
        for field in shape.relation_fields() {
            let (end, fields) = match &field.field {
                RelationField::From(fields) => (relation.from_id, fields),
                RelationField::To(fields) => (relation.to_id, fields),
                _ => continue,
            };
            for selected in fields {
                let SheetField::Relations(nested) = &selected.field else {
                    continue;
                };
                let node = edge.node.known_end(end)?;
                wanted
                    .entry((end, nested.id))
                    .and_modify(|(uses, _, _)| *uses += 1)
                    .or_insert((1, node, nested));
            }
        }
    }
    let levels = wanted
        .into_iter()
        .map(|(key, (uses, node, nested))| async move {
            let window = rc
                .loaders
                .relation_windows
                .load((key.0, nested.slice.clone()))
                .await
                .ok()?
                .unwrap_or_default();
            let page =
                RelationPage::new(node, &window, nested.size, nested.slice.far_end_attributes);
            let value = render(rc, &page, &nested.shape).await?;
            Some((key, uses, value))
        });
    let mut values = NestedValues::default();
    for level in join_all(levels).await {
        let (key, uses, value) = level?;
        values.insert(key, uses, value);
    }
    Some(values)
}
