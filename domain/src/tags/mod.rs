//! Tags and tag groups. Tags are free-form (typing a new one creates it, as users expect from
//! any tagging UI); a tag group with mode `Single` allows at most one of its tags per fact sheet
//! (say, one "Data classification").

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, JoinType,
    QueryFilter, QueryOrder, QuerySelect, RelationDef, sea_query::OnConflict,
};
use serde_json::json;
use uuid::Uuid;

use crate::{
    authz::{self, Action},
    db::INSERT_CHUNK,
    error::{Error, FieldError, Result},
    fact_sheet_store,
    history::{self, ChangeKind},
    limits,
    principal::Principal,
};
use entity::{fact_sheet_tag, tag, tag_group};

mod manage;

pub use manage::{GroupDeletion, delete, delete_group, rename, rename_group};

pub type Tag = tag::Model;
pub type TagGroup = tag_group::Model;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagGroupMode {
    Single,
    Multiple,
}

impl TagGroupMode {
    pub fn as_str(self) -> &'static str {
        match self {
            TagGroupMode::Single => "SINGLE",
            TagGroupMode::Multiple => "MULTIPLE",
        }
    }

    pub fn of(group: &TagGroup) -> Self {
        if group.mode == "SINGLE" {
            Self::Single
        } else {
            Self::Multiple
        }
    }
}

pub async fn create_group(
    db: &impl ConnectionTrait,
    principal: &Principal,
    name: &str,
    mode: TagGroupMode,
    description: Option<String>,
) -> Result<TagGroup> {
    authz::require(principal, Action::AdministerMetaModel)?;
    let name = check_tag_name(name, "name")?;
    if find_group(db, principal.workspace_id, &name)
        .await?
        .is_some()
    {
        return Err(Error::invalid(
            "name",
            format!("tag group `{name}` already exists"),
        ));
    }
    let group = tag_group::Model {
        workspace_id: principal.workspace_id,
        id: Uuid::now_v7(),
        name,
        mode: mode.as_str().into(),
        description,
    };
    tag_group::Entity::insert(tag_group::ActiveModel::from(group.clone()))
        .exec_without_returning(db)
        .await?;
    Ok(group)
}

pub async fn create(
    db: &impl ConnectionTrait,
    principal: &Principal,
    name: &str,
    group: Option<&str>,
    color: Option<String>,
    description: Option<String>,
) -> Result<Tag> {
    authz::require(principal, Action::WriteInventory)?;
    let name = check_tag_name(name, "name")?;
    if find(db, principal.workspace_id, &name).await?.is_some() {
        return Err(Error::invalid(
            "name",
            format!("tag `{name}` already exists"),
        ));
    }
    let group_id = match group {
        Some(g) => Some(
            find_group(db, principal.workspace_id, g)
                .await?
                .ok_or_else(|| Error::invalid("group", format!("unknown tag group `{g}`")))?
                .id,
        ),
        None => None,
    };
    if let Some(c) = &color
        && !(c.len() == 7 && c.starts_with('#') && c[1..].chars().all(|ch| ch.is_ascii_hexdigit()))
    {
        return Err(Error::invalid(
            "color",
            "must be a hex color such as #1f77b4",
        ));
    }
    insert(
        db,
        principal.workspace_id,
        name,
        group_id,
        color,
        description,
    )
    .await
}

pub async fn list(db: &impl ConnectionTrait, principal: &Principal) -> Result<Vec<Tag>> {
    authz::require(principal, Action::Read)?;
    Ok(tag::Entity::find()
        .filter(tag::Column::WorkspaceId.eq(principal.workspace_id))
        .order_by_asc(tag::Column::Name)
        .all(db)
        .await?)
}

pub async fn list_groups(
    db: &impl ConnectionTrait,
    principal: &Principal,
) -> Result<Vec<TagGroup>> {
    authz::require(principal, Action::Read)?;
    Ok(tag_group::Entity::find()
        .filter(tag_group::Column::WorkspaceId.eq(principal.workspace_id))
        .order_by_asc(tag_group::Column::Name)
        .all(db)
        .await?)
}

