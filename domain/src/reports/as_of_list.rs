//! Fact sheet lists, totals and facets at a past instant T. Fact sheets unchanged since T are
//! exactly as stored, so the ordinary SQL list, count and facets serve them (the filter with
//! "last changed at or before T" added); only the fact sheets changed after T are rebuilt
//! from their history ([`super::as_of`]) and checked here, then merged in, in the list's own
//! order and with its own cursors.
//!
//! A relation change is recorded in the history of both its ends, so an unchanged fact sheet's
//! relations are also as they were at T, and the SQL relation filter holds for it. Rebuilt
//! fact sheets are not in the tables the SQL filter reads, so they are checked in memory, by
//! the same comparisons: attributes against the attribute index rows the SQL reads
//! ([`index_values`]), relations and subscriptions against theirs at T (read once, only when
//! the filter asks about them; their changes are in the same history).

use std::{cmp::Ordering, collections::HashMap};

use chrono::{DateTime, Duration, Utc};
use sea_orm::ConnectionTrait;
use serde_json::Value;
use tokio::sync::OnceCell;
use uuid::Uuid;

use super::as_of::{
    PastFactSheet, SubscriptionAt, changed_after, check_as_of, relations_of_many_at, states_at,
    subscriptions_of_many_at,
};
use crate::{
    attributes::{IndexValue, index_values},
    error::Result,
    fact_sheets::{
        self, AttributeFilter, FacetCount, Facets, FactSheet, FactSheetFilter, FactSheetOrder,
        NumberBounds, RelationDirection, Status, parse_attribute_filter,
    },
    meta_model::MetaModel,
    paging::{Page, page_size},
    principal::Principal,
    relations::Relation,
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
    /// The rebuilt fact sheets' relations and subscriptions at `at`, each read the first time
    /// a filter asks.
    relations: OnceCell<HashMap<Uuid, Vec<Relation>>>,
    subscriptions: OnceCell<HashMap<Uuid, Vec<SubscriptionAt>>>,
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
        Ok(Self {
            at,
            rebuilt,
            relations: OnceCell::new(),
            subscriptions: OnceCell::new(),
        })
    }

    /// The filter for the fact sheets that are as stored: `filter` plus "not changed after T".
    fn unchanged(&self, filter: &FactSheetFilter) -> FactSheetFilter {
        let not_after = self.at + Duration::nanoseconds(1);
        FactSheetFilter {
            updated_before: Some(
                filter
                    .updated_before
                    .map_or(not_after, |b| b.min(not_after)),
            ),
            ..filter.clone()
        }
    }

    /// What the rebuilt fact sheets were linked to at T, as far as `filter` compares it.
    async fn links_for(
        &self,
        db: &impl ConnectionTrait,
        principal: &Principal,
        filter: &FactSheetFilter,
    ) -> Result<LinkMaps<'_>> {
        let ids = || self.rebuilt.keys().copied().collect::<Vec<Uuid>>();
        let mut links = LinkMaps::default();
        if !filter.relations.is_empty() {
            let ids = ids();
            let read = relations_of_many_at(db, principal, &ids, self.at);
            links.relations = Some(self.relations.get_or_try_init(|| read).await?);
        }
        if !filter.subscriptions.is_empty() {
            let ids = ids();
            let read = subscriptions_of_many_at(db, principal, &ids, self.at);
            links.subscriptions = Some(self.subscriptions.get_or_try_init(|| read).await?);
        }
        Ok(links)
    }

    fn matching<'a>(
        &'a self,
        model: &'a MetaModel,
        filter: &'a FactSheetFilter,
        links: LinkMaps<'a>,
        without: Without<'a>,
    ) -> impl Iterator<Item = &'a PastFactSheet> + 'a {
        self.rebuilt
            .values()
            .filter(move |p| matches(model, filter, p, links.of(p.sheet.id), without))
    }
}

/// Per fact sheet, what it was linked to at an instant: read only for the filter parts that
/// compare it, `None` otherwise.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct LinkMaps<'a> {
    pub relations: Option<&'a HashMap<Uuid, Vec<Relation>>>,
    pub subscriptions: Option<&'a HashMap<Uuid, Vec<SubscriptionAt>>>,
}

impl<'a> LinkMaps<'a> {
    pub(crate) fn of(&self, id: Uuid) -> Links<'a> {
        Links {
            relations: self
                .relations
                .and_then(|m| m.get(&id))
                .map_or(&[], Vec::as_slice),
            subscriptions: self
                .subscriptions
                .and_then(|m| m.get(&id))
                .map_or(&[], Vec::as_slice),
        }
    }
}

