//! The members and event sources a fact sheet's metrics read, kept until a change touches a
//! member.
//!
//! Finding them walks the roll-up (the fact sheet, its relations, each level's members) and
//! reads the members' external IDs: four statements or more for a team, on every metrics read
//! the metrics cache misses. They change only with the meta model's roll-up rules (part of the
//! key) or with a change to a member: its type or external IDs, a relation of it (recorded on
//! both ends), or a child joining or leaving (recorded on the parent too, see
//! [`crate::history`]). So a walk is reused at later inventory versions as long as none of them
//! touched a member ([`TouchLog`]).

use std::sync::{Arc, atomic::AtomicI64};

use quick_cache::{Weighter, sync::Cache};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use crate::{error::Result, versions::TouchLog};

/// Members and sources held across all entries: a product over thousands of artifacts weighs
/// thousands.
const WEIGHT_CAPACITY: u64 = 2_000_000;

/// What one walk found: the fact sheets rolled up over (the fact sheet itself first) and
/// their event sources, sorted.
#[derive(Debug, Default)]
pub(super) struct Resolved {
    pub members: Vec<Uuid>,
    pub sources: Vec<String>,
}

/// A walk and the inventory version it is known to be exact at.
struct Entry {
    exact_at: AtomicI64,
    resolved: Arc<Resolved>,
}

#[derive(Clone)]
struct ByLength;

impl Weighter<SourcesOf, Arc<Entry>> for ByLength {
    fn weight(&self, _key: &SourcesOf, entry: &Arc<Entry>) -> u64 {
        (entry.resolved.members.len() + entry.resolved.sources.len()) as u64 + 1
    }
}

/// Shared by all requests of a process, inside [`super::MetricsCache`].
pub(super) struct SourcesCache {
    entries: Cache<SourcesOf, Arc<Entry>, ByLength>,
}

/// What the walk of one fact sheet is a function of, besides its members: its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct SourcesOf {
    pub workspace_id: Uuid,
    pub fact_sheet_id: Uuid,
    pub model_version: i32,
}

impl SourcesCache {
    pub(super) fn new() -> Self {
        Self {
            entries: Cache::with_weighter(1_024, WEIGHT_CAPACITY, ByLength),
        }
    }

    /// The kept walk of `of` if no inventory version up to `inventory_version` touched one of
    /// its members since it was made, else `resolve`'s, kept for the next reader.
    pub(super) async fn get_or_resolve(
        &self,
        db: &impl ConnectionTrait,
        touches: &TouchLog,
        of: SourcesOf,
        inventory_version: i64,
        resolve: impl Future<Output = Result<Resolved>>,
    ) -> Result<Arc<Resolved>> {
        if let Some(entry) = self.entries.get(&of) {
            let members = entry.resolved.members.iter().copied();
            if touches
                .still_exact(
                    db,
                    of.workspace_id,
                    inventory_version,
                    &entry.exact_at,
                    members,
                )
                .await?
            {
                return Ok(entry.resolved.clone());
            }
        }
        touches.keep_from(of.workspace_id, inventory_version);
        let resolved = Arc::new(resolve.await?);
        let entry = Entry {
            exact_at: AtomicI64::new(inventory_version),
            resolved: resolved.clone(),
        };
        self.entries.insert(of, Arc::new(entry));
        Ok(resolved)
    }
}