/// Adds tags (by name) to a fact sheet and records it in the history.
pub async fn tag_fact_sheet(
    db: &impl ConnectionTrait,
    principal: &Principal,
    fact_sheet_id: Uuid,
    names: &[String],
) -> Result<()> {
    authz::require(principal, Action::WriteInventory)?;
    let before = names_of(db, principal.workspace_id, fact_sheet_id).await?;
    fact_sheet_store::load_for_write(db, principal, fact_sheet_id).await?;
    attach(db, principal, fact_sheet_id, names, "tags").await?;
    record_change(db, principal, fact_sheet_id, before).await
}

/// Removes tags (by name) from a fact sheet; names it does not carry are ignored.
pub async fn untag_fact_sheet(
    db: &impl ConnectionTrait,
    principal: &Principal,
    fact_sheet_id: Uuid,
    names: &[String],
) -> Result<()> {
    authz::require(principal, Action::WriteInventory)?;
    if let Some(refusal) = limits::TAGS.check("tags", names.len()) {
        return Err(Error::Invalid(vec![refusal]));
    }
    let before = names_of(db, principal.workspace_id, fact_sheet_id).await?;
    fact_sheet_store::load_for_write(db, principal, fact_sheet_id).await?;
    let tags = tag::Entity::find()
        .filter(tag::Column::WorkspaceId.eq(principal.workspace_id))
        .filter(tag::Column::Name.is_in(names.to_vec()))
        .all(db)
        .await?;
    fact_sheet_tag::Entity::delete_many()
        .filter(fact_sheet_tag::Column::WorkspaceId.eq(principal.workspace_id))
        .filter(fact_sheet_tag::Column::FactSheetId.eq(fact_sheet_id))
        .filter(fact_sheet_tag::Column::TagId.is_in(tags.iter().map(|t| t.id)))
        .exec(db)
        .await?;
    record_change(db, principal, fact_sheet_id, before).await
}

async fn record_change(
    db: &impl ConnectionTrait,
    principal: &Principal,
    fact_sheet_id: Uuid,
    before: Vec<String>,
) -> Result<()> {
    let after = names_of(db, principal.workspace_id, fact_sheet_id).await?;
    if before != after {
        let diff =
            json!({ "tags": history::field_diff(Some(&json!(before)), Some(&json!(after))) });
        fact_sheet_store::touch(
            db,
            principal,
            fact_sheet_id,
            ChangeKind::TagsChanged,
            diff,
            Utc::now(),
        )
        .await?;
    }
    Ok(())
}

