use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QuerySelect,
};
use serde_json::{Value, json};
use uuid::Uuid;

use super::Relation;
use crate::{
    attributes::{Attributes, merge_patch, validate_attributes},
    authz::{self, Action},
    db::is_postgres,
    error::{Error, FieldError, Result},
    fact_sheet_store,
    fact_sheets::{FactSheet, Patch, Status},
    history::{self, ChangeKind},
    limits,
    meta_model::{Cardinality, MetaModel, RelationType},
    principal::Principal,
};
use entity::{fact_sheet, relation};

#[derive(Debug, Clone, Default)]
pub struct NewRelation {
    pub relation_type: String,
    pub from_id: Uuid,
    pub to_id: Uuid,
    pub attributes: Attributes,
    pub active_from: Option<DateTime<Utc>>,
    pub active_until: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Default)]
pub struct RelationPatch {
    pub id: Uuid,
    pub attributes: Option<Attributes>,
    pub active_from: Patch<DateTime<Utc>>,
    pub active_until: Patch<DateTime<Utc>>,
}

pub async fn create(
    db: &impl ConnectionTrait,
    principal: &Principal,
    model: &MetaModel,
    input: NewRelation,
) -> Result<Relation> {
    authz::require(principal, Action::WriteInventory)?;
    let rel_type = model.require_relation_type(&input.relation_type)?;
    let mut errors = Vec::new();
    // Lock both ends (in id order, so two writers never wait on each other crosswise).
    let (first, second) = if input.from_id <= input.to_id {
        (input.from_id, input.to_id)
    } else {
        (input.to_id, input.from_id)
    };
    let first_fs = load_end(db, principal, first).await?;
    let second_fs = if second == first {
        first_fs.clone()
    } else {
        load_end(db, principal, second).await?
    };
    let (from, to) = if input.from_id == first {
        (first_fs, second_fs)
    } else {
        (second_fs, first_fs)
    };
    check_end(&from, &rel_type.from_type, "fromId", &mut errors);
    check_end(&to, &rel_type.to_type, "toId", &mut errors);
    let attributes = match validate_attributes(
        &rel_type.attributes,
        &input.attributes,
        &rel_type.key,
        "attributes",
    ) {
        Ok(a) => a,
        Err(e) => {
            errors.extend(e);
            Attributes::new()
        }
    };
    check_period(input.active_from, input.active_until, &mut errors);
    Error::check(errors)?;
    if let (Some(from), Some(to)) = (&from, &to) {
        check_cardinality(db, principal.workspace_id, rel_type, from.id, to.id).await?;
    }

    let now = Utc::now();
    let r = Relation {
        workspace_id: principal.workspace_id,
        id: Uuid::now_v7(),
        relation_type: rel_type.key.clone(),
        from_id: input.from_id,
        to_id: input.to_id,
        attributes: Value::Object(attributes),
        active_from: input.active_from,
        active_until: input.active_until,
        revision: 1,
        created_at: now,
        updated_at: now,
    };
    relation::Entity::insert(relation::ActiveModel::from(r.clone()))
        .exec_without_returning(db)
        .await?;
    record_on_ends(
        db,
        principal,
        &r,
        ChangeKind::RelationCreated,
        json!({ "relation": describe(db, principal.workspace_id, &r).await? }),
        now,
    )
    .await?;
    Ok(r)
}

pub async fn update(
    db: &impl ConnectionTrait,
    principal: &Principal,
    model: &MetaModel,
    patch: RelationPatch,
) -> Result<Relation> {
    authz::require(principal, Action::WriteInventory)?;
    let current = load(db, principal, patch.id).await?;
    let Planned {
        attributes,
        active_from,
        active_until,
        diff,
    } = plan(model, &current, &patch)?;
    if diff.is_empty() {
        return Ok(current);
    }
    let mut active: relation::ActiveModel = current.clone().into();
    active.attributes = Set(Value::Object(attributes));
    active.active_from = Set(active_from);
    active.active_until = Set(active_until);
    let kind = ChangeKind::RelationUpdated;
    save_revision(db, principal, &current, active, diff, kind, Utc::now()).await
}

/// What an update of `current` by `patch` would write, checked: the pure part of [`update`].
struct Planned {
    attributes: Attributes,
    active_from: Option<DateTime<Utc>>,
    active_until: Option<DateTime<Utc>>,
    diff: serde_json::Map<String, Value>,
}

