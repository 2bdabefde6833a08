//! The names API tokens go by, for attributing the changes made through them. Every change an
//! integration writes asks for one, so names are remembered per process: a token's name is
//! fixed when it is created and never edited, so a remembered name is exact on every replica.

use std::sync::{Arc, LazyLock};

use quick_cache::sync::Cache;
use sea_orm::{ConnectionTrait, EntityTrait};
use uuid::Uuid;

use super::token_id_of_subject;
use crate::{error::Result, principal::Principal};
use entity::api_token;

/// Enough names for every integration of many workspaces; a forgotten one costs one lookup.
const REMEMBERED_NAMES: usize = 10_000;

static NAMES: LazyLock<Cache<(Uuid, Uuid), Arc<str>>> =
    LazyLock::new(|| Cache::new(REMEMBERED_NAMES));

/// The name of the API token `principal` acts for, or `None` when it acts for a user (whose
/// subject is its name) or names no token of its workspace.
pub(crate) async fn acting_token_name(
    db: &impl ConnectionTrait,
    principal: &Principal,
) -> Result<Option<Arc<str>>> {
    let Some(Some(id)) = token_id_of_subject(&principal.subject) else {
        return Ok(None);
    };
    let key = (principal.workspace_id, id);
    if let Some(name) = NAMES.get(&key) {
        return Ok(Some(name));
    }
    let Some(row) = api_token::Entity::find_by_id(key).one(db).await? else {
        return Ok(None);
    };
    let name: Arc<str> = row.name.into();
    NAMES.insert(key, name.clone());
    Ok(Some(name))
}
