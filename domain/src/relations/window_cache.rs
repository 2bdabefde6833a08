//! Relation windows kept in process between changes, keyed by the workspace's
//! [inventory version](crate::versions::Counter::Inventory).
//!
//! A map is opened over and over between two changes: every open of the same view read the
//! same pages of the same relations, two of a depth-3 traversal's four statements and most of
//! the database's share of its cost. A window holds relation rows and far-end rows only, and
//! every write to either records history, which raises the inventory version in the writer's
//! transaction (see [`crate::versions`]); a reader reads the version *before* reading windows,
//! so no window is stored under a version newer than its rows. Cached windows are therefore
//! exact on every replica, without a cache service.

use std::{collections::HashMap, sync::Arc};

use quick_cache::{Weighter, sync::Cache};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::{RelationSlice, RelationWindow, windows_for};
use crate::{
    authz::{self, Action},
    error::{Error, Result},
    principal::Principal,
    versions::{Counter, ReadOnce},
};

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    workspace_id: Uuid,
    inventory_version: i64,
    anchor: Uuid,
    slice: RelationSlice,
}

/// A window weighs one plus its relations, so the bound is on rows held, whatever the page
/// sizes asked for.
#[derive(Clone)]
struct ByRelations;

impl Weighter<Key, Arc<RelationWindow>> for ByRelations {
    fn weight(&self, _key: &Key, window: &Arc<RelationWindow>) -> u64 {
        1 + window.items.len() as u64
    }
}

/// Shared by all requests of a process; clones share one memory.
#[derive(Clone)]
pub struct WindowCache {
    windows: Arc<Cache<Key, Arc<RelationWindow>, ByRelations>>,
}

impl WindowCache {
    /// Keeps at most about `relations` relations (least recently used windows go first). Far
    /// ends are shared with the other windows of the statement that read them.
    pub fn new(relations: u64) -> Self {
        let windows = relations.max(1) as usize / 4;
        Self {
            windows: Arc::new(Cache::with_weighter(windows, relations, ByRelations)),
        }
    }

    /// [`windows_for`] `anchors`, each read at most once per inventory version (read through
    /// `inventory`, the request's [`ReadOnce`] of [`Counter::Inventory`]). Unlike
    /// `windows_for`, every anchor is in the answer, an empty window when it has no matching
    /// relations.
    pub async fn windows_for(
        &self,
        db: &impl ConnectionTrait,
        principal: &Principal,
        inventory: &ReadOnce,
        slice: &RelationSlice,
        anchors: &[Uuid],
    ) -> Result<HashMap<Uuid, Arc<RelationWindow>>> {
        authz::require(principal, Action::Read)?;
        if inventory.counter() != Counter::Inventory
            || inventory.workspace_id() != principal.workspace_id
        {
            return Err(Error::Internal(
                "relation windows keyed by another counter or workspace".into(),
            ));
        }
        let version = inventory.get(db).await?;
        let key = |anchor| Key {
            workspace_id: principal.workspace_id,
            inventory_version: version,
            anchor,
            slice: slice.clone(),
        };
        let mut found = HashMap::with_capacity(anchors.len());
        let mut missing = Vec::new();
        for &anchor in anchors {
            match self.windows.get(&key(anchor)) {
                Some(window) => {
                    found.insert(anchor, window);
                }
                None => missing.push(anchor),
            }
        }
        crate::cache_stats::record_many(true, found.len());
        crate::cache_stats::record_many(false, missing.len());
        if missing.is_empty() {
            return Ok(found);
        }
        let mut read = windows_for(db, principal, slice, &missing).await?;
        for anchor in missing {
            let window = Arc::new(read.remove(&anchor).unwrap_or_default());
            self.windows.insert(key(anchor), window.clone());
            found.insert(anchor, window);
        }
        Ok(found)
    }
}