fn plan(model: &MetaModel, current: &relation::Model, patch: &RelationPatch) -> Result<Planned> {
    let rel_type = model.relation_type(&current.relation_type).ok_or_else(|| {
        Error::Internal(format!(
            "relation type {} missing from the meta model",
            current.relation_type
        ))
    })?;
    let mut errors = Vec::new();
    let stored = current.attributes.as_object().cloned().unwrap_or_default();
    let attributes = match &patch.attributes {
        Some(p) => match validate_attributes(
            &rel_type.attributes,
            &merge_patch(&stored, p),
            &rel_type.key,
            "attributes",
        ) {
            Ok(a) => a,
            Err(e) => {
                errors.extend(e);
                stored.clone()
            }
        },
        None => stored.clone(),
    };
    let apply = |p: &Patch<DateTime<Utc>>, v: Option<DateTime<Utc>>| match p {
        Patch::Keep => v,
        Patch::Clear => None,
        Patch::Set(t) => Some(*t),
    };
    let active_from = apply(&patch.active_from, current.active_from);
    let active_until = apply(&patch.active_until, current.active_until);
    check_period(active_from, active_until, &mut errors);
    Error::check(errors)?;

    let mut diff = serde_json::Map::new();
    for (key, old, new) in crate::attributes::merge::diff(&stored, &attributes) {
        diff.insert(format!("attributes.{key}"), history::field_diff(old, new));
    }
    if active_from != current.active_from {
        diff.insert(
            "activeFrom".into(),
            history::field_diff(Some(&json!(current.active_from)), Some(&json!(active_from))),
        );
    }
    if active_until != current.active_until {
        diff.insert(
            "activeUntil".into(),
            history::field_diff(
                Some(&json!(current.active_until)),
                Some(&json!(active_until)),
            ),
        );
    }
    Ok(Planned {
        attributes,
        active_from,
        active_until,
        diff,
    })
}

/// Whether [`update`] of the stored `current` by `patch` would succeed and change nothing, told
/// without touching the database.
pub(crate) fn changes_nothing(
    model: &MetaModel,
    current: &relation::Model,
    patch: &RelationPatch,
) -> bool {
    plan(model, current, patch).is_ok_and(|p| p.diff.is_empty())
}

pub async fn delete(
    db: &impl ConnectionTrait,
    principal: &Principal,
    id: Uuid,
) -> Result<Relation> {
    authz::require(principal, Action::WriteInventory)?;
    let current = load(db, principal, id).await?;
    delete_recorded(db, principal, &current, Utc::now()).await?;
    Ok(current)
}

/// Deletes a relation and records it on both ends; also used by forced meta model changes.
pub(crate) async fn delete_recorded(
    db: &impl ConnectionTrait,
    principal: &Principal,
    r: &Relation,
    now: DateTime<Utc>,
) -> Result<()> {
    relation::Entity::delete_many()
        .filter(relation::Column::WorkspaceId.eq(principal.workspace_id))
        .filter(relation::Column::Id.eq(r.id))
        .exec(db)
        .await?;
    record_on_ends(
        db,
        principal,
        r,
        ChangeKind::RelationDeleted,
        json!({ "relation": describe(db, principal.workspace_id, r).await? }),
        now,
    )
    .await
}

async fn load(db: &impl ConnectionTrait, principal: &Principal, id: Uuid) -> Result<Relation> {
    let mut q = relation::Entity::find()
        .filter(relation::Column::WorkspaceId.eq(principal.workspace_id))
        .filter(relation::Column::Id.eq(id));
    if is_postgres(db) {
        q = sea_orm::QuerySelect::lock_exclusive(q);
    }
    q.one(db)
        .await?
        .ok_or_else(|| Error::not_found("relation", id))
}

