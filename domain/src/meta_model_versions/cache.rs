//! Parsed meta models remembered by workspace and version, so a request reads the current
//! version number instead of the whole document: reading and parsing the document (into a JSON
//! tree, then into a [`MetaModel`](crate::meta_model::MetaModel)) was a visible share of the
//! server's work for a filtered page with facets (see BENCHMARKS.md).
//!
//! Safe without invalidation: a version is written once and never changed (a change inserts
//! the next one), so `(workspace, version)` always names the same model.

use std::sync::Arc;

use quick_cache::{Weighter, sync::Cache};
use sea_orm::{ConnectionTrait, QuerySelect, QueryTrait};
use uuid::Uuid;

use super::{
    store::{newest_first, no_meta_model},
    version,
};
use crate::{
    error::{Error, Result},
    features::GateOnce,
    meta_model::MetaModelVersion,
    principal::Principal,
    versions::{self, ReadOnce},
};
use entity::meta_model_version;

/// The bytes of parsed models held (by their size as JSON, see [`Remembered`]): a thousand
/// typical models of a few tens of KB, or fewer of an admin's largest.
const CAPACITY_BYTES: u64 = 64 * 1024 * 1024;
const TYPICAL_BYTES: u64 = 16 * 1024;

/// A model with its weight, measured once when it is read rather than at every eviction scan.
#[derive(Clone)]
struct Remembered {
    model: Arc<MetaModelVersion>,
    bytes: u64,
}

#[derive(Clone)]
struct ByBytes;

impl Weighter<(Uuid, i32), Remembered> for ByBytes {
    fn weight(&self, _key: &(Uuid, i32), value: &Remembered) -> u64 {
        value.bytes.max(1)
    }
}

/// Clones share one memory.
#[derive(Clone)]
pub struct MetaModelCache {
    models: Arc<Cache<(Uuid, i32), Remembered, ByBytes>>,
}

impl Default for MetaModelCache {
    fn default() -> Self {
        Self {
            models: Arc::new(Cache::with_weighter(
                (CAPACITY_BYTES / TYPICAL_BYTES) as usize,
                CAPACITY_BYTES,
                ByBytes,
            )),
        }
    }
}

impl MetaModelCache {
    /// The workspace's current meta model: one small statement for its version number, and the
    /// document only the first time that version is seen. The request's unread `counters` and
    /// feature `gates` are read in the same statement: nearly every request reads the model
    /// first, and the caches keyed by the counters (relation windows, aggregates, metrics) and
    /// the work behind the gates (metrics) then cost no statement of their own on a hit.
    pub async fn current(
        &self,
        db: &impl ConnectionTrait,
        principal: &Principal,
        counters: &[&ReadOnce],
        gates: &[&GateOnce],
    ) -> Result<Arc<MetaModelVersion>> {
        crate::authz::require(principal, crate::authz::Action::Read)?;
        let workspace_id = principal.workspace_id;
        let unread: Vec<&ReadOnce> = counters
            .iter()
            .copied()
            .filter(|c| c.unread(c.counter(), workspace_id))
            .collect();
        let closed: Vec<&GateOnce> = gates
            .iter()
            .copied()
            .filter(|g| g.unread(workspace_id))
            .collect();
        let mut latest = newest_first(workspace_id)
            .select_only()
            .column(meta_model_version::Column::Version)
            .limit(1);
        for counter in &unread {
            latest = latest.expr(versions::column(counter.counter(), workspace_id));
        }
        for gate in &closed {
            for column in gate.columns() {
                latest = latest.expr(column);
            }
        }
        let row = db
            .query_one(&latest.into_query())
            .await?
            .ok_or_else(|| no_meta_model(workspace_id))?;
        let latest: i32 = row.try_get_by_index(0)?;
        for (i, counter) in unread.iter().enumerate() {
            counter.prime(row.try_get_by_index(i + 1)?);
        }
        let first_gate = 1 + unread.len();
        for (i, gate) in closed.iter().enumerate() {
            let at = first_gate + 2 * i;
            gate.prime(row.try_get_by_index(at)?, row.try_get_by_index(at + 1)?);
        }
        if let Some(remembered) = self.models.get(&(workspace_id, latest)) {
            return Ok(remembered.model);
        }
        let model = version(db, principal, latest).await?.ok_or_else(|| {
            Error::Internal(format!(
                "meta model version {latest} of {workspace_id} vanished"
            ))
        })?;
        let bytes = crate::cache::json_bytes(&model.model)
            + (std::mem::size_of::<MetaModelVersion>()
                + model.summary.len()
                + model.created_by.len()) as u64;
        let model = Arc::new(model);
        let remembered = Remembered {
            model: model.clone(),
            bytes,
        };
        self.models.insert((workspace_id, latest), remembered);
        Ok(model)
    }
}
