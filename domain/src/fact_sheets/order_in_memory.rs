//! A list's order applied to fact sheets held in memory, the order the SQL reads them in
//! ([`super::order`]). Lists that merge fact sheets from elsewhere into a stored page (the
//! landscape at a past date) sort and continue them with it, and hand out the stored list's
//! own cursors, so a client pages through the merged list as through any other.
//!
//! Names compare as Rust strings, which matches the databases' order for names without mixed
//! case or accents; instants, completion and numbers compare as values; fact sheets without
//! the attribute a list is ordered by come last in both directions, as in SQL.

use std::cmp::Ordering;

use chrono::{DateTime, Utc};
use serde_json::Value;
use uuid::Uuid;

use super::{
    FactSheet, FactSheetOrder,
    order::{Position, Sort},
};
use crate::{
    error::{Error, Result},
    meta_model::MetaModel,
    paging::{decode_cursor, encode_cursor},
};

use super::OrderField;

/// A checked order, for fact sheets in memory.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MemoryOrder<'a> {
    sort: Sort<'a>,
    descending: bool,
}

/// A fact sheet's place in the order: its sort value and id.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Place {
    key: Key,
    id: Uuid,
}

/// A sort value. Values of one order are all of one kind; `Missing` only orders by attribute.
#[derive(Debug, Clone, PartialEq, PartialOrd)]
enum Key {
    Text(String),
    Instant(DateTime<Utc>),
    Number(f64),
    Missing,
}

impl FactSheetOrder {
    /// This order for fact sheets in memory, checked against the meta model as the SQL list
    /// checks it.
    pub(crate) fn in_memory(
        &self,
        model: &MetaModel,
        types: Option<&[String]>,
    ) -> Result<MemoryOrder<'_>> {
        Ok(MemoryOrder {
            sort: self.checked(model, types)?,
            descending: self.descending,
        })
    }
}

impl MemoryOrder<'_> {
    pub(crate) fn place(&self, fs: &FactSheet) -> Place {
        Place {
            key: self.key(&self.sort.value_of(fs)).unwrap_or(Key::Missing),
            id: fs.id,
        }
    }

    /// Where the list continues after the cursor `after`; a cursor of another order is refused.
    pub(crate) fn place_after(&self, after: &str) -> Result<Place> {
        let position: Position = decode_cursor(after)?;
        let key = (position.f == self.sort.tag())
            .then(|| self.key(&position.v))
            .flatten()
            .ok_or_else(|| Error::invalid("after", "the cursor belongs to another sort order"))?;
        Ok(Place {
            key,
            id: position.id,
        })
    }

    /// The cursor just past `fs`, the one the SQL list gives it.
    pub(crate) fn cursor(&self, fs: &FactSheet) -> String {
        encode_cursor(&self.sort.position(fs))
    }

    /// How two places compare in the list: sort value, then id, both in the list's direction,
    /// except that a missing value comes last either way.
    pub(crate) fn compare(&self, a: &Place, b: &Place) -> Ordering {
        match (&a.key, &b.key) {
            (Key::Missing, Key::Missing) => {}
            (Key::Missing, _) => return Ordering::Greater,
            (_, Key::Missing) => return Ordering::Less,
            _ => {}
        }
        let ordered = a
            .key
            .partial_cmp(&b.key)
            .unwrap_or(Ordering::Equal)
            .then(a.id.cmp(&b.id));
        match self.descending {
            true => ordered.reverse(),
            false => ordered,
        }
    }

    /// The sort value `v` (of a fact sheet or a cursor) as a key; `None` when it is not one of
    /// this order's values.
    fn key(&self, v: &Value) -> Option<Key> {
        match (self.sort, v) {
            (Sort::Field(OrderField::Name), Value::String(s)) => Some(Key::Text(s.clone())),
            (Sort::Field(OrderField::UpdatedAt | OrderField::CreatedAt), Value::String(s)) => {
                DateTime::parse_from_rfc3339(s)
                    .ok()
                    .map(|t| Key::Instant(t.with_timezone(&Utc)))
            }
            (Sort::Attribute(_), Value::Null) => Some(Key::Missing),
            (Sort::Field(OrderField::Completion) | Sort::Attribute(_), v) => {
                v.as_f64().map(Key::Number)
            }
            _ => None,
        }
    }
}
