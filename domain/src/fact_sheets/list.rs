//! Listing fact sheets in a stable order with keyset (seek) pagination: the cursor holds the
//! sort value and id of the last row, so deep pages cost the same as the first and concurrent
//! inserts never shift a page.

use chrono::{DateTime, Utc};
use sea_orm::{
    Condition, ConnectionTrait, EntityTrait, Order, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
    sea_query::{Expr, ExprTrait},
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::{
    FactSheet,
    filter::{FactSheetFilter, Part, compile},
};
use crate::{
    authz::{self, Action},
    error::{Error, Result},
    meta_model::MetaModel,
    paging::{Page, decode_cursor, encode_cursor, page_size},
    principal::Principal,
};
use entity::fact_sheet;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OrderField {
    #[default]
    Name,
    UpdatedAt,
    CreatedAt,
    Completion,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FactSheetOrder {
    pub field: OrderField,
    pub descending: bool,
}

#[derive(Serialize, Deserialize)]
struct Position {
    /// The sort field the cursor was made for; a cursor of another order is refused.
    f: String,
    v: Value,
    id: Uuid,
}

impl OrderField {
    fn column(self) -> fact_sheet::Column {
        match self {
            OrderField::Name => fact_sheet::Column::Name,
            OrderField::UpdatedAt => fact_sheet::Column::UpdatedAt,
            OrderField::CreatedAt => fact_sheet::Column::CreatedAt,
            OrderField::Completion => fact_sheet::Column::Completion,
        }
    }

    fn tag(self) -> &'static str {
        match self {
            OrderField::Name => "name",
            OrderField::UpdatedAt => "updatedAt",
            OrderField::CreatedAt => "createdAt",
            OrderField::Completion => "completion",
        }
    }

    fn value_of(self, fs: &FactSheet) -> Value {
        match self {
            OrderField::Name => Value::String(fs.name.clone()),
            OrderField::UpdatedAt => Value::String(fs.updated_at.to_rfc3339()),
            OrderField::CreatedAt => Value::String(fs.created_at.to_rfc3339()),
            OrderField::Completion => serde_json::json!(fs.completion),
        }
    }

    fn operand(self, v: &Value) -> Option<Expr> {
        match self {
            OrderField::Name => v.as_str().map(|s| Expr::value(s.to_owned())),
            OrderField::UpdatedAt | OrderField::CreatedAt => v
                .as_str()
                .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
                .map(|t| Expr::value(t.with_timezone(&Utc))),
            OrderField::Completion => v.as_f64().map(Expr::value),
        }
    }
}

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
    let mut condition = compiled.condition(Part::None);
    let column = order.field.column();
    if let Some(after) = after {
        let position: Position = decode_cursor(after)?;
        let value = (position.f == order.field.tag())
            .then(|| order.field.operand(&position.v))
            .flatten()
            .ok_or_else(|| Error::invalid("after", "the cursor belongs to another sort order"))?;
        let (past, tie) = if order.descending {
            (
                Expr::col(column).lt(value.clone()),
                Expr::col(fact_sheet::Column::Id).lt(position.id),
            )
        } else {
            (
                Expr::col(column).gt(value.clone()),
                Expr::col(fact_sheet::Column::Id).gt(position.id),
            )
        };
        condition = condition.add(
            Condition::any()
                .add(past)
                .add(Condition::all().add(Expr::col(column).eq(value)).add(tie)),
        );
    }
    let direction = if order.descending {
        Order::Desc
    } else {
        Order::Asc
    };
    let rows = fact_sheet::Entity::find()
        .filter(condition)
        .order_by(column, direction.clone())
        .order_by(fact_sheet::Column::Id, direction)
        .limit(size + 1)
        .all(db)
        .await?;
    Ok(Page::from_rows(rows, size, |fs| {
        encode_cursor(&Position {
            f: order.field.tag().to_owned(),
            v: order.field.value_of(fs),
            id: fs.id,
        })
    }))
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
