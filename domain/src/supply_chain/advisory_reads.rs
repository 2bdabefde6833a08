//! Reading advisories back: by id or alias, and the artifacts one affects.

use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait},
};
use uuid::Uuid;

use super::SHARED_WORKSPACE;
use crate::{
    authz::{self, Action},
    error::{Error, Result},
    limits,
    paging::{Page, decode_cursor, encode_cursor, page_size},
    principal::Principal,
};
use entity::{advisory, advisory_alias, vulnerability_match};

/// A stored advisory; `workspace_id` is [`SHARED_WORKSPACE`] for a shared one.
pub type Advisory = advisory::Model;

/// The advisory the caller's workspace knows as `id`, its OSV id or an alias (a CVE id): its
/// own advisory before a shared one, and an id before an alias.
pub async fn find_advisory(
    db: &impl ConnectionTrait,
    principal: &Principal,
    id: &str,
) -> Result<Option<Advisory>> {
    authz::require(principal, Action::Read)?;
    if let Some(refusal) = limits::check_text("id", id) {
        return Err(Error::Invalid(vec![refusal]));
    }
    let visible = [principal.workspace_id, SHARED_WORKSPACE];
    let by_id = advisory::Entity::find()
        .filter(advisory::Column::WorkspaceId.is_in(visible))
        .filter(advisory::Column::Id.eq(id))
        .all(db)
        .await?;
    let aliased: Vec<(Uuid, String)> = advisory_alias::Entity::find()
        .select_only()
        .columns([
            advisory_alias::Column::WorkspaceId,
            advisory_alias::Column::AdvisoryId,
        ])
        .filter(advisory_alias::Column::WorkspaceId.is_in(visible))
        .filter(advisory_alias::Column::Alias.eq(id))
        .order_by_asc(advisory_alias::Column::AdvisoryId)
        .into_tuple()
        .all(db)
        .await?;
    for workspace in visible {
        if let Some(found) = by_id.iter().find(|a| a.workspace_id == workspace) {
            return Ok(Some(found.clone()));
        }
        if let Some((_, advisory_id)) = aliased.iter().find(|(w, _)| *w == workspace) {
            return Ok(advisory::Entity::find()
                .filter(advisory::Column::WorkspaceId.eq(workspace))
                .filter(advisory::Column::Id.eq(advisory_id.as_str()))
                .one(db)
                .await?);
        }
    }
    Ok(None)
}

/// The caller's artifacts with an open match of `advisory` (as [`find_advisory`] returned it),
/// in id order.
pub async fn affected_fact_sheets(
    db: &impl ConnectionTrait,
    principal: &Principal,
    advisory: &Advisory,
    first: Option<i32>,
    after: Option<&str>,
) -> Result<Page<Uuid>> {
    authz::require(principal, Action::Read)?;
    let size = page_size(first)?;
    let mut query = affected_query(principal, advisory)
        .select_only()
        .column(vulnerability_match::Column::FactSheetId)
        .distinct();
    if let Some(after) = after {
        let id: Uuid = decode_cursor(after)?;
        query = query.filter(vulnerability_match::Column::FactSheetId.gt(id));
    }
    let ids: Vec<Uuid> = query
        .order_by_asc(vulnerability_match::Column::FactSheetId)
        .limit(size + 1)
        .into_tuple()
        .all(db)
        .await?;
    Ok(Page::from_rows(ids, size, encode_cursor))
}

/// How many artifacts [`affected_fact_sheets`] pages through (`totalCount`).
pub async fn affected_fact_sheet_count(
    db: &impl ConnectionTrait,
    principal: &Principal,
    advisory: &Advisory,
) -> Result<u64> {
    authz::require(principal, Action::Read)?;
    let count: Option<i64> = affected_query(principal, advisory)
        .select_only()
        .expr(Expr::col(vulnerability_match::Column::FactSheetId).count_distinct())
        .into_tuple()
        .one(db)
        .await?;
    Ok(u64::try_from(count.unwrap_or(0)).unwrap_or(0))
}

fn affected_query(
    principal: &Principal,
    advisory: &Advisory,
) -> sea_orm::Select<vulnerability_match::Entity> {
    vulnerability_match::Entity::find()
        .filter(vulnerability_match::Column::WorkspaceId.eq(principal.workspace_id))
        .filter(vulnerability_match::Column::AdvisoryWorkspaceId.eq(advisory.workspace_id))
        .filter(vulnerability_match::Column::AdvisoryId.eq(advisory.id.as_str()))
        .filter(vulnerability_match::Column::ResolvedAt.is_null())
}
