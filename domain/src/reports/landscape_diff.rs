//! What changed in the landscape between two instants: the fact sheets created, archived,
//! restored and changed (each field that differs, old and new), and the relations made and
//! removed. Only fact sheets with a change in the window are rebuilt ([`super::as_of`]) at both
//! ends, so the cost follows the amount of change, not the size of the landscape.
//!
//! The filter takes the parts a list at a past date takes ([`super::as_of_list`]) and selects
//! a fact sheet when it matches at either instant, whatever its status then; a relation is
//! selected when either of its ends is.
//!
//! The window is read whole, up to [`MAX_DIFF_CHANGES`] changes. A window holding more is
//! refused as a limit, never cut: a diff built from the first part of a window would report a
//! field's old value as its new one and miss whatever came later, and nothing in the answer
//! would tell the report builder so. The filter is applied after reading, so only narrower
//! dates make a refused window fit.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{
    as_of::{
        PastFactSheet, SubscriptionAt, check_as_of, described_relation, is_archived,
        relations_of_many_at, states_at, subscriptions_of_many_at,
    },
    as_of_list::{LinkMaps, Without, matches},
};
use crate::{
    authz::{self, Action},
    error::{Error, Result},
    fact_sheets::{self, FactSheetFilter, Status},
    history::ChangeKind,
    meta_model::MetaModel,
    principal::Principal,
    relations::Relation,
};
use entity::change;

/// One field of a fact sheet that differs between the two instants.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldChange {
    /// `name`, `description`, `parentId`, `tags` or `attributes.<key>`.
    pub field: String,
    pub old: Value,
    pub new: Value,
}

/// A fact sheet that changed, with the fields that differ.
#[derive(Debug, Clone)]
pub struct ChangedFactSheet {
    /// As it is at `to`.
    pub fact_sheet: PastFactSheet,
    pub fields: Vec<FieldChange>,
}

/// A relation made or removed in the window, as its history describes it (ends named as they
/// were at its last change).
#[derive(Debug, Clone, PartialEq)]
pub struct RelationChange {
    pub relation_id: Uuid,
    pub relation: Value,
}

#[derive(Debug, Clone, Default)]
pub struct LandscapeDiff {
    /// Did not exist at `from`, exist at `to`.
    pub created: Vec<PastFactSheet>,
    /// Active at `from`, archived at `to`.
    pub archived: Vec<PastFactSheet>,
    /// Archived at `from`, active at `to`.
    pub restored: Vec<PastFactSheet>,
    /// Existed at both, with fields that differ.
    pub changed: Vec<ChangedFactSheet>,
    pub related: Vec<RelationChange>,
    pub unrelated: Vec<RelationChange>,
}

/// The most changes one diff reads between `from` and `to`.
pub const MAX_DIFF_CHANGES: u64 = crate::limits::MAX_PAGE_SIZE * 100;

pub async fn landscape_diff(
    db: &impl ConnectionTrait,
    principal: &Principal,
    model: &MetaModel,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    filter: &FactSheetFilter,
) -> Result<LandscapeDiff> {
    landscape_diff_reading_at_most(db, principal, model, from, to, filter, MAX_DIFF_CHANGES).await
}

