//! Facet counts and totals of fact sheet lists, cached in process and keyed by everything they
//! depend on: workspace, filter, meta model version, the workspace's
//! [inventory version](crate::versions::Counter::Inventory) and the UTC date (lifecycle filters compare
//! with today).
//!
//! Facets aggregate over every fact sheet matching the filter (tens of thousands in a large
//! workspace, several statements), while the page beside them reads fifty rows. The same
//! views are opened over and over between two changes, so each replica computes a figure once
//! per inventory version and serves it from memory until the next change anywhere in the
//! workspace. Cached figures are exact: a change raises the version in its own transaction,
//! and a reader reads the version *before* computing, so a figure is never stored under a
//! version newer than the data it was computed from.

use std::{mem::size_of, sync::Arc};

use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::{Facets, FactSheetFilter, count, facets};
use crate::{
    authz::{self, Action},
    cache::{BytesCache, Footprint, bytes_cache, get_or_compute},
    error::Result,
    meta_model::MetaModelVersion,
    principal::Principal,
    versions::{Counter, ReadOnce},
};

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    workspace_id: Uuid,
    model_version: i32,
    inventory_version: i64,
    today: chrono::NaiveDate,
    /// The filter's `Debug` form: every field, stable within a build.
    filter: String,
}

/// The filter is part of the key and the caller's to size.
impl Footprint for Key {
    fn bytes(&self) -> u64 {
        (size_of::<Key>() + self.filter.len()) as u64
    }
}

impl Footprint for Facets {
    fn bytes(&self) -> u64 {
        fn counts(list: &[super::facets::FacetCount]) -> usize {
            list.iter()
                .map(|c| size_of_val(c) + c.key.len() + c.label.len())
                .sum()
        }
        let attributes: usize = self
            .attributes
            .iter()
            .map(|a| size_of_val(a) + a.key.len() + a.label.len() + counts(&a.counts))
            .sum();
        (size_of::<Facets>() + counts(&self.types) + counts(&self.tags) + attributes) as u64
    }
}

/// Shared by all requests of a process.
pub struct AggregateCache {
    facets: BytesCache<Key, Arc<Facets>>,
    counts: BytesCache<Key, u64>,
}

impl AggregateCache {
    /// Keeps facet sets of at most `capacity_bytes` together, and totals of as many again
    /// (least recently used go first).
    pub fn new(capacity_bytes: u64) -> Self {
        Self {
            // A facet set is a few KiB; a total weighs little more than its key.
            facets: bytes_cache(capacity_bytes, 4 * 1024),
            counts: bytes_cache(capacity_bytes, 256),
        }
    }

    /// `inventory` is the request's read of the workspace's inventory counter.
    async fn key(
        db: &impl ConnectionTrait,
        principal: &Principal,
        model: &MetaModelVersion,
        inventory: &ReadOnce,
        filter: &FactSheetFilter,
    ) -> Result<Key> {
        if inventory.counter() != Counter::Inventory
            || inventory.workspace_id() != principal.workspace_id
        {
            return Err(crate::error::Error::Internal(
                "aggregates keyed by another counter or workspace".into(),
            ));
        }
        Ok(Key {
            workspace_id: principal.workspace_id,
            model_version: model.version,
            inventory_version: inventory.get(db).await?,
            today: chrono::Utc::now().date_naive(),
            filter: format!("{filter:?}"),
        })
    }

    /// [`facets`] of `filter`, computed at most once per inventory version (read through
    /// `inventory`, the request's [`ReadOnce`] of [`Counter::Inventory`]).
    pub async fn facets(
        &self,
        db: &impl ConnectionTrait,
        principal: &Principal,
        model: &MetaModelVersion,
        inventory: &ReadOnce,
        filter: &FactSheetFilter,
    ) -> Result<Arc<Facets>> {
        authz::require(principal, Action::Read)?;
        let key = Self::key(db, principal, model, inventory, filter).await?;
        get_or_compute(&self.facets, key, async {
            Ok(Arc::new(facets(db, principal, &model.model, filter).await?))
        })
        .await
    }

    /// [`count`] of `filter`, computed at most once per inventory version.
    pub async fn count(
        &self,
        db: &impl ConnectionTrait,
        principal: &Principal,
        model: &MetaModelVersion,
        inventory: &ReadOnce,
        filter: &FactSheetFilter,
    ) -> Result<u64> {
        authz::require(principal, Action::Read)?;
        let key = Self::key(db, principal, model, inventory, filter).await?;
        get_or_compute(
            &self.counts,
            key,
            count(db, principal, &model.model, filter),
        )
        .await
    }
}