/// One fact sheet's relations and subscriptions at an instant.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Links<'a> {
    relations: &'a [Relation],
    subscriptions: &'a [SubscriptionAt],
}

/// One page of the fact sheets matching `filter` at `landscape.at`, in `order`.
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
    let size = page_size(first)?;
    let stored = fact_sheets::list(
        db,
        principal,
        model,
        &landscape.unchanged(filter),
        order.clone(),
        Some(size as i32),
        after,
    )
    .await?;
    let order = order.in_memory(model, filter.types.as_deref())?;
    let position = after.map(|a| order.place_after(a)).transpose()?;
    let links = landscape.links_for(db, principal, filter).await?;
    let rebuilt = landscape
        .matching(model, filter, links, Without::Nothing)
        .map(|p| SheetAt {
            sheet: p.sheet.clone(),
            tags: Some(p.tags.clone()),
        })
        .map(|row| (order.place(&row.sheet), row))
        .filter(|(place, _)| {
            position
                .as_ref()
                .is_none_or(|p| order.compare(place, p) == Ordering::Greater)
        });
    let mut rows: Vec<_> = stored
        .items
        .into_iter()
        .map(|(_, sheet)| (order.place(&sheet), SheetAt { sheet, tags: None }))
        .chain(rebuilt)
        .collect();
    rows.sort_by(|(a, _), (b, _)| order.compare(a, b));
    let more = stored.has_next_page || rows.len() as u64 > size;
    let rows = rows.into_iter().map(|(_, row)| row).collect();
    let mut page = Page::from_rows(rows, size, |r: &SheetAt| order.cursor(&r.sheet));
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
    let stored = fact_sheets::count(db, principal, model, &landscape.unchanged(filter)).await?;
    let links = landscape.links_for(db, principal, filter).await?;
    let rebuilt = landscape.matching(model, filter, links, Without::Nothing);
    Ok(stored + rebuilt.count() as u64)
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
    let mut facets =
        fact_sheets::facets(db, principal, model, &landscape.unchanged(filter)).await?;
    let links = landscape.links_for(db, principal, filter).await?;
    for past in landscape.matching(model, filter, links, Without::Types) {
        if let Some(c) = facets
            .types
            .iter_mut()
            .find(|c| c.key == past.sheet.fact_sheet_type)
        {
            c.count += 1;
        }
    }
    for past in landscape.matching(model, filter, links, Without::Tags) {
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
        for past in landscape.matching(model, filter, links, without) {
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

/// Whether `past`, with `links` (what it was linked to then, read for the filter parts that
/// compare it), matches `filter` (without one part), by the same comparisons the SQL filter
/// makes. The filter was checked by the SQL list before (unknown types, tags, attributes and
/// relation types refused there), so what does not parse here matches nothing.
pub(crate) fn matches(
    model: &MetaModel,
    filter: &FactSheetFilter,
    past: &PastFactSheet,
    links: Links<'_>,
    without: Without<'_>,
) -> bool {
    let sheet = &past.sheet;
    if Status::of(sheet) != filter.status.unwrap_or(Status::Active) {
        return false;
    }
    if filter.updated_after.is_some_and(|t| sheet.updated_at < t)
        || filter.updated_before.is_some_and(|t| sheet.updated_at >= t)
    {
        return false;
    }
    if filter
        .completion
        .as_ref()
        .is_some_and(|bounds| !within(bounds, sheet.completion))
    {
        return false;
    }
    if !filter.relations.iter().all(|wanted| {
        let has = links.relations.iter().any(|r| {
            let (this_end, other_end) = match wanted.direction {
                RelationDirection::Outgoing => (r.from_id, r.to_id),
                RelationDirection::Incoming => (r.to_id, r.from_id),
            };
            this_end == sheet.id
                && r.relation_type == wanted.relation_type
                && wanted.other_id.is_none_or(|other| other == other_end)
        });
        has == wanted.exists
    }) {
        return false;
    }
    if !filter.subscriptions.iter().all(|wanted| {
        let user = wanted.user.as_deref().map(str::trim);
        let has = links.subscriptions.iter().any(|(subject, role)| {
            user.is_none_or(|u| u == subject) && wanted.role.is_none_or(|r| r.as_str() == role)
        });
        has == wanted.exists
    }) {
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

/// Whether `value` lies within every bound, as the SQL comparisons of the completion column.
fn within(bounds: &NumberBounds, value: f64) -> bool {
    bounds.gt.is_none_or(|b| value > b)
        && bounds.gte.is_none_or(|b| value >= b)
        && bounds.lt.is_none_or(|b| value < b)
        && bounds.lte.is_none_or(|b| value <= b)
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
