//! The landscape at a past instant, derived from the history every change writes: a fact
//! sheet's state at T is its stored state with the changes made after T undone, newest first.
//! Each diff holds the old value of every field it touches (name, description, attributes,
//! parent, status, tags) and a relation change holds the whole relation, so undoing needs
//! nothing else. A fact sheet without changes after T is exactly as stored, which is why
//! callers only reconstruct the (usually few) fact sheets [`changed_after`] names.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::{
    attributes::completion,
    authz::{self, Action},
    db::INSERT_CHUNK,
    error::{Error, Result},
    fact_sheets::{FactSheet, Status},
    history::ChangeKind,
    meta_model::MetaModel,
    principal::Principal,
    relations::Relation,
};
use entity::{change, fact_sheet, fact_sheet_tag, relation, subscription, tag};

/// A fact sheet as it was at an instant: the row as it read then, and its tag names.
#[derive(Debug, Clone, PartialEq)]
pub struct PastFactSheet {
    pub sheet: FactSheet,
    /// Tag names, sorted. A tag renamed since shows the name it had then.
    pub tags: Vec<String>,
}

/// Refuses an instant in the future: the landscape there is not known yet.
pub fn check_as_of(at: DateTime<Utc>, path: &str) -> Result<()> {
    if let Some(refusal) = crate::limits::check_instant(path, &at) {
        return Err(Error::Invalid(vec![refusal]));
    }
    if at > Utc::now() {
        return Err(Error::invalid(path, "must not be in the future"));
    }
    Ok(())
}

/// The fact sheets changed after `at` (created ones included): those whose stored state is not
/// their state at `at`.
pub async fn changed_after(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
    at: DateTime<Utc>,
) -> Result<Vec<Uuid>> {
    Ok(change::Entity::find()
        .select_only()
        .column(change::Column::FactSheetId)
        .distinct()
        .filter(change::Column::WorkspaceId.eq(workspace_id))
        .filter(change::Column::At.gt(at))
        .into_tuple()
        .all(db)
        .await?)
}

/// The states at `at` of the fact sheets `ids`; a fact sheet created after `at` is absent.
pub async fn states_at(
    db: &impl ConnectionTrait,
    principal: &Principal,
    model: &MetaModel,
    ids: &[Uuid],
    at: DateTime<Utc>,
) -> Result<HashMap<Uuid, PastFactSheet>> {
    authz::require(principal, Action::Read)?;
    let ws = principal.workspace_id;
    let mut states = HashMap::new();
    for chunk in ids.chunks(INSERT_CHUNK / 2) {
        let rows = fact_sheet::Entity::find()
            .filter(fact_sheet::Column::WorkspaceId.eq(ws))
            .filter(fact_sheet::Column::Id.is_in(chunk.iter().copied()))
            .all(db)
            .await?;
        let mut tags = current_tags(db, ws, chunk).await?;
        let mut history = changes_of(db, ws, chunk).await?;
        for row in rows {
            let id = row.id;
            let past = undo(
                model,
                PastFactSheet {
                    sheet: row,
                    tags: tags.remove(&id).unwrap_or_default(),
                },
                history.remove(&id).unwrap_or_default(),
                at,
            );
            if let Some(past) = past {
                states.insert(id, past);
            }
        }
    }
    Ok(states)
}