/// Links tags to a fact sheet, creating unknown tag names as ungrouped tags. Returns the
/// fact sheet's tag names afterwards. Does not record history (callers fold it into theirs).
pub(crate) async fn attach(
    db: &impl ConnectionTrait,
    principal: &Principal,
    fact_sheet_id: Uuid,
    names: &[String],
    path: &str,
) -> Result<Vec<String>> {
    let ws = principal.workspace_id;
    if let Some(refusal) = limits::TAGS.check(path, names.len()) {
        return Err(Error::Invalid(vec![refusal]));
    }
    let mut errors = Vec::new();
    let mut wanted = Vec::new();
    for (i, name) in names.iter().enumerate() {
        match check_tag_name(name, &format!("{path}.{i}")) {
            Ok(n) => wanted.push(n),
            Err(Error::Invalid(e)) => errors.extend(e),
            Err(e) => return Err(e),
        }
    }
    Error::check(errors)?;
    if wanted.is_empty() {
        return names_of(db, ws, fact_sheet_id).await;
    }
    let mut existing: HashMap<String, Tag> = tag::Entity::find()
        .filter(tag::Column::WorkspaceId.eq(ws))
        .filter(tag::Column::Name.is_in(wanted.clone()))
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.name.clone(), t))
        .collect();
    let missing: Vec<String> = wanted
        .iter()
        .filter(|n| !existing.contains_key(*n))
        .cloned()
        .collect();
    if !missing.is_empty() {
        // Another request may create the same new tag between the read above and this insert:
        // whichever commits first wins, and both then read the one row.
        for name in &missing {
            insert_if_absent(db, ws, name.clone()).await?;
        }
        existing.extend(
            tag::Entity::find()
                .filter(tag::Column::WorkspaceId.eq(ws))
                .filter(tag::Column::Name.is_in(missing))
                .all(db)
                .await?
                .into_iter()
                .map(|t| (t.name.clone(), t)),
        );
    }
    let current: Vec<Tag> = tags_in(db, ws, &[fact_sheet_id])
        .await?
        .remove(&fact_sheet_id)
        .unwrap_or_default();
    let to_add: Vec<&Tag> = wanted
        .iter()
        .filter_map(|n| existing.get(n))
        .filter(|t| !current.iter().any(|c| c.id == t.id))
        .collect();

    // A single-mode group allows one tag per fact sheet, counting those it already has.
    let groups: HashMap<Uuid, TagGroup> = tag_group::Entity::find()
        .filter(tag_group::Column::WorkspaceId.eq(ws))
        .all(db)
        .await?
        .into_iter()
        .map(|g| (g.id, g))
        .collect();
    for group in groups
        .values()
        .filter(|g| TagGroupMode::of(g) == TagGroupMode::Single)
    {
        let in_group = current
            .iter()
            .chain(to_add.iter().copied())
            .filter(|t| t.group_id == Some(group.id))
            .count();
        if in_group > 1 {
            return Err(Error::invalid(
                path,
                format!(
                    "tag group `{}` allows only one tag per fact sheet",
                    group.name
                ),
            ));
        }
    }
    for t in &to_add {
        fact_sheet_tag::Entity::insert(fact_sheet_tag::ActiveModel {
            workspace_id: Set(ws),
            fact_sheet_id: Set(fact_sheet_id),
            tag_id: Set(t.id),
        })
        .exec_without_returning(db)
        .await?;
    }
    names_of(db, ws, fact_sheet_id).await
}

/// One tag of one fact sheet: a link row joined with the tag it names.
#[derive(FromQueryResult)]
struct TagOnFactSheet {
    fact_sheet_id: Uuid,
    #[sea_orm(nested)]
    tag: Tag,
}

