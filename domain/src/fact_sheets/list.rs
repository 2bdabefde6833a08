//! Listing fact sheets in a stable order with keyset (seek) pagination: the cursor holds the
//! sort value and id of the last row, so deep pages cost the same as the first and concurrent
//! inserts never shift a page.

use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect};

use super::{
    FactSheet,
    filter::{FactSheetFilter, Part, compile},
    order::FactSheetOrder,
};
use crate::{
    authz::{self, Action},
    error::Result,
    meta_model::MetaModel,
    paging::{Page, encode_cursor, page_size},
    principal::Principal,
};
use entity::fact_sheet;

pub async fn list(
    db: &impl ConnectionTrait,
    principal: &Principal,
    model: &MetaModel,
    filter: &FactSheetFilter,
    order: FactSheetOrder,
    first: Option<i32>,
    after: Option<&str>,
) -> Result<Page<FactSheet>> {
    authz::require(principal, Action::Read)?;
    let size = page_size(first)?;
    let compiled = compile(db, principal, model, filter).await?;
    let sort = order.checked(model, filter.types.as_deref())?;
    let mut condition = compiled.condition(Part::None);
    if let Some(after) = after {
        condition = condition.add(sort.after(after, order.descending)?);
    }
    let rows = sort
        .select(condition, order.descending)
        .limit(size + 1)
        .all(db)
        .await?;
    Ok(Page::from_rows(rows, size, |fs| {
        encode_cursor(&sort.position(fs))
    }))
}

/// Refuses `filter` and `order` where [`list`] would, without reading a fact sheet: for
/// definitions kept to be listed later (saved views).
pub async fn check_list(
    db: &impl ConnectionTrait,
    principal: &Principal,
    model: &MetaModel,
    filter: &FactSheetFilter,
    order: &FactSheetOrder,
) -> Result<()> {
    authz::require(principal, Action::Read)?;
    compile(db, principal, model, filter).await?;
    order.checked(model, filter.types.as_deref())?;
    Ok(())
}

/// How many fact sheets match the filter (the connection's `totalCount`).
pub async fn count(
    db: &impl ConnectionTrait,
    principal: &Principal,
    model: &MetaModel,
    filter: &FactSheetFilter,
) -> Result<u64> {
    authz::require(principal, Action::Read)?;
    let compiled = compile(db, principal, model, filter).await?;
    Ok(fact_sheet::Entity::find()
        .filter(compiled.condition(Part::None))
        .count(db)
        .await?)
}
