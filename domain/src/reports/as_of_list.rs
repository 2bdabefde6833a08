//! Fact sheet lists, totals and facets at a past instant T. Fact sheets unchanged since T are
//! exactly as stored, so the ordinary SQL list, count and facets serve them (the filter with
//! "last changed at or before T" added); only the fact sheets changed after T are rebuilt
//! from their history ([`super::as_of`]) and checked here, then merged in.
//!
//! Rebuilt fact sheets are not in the tables the SQL filter reads, so they are checked in
//! memory. To keep one meaning of each filter part, only the parts whose SQL is a plain
//! comparison of a stored value are allowed with `asOf`: `ids`, `types`, `status`, `parentId`,
//! `search`, `tags` and `attributes` (compared against the same attribute index rows the SQL
//! reads, [`index_values`]). `relations`, `completion`, `updatedAfter`, `updatedBefore` and
//! `subscriptions` are refused naming the field, and the list is ordered by name only (names
//! compare as Rust strings, which matches the databases' order for names without mixed case or
//! accents).

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use sea_orm::ConnectionTrait;
use serde_json::Value;
use uuid::Uuid;

use super::as_of::{PastFactSheet, changed_after, check_as_of, states_at};
use crate::{
    attributes::{IndexValue, index_values},
    error::{Error, FieldError, Result},
    fact_sheets::{
        self, AttributeFilter, FacetCount, Facets, FactSheet, FactSheetFilter, FactSheetOrder,
        OrderField, SortKey, Status, decode_name_position, name_position, parse_attribute_filter,
    },
    meta_model::MetaModel,
    paging::{Page, page_size},
    principal::Principal,
};

/// A fact sheet in a list at a past instant. `tags` is set for a fact sheet rebuilt from its
/// history; `None` means it is as stored now (its current tags are its tags then).
#[derive(Debug, Clone)]
pub struct SheetAt {
    pub sheet: FactSheet,
    pub tags: Option<Vec<String>>,
}

/// The landscape at one instant, as far as lists need it: which fact sheets changed after it
/// and what those were then.
pub struct PastLandscape {
    pub at: DateTime<Utc>,
    rebuilt: HashMap<Uuid, PastFactSheet>,
}

impl PastLandscape {
    pub async fn load(
        db: &impl ConnectionTrait,
        principal: &Principal,
        model: &MetaModel,
        at: DateTime<Utc>,
    ) -> Result<Self> {
        check_as_of(at, "asOf")?;
        let changed = changed_after(db, principal.workspace_id, at).await?;
        let rebuilt = states_at(db, principal, model, &changed, at).await?;
        Ok(Self { at, rebuilt })
    }

    /// The filter for the fact sheets that are as stored: `filter` plus "not changed after T".
    fn unchanged(&self, filter: &FactSheetFilter) -> FactSheetFilter {
        FactSheetFilter {
            updated_before: Some(self.at + Duration::nanoseconds(1)),
            ..filter.clone()
        }
    }

    fn matching<'a>(
        &'a self,
        model: &'a MetaModel,
        filter: &'a FactSheetFilter,
        without: Without<'a>,
    ) -> impl Iterator<Item = &'a PastFactSheet> + 'a {
        self.rebuilt
            .values()
            .filter(move |p| matches(model, filter, p, without))
    }
}

/// The filter parts asOf cannot check the way SQL does, refused naming the field.
pub fn check_filter(filter: &FactSheetFilter) -> Result<()> {
    let refused = [
        ("filter.relations", !filter.relations.is_empty()),
        ("filter.completion", filter.completion.is_some()),
        ("filter.updatedAfter", filter.updated_after.is_some()),
        ("filter.updatedBefore", filter.updated_before.is_some()),
        ("filter.subscriptions", !filter.subscriptions.is_empty()),
    ];
    let errors: Vec<FieldError> = refused
        .into_iter()
        .filter(|(_, set)| *set)
        .map(|(path, _)| FieldError::new(path, "cannot be combined with asOf"))
        .collect();
    Error::check(errors)
}

fn check_order(order: &FactSheetOrder) -> Result<()> {
    match order.by {
        SortKey::Field(OrderField::Name) => Ok(()),
        _ => Err(Error::invalid(
            "orderBy",
            "a list with asOf is ordered by name only",
        )),
    }
}

