//! The orders a fact sheet list is read in, and for each the keyset condition that continues
//! after a cursor. Ties are broken by id, in the list's direction, so every order is total and
//! a page never repeats or skips a fact sheet.
//!
//! A numeric attribute orders by its row in the attribute index (`attribute_values`), joined
//! once: the value is in SQL on both databases, where a JSON path into `attributes` is not
//! comparable alike. Fact sheets without a value come last in both directions, as a report
//! reading "largest costs first" or "smallest first" expects; SQL's own NULL placement differs
//! between the two databases (and flips with the direction on PostgreSQL), so the order
//! states it explicitly.

use chrono::{DateTime, Utc};
use sea_orm::{
    Condition, EntityTrait, Order, QueryFilter, QueryOrder, QueryTrait, Select,
    sea_query::{Expr, ExprTrait, JoinType},
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::FactSheet;
use crate::{
    error::{Error, Result},
    meta_model::MetaModel,
};
use entity::{attribute_value, fact_sheet};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OrderField {
    #[default]
    Name,
    UpdatedAt,
    CreatedAt,
    Completion,
}

/// What a list is ordered by: a column of the fact sheet, or a number or integer attribute of
/// the meta model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SortKey {
    Field(OrderField),
    Attribute(String),
}

impl Default for SortKey {
    fn default() -> Self {
        Self::Field(OrderField::default())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FactSheetOrder {
    pub by: SortKey,
    pub descending: bool,
}

impl FactSheetOrder {
    pub fn field(field: OrderField, descending: bool) -> Self {
        Self {
            by: SortKey::Field(field),
            descending,
        }
    }

    pub fn attribute(key: impl Into<String>, descending: bool) -> Self {
        Self {
            by: SortKey::Attribute(key.into()),
            descending,
        }
    }

    /// This order checked against the meta model: an attribute must be a number or integer
    /// in every one of the listed `types` (all types when `None`) that has it.
    pub(super) fn checked(&self, model: &MetaModel, types: Option<&[String]>) -> Result<Sort<'_>> {
        let key = match &self.by {
            SortKey::Field(field) => return Ok(Sort::Field(*field)),
            SortKey::Attribute(key) => key,
        };
        let path = "orderBy.attribute";
        let mut in_scope = model
            .attribute_definitions(key)
            .filter(|(t, _)| types.is_none_or(|types| types.contains(&t.key)))
            .peekable();
        if in_scope.peek().is_none() {
            return Err(Error::invalid(
                path,
                format!("`{key}` is not an attribute of the listed types"),
            ));
        }
        if let Some((t, definition)) = in_scope.find(|(_, d)| !d.kind.is_numeric()) {
            return Err(Error::invalid(
                path,
                format!(
                    "`{key}` of {} is a {:?} attribute; only number and integer attributes order a list",
                    t.key, definition.kind
                ),
            ));
        }
        Ok(Sort::Attribute(key))
    }
}

/// Where a page ended: the sort value and id of its last fact sheet.
#[derive(Serialize, Deserialize)]
pub(super) struct Position {
    /// The sort the cursor was made for; a cursor of another order is refused.
    pub(super) f: String,
    pub(super) v: Value,
    pub(super) id: Uuid,
}

/// An order the meta model allows.
#[derive(Debug, Clone, Copy)]
pub(super) enum Sort<'a> {
    Field(OrderField),
    Attribute(&'a str),
}

/// The attribute index row joined for [`Sort::Attribute`], aliased so that the filter's own
/// sub-queries over `attribute_values` keep meaning their own rows.
const SORT_VALUE: &str = "sort_value";

impl Sort<'_> {
    pub(super) fn tag(self) -> String {
        match self {
            Sort::Field(OrderField::Name) => "name".into(),
            Sort::Field(OrderField::UpdatedAt) => "updatedAt".into(),
            Sort::Field(OrderField::CreatedAt) => "createdAt".into(),
            Sort::Field(OrderField::Completion) => "completion".into(),
            Sort::Attribute(key) => format!("attribute:{key}"),
        }
    }

    /// The sort value of `fs`: for an attribute, the number the index holds for it (none when
    /// unset or not a number).
    pub(super) fn value_of(self, fs: &FactSheet) -> Value {
        match self {
            Sort::Field(OrderField::Name) => Value::String(fs.name.clone()),
            Sort::Field(OrderField::UpdatedAt) => Value::String(fs.updated_at.to_rfc3339()),
            Sort::Field(OrderField::CreatedAt) => Value::String(fs.created_at.to_rfc3339()),
            Sort::Field(OrderField::Completion) => serde_json::json!(fs.completion),
            Sort::Attribute(key) => fs
                .attributes
                .get(key)
                .and_then(Value::as_f64)
                .map_or(Value::Null, |n| serde_json::json!(n)),
        }
    }

