//! Live workspaces by slug, remembered so that authenticating a request costs no statement (it
//! cost one of the six round trips of a request reading one fact sheet).
//!
//! Remembering is safe only because the database checks again: on PostgreSQL,
//! [`crate::db::enter_workspace`] scopes every transaction in a statement that finds nothing for
//! a deleted workspace and fails with [`Error::Unauthenticated`](crate::error::Error::Unauthenticated).
//! Whoever sees that failure [`forget`](WorkspaceCache::forget)s the slug, so the next request
//! is refused by the look-up without opening a transaction. A slug is never reused (it stays
//! unique among deleted workspaces too), so a remembered id is never another workspace's. SQLite
//! has no such check, and its look-up is an in-process read anyway: there nothing is remembered.

use std::sync::Arc;

use sea_orm::{ConnectionTrait, DbBackend};
use uuid::Uuid;

use crate::{
    cache::{BytesCache, bytes_cache},
    error::Result,
    workspaces,
};

/// The bytes of slugs and ids remembered: some tens of thousands of workspaces; a server
/// serving more looks the rest up.
const CAPACITY_BYTES: u64 = 4 * 1024 * 1024;

/// Clones share one memory.
#[derive(Clone)]
pub struct WorkspaceCache {
    /// `None` where nothing may be remembered (SQLite).
    ids: Option<Arc<BytesCache<String, Uuid>>>,
}

impl WorkspaceCache {
    pub fn for_backend(backend: DbBackend) -> Self {
        Self {
            ids: (backend == DbBackend::Postgres)
                .then(|| Arc::new(bytes_cache(CAPACITY_BYTES, 64))),
        }
    }

    /// The id of the live workspace `slug`, from memory when it was seen before.
    pub async fn live_id(&self, db: &impl ConnectionTrait, slug: &str) -> Result<Option<Uuid>> {
        if let Some(id) = self.ids.as_ref().and_then(|ids| ids.get(slug)) {
            return Ok(Some(id));
        }
        let Some(workspace) = workspaces::find_by_slug(db, slug).await? else {
            return Ok(None);
        };
        if let Some(ids) = &self.ids {
            ids.insert(workspace.slug, workspace.id);
        }
        Ok(Some(workspace.id))
    }

    /// Drops what is remembered of `slug`, after a transaction found the workspace gone.
    pub fn forget(&self, slug: &str) {
        if let Some(ids) = &self.ids {
            ids.remove(slug);
        }
    }
}
