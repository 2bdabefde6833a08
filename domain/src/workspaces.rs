//! Workspaces are the tenants. Creating one installs the default meta model, so a new
//! workspace is usable at once.
//!
//! No principal here: creating, listing and deleting workspaces are platform operations (the
//! CLI, the demo and benchmark loaders), and looking one up by slug is how a request is
//! authenticated before it has a principal. Only trusted callers reach these functions.

use chrono::Utc;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use crate::{
    error::{Error, Result},
    meta_model_versions,
};
use entity::workspace;

pub type Workspace = workspace::Model;

fn check_slug(slug: &str) -> Result<()> {
    let ok = (2..=64).contains(&slug.len())
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !slug.starts_with('-')
        && !slug.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            "slug",
            "must be 2 to 64 lower-case letters, digits or inner hyphens",
        ))
    }
}

/// Creates a workspace with the default meta model. This is a platform operation (CLI), not
/// something a workspace's own users can do, so it takes no principal. Run it in a transaction:
/// on PostgreSQL the transaction is scoped to the new workspace for the rows that follow.
pub async fn create(
    db: &impl ConnectionTrait,
    slug: &str,
    name: Option<&str>,
    actor: &str,
) -> Result<Workspace> {
    check_slug(slug)?;
    if find_by_slug(db, slug).await?.is_some() {
        return Err(Error::conflict(format!(
            "workspace `{slug}` already exists"
        )));
    }
    let ws = workspace::Model {
        id: Uuid::now_v7(),
        slug: slug.to_owned(),
        name: name.unwrap_or(slug).to_owned(),
        created_at: Utc::now(),
        deleted_at: None,
        edition: crate::features::Edition::default().id().to_owned(),
    };
    workspace::Entity::insert(workspace::ActiveModel::from(ws.clone()))
        .exec_without_returning(db)
        .await?;
    // The workspace row is platform data; everything after it is the new tenant's own.
    crate::db::enter_workspace(db, ws.id).await?;
    meta_model_versions::install_default(db, ws.id, actor).await?;
    Ok(ws)
}

/// The live (not deleted) workspace with this slug.
pub async fn find_by_slug(db: &impl ConnectionTrait, slug: &str) -> Result<Option<Workspace>> {
    Ok(workspace::Entity::find()
        .filter(workspace::Column::Slug.eq(slug))
        .filter(workspace::Column::DeletedAt.is_null())
        .one(db)
        .await?)
}

/// The live (not deleted) workspace with this id.
pub async fn find_live_by_id(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<Workspace>> {
    Ok(workspace::Entity::find_by_id(id)
        .filter(workspace::Column::DeletedAt.is_null())
        .one(db)
        .await?)
}

pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<Workspace>> {
    Ok(workspace::Entity::find()
        .filter(workspace::Column::DeletedAt.is_null())
        .order_by_asc(workspace::Column::Slug)
        .all(db)
        .await?)
}

/// Marks a workspace deleted: its tokens stop working at once; its data stays for recovery.
pub async fn delete(db: &impl ConnectionTrait, slug: &str) -> Result<()> {
    let ws = find_by_slug(db, slug)
        .await?
        .ok_or_else(|| Error::not_found("workspace", slug))?;
    let mut active: workspace::ActiveModel = ws.into();
    active.deleted_at = Set(Some(Utc::now()));
    workspace::Entity::update(active).exec(db).await?;
    Ok(())
}