/// [`landscape_diff`] with its own limit on the changes read, so the refusal of a window over
/// it can be shown without writing [`MAX_DIFF_CHANGES`] changes first.
pub async fn landscape_diff_reading_at_most(
    db: &impl ConnectionTrait,
    principal: &Principal,
    model: &MetaModel,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    filter: &FactSheetFilter,
    max_changes: u64,
) -> Result<LandscapeDiff> {
    authz::require(principal, Action::Read)?;
    check_as_of(from, "from")?;
    check_as_of(to, "to")?;
    if from >= to {
        return Err(Error::invalid("to", "must be after from"));
    }
    // Checks the filter's names against the meta model as lists do.
    fact_sheets::count(
        db,
        principal,
        model,
        &FactSheetFilter {
            ids: Some(Vec::new()),
            ..filter.clone()
        },
    )
    .await?;
    let window: Vec<change::Model> = change::Entity::find()
        .filter(change::Column::WorkspaceId.eq(principal.workspace_id))
        .filter(change::Column::At.gt(from))
        .filter(change::Column::At.lte(to))
        .order_by_asc(change::Column::At)
        .order_by_asc(change::Column::FactSheetId)
        .order_by_asc(change::Column::Revision)
        .limit(max_changes.saturating_add(1))
        .all(db)
        .await?;
    if window.len() as u64 > max_changes {
        return Err(Error::LimitExceeded(format!(
            "more than {max_changes} changes were made between from and to, the most one \
             landscapeDiff reads; narrow the dates (from, to) and ask for each part"
        )));
    }
    let mut ids: Vec<Uuid> = window.iter().map(|c| c.fact_sheet_id).collect();
    ids.sort();
    ids.dedup();
    let before = states_at(db, principal, model, &ids, from).await?;
    let after = states_at(db, principal, model, &ids, to).await?;
    let (links_before, links_after) = (
        LinksRead::at(db, principal, filter, &ids, from).await?,
        LinksRead::at(db, principal, filter, &ids, to).await?,
    );
    let selected = |id: &Uuid| {
        [
            (before.get(id), links_before.maps()),
            (after.get(id), links_after.maps()),
        ]
        .into_iter()
        .filter_map(|(past, links)| Some((past?, links)))
        .any(|(p, links)| {
            let any_status = FactSheetFilter {
                status: Some(Status::of(&p.sheet)),
                ..filter.clone()
            };
            matches(
                model,
                &any_status,
                p,
                links.of(p.sheet.id),
                Without::Nothing,
            )
        })
    };

    let mut diff = LandscapeDiff::default();
    for id in ids.iter().filter(|id| selected(id)) {
        match (before.get(id), after.get(id)) {
            (None, Some(now)) => diff.created.push(now.clone()),
            (Some(then), Some(now)) => {
                match (is_archived(then), is_archived(now)) {
                    (false, true) => diff.archived.push(now.clone()),
                    (true, false) => diff.restored.push(now.clone()),
                    _ => {}
                }
                let fields = field_changes(then, now);
                if !fields.is_empty() {
                    diff.changed.push(ChangedFactSheet {
                        fact_sheet: now.clone(),
                        fields,
                    });
                }
            }
            _ => {}
        }
    }

    // Per relation: whether it existed before its first change in the window, and after its last.
    let mut relations: BTreeMap<Uuid, (bool, bool, Value, [Uuid; 2])> = BTreeMap::new();
    for c in &window {
        let Some((described, rid)) = described_relation(c) else {
            continue;
        };
        let end = |key: &str| {
            described
                .get(key)
                .and_then(Value::as_str)
                .and_then(|s| s.parse::<Uuid>().ok())
                .unwrap_or_default()
        };
        let exists_after = c.kind != ChangeKind::RelationDeleted.as_str();
        let entry = relations.entry(rid).or_insert_with(|| {
            let existed = c.kind != ChangeKind::RelationCreated.as_str();
            (
                existed,
                exists_after,
                Value::Null,
                [end("fromId"), end("toId")],
            )
        });
        entry.1 = exists_after;
        entry.2 = described.clone();
    }
    let end_selected: HashMap<Uuid, bool> = ids.iter().map(|id| (*id, selected(id))).collect();
    for (relation_id, (existed, exists, relation, ends)) in relations {
        if !ends
            .iter()
            .any(|e| end_selected.get(e).copied().unwrap_or(false))
        {
            continue;
        }
        let change = RelationChange {
            relation_id,
            relation,
        };
        match (existed, exists) {
            (false, true) => diff.related.push(change),
            (true, false) => diff.unrelated.push(change),
            _ => {}
        }
    }
    Ok(diff)
}

/// The relations and subscriptions at one instant of the fact sheets in a window, read only
/// when the filter compares them.
#[derive(Default)]
struct LinksRead {
    relations: Option<HashMap<Uuid, Vec<Relation>>>,
    subscriptions: Option<HashMap<Uuid, Vec<SubscriptionAt>>>,
}

impl LinksRead {
    async fn at(
        db: &impl ConnectionTrait,
        principal: &Principal,
        filter: &FactSheetFilter,
        ids: &[Uuid],
        at: DateTime<Utc>,
    ) -> Result<Self> {
        let mut read = Self::default();
        if !filter.relations.is_empty() {
            read.relations = Some(relations_of_many_at(db, principal, ids, at).await?);
        }
        if !filter.subscriptions.is_empty() {
            read.subscriptions = Some(subscriptions_of_many_at(db, principal, ids, at).await?);
        }
        Ok(read)
    }

    fn maps(&self) -> LinkMaps<'_> {
        LinkMaps {
            relations: self.relations.as_ref(),
            subscriptions: self.subscriptions.as_ref(),
        }
    }
}

fn field_changes(then: &PastFactSheet, now: &PastFactSheet) -> Vec<FieldChange> {
    let mut fields = Vec::new();
    let mut differs = |field: &str, old: Value, new: Value| {
        if old != new {
            fields.push(FieldChange {
                field: field.to_owned(),
                old,
                new,
            });
        }
    };
    differs("name", json!(then.sheet.name), json!(now.sheet.name));
    differs(
        "description",
        json!(then.sheet.description),
        json!(now.sheet.description),
    );
    differs(
        "parentId",
        json!(then.sheet.parent_id),
        json!(now.sheet.parent_id),
    );
    differs("tags", json!(then.tags), json!(now.tags));
    let empty = serde_json::Map::new();
    let old = then.sheet.attributes.as_object().unwrap_or(&empty);
    let new = now.sheet.attributes.as_object().unwrap_or(&empty);
    let mut keys: Vec<&String> = old.keys().chain(new.keys()).collect();
    keys.sort();
    keys.dedup();
    for key in keys {
        differs(
            &format!("attributes.{key}"),
            old.get(key).cloned().unwrap_or(Value::Null),
            new.get(key).cloned().unwrap_or(Value::Null),
        );
    }
    fields
}
