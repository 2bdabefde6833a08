//! The event sources a fact sheet's metrics read, kept per inventory version.
//!
//! Finding them walks the roll-up (the fact sheet, its relations, each level's members) and
//! reads the members' external IDs: four statements or more for a team, on every metrics read
//! the metrics cache misses. They change only with the inventory (relations, external IDs,
//! fact sheets) or with the meta model's roll-up rules, both versioned, so each replica walks
//! them once per version of both.

use std::sync::Arc;

use quick_cache::{Weighter, sync::Cache};
use uuid::Uuid;

use crate::error::{Error, Result};

/// Sources held across all entries: a product over thousands of artifacts weighs thousands.
const WEIGHT_CAPACITY: u64 = 1_000_000;

#[derive(Clone)]
struct BySources;

impl Weighter<SourcesOf, Arc<Vec<String>>> for BySources {
    fn weight(&self, _key: &SourcesOf, sources: &Arc<Vec<String>>) -> u64 {
        sources.len() as u64 + 1
    }
}

/// Shared by all requests of a process, inside [`super::MetricsCache`].
pub(super) struct SourcesCache {
    entries: Cache<SourcesOf, Arc<Vec<String>>, BySources>,
}

/// What the sources of one fact sheet are a function of: its key in the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct SourcesOf {
    pub workspace_id: Uuid,
    pub fact_sheet_id: Uuid,
    pub model_version: i32,
    pub inventory_version: i64,
}

impl SourcesCache {
    pub(super) fn new() -> Self {
        Self {
            entries: Cache::with_weighter(1_024, WEIGHT_CAPACITY, BySources),
        }
    }

    /// The cached sources of `of`, or `resolve`'s, stored for the next reader.
    pub(super) async fn get_or_resolve(
        &self,
        of: SourcesOf,
        resolve: impl Future<Output = Result<Vec<String>>>,
    ) -> Result<Arc<Vec<String>>> {
        self.entries
            .get_or_insert_async(&of, async { Ok::<_, Error>(Arc::new(resolve.await?)) })
            .await
    }
}
