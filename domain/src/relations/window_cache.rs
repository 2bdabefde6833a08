//! Relation windows kept in process between the changes that touch them.
//!
//! A map is opened over and over: every open of the same view reads the same pages of the
//! same relations, two of a depth-3 traversal's four statements and most of the database's
//! share of its cost. A window holds relation rows and far-end rows only, and every write to
//! either records history on the fact sheets it wrote (a relation on both its ends), which
//! raises the inventory version in the writer's transaction and records what it touched (see
//! [`crate::versions`]). A window is kept with the version read *before* it was read, and is
//! reused at a later version as long as no version since touched its anchor or a far end
//! ([`TouchLog`]). So a description edited on one team leaves every window that neither
//! anchors at that team nor shows it warm, and cached windows stay exact on every replica,
//! without a cache service.

use std::{
    collections::HashMap,
    sync::{
        Arc,
        atomic::{AtomicI64, Ordering},
    },
};

use quick_cache::{Weighter, sync::Cache};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::{RelationSlice, RelationWindow, windows_for};
use crate::{
    authz::{self, Action},
    error::{Error, Result},
    principal::Principal,
    versions::{Counter, ReadOnce, TouchLog},
};

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    workspace_id: Uuid,
    anchor: Uuid,
    slice: RelationSlice,
}

/// A window and the inventory version it is known to be exact at: the version read before it
/// was read, moved forward by every check that found it untouched since.
struct Kept {
    exact_at: AtomicI64,
    window: Arc<RelationWindow>,
}

impl Kept {
    /// The fact sheets whose touch makes the window stale: its anchor and its far ends.
    fn inputs(&self, anchor: Uuid) -> impl Iterator<Item = Uuid> + '_ {
        std::iter::once(anchor).chain(self.window.items.iter().map(|(_, far)| far.id))
    }
}

/// A window weighs one plus its relations, so the bound is on rows held, whatever the page
/// sizes asked for.
#[derive(Clone)]
struct ByRelations;

impl Weighter<Key, Arc<Kept>> for ByRelations {
    fn weight(&self, _key: &Key, kept: &Arc<Kept>) -> u64 {
        1 + kept.window.items.len() as u64
    }
}

/// Shared by all requests of a process; clones share one memory.
#[derive(Clone)]
pub struct WindowCache {
    windows: Arc<Cache<Key, Arc<Kept>, ByRelations>>,
    touches: Arc<TouchLog>,
}

impl WindowCache {
    /// Keeps at most about `relations` relations (least recently used windows go first). Far
    /// ends are shared with the other windows of the statement that read them.
    pub fn new(relations: u64) -> Self {
        let windows = relations.max(1) as usize / 4;
        Self {
            windows: Arc::new(Cache::with_weighter(windows, relations, ByRelations)),
            touches: Arc::new(TouchLog::new(Counter::Inventory)),
        }
    }

    /// [`windows_for`] `anchors`, each read again only after a change touched it (the
    /// inventory version is read through `inventory`, the request's [`ReadOnce`] of
    /// [`Counter::Inventory`]). Unlike `windows_for`, every anchor is in the answer, an empty
    /// window when it has no matching relations.
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
        let ws = principal.workspace_id;
        let version = inventory.get(db).await?;
        let key = |anchor| Key {
            workspace_id: ws,
            anchor,
            slice: slice.clone(),
        };
        let mut found = HashMap::with_capacity(anchors.len());
        let mut older = Vec::new();
        let mut missing = Vec::new();
        for &anchor in anchors {
            match self.windows.get(&key(anchor)) {
                Some(kept) if kept.exact_at.load(Ordering::Relaxed) >= version => {
                    found.insert(anchor, kept.window.clone());
                }
                Some(kept) => older.push((anchor, kept)),
                None => missing.push(anchor),
            }
        }
        if !older.is_empty() {
            self.touches.bring_up_to(db, ws, version).await?;
            let untouched = self.touches.untouched_each(
                ws,
                older.iter().map(|(anchor, kept)| {
                    (kept.exact_at.load(Ordering::Relaxed), kept.inputs(*anchor))
                }),
            );
            for ((anchor, kept), untouched) in older.into_iter().zip(untouched) {
                if untouched {
                    kept.exact_at.fetch_max(version, Ordering::Relaxed);
                    found.insert(anchor, kept.window.clone());
                } else {
                    missing.push(anchor);
                }
            }
        }
        crate::cache_stats::record_many(true, found.len());
        crate::cache_stats::record_many(false, missing.len());
        if missing.is_empty() {
            return Ok(found);
        }
        self.touches.keep_from(ws, version);
        let mut read = windows_for(db, principal, slice, &missing).await?;
        for anchor in missing {
            let window = Arc::new(read.remove(&anchor).unwrap_or_default());
            let kept = Kept {
                exact_at: AtomicI64::new(version),
                window: window.clone(),
            };
            self.windows.insert(key(anchor), Arc::new(kept));
            found.insert(anchor, window);
        }
        Ok(found)
    }
}