/// The tags of many fact sheets (for DataLoaders), sorted by name: one statement per
/// [`INSERT_CHUNK`] fact sheets, links and tags joined, since every fact sheet read with its
/// tags pays for each round trip.
pub async fn tags_of(
    db: &impl ConnectionTrait,
    principal: &Principal,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<Tag>>> {
    authz::require(principal, Action::Read)?;
    tags_in(db, principal.workspace_id, ids).await
}

/// [`tags_of`] for callers inside the crate that have checked the caller already.
async fn tags_in(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<Tag>>> {
    let link_to_tag: RelationDef = fact_sheet_tag::Entity::belongs_to(tag::Entity)
        .from((
            fact_sheet_tag::Column::WorkspaceId,
            fact_sheet_tag::Column::TagId,
        ))
        .to((tag::Column::WorkspaceId, tag::Column::Id))
        .into();
    let mut map: HashMap<Uuid, Vec<Tag>> = HashMap::new();
    for chunk in ids.chunks(INSERT_CHUNK) {
        let rows = tag::Entity::find()
            .column(fact_sheet_tag::Column::FactSheetId)
            .join_rev(JoinType::InnerJoin, link_to_tag.clone())
            .filter(fact_sheet_tag::Column::WorkspaceId.eq(workspace_id))
            .filter(fact_sheet_tag::Column::FactSheetId.is_in(chunk.iter().copied()))
            .into_model::<TagOnFactSheet>()
            .all(db)
            .await?;
        for row in rows {
            map.entry(row.fact_sheet_id).or_default().push(row.tag);
        }
    }
    for tags in map.values_mut() {
        tags.sort_by(|a, b| a.name.cmp(&b.name));
    }
    Ok(map)
}

async fn names_of(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
    fact_sheet_id: Uuid,
) -> Result<Vec<String>> {
    Ok(tags_in(db, workspace_id, &[fact_sheet_id])
        .await?
        .remove(&fact_sheet_id)
        .unwrap_or_default()
        .into_iter()
        .map(|t| t.name)
        .collect())
}

async fn insert(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
    name: String,
    group_id: Option<Uuid>,
    color: Option<String>,
    description: Option<String>,
) -> Result<Tag> {
    let t = tag::Model {
        workspace_id,
        id: Uuid::now_v7(),
        name,
        group_id,
        color,
        description,
    };
    tag::Entity::insert(tag::ActiveModel::from(t.clone()))
        .exec_without_returning(db)
        .await?;
    Ok(t)
}

/// A new ungrouped tag named `name`, unless the workspace has one by that name already.
async fn insert_if_absent(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
    name: String,
) -> Result<()> {
    let t = tag::Model {
        workspace_id,
        id: Uuid::now_v7(),
        name,
        group_id: None,
        color: None,
        description: None,
    };
    let insert = tag::Entity::insert(tag::ActiveModel::from(t)).on_conflict(
        OnConflict::columns([tag::Column::WorkspaceId, tag::Column::Name])
            .do_nothing()
            .to_owned(),
    );
    match insert.exec_without_returning(db).await {
        // The tag exists: another request created it first.
        Ok(_) | Err(DbErr::RecordNotInserted) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

async fn find(db: &impl ConnectionTrait, workspace_id: Uuid, name: &str) -> Result<Option<Tag>> {
    Ok(tag::Entity::find()
        .filter(tag::Column::WorkspaceId.eq(workspace_id))
        .filter(tag::Column::Name.eq(name))
        .one(db)
        .await?)
}

async fn find_group(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
    name: &str,
) -> Result<Option<TagGroup>> {
    Ok(tag_group::Entity::find()
        .filter(tag_group::Column::WorkspaceId.eq(workspace_id))
        .filter(tag_group::Column::Name.eq(name))
        .one(db)
        .await?)
}

pub(crate) fn check_tag_name(name: &str, path: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(Error::Invalid(vec![FieldError::new(
            path,
            "a tag name must be 1 to 100 characters",
        )]));
    }
    Ok(name.to_owned())
}

/// The tags named `names` (checked names), creating the missing ones: for writers of many fact
/// sheets at once, which attach them in bulk instead of through [`attach`] one by one.
pub(crate) async fn ensure_named(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
    names: &[String],
) -> Result<HashMap<String, Tag>> {
    let mut found = HashMap::new();
    for chunk in names.chunks(INSERT_CHUNK) {
        found.extend(read_named(db, workspace_id, chunk).await?);
    }
    let missing: Vec<String> = names
        .iter()
        .filter(|n| !found.contains_key(*n))
        .cloned()
        .collect();
    for name in &missing {
        insert_if_absent(db, workspace_id, name.clone()).await?;
    }
    for chunk in missing.chunks(INSERT_CHUNK) {
        found.extend(read_named(db, workspace_id, chunk).await?);
    }
    Ok(found)
}

async fn read_named(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
    names: &[String],
) -> Result<Vec<(String, Tag)>> {
    Ok(tag::Entity::find()
        .filter(tag::Column::WorkspaceId.eq(workspace_id))
        .filter(tag::Column::Name.is_in(names.iter().cloned()))
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.name.clone(), t))
        .collect())
}

/// The groups of the workspace that allow one tag per fact sheet.
pub(crate) async fn single_mode_groups(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
) -> Result<std::collections::HashSet<Uuid>> {
    Ok(tag_group::Entity::find()
        .filter(tag_group::Column::WorkspaceId.eq(workspace_id))
        .all(db)
        .await?
        .into_iter()
        .filter(|g| TagGroupMode::of(g) == TagGroupMode::Single)
        .map(|g| g.id)
        .collect())
}
