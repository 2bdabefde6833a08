//! `GET /export` and `wayfinder export`: a workspace's fact sheets and then its relations, one
//! page at a time.

use std::collections::HashSet;

use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    authz::{self, Action},
    db::INSERT_CHUNK,
    error::Result,
    external_ids,
    fact_sheets::{FactSheet, Status},
    principal::Principal,
    relations::Relation,
    subscriptions, tags,
};
use entity::{fact_sheet, relation};

/// Which fact sheets an export holds; relations are exported when both their ends are.
#[derive(Debug, Clone, Default)]
pub struct ExportFilter {
    /// Fact sheet types to export; `None` exports every type.
    pub types: Option<Vec<String>>,
    /// Archived fact sheets too (`status=ALL`), not only active ones.
    pub include_archived: bool,
}

/// Where the next page of an export starts: after the last id of the previous page, first
/// among fact sheets and then among relations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportCursor {
    FactSheets { after: Option<Uuid> },
    Relations { after: Option<Uuid> },
    Done,
}

impl ExportCursor {
    pub const START: Self = Self::FactSheets { after: None };
}

/// The lines of one page of at most `page_size` rows from `cursor` on, and the cursor of the
/// next page. Each call is a complete read of its own, so a caller can stream the pages without
/// holding a connection while its client reads.
pub async fn export_page(
    db: &impl ConnectionTrait,
    principal: &Principal,
    filter: &ExportFilter,
    cursor: ExportCursor,
    page_size: u64,
) -> Result<(Vec<Value>, ExportCursor)> {
    authz::require(principal, Action::Read)?;
    match cursor {
        ExportCursor::FactSheets { after } => {
            let rows = fact_sheets_after(db, principal, filter, after, page_size).await?;
            let next = match rows.last() {
                Some(last) if rows.len() as u64 == page_size => ExportCursor::FactSheets {
                    after: Some(last.id),
                },
                _ => ExportCursor::Relations { after: None },
            };
            Ok((fact_sheet_lines(db, principal, rows).await?, next))
        }
        ExportCursor::Relations { after } => {
            let rows = relations_after(db, principal, after, page_size).await?;
            let next = match rows.last() {
                Some(last) if rows.len() as u64 == page_size => ExportCursor::Relations {
                    after: Some(last.id),
                },
                _ => ExportCursor::Done,
            };
            let exported = exported_among(db, principal, filter, &rows).await?;
            let lines = rows
                .iter()
                .filter(|r| exported.contains(&r.from_id) && exported.contains(&r.to_id))
                .map(relation_line)
                .collect();
            Ok((lines, next))
        }
        ExportCursor::Done => Ok((Vec::new(), ExportCursor::Done)),
    }
}

/// The fact sheets the filter exports, as a condition on `fact_sheet` columns.
fn exported(principal: &Principal, filter: &ExportFilter) -> Condition {
    let mut condition =
        Condition::all().add(fact_sheet::Column::WorkspaceId.eq(principal.workspace_id));
    if let Some(types) = &filter.types {
        condition = condition.add(fact_sheet::Column::FactSheetType.is_in(types.clone()));
    }
    if !filter.include_archived {
        condition = condition.add(fact_sheet::Column::Status.eq(Status::Active.as_str()));
    }
    condition
}

async fn fact_sheets_after(
    db: &impl ConnectionTrait,
    principal: &Principal,
    filter: &ExportFilter,
    after: Option<Uuid>,
    page_size: u64,
) -> Result<Vec<FactSheet>> {
    let mut query = fact_sheet::Entity::find().filter(exported(principal, filter));
    if let Some(after) = after {
        query = query.filter(fact_sheet::Column::Id.gt(after));
    }
    Ok(query
        .order_by_asc(fact_sheet::Column::Id)
        .limit(page_size)
        .all(db)
        .await?)
}

/// The workspace's next `page_size` relations by id. Whether both ends are exported is asked
/// of the page's ends afterwards ([`exported_among`]), so a page may hold fewer lines than rows.
/// An `EXISTS` probe per end in this statement was slow on SQLite: its planner builds a Bloom
/// filter from every exported fact sheet for such probes, on every page.
async fn relations_after(
    db: &impl ConnectionTrait,
    principal: &Principal,
    after: Option<Uuid>,
    page_size: u64,
) -> Result<Vec<Relation>> {
    let mut query =
        relation::Entity::find().filter(relation::Column::WorkspaceId.eq(principal.workspace_id));
    if let Some(after) = after {
        query = query.filter(relation::Column::Id.gt(after));
    }
    Ok(query
        .order_by_asc(relation::Column::Id)
        .limit(page_size)
        .all(db)
        .await?)
}

/// Which ends of `relations` the filter exports, in one primary-key lookup per end.
async fn exported_among(
    db: &impl ConnectionTrait,
    principal: &Principal,
    filter: &ExportFilter,
    relations: &[Relation],
) -> Result<HashSet<Uuid>> {
    let mut ends: Vec<Uuid> = relations
        .iter()
        .flat_map(|r| [r.from_id, r.to_id])
        .collect();
    ends.sort_unstable();
    ends.dedup();
    let mut found = HashSet::with_capacity(ends.len());
    for chunk in ends.chunks(INSERT_CHUNK) {
        let ids: Vec<Uuid> = fact_sheet::Entity::find()
            .select_only()
            .column(fact_sheet::Column::Id)
            .filter(exported(principal, filter))
            .filter(fact_sheet::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        found.extend(ids);
    }
    Ok(found)
}

async fn fact_sheet_lines(
    db: &impl ConnectionTrait,
    principal: &Principal,
    rows: Vec<FactSheet>,
) -> Result<Vec<Value>> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut external = external_ids::for_fact_sheets(db, principal, &ids).await?;
    let mut tags = tags::tags_of(db, principal, &ids).await?;
    let mut subscriptions = subscriptions::for_fact_sheets(db, principal, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|fs| {
            let tags: Vec<String> = tags
                .remove(&fs.id)
                .unwrap_or_default()
                .into_iter()
                .map(|t| t.name)
                .collect();
            let subscriptions: Vec<Value> = subscriptions
                .remove(&fs.id)
                .unwrap_or_default()
                .into_iter()
                .map(|s| json!({ "user": s.subject, "role": s.role }))
                .collect();
            json!({
                "kind": "factSheet",
                "ref": { "id": fs.id },
                "type": fs.fact_sheet_type,
                "name": fs.name,
                "description": fs.description,
                "status": fs.status,
                "attributes": fs.attributes,
                "tags": tags,
                "externalIds": external.remove(&fs.id).unwrap_or_default(),
                "parent": fs.parent_id.map(|p| json!({ "id": p })),
                "subscriptions": subscriptions,
            })
        })
        .collect())
}

fn relation_line(r: &Relation) -> Value {
    json!({
        "kind": "relation",
        "type": r.relation_type,
        "from": { "id": r.from_id },
        "to": { "id": r.to_id },
        "attributes": r.attributes,
        "activeFrom": r.active_from,
        "activeUntil": r.active_until,
    })
}