async fn load_end(
    db: &impl ConnectionTrait,
    principal: &Principal,
    id: Uuid,
) -> Result<Option<FactSheet>> {
    match fact_sheet_store::load_for_write(db, principal, id).await {
        Ok(fs) => Ok(Some(fs)),
        Err(Error::NotFound { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

fn check_end(
    fs: &Option<FactSheet>,
    expected_type: &str,
    path: &str,
    errors: &mut Vec<FieldError>,
) {
    match fs {
        None => errors.push(FieldError::new(path, "no such fact sheet")),
        Some(fs) if fs.fact_sheet_type != expected_type => errors.push(FieldError::new(
            path,
            format!("must be a {expected_type}, not a {}", fs.fact_sheet_type),
        )),
        Some(fs) if Status::of(fs) == Status::Archived => {
            errors.push(FieldError::new(path, "the fact sheet is archived"))
        }
        Some(_) => {}
    }
}

pub(crate) fn check_period(
    from: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    errors: &mut Vec<FieldError>,
) {
    let outside = [("activeFrom", from), ("activeUntil", until)]
        .into_iter()
        .filter_map(|(path, t)| t.and_then(|t| limits::check_instant(path, &t)))
        .collect::<Vec<_>>();
    if !outside.is_empty() {
        errors.extend(outside);
        return;
    }
    if let (Some(f), Some(u)) = (from, until)
        && f >= u
    {
        errors.push(FieldError::new("activeUntil", "must be after activeFrom"));
    }
}

async fn check_cardinality(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
    t: &RelationType,
    from: Uuid,
    to: Uuid,
) -> Result<()> {
    let from_ends = Condition::all().add(relation::Column::FromId.eq(from));
    let to_ends = Condition::all().add(relation::Column::ToId.eq(to));
    // Each rule: whether it applies, the relations of the type that would break it, the field
    // to blame and why. Checked in this order, the first broken one refused.
    let rules = [
        (
            true,
            from_ends.clone().add(relation::Column::ToId.eq(to)),
            "toId",
            format!("this {} relation already exists", t.key),
        ),
        (
            t.to_cardinality == Cardinality::One,
            from_ends,
            "fromId",
            format!("a {} has at most one {} relation", t.from_type, t.key),
        ),
        (
            t.from_cardinality == Cardinality::One,
            to_ends,
            "toId",
            format!(
                "a {} has at most one incoming {} relation",
                t.to_type, t.key
            ),
        ),
    ];
    for (applies, breaking, field, refusal) in rules {
        if applies
            && relation::Entity::find()
                .filter(relation::Column::WorkspaceId.eq(workspace_id))
                .filter(relation::Column::RelationType.eq(t.key.clone()))
                .filter(breaking)
                .count(db)
                .await?
                > 0
        {
            return Err(Error::invalid(field, refusal));
        }
    }
    Ok(())
}

/// The relation as its ends' history keeps it: with both ends' names and types as they are at
/// the time of the change, so an entry still says what was connected after an end is renamed,
/// archived or gone.
async fn describe(db: &impl ConnectionTrait, workspace_id: Uuid, r: &Relation) -> Result<Value> {
    let ends: Vec<(Uuid, String, String)> = fact_sheet::Entity::find()
        .select_only()
        .column(fact_sheet::Column::Id)
        .column(fact_sheet::Column::Name)
        .column(fact_sheet::Column::FactSheetType)
        .filter(fact_sheet::Column::WorkspaceId.eq(workspace_id))
        .filter(fact_sheet::Column::Id.is_in([r.from_id, r.to_id]))
        .into_tuple()
        .all(db)
        .await?;
    let end = |id: Uuid| {
        ends.iter()
            .find(|(end, _, _)| *end == id)
            .map(|(_, name, t)| (name.as_str(), t.as_str()))
    };
    Ok(described(r, end(r.from_id), end(r.to_id)))
}

/// How the history of both ends records relation `r`, given each end's `(name, type)`: the
/// one shape single writes and bulk imports share.
pub(crate) fn described(
    r: &Relation,
    from: Option<(&str, &str)>,
    to: Option<(&str, &str)>,
) -> Value {
    let mut described = json!({
        "id": r.id,
        "type": r.relation_type,
        "fromId": r.from_id,
        "fromName": from.map(|(name, _)| name),
        "fromType": from.map(|(_, t)| t),
        "toId": r.to_id,
        "toName": to.map(|(name, _)| name),
        "toType": to.map(|(_, t)| t),
        "attributes": r.attributes,
    });
    // The period too, when it has one, so a deleted relation can be told whole as it was (the
    // landscape at a past date brings it back from here).
    for (key, instant) in [
        ("activeFrom", r.active_from),
        ("activeUntil", r.active_until),
    ] {
        if let Some(instant) = instant {
            described[key] = json!(instant);
        }
    }
    described
}

/// A relation change is a change of both fact sheets it connects: each gets a revision.
async fn record_on_ends(
    db: &impl ConnectionTrait,
    principal: &Principal,
    r: &Relation,
    kind: ChangeKind,
    diff: Value,
    now: DateTime<Utc>,
) -> Result<()> {
    fact_sheet_store::touch(db, principal, r.from_id, kind, diff.clone(), now).await?;
    if r.to_id != r.from_id {
        fact_sheet_store::touch(db, principal, r.to_id, kind, diff, now).await?;
    }
    Ok(())
}

/// Replaces a relation's attributes after a forced meta model change, with history.
pub(crate) async fn replace_attributes_forced(
    db: &impl ConnectionTrait,
    principal: &Principal,
    r: &Relation,
    attributes: Attributes,
    now: DateTime<Utc>,
) -> Result<()> {
    let stored = r.attributes.as_object().cloned().unwrap_or_default();
    let mut diff = serde_json::Map::new();
    for (key, old, new) in crate::attributes::merge::diff(&stored, &attributes) {
        diff.insert(format!("attributes.{key}"), history::field_diff(old, new));
    }
    let mut active: relation::ActiveModel = r.clone().into();
    active.attributes = Set(Value::Object(attributes));
    let kind = ChangeKind::MetaModelMigrated;
    save_revision(db, principal, r, active, diff, kind, now).await?;
    Ok(())
}

/// Stores `changed` (a change of `current`) as its next revision, and records `diff`, with the
/// relation as it now is, in the history of both its ends.
async fn save_revision(
    db: &impl ConnectionTrait,
    principal: &Principal,
    current: &Relation,
    mut changed: relation::ActiveModel,
    mut diff: serde_json::Map<String, Value>,
    kind: ChangeKind,
    now: DateTime<Utc>,
) -> Result<Relation> {
    changed.revision = Set(current.revision + 1);
    changed.updated_at = Set(now);
    let updated = relation::Entity::update(changed).exec(db).await?;
    diff.insert(
        "relation".into(),
        describe(db, principal.workspace_id, &updated).await?,
    );
    record_on_ends(db, principal, &updated, kind, Value::Object(diff), now).await?;
    Ok(updated)
}
