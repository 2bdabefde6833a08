//! A fact sheet's relations as they were at a past instant. They are rebuilt from its history
//! (`domain::reports::as_of`), so they take the executor's way, not the renderer's, which
//! reads stored rows only.

use std::{collections::HashMap, sync::Arc};

use async_graphql::Context;
use chrono::{DateTime, Utc};
use domain::{
    fact_sheets::FactSheet,
    paging::{Page, decode_cursor, encode_cursor, page_size},
    reports::as_of,
};
use uuid::Uuid;

use super::{
    connection::{RelationEdge, RelationPage},
    fact_sheet::FactSheetNode,
    relation::RelationNode,
};
use crate::graphql::{
    context::request,
    enums::RelationDirection,
    errors::OrGql,
    name_hints::check_relation_type,
    render::{PageInfo, RelationArgs},
};

/// One page of `sheet`'s relations at `at`, in id order, with both ends as they were then.
pub async fn relations_at(
    ctx: &Context<'_>,
    sheet: &FactSheet,
    at: DateTime<Utc>,
    args: RelationArgs,
) -> async_graphql::Result<RelationPage> {
    let rc = request(ctx)?;
    let model = rc.meta_model().await?;
    check_relation_type(ctx, &model.model, args.relation_type.as_deref()).gql()?;
    as_of::check_as_of(at, "asOf").gql()?;
    let size = page_size(args.first).gql()?;
    let after: Option<Uuid> = args.after.as_deref().map(decode_cursor).transpose().gql()?;
    let db = rc.db().await?;
    let id = sheet.id;
    let all = as_of::relations_at(db, &rc.principal, id, at).await.gql()?;
    let selected: Vec<_> = all
        .into_iter()
        .filter(|r| {
            args.relation_type
                .as_ref()
                .is_none_or(|t| &r.relation_type == t)
        })
        .filter(|r| match args.direction {
            RelationDirection::Outgoing => r.from_id == id,
            RelationDirection::Incoming => r.to_id == id,
            RelationDirection::Both => true,
        })
        .collect();
    let total_count = selected.len() as u64;
    let rows: Vec<_> = selected
        .into_iter()
        .filter(|r| after.is_none_or(|a| r.id > a))
        .take(size as usize + 1)
        .collect();
    let page = Page::from_rows(rows, size, |r| encode_cursor(&r.id));
    let mut ids: Vec<Uuid> = page
        .items
        .iter()
        .flat_map(|(_, r)| [r.from_id, r.to_id])
        .collect();
    ids.push(id);
    ids.sort();
    ids.dedup();
    let states: HashMap<Uuid, as_of::PastFactSheet> =
        as_of::states_at(db, &rc.principal, &model.model, &ids, at)
            .await
            .gql()?;
    let node = |end: Uuid| {
        states
            .get(&end)
            .map(|p| FactSheetNode::at(p.sheet.clone(), at, Some(p.tags.clone())))
    };
    Ok(RelationPage {
        page_info: PageInfo::of(&page),
        total_count,
        edges: page
            .items
            .into_iter()
            .map(|(cursor, r)| {
                let known_ends = [r.from_id, r.to_id].into_iter().filter_map(node).collect();
                RelationEdge {
                    cursor,
                    node: RelationNode {
                        relation: Arc::new(r),
                        known_ends,
                    },
                }
            })
            .collect(),
    })
}