/// Every change of `ids`, newest first per fact sheet.
async fn changes_of(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<change::Model>>> {
    let rows = change::Entity::find()
        .filter(change::Column::WorkspaceId.eq(workspace_id))
        .filter(change::Column::FactSheetId.is_in(ids.iter().copied()))
        .order_by_asc(change::Column::FactSheetId)
        .order_by_desc(change::Column::Revision)
        .all(db)
        .await?;
    let mut map: HashMap<Uuid, Vec<change::Model>> = HashMap::new();
    for row in rows {
        map.entry(row.fact_sheet_id).or_default().push(row);
    }
    Ok(map)
}

async fn current_tags(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<String>>> {
    let links: Vec<(Uuid, Uuid)> = fact_sheet_tag::Entity::find()
        .select_only()
        .column(fact_sheet_tag::Column::FactSheetId)
        .column(fact_sheet_tag::Column::TagId)
        .filter(fact_sheet_tag::Column::WorkspaceId.eq(workspace_id))
        .filter(fact_sheet_tag::Column::FactSheetId.is_in(ids.iter().copied()))
        .into_tuple()
        .all(db)
        .await?;
    if links.is_empty() {
        return Ok(HashMap::new());
    }
    let names: HashMap<Uuid, String> = tag::Entity::find()
        .filter(tag::Column::WorkspaceId.eq(workspace_id))
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    let mut map: HashMap<Uuid, Vec<String>> = HashMap::new();
    for (fact_sheet_id, tag_id) in links {
        if let Some(name) = names.get(&tag_id) {
            map.entry(fact_sheet_id).or_default().push(name.clone());
        }
    }
    for names in map.values_mut() {
        names.sort();
    }
    Ok(map)
}

/// Undoes `history` (newest first) back to `at`. `None` when the fact sheet was created after.
fn undo(
    model: &MetaModel,
    mut past: PastFactSheet,
    history: Vec<change::Model>,
    at: DateTime<Utc>,
) -> Option<PastFactSheet> {
    let mut attributes = past
        .sheet
        .attributes
        .as_object()
        .cloned()
        .unwrap_or_default();
    let mut undone = false;
    for c in history {
        if c.at <= at {
            // The newest change still in effect: who and when the fact sheet last changed.
            past.sheet.revision = c.revision;
            past.sheet.updated_at = c.at;
            past.sheet.updated_by = c.actor;
            break;
        }
        undone = true;
        if c.kind == ChangeKind::Created.as_str() {
            return None;
        }
        let Some(diff) = c.diff.as_object() else {
            continue;
        };
        // Relation changes keep the relation's attributes under the same keys; they are not
        // the fact sheet's.
        if diff.contains_key("relation") {
            continue;
        }
        for (field, entry) in diff {
            let old = entry.get("old").cloned().unwrap_or(Value::Null);
            apply_old(&mut past, &mut attributes, field, old);
        }
    }
    if undone {
        let definitions = model
            .fact_sheet_type(&past.sheet.fact_sheet_type)
            .map(|t| t.attributes.as_slice())
            .unwrap_or_default();
        past.sheet.completion = completion(definitions, &attributes);
        past.sheet.attributes = Value::Object(attributes);
        past.sheet.search_text = crate::fact_sheet_store::search_text(
            &past.sheet.name,
            past.sheet.description.as_deref(),
        );
    }
    Some(past)
}

fn apply_old(
    past: &mut PastFactSheet,
    attributes: &mut Map<String, Value>,
    field: &str,
    old: Value,
) {
    let text = |v: &Value| v.as_str().map(str::to_owned);
    match field {
        "name" => {
            if let Some(name) = text(&old) {
                past.sheet.name = name;
            }
        }
        "description" => past.sheet.description = text(&old),
        "parentId" => past.sheet.parent_id = text(&old).and_then(|s| s.parse().ok()),
        "status" => {
            if let Some(status) = text(&old) {
                past.sheet.status = status;
            }
        }
        "tags" => {
            let mut names: Vec<String> = old
                .as_array()
                .map(|a| a.iter().filter_map(text).collect())
                .unwrap_or_default();
            names.sort();
            past.tags = names;
        }
        _ => {
            if let Some(key) = field.strip_prefix("attributes.") {
                match old {
                    Value::Null => attributes.remove(key),
                    old => attributes.insert(key.to_owned(), old),
                };
            }
        }
    }
}

/// The relations of fact sheet `id` at `at`: its stored relations with the relation changes
/// in its history after `at` undone. Ordered by id, as stored relations are read.
pub async fn relations_at(
    db: &impl ConnectionTrait,
    principal: &Principal,
    id: Uuid,
    at: DateTime<Utc>,
) -> Result<Vec<Relation>> {
    let mut relations = relations_of_many_at(db, principal, &[id], at).await?;
    Ok(relations.remove(&id).unwrap_or_default())
}

/// [`relations_at`] of every fact sheet in `ids`, a few statements per chunk of them.
pub async fn relations_of_many_at(
    db: &impl ConnectionTrait,
    principal: &Principal,
    ids: &[Uuid],
    at: DateTime<Utc>,
) -> Result<HashMap<Uuid, Vec<Relation>>> {
    authz::require(principal, Action::Read)?;
    let ws = principal.workspace_id;
    let mut all = HashMap::new();
    for chunk in ids.chunks(INSERT_CHUNK / 2) {
        let stored: Vec<Relation> = relation::Entity::find()
            .filter(relation::Column::WorkspaceId.eq(ws))
            .filter(
                Condition::any()
                    .add(relation::Column::FromId.is_in(chunk.iter().copied()))
                    .add(relation::Column::ToId.is_in(chunk.iter().copied())),
            )
            .all(db)
            .await?;
        let mut relations: HashMap<Uuid, Vec<Relation>> =
            chunk.iter().map(|id| (*id, Vec::new())).collect();
        // A relation of a fact sheet to itself lands in its list twice; the dedup below keeps one.
        for r in stored {
            for end in [r.from_id, r.to_id] {
                if let Some(list) = relations.get_mut(&end) {
                    list.push(r.clone());
                }
            }
        }
        for c in changes_after(db, ws, chunk, at).await? {
            if let Some(list) = relations.get_mut(&c.fact_sheet_id) {
                undo_relation_change(ws, list, &c);
            }
        }
        for (id, mut list) in relations {
            list.sort_by_key(|r| r.id);
            list.dedup_by_key(|r| r.id);
            all.insert(id, list);
        }
    }
    Ok(all)
}

/// A subscription as a filter compares it: the user, as subscribed, and the role.
pub type SubscriptionAt = (String, String);

/// The subscriptions of every fact sheet in `ids` at `at`: the stored ones with the
/// subscription changes in each fact sheet's history after `at` undone.
pub async fn subscriptions_of_many_at(
    db: &impl ConnectionTrait,
    principal: &Principal,
    ids: &[Uuid],
    at: DateTime<Utc>,
) -> Result<HashMap<Uuid, Vec<SubscriptionAt>>> {
    authz::require(principal, Action::Read)?;
    let ws = principal.workspace_id;
    let mut all: HashMap<Uuid, Vec<SubscriptionAt>> =
        ids.iter().map(|id| (*id, Vec::new())).collect();
    for chunk in ids.chunks(INSERT_CHUNK) {
        let stored = subscription::Entity::find()
            .filter(subscription::Column::WorkspaceId.eq(ws))
            .filter(subscription::Column::FactSheetId.is_in(chunk.iter().copied()))
            .all(db)
            .await?;
        for s in stored {
            if let Some(list) = all.get_mut(&s.fact_sheet_id) {
                list.push((s.subject, s.role));
            }
        }
        for c in changes_after(db, ws, chunk, at).await? {
            let Some(entry) = c.diff.get("subscriptions") else {
                continue;
            };
            let Some(list) = all.get_mut(&c.fact_sheet_id) else {
                continue;
            };
            let described = |key: &str| -> Option<SubscriptionAt> {
                let s = entry.get(key)?;
                Some((
                    s.get("user")?.as_str()?.to_owned(),
                    s.get("role")?.as_str()?.to_owned(),
                ))
            };
            // Made after `at`: not there then. Ended after `at`: there then.
            if let Some(made) = described("new")
                && let Some(i) = list.iter().position(|s| *s == made)
            {
                list.remove(i);
            }
            if let Some(ended) = described("old") {
                list.push(ended);
            }
        }
    }
    Ok(all)
}

/// The changes of the fact sheets `ids` made after `at`, newest first per fact sheet.
async fn changes_after(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
    ids: &[Uuid],
    at: DateTime<Utc>,
) -> Result<Vec<change::Model>> {
    Ok(change::Entity::find()
        .filter(change::Column::WorkspaceId.eq(workspace_id))
        .filter(change::Column::FactSheetId.is_in(ids.iter().copied()))
        .filter(change::Column::At.gt(at))
        .order_by_asc(change::Column::FactSheetId)
        .order_by_desc(change::Column::Revision)
        .all(db)
        .await?)
}

/// Undoes one change (of the fact sheet whose `relations` these are) if it changed a relation.
fn undo_relation_change(workspace_id: Uuid, relations: &mut Vec<Relation>, c: &change::Model) {
    let Some((described, relation_id)) = described_relation(c) else {
        return;
    };
    if c.kind == ChangeKind::RelationCreated.as_str() {
        relations.retain(|r| r.id != relation_id);
    } else if c.kind == ChangeKind::RelationDeleted.as_str() {
        if let Some(r) = relation_of(workspace_id, described, c.at) {
            relations.push(r);
        }
    } else if let Some(r) = relations.iter_mut().find(|r| r.id == relation_id) {
        undo_relation_update(r, &c.diff);
    }
}

/// The relation a change of a relation describes (as it was after the change, or before a
/// deletion), and its id; `None` for any other change.
pub(super) fn described_relation(c: &change::Model) -> Option<(&Value, Uuid)> {
    let described = c.diff.get("relation")?;
    let id = described.get("id")?.as_str()?.parse().ok()?;
    Some((described, id))
}

/// A deleted relation brought back from how its history describes it.
fn relation_of(workspace_id: Uuid, described: &Value, at: DateTime<Utc>) -> Option<Relation> {
    let uuid = |key: &str| described.get(key)?.as_str()?.parse::<Uuid>().ok();
    let instant = |key: &str| {
        described
            .get(key)
            .and_then(|v| serde_json::from_value::<DateTime<Utc>>(v.clone()).ok())
    };
    Some(Relation {
        workspace_id,
        id: uuid("id")?,
        relation_type: described.get("type")?.as_str()?.to_owned(),
        from_id: uuid("fromId")?,
        to_id: uuid("toId")?,
        attributes: described
            .get("attributes")
            .cloned()
            .unwrap_or_else(|| Value::Object(Map::new())),
        active_from: instant("activeFrom"),
        active_until: instant("activeUntil"),
        revision: 0,
        created_at: at,
        updated_at: at,
    })
}

fn undo_relation_update(r: &mut Relation, diff: &Value) {
    let Some(diff) = diff.as_object() else {
        return;
    };
    let mut attributes = r.attributes.as_object().cloned().unwrap_or_default();
    for (field, entry) in diff {
        let old = entry.get("old").cloned().unwrap_or(Value::Null);
        let instant = serde_json::from_value::<Option<DateTime<Utc>>>(old.clone())
            .ok()
            .flatten();
        match field.as_str() {
            "activeFrom" => r.active_from = instant,
            "activeUntil" => r.active_until = instant,
            _ => {
                if let Some(key) = field.strip_prefix("attributes.") {
                    match old {
                        Value::Null => attributes.remove(key),
                        old => attributes.insert(key.to_owned(), old),
                    };
                }
            }
        }
    }
    r.attributes = Value::Object(attributes);
    r.revision -= 1;
}

/// Whether `past` is archived.
pub fn is_archived(past: &PastFactSheet) -> bool {
    Status::of(&past.sheet) == Status::Archived
}