/// One page of the fact sheets matching `filter` at `landscape.at`, ordered by name.
#[allow(clippy::too_many_arguments)]
pub async fn list(
    db: &impl ConnectionTrait,
    principal: &Principal,
    model: &MetaModel,
    landscape: &PastLandscape,
    filter: &FactSheetFilter,
    order: FactSheetOrder,
    first: Option<i32>,
    after: Option<&str>,
) -> Result<Page<SheetAt>> {
    check_filter(filter)?;
    check_order(&order)?;
    let size = page_size(first)?;
    let descending = order.descending;
    let stored = fact_sheets::list(
        db,
        principal,
        model,
        &landscape.unchanged(filter),
        order,
        Some(size as i32),
        after,
    )
    .await?;
    let position = after.map(decode_name_position).transpose()?;
    let key = |s: &FactSheet| (s.name.clone(), s.id);
    let past_the_cursor = |s: &FactSheet| match &position {
        None => true,
        Some(p) if descending => key(s) < *p,
        Some(p) => key(s) > *p,
    };
    let mut rows: Vec<SheetAt> = stored
        .items
        .into_iter()
        .map(|(_, sheet)| SheetAt { sheet, tags: None })
        .chain(
            landscape
                .matching(model, filter, Without::Nothing)
                .filter(|p| past_the_cursor(&p.sheet))
                .map(|p| SheetAt {
                    sheet: p.sheet.clone(),
                    tags: Some(p.tags.clone()),
                }),
        )
        .collect();
    rows.sort_by(|a, b| {
        let ordered = key(&a.sheet).cmp(&key(&b.sheet));
        if descending {
            ordered.reverse()
        } else {
            ordered
        }
    });
    let more = stored.has_next_page || rows.len() as u64 > size;
    let mut page = Page::from_rows(rows, size, |r| name_position(&r.sheet.name, r.sheet.id));
    page.has_next_page = more;
    Ok(page)
}

/// How many fact sheets matched `filter` at `landscape.at`.
pub async fn count(
    db: &impl ConnectionTrait,
    principal: &Principal,
    model: &MetaModel,
    landscape: &PastLandscape,
    filter: &FactSheetFilter,
) -> Result<u64> {
    check_filter(filter)?;
    let stored = fact_sheets::count(db, principal, model, &landscape.unchanged(filter)).await?;
    Ok(stored + landscape.matching(model, filter, Without::Nothing).count() as u64)
}

/// Facet counts at `landscape.at`: those of the stored fact sheets plus the rebuilt ones',
/// each facet leaving out its own part of the filter as the current facets do.
pub async fn facets(
    db: &impl ConnectionTrait,
    principal: &Principal,
    model: &MetaModel,
    landscape: &PastLandscape,
    filter: &FactSheetFilter,
) -> Result<Facets> {
    check_filter(filter)?;
    let mut facets =
        fact_sheets::facets(db, principal, model, &landscape.unchanged(filter)).await?;
    for past in landscape.matching(model, filter, Without::Types) {
        if let Some(c) = facets
            .types
            .iter_mut()
            .find(|c| c.key == past.sheet.fact_sheet_type)
        {
            c.count += 1;
        }
    }
    for past in landscape.matching(model, filter, Without::Tags) {
        for name in &past.tags {
            match facets.tags.iter_mut().find(|c| &c.key == name) {
                Some(c) => c.count += 1,
                None => facets.tags.push(FacetCount {
                    key: name.clone(),
                    label: name.clone(),
                    count: 1,
                }),
            }
        }
    }
    facets
        .tags
        .sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key)));
    let filtered = filtered_keys(filter);
    for facet in &mut facets.attributes {
        let without = match filtered.contains(&facet.key.as_str()) {
            true => Without::Attribute(&facet.key),
            false => Without::Nothing,
        };
        for past in landscape.matching(model, filter, without) {
            for row in index_rows(model, &past.sheet) {
                if row.key != facet.key {
                    continue;
                }
                if let Some(c) = facet
                    .counts
                    .iter_mut()
                    .find(|c| Some(&c.key) == row.text.as_ref())
                {
                    c.count += 1;
                }
            }
        }
    }
    Ok(facets)
}

