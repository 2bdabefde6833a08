//! Metrics cached in process, keyed by everything they are a function of: the fact sheet, the
//! window, the metric families read, and the versions of the data behind them — the meta model
//! (roll-up rules and performance bands), the inventory (who rolls up into whom, which event
//! sources they own) and the events.
//!
//! A team's metrics over a year of events read tens of thousands of facts; a dashboard asks for
//! the same window again and again between two ingestions. Each replica computes a result once
//! per data version and serves it from memory until the next ingestion or inventory change in
//! the workspace. Exact, never stale: every writer raises its counter in its own transaction,
//! and this reads the counters *before* computing.
//!
//! A miss, such as a window that ends a moment later than the last one, computes from the facts
//! [`FactsCache`] keeps for the hours around it, reading them only once per events version,
//! for the event sources [`SourcesCache`] keeps per inventory and meta model version.

use std::{mem::size_of, sync::Arc};

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{
    BucketSize, MetricWindow, Metrics,
    facts_cache::FactsCache,
    for_fact_sheet::{Kept, Subject, admit, compute_admitted},
    scanner_findings::{ScannerFinding, SheetsBySource},
    sources_cache::{SourcesCache, SourcesOf},
};
use crate::{
    cache::{BytesCache, Footprint, bytes_cache, get_or_compute},
    db::Siblings,
    error::{Error, Result},
    meta_model::MetaModelVersion,
    metrics::Needs,
    principal::Principal,
    versions,
};

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    workspace_id: Uuid,
    fact_sheet_id: Uuid,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    bucket: BucketSize,
    time_zone: &'static str,
    needs: Needs,
    model_version: i32,
    inventory_version: i64,
    events_version: i64,
}

impl Footprint for Key {
    fn bytes(&self) -> u64 {
        size_of::<Key>() as u64
    }
}

/// A result holds a few fixed figures and one list of buckets per family: its size is set by
/// the window's bucket count.
impl Footprint for Metrics {
    fn bytes(&self) -> u64 {
        fn list<T>(items: &[T]) -> usize {
            std::mem::size_of_val(items)
        }
        let flow = &self.flow;
        let type_names: usize = flow
            .velocity_by_type
            .iter()
            .map(|t| t.item_type.len())
            .chain(flow.distribution.iter().map(|t| t.item_type.len()))
            .sum();
        (size_of::<Metrics>()
            + list(&self.deployment_frequency.buckets)
            + list(&self.lead_time.buckets)
            + list(&self.change_failure_rate.buckets)
            + list(&self.failed_deployment_recovery_time.buckets)
            + list(&self.time_to_restore.buckets)
            + list(&flow.buckets)
            + list(&flow.velocity_by_type)
            + list(&flow.distribution)
            + list(&self.vulnerabilities.buckets)
            + type_names) as u64
    }
}

/// Shared by all requests of a process.
pub struct MetricsCache {
    entries: BytesCache<Key, Arc<Metrics>>,
    facts: FactsCache,
    sources: SourcesCache,
}

impl MetricsCache {
    /// Keeps results of at most `capacity_bytes` together (least recently used go first).
    pub fn new(capacity_bytes: u64) -> Self {
        Self {
            // A result with a year of weekly buckets is a few KiB.
            entries: bytes_cache(capacity_bytes, 8 * 1024),
            facts: FactsCache::new(),
            sources: SourcesCache::new(),
        }
    }

    /// [`super::for_fact_sheet`] of `subject`, computed at most once per data version. The
    /// caller's role, the metrics feature and the fact sheet are checked on every call, hit or
    /// miss.
    pub async fn for_fact_sheet(
        &self,
        db: &impl Siblings,
        principal: &Principal,
        model: &MetaModelVersion,
        subject: Subject<'_>,
        window: &MetricWindow,
        needs: Needs,
    ) -> Result<Arc<Metrics>> {
        admit(db, principal, subject).await?;
        let fact_sheet_id = subject.id();
        let ws = principal.workspace_id;
        let versions = versions::both(db, ws).await?;
        let key = Key {
            workspace_id: ws,
            fact_sheet_id,
            from: window.from,
            to: window.to,
            bucket: window.bucket,
            time_zone: window.time_zone.name(),
            needs,
            model_version: model.version,
            inventory_version: versions.inventory,
            events_version: versions.events,
        };
        get_or_compute(&self.entries, key, async {
            let kept = Kept {
                facts: &self.facts,
                events_version: versions.events,
                sources: &self.sources,
                sources_of: SourcesOf {
                    workspace_id: ws,
                    fact_sheet_id,
                    model_version: model.version,
                    inventory_version: versions.inventory,
                },
            };
            let metrics = compute_admitted(
                db,
                principal,
                &model.model,
                fact_sheet_id,
                window,
                needs,
                Some(kept),
            )
            .await?;
            Ok(Arc::new(metrics))
        })
        .await
    }

    /// [`super::scanner_findings`], from the scanner events the metrics keep for the hours
    /// around `[from, until)`: a listing beside a fact sheet's trend reads no event again.
    pub async fn scanner_findings(
        &self,
        db: &impl Siblings,
        principal: &Principal,
        fact_sheet_ids: &[Uuid],
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<ScannerFinding>> {
        let sources = SheetsBySource::read(db, principal, fact_sheet_ids).await?;
        let window = MetricWindow::new(from, until, BucketSize::Week, chrono_tz::UTC)
            .map_err(|e| Error::invalid("until", e.to_string()))?;
        let events_version = versions::both(db, principal.workspace_id).await?.events;
        let needs = Needs {
            dora: false,
            flow: false,
            vulnerabilities: true,
        };
        let kept = self
            .facts
            .window_facts(
                db,
                principal.workspace_id,
                &sources.sources(),
                &window,
                needs,
                events_version,
            )
            .await?;
        Ok(sources.findings(kept.before(until).vulnerabilities, from, until))
    }
}
