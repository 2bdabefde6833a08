//! Renaming and deleting tags and tag groups: an admin's tidying of the workspace's vocabulary.
//! A rename keeps every assignment; a deletion takes the tag off each fact sheet with a
//! `TAGS_CHANGED` entry in its history, as untagging by hand would.

use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, SqlErr, sea_query::Expr,
};
use uuid::Uuid;

use super::{Tag, TagGroup, check_tag_name, find, find_group, names_of, record_change};
use crate::{
    authz::{self, Action},
    error::{Error, Result},
    principal::Principal,
    versions::{self, Counter, Touched},
};
use entity::{fact_sheet_tag, tag, tag_group};

/// What deleting a tag group does with the tags in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupDeletion {
    /// Refuse while the group has tags, naming them, so no assignment is lost by surprise.
    OnlyIfEmpty,
    /// Delete the group's tags too, each taken off its fact sheets with history.
    WithItsTags,
}

/// Renames tag `name` to `new_name`; fact sheets keep it under the new name.
pub async fn rename(
    db: &impl ConnectionTrait,
    principal: &Principal,
    name: &str,
    new_name: &str,
) -> Result<Tag> {
    authz::require(principal, Action::AdministerMetaModel)?;
    let ws = principal.workspace_id;
    let current = existing_tag(db, ws, name).await?;
    let new_name = check_tag_name(new_name, "newName")?;
    if new_name == current.name {
        return Ok(current);
    }
    if find(db, ws, &new_name).await?.is_some() {
        return Err(name_taken("tag", &new_name));
    }
    let updated = tag::Entity::update_many()
        .col_expr(tag::Column::Name, Expr::value(new_name.clone()))
        .filter(tag::Column::WorkspaceId.eq(ws))
        .filter(tag::Column::Id.eq(current.id))
        .exec(db)
        .await;
    refuse_taken(updated, "tag", &new_name)?;
    names_changed(db, ws).await?;
    Ok(Tag {
        name: new_name,
        ..current
    })
}

/// Deletes tag `name`, taking it off every fact sheet that carries it.
pub async fn delete(db: &impl ConnectionTrait, principal: &Principal, name: &str) -> Result<Tag> {
    authz::require(principal, Action::AdministerMetaModel)?;
    let doomed = existing_tag(db, principal.workspace_id, name).await?;
    delete_tag(db, principal, &doomed).await?;
    Ok(doomed)
}

/// Renames tag group `name` to `new_name`; its tags stay in it.
pub async fn rename_group(
    db: &impl ConnectionTrait,
    principal: &Principal,
    name: &str,
    new_name: &str,
) -> Result<TagGroup> {
    authz::require(principal, Action::AdministerMetaModel)?;
    let ws = principal.workspace_id;
    let current = existing_group(db, ws, name).await?;
    let new_name = check_tag_name(new_name, "newName")?;
    if new_name == current.name {
        return Ok(current);
    }
    if find_group(db, ws, &new_name).await?.is_some() {
        return Err(name_taken("tag group", &new_name));
    }
    let updated = tag_group::Entity::update_many()
        .col_expr(tag_group::Column::Name, Expr::value(new_name.clone()))
        .filter(tag_group::Column::WorkspaceId.eq(ws))
        .filter(tag_group::Column::Id.eq(current.id))
        .exec(db)
        .await;
    refuse_taken(updated, "tag group", &new_name)?;
    names_changed(db, ws).await?;
    Ok(TagGroup {
        name: new_name,
        ..current
    })
}

/// Deletes tag group `name`; what happens to its tags is the caller's explicit choice.
pub async fn delete_group(
    db: &impl ConnectionTrait,
    principal: &Principal,
    name: &str,
    deletion: GroupDeletion,
) -> Result<TagGroup> {
    authz::require(principal, Action::AdministerMetaModel)?;
    let ws = principal.workspace_id;
    let group = existing_group(db, ws, name).await?;
    let members = tag::Entity::find()
        .filter(tag::Column::WorkspaceId.eq(ws))
        .filter(tag::Column::GroupId.eq(group.id))
        .all(db)
        .await?;
    if !members.is_empty() && deletion == GroupDeletion::OnlyIfEmpty {
        let mut names: Vec<&str> = members.iter().map(|t| t.name.as_str()).collect();
        names.sort_unstable();
        return Err(Error::invalid(
            "name",
            format!(
                "tag group `{}` still has tags ({}); delete them first or repeat with force",
                group.name,
                names.join(", ")
            ),
        ));
    }
    for member in &members {
        delete_tag(db, principal, member).await?;
    }
    tag_group::Entity::delete_many()
        .filter(tag_group::Column::WorkspaceId.eq(ws))
        .filter(tag_group::Column::Id.eq(group.id))
        .exec(db)
        .await?;
    names_changed(db, ws).await?;
    Ok(group)
}

/// Takes `doomed` off every fact sheet (each with a history entry), then deletes it.
async fn delete_tag(db: &impl ConnectionTrait, principal: &Principal, doomed: &Tag) -> Result<()> {
    let ws = principal.workspace_id;
    let carriers: Vec<Uuid> = fact_sheet_tag::Entity::find()
        .filter(fact_sheet_tag::Column::WorkspaceId.eq(ws))
        .filter(fact_sheet_tag::Column::TagId.eq(doomed.id))
        .all(db)
        .await?
        .into_iter()
        .map(|link| link.fact_sheet_id)
        .collect();
    for fact_sheet_id in carriers {
        crate::fact_sheet_store::load_for_write(db, principal, fact_sheet_id).await?;
        let before = names_of(db, ws, fact_sheet_id).await?;
        fact_sheet_tag::Entity::delete_many()
            .filter(fact_sheet_tag::Column::WorkspaceId.eq(ws))
            .filter(fact_sheet_tag::Column::FactSheetId.eq(fact_sheet_id))
            .filter(fact_sheet_tag::Column::TagId.eq(doomed.id))
            .exec(db)
            .await?;
        record_change(db, principal, fact_sheet_id, before).await?;
    }
    tag::Entity::delete_many()
        .filter(tag::Column::WorkspaceId.eq(ws))
        .filter(tag::Column::Id.eq(doomed.id))
        .exec(db)
        .await?;
    names_changed(db, ws).await
}

/// Tag names appear in cached aggregates (tag facets) without a history entry of their own,
/// so a rename or deletion moves the inventory version itself.
async fn names_changed(db: &impl ConnectionTrait, workspace_id: Uuid) -> Result<()> {
    versions::raise(db, Counter::Inventory, workspace_id, Touched::Everything).await
}

async fn existing_tag(db: &impl ConnectionTrait, workspace_id: Uuid, name: &str) -> Result<Tag> {
    find(db, workspace_id, name.trim())
        .await?
        .ok_or_else(|| Error::invalid("name", format!("unknown tag `{name}`")))
}

async fn existing_group(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
    name: &str,
) -> Result<TagGroup> {
    find_group(db, workspace_id, name.trim())
        .await?
        .ok_or_else(|| Error::invalid("name", format!("unknown tag group `{name}`")))
}

fn name_taken(what: &str, name: &str) -> Error {
    Error::invalid("newName", format!("{what} `{name}` already exists"))
}

/// A concurrent writer may take the name between the check and the update: the unique index
/// on names then refuses it, and so does this, in the same words.
fn refuse_taken<T>(result: std::result::Result<T, DbErr>, what: &str, name: &str) -> Result<()> {
    match result {
        Ok(_) => Ok(()),
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            Err(name_taken(what, name))
        }
        Err(e) => Err(e.into()),
    }
}