fn filtered_keys(filter: &FactSheetFilter) -> Vec<&str> {
    match &filter.attributes {
        Some(Value::Object(object)) => object.keys().map(String::as_str).collect(),
        _ => Vec::new(),
    }
}

/// The part of the filter a facet leaves out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Without<'a> {
    Nothing,
    Types,
    Tags,
    Attribute(&'a str),
}

fn index_rows(model: &MetaModel, sheet: &FactSheet) -> Vec<IndexValue> {
    let Some(t) = model.fact_sheet_type(&sheet.fact_sheet_type) else {
        return Vec::new();
    };
    let values = sheet.attributes.as_object().cloned().unwrap_or_default();
    index_values(&t.attributes, &values)
}

/// Whether `past` matches `filter` (without one part), by the same comparisons the SQL filter
/// makes. The filter was checked by the SQL list before (unknown types, tags and attributes
/// refused there), so what does not parse here matches nothing.
pub(crate) fn matches(
    model: &MetaModel,
    filter: &FactSheetFilter,
    past: &PastFactSheet,
    without: Without<'_>,
) -> bool {
    let sheet = &past.sheet;
    if Status::of(sheet) != filter.status.unwrap_or(Status::Active) {
        return false;
    }
    if filter
        .ids
        .as_ref()
        .is_some_and(|ids| !ids.contains(&sheet.id))
    {
        return false;
    }
    if filter.parent_id.is_some() && filter.parent_id != sheet.parent_id {
        return false;
    }
    if let Some(search) = &filter.search
        && !search
            .split_whitespace()
            .all(|word| sheet.search_text.contains(&word.to_lowercase()))
    {
        return false;
    }
    if without != Without::Types
        && filter
            .types
            .as_ref()
            .is_some_and(|types| !types.contains(&sheet.fact_sheet_type))
    {
        return false;
    }
    if without != Without::Tags
        && let Some(tags) = &filter.tags
        && !tags.iter().all(|t| past.tags.contains(t))
    {
        return false;
    }
    let Some(Value::Object(specs)) = &filter.attributes else {
        return true;
    };
    let rows = index_rows(model, sheet);
    specs
        .iter()
        .filter(|(key, _)| without != Without::Attribute(key))
        .all(|(key, spec)| {
            let numeric = model
                .fact_sheet_type(&sheet.fact_sheet_type)
                .and_then(|t| t.attributes.iter().find(|a| &a.key == key))
                .or_else(|| model.attribute_definitions(key).map(|(_, d)| d).next())
                .is_some_and(|d| d.kind.is_numeric());
            let mut rows = rows.iter().filter(|r| &r.key == key);
            match parse_attribute_filter(spec) {
                Ok(AttributeFilter::IsSet(set)) => rows.next().is_some() == set,
                Ok(AttributeFilter::AnyOf(values)) => rows.any(|r| {
                    values
                        .iter()
                        .any(|v| compare(r, v, numeric) == Some(std::cmp::Ordering::Equal))
                }),
                Ok(AttributeFilter::Range { gt, gte, lt, lte }) => rows.any(|r| {
                    use std::cmp::Ordering::*;
                    let holds = |bound: &Option<Value>, ok: &[std::cmp::Ordering]| {
                        bound
                            .as_ref()
                            .is_none_or(|v| compare(r, v, numeric).is_some_and(|o| ok.contains(&o)))
                    };
                    holds(&gt, &[Greater])
                        && holds(&gte, &[Greater, Equal])
                        && holds(&lt, &[Less])
                        && holds(&lte, &[Less, Equal])
                }),
                Err(_) => false,
            }
        })
}

/// How an attribute index row compares with a filter operand, as SQL compares the column the
/// filter reads (`value_number` for numeric attributes, `value_text` otherwise).
fn compare(row: &IndexValue, operand: &Value, numeric: bool) -> Option<std::cmp::Ordering> {
    if numeric {
        row.number?.partial_cmp(&operand.as_f64()?)
    } else {
        let text = match operand {
            Value::String(s) => s.clone(),
            Value::Bool(b) => b.to_string(),
            _ => return None,
        };
        Some(row.text.as_ref()?.cmp(&text))
    }
}