    /// The cursor just past `fs`.
    pub(super) fn position(self, fs: &FactSheet) -> Position {
        Position {
            f: self.tag(),
            v: self.value_of(fs),
            id: fs.id,
        }
    }

    fn sort_expr(self) -> Expr {
        match self {
            Sort::Field(OrderField::Name) => Expr::col(fact_sheet::Column::Name),
            Sort::Field(OrderField::UpdatedAt) => Expr::col(fact_sheet::Column::UpdatedAt),
            Sort::Field(OrderField::CreatedAt) => Expr::col(fact_sheet::Column::CreatedAt),
            Sort::Field(OrderField::Completion) => Expr::col(fact_sheet::Column::Completion),
            Sort::Attribute(_) => Expr::col((SORT_VALUE, attribute_value::Column::ValueNumber)),
        }
    }

    /// The cursor's sort value as an operand, `Some(None)` for "no value" (an attribute's
    /// missing number), `None` when the value is not one this sort makes.
    fn operand(self, v: &Value) -> Option<Option<Expr>> {
        match (self, v) {
            (Sort::Field(OrderField::Name), Value::String(s)) => {
                Some(Some(Expr::value(s.to_owned())))
            }
            (Sort::Field(OrderField::UpdatedAt | OrderField::CreatedAt), Value::String(s)) => {
                DateTime::parse_from_rfc3339(s)
                    .ok()
                    .map(|t| Some(Expr::value(t.with_timezone(&Utc))))
            }
            (Sort::Field(OrderField::Completion), v) => v.as_f64().map(|n| Some(Expr::value(n))),
            (Sort::Attribute(_), Value::Null) => Some(None),
            (Sort::Attribute(_), v) => v.as_f64().map(|n| Some(Expr::value(n))),
            _ => None,
        }
    }

    /// The fact sheets after `after` in this order: a greater sort value, or the same and a
    /// greater id (smaller for a descending order). A value comes before no value.
    pub(super) fn after(self, after: &str, descending: bool) -> Result<Condition> {
        let position: Position = crate::paging::decode_cursor(after)?;
        let operand = (position.f == self.tag())
            .then(|| self.operand(&position.v))
            .flatten()
            .ok_or_else(|| Error::invalid("after", "the cursor belongs to another sort order"))?;
        let sorted = self.sort_expr();
        let id = Expr::col((fact_sheet::Entity, fact_sheet::Column::Id));
        let tie = match descending {
            true => id.lt(position.id),
            false => id.gt(position.id),
        };
        let Some(value) = operand else {
            // Past the last value: only the rest of those without one.
            return Ok(Condition::all().add(sorted.is_null()).add(tie));
        };
        let past = match descending {
            true => sorted.clone().lt(value.clone()),
            false => sorted.clone().gt(value.clone()),
        };
        let after = Condition::any()
            .add(past)
            .add(Condition::all().add(sorted.clone().eq(value)).add(tie));
        Ok(match self {
            // Every fact sheet without a value comes after those with one.
            Sort::Attribute(_) => after.add(sorted.is_null()),
            Sort::Field(_) => after,
        })
    }

    /// The fact sheets matching `condition`, in this order.
    pub(super) fn select(
        self,
        condition: Condition,
        descending: bool,
    ) -> Select<fact_sheet::Entity> {
        let direction = if descending { Order::Desc } else { Order::Asc };
        let mut select = fact_sheet::Entity::find().filter(condition);
        if let Sort::Attribute(key) = self {
            let row = |column| Expr::col((SORT_VALUE, column));
            let on = Condition::all()
                .add(
                    row(attribute_value::Column::WorkspaceId)
                        .equals((fact_sheet::Entity, fact_sheet::Column::WorkspaceId)),
                )
                .add(
                    row(attribute_value::Column::FactSheetId)
                        .equals((fact_sheet::Entity, fact_sheet::Column::Id)),
                )
                .add(row(attribute_value::Column::Key).eq(key))
                // A number is one row; only multi-selects have more.
                .add(row(attribute_value::Column::Ordinal).eq(0));
            QueryTrait::query(&mut select).join_as(
                JoinType::LeftJoin,
                attribute_value::Entity,
                SORT_VALUE,
                on,
            );
            select = select.order_by(self.sort_expr().is_null(), Order::Asc);
        }
        select
            .order_by(self.sort_expr(), direction.clone())
            .order_by(fact_sheet::Column::Id, direction)
    }
}
