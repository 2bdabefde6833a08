//! Metrics cached in process, keyed by the fact sheet, the window, the metric families read and
//! the meta model version (roll-up rules and performance bands), and kept until a change
//! touches what they were computed from: a member of the roll-up (who rolls up into whom, which
//! event sources they own) or one of the members' event sources.
//!
//! A team's metrics over a year of events read tens of thousands of facts; a dashboard asks for
//! the same window again and again, while CI sends events all day to other teams' artifacts and
//! integrations edit the inventory. Each replica computes a result once and serves it from
//! memory until an inventory version touches a member or an events version touches a source
//! ([`TouchLog`]). Exact, never stale: every writer raises its counter and records what it
//! touched in its own transaction, and this reads the counters *before* computing.
//!
//! A miss, such as a window that ends a moment later than the last one, computes from the facts
//! [`FactsCache`] keeps for the hours around it, for the members and sources [`SourcesCache`]
//! keeps, each likewise until a change touches them.

use std::{
    mem::size_of,
    sync::{Arc, atomic::AtomicI64},
};

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{
    BucketSize, MetricWindow, Metrics,
    facts_cache::{FactsCache, FactsKept},
    for_fact_sheet::{Kept, Subject, admit, compute_admitted, resolve},
    scanner_findings::{ScannerFinding, SheetsBySource},
    sources_cache::{Resolved, SourcesCache, SourcesOf},
};
use crate::{
    cache::{BytesCache, Footprint, bytes_cache},
    db::Siblings,
    error::{Error, Result},
    features::GateOnce,
    meta_model::MetaModelVersion,
    metrics::Needs,
    principal::Principal,
    versions::{self, Counter, ReadOnce, TouchLog},
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

/// A result, what it was computed from, and the versions it is known to be exact at: those
/// read before computing, moved forward by every check that found its inputs untouched since.
struct KeptMetrics {
    metrics: Arc<Metrics>,
    resolved: Arc<Resolved>,
    inventory_exact_at: AtomicI64,
    events_exact_at: AtomicI64,
}

impl Footprint for KeptMetrics {
    fn bytes(&self) -> u64 {
        let members = self.resolved.members.len() * size_of::<Uuid>();
        let sources: usize = self.resolved.sources.iter().map(|s| s.len() + 24).sum();
        self.metrics.bytes() + (size_of::<Self>() + members + sources) as u64
    }
}

/// What a request reads once for everything it resolves, with its first statement, and hands
/// to [`MetricsCache::for_fact_sheet`]: its counters, and the metrics feature's gate.
#[derive(Debug, Clone, Copy)]
pub struct RequestReads<'a> {
    pub inventory: &'a ReadOnce,
    pub events: &'a ReadOnce,
    pub metrics: &'a GateOnce,
}

/// Shared by all requests of a process.
pub struct MetricsCache {
    entries: BytesCache<Key, Arc<KeptMetrics>>,
    facts: FactsCache,
    sources: SourcesCache,
    inventory: TouchLog,
    events: TouchLog,
}

impl MetricsCache {
    /// Keeps results of at most `capacity_bytes` together (least recently used go first).
    pub fn new(capacity_bytes: u64) -> Self {
        Self {
            // A result with a year of weekly buckets is a few KiB.
            entries: bytes_cache(capacity_bytes, 8 * 1024),
            facts: FactsCache::new(),
            sources: SourcesCache::new(),
            inventory: TouchLog::new(Counter::Inventory),
            events: TouchLog::new(Counter::Events),
        }
    }

    /// How often the facts of a window were read in full, and how often kept facts were
    /// brought up to date instead.
    pub fn facts_kept(&self) -> FactsKept {
        self.facts.kept()
    }

    /// Whether `kept` is still exact at `versions`: no inventory version since touched a
    /// member of its roll-up, and no events version since touched one of their sources.
    async fn still_exact(
        &self,
        db: &impl Siblings,
        workspace_id: Uuid,
        versions: versions::Both,
        kept: &KeptMetrics,
    ) -> Result<bool> {
        let members = kept.resolved.members.iter().copied();
        let sources = kept.resolved.sources.iter().map(String::as_str);
        let inventory_exact = self
            .inventory
            .still_exact(
                db,
                workspace_id,
                versions.inventory,
                &kept.inventory_exact_at,
                members,
            )
            .await?;
        Ok(inventory_exact
            && self
                .events
                .still_exact(
                    db,
                    workspace_id,
                    versions.events,
                    &kept.events_exact_at,
                    sources,
                )
                .await?)
    }

    /// [`super::for_fact_sheet`] of `subject`, computed at most once per data version. The
    /// caller's role, the metrics feature and the fact sheet are checked on every call, hit or
    /// miss. `request` holds what the request reads once for all it does (with its first
    /// statement, see [`crate::meta_model_versions::MetaModelCache::current`]); without, the
    /// counters and the feature are read here.
    #[allow(clippy::too_many_arguments)]
    pub async fn for_fact_sheet(
        &self,
        db: &impl Siblings,
        principal: &Principal,
        model: &MetaModelVersion,
        subject: Subject<'_>,
        window: &MetricWindow,
        needs: Needs,
        request: Option<RequestReads<'_>>,
    ) -> Result<Arc<Metrics>> {
        admit(db, principal, subject, request.map(|r| r.metrics)).await?;
        let fact_sheet_id = subject.id();
        let ws = principal.workspace_id;
        let versions = match request {
            Some(r) => ReadOnce::both(db, r.inventory, r.events).await?,
            None => versions::both(db, ws).await?,
        };
        let key = Key {
            workspace_id: ws,
            fact_sheet_id,
            from: window.from,
            to: window.to,
            bucket: window.bucket,
            time_zone: window.time_zone.name(),
            needs,
            model_version: model.version,
        };
        if let Some(kept) = self.entries.get(&key)
            && self.still_exact(db, ws, versions, &kept).await?
        {
            crate::cache_stats::record(true);
            return Ok(kept.metrics.clone());
        }
        crate::cache_stats::record(false);
        self.inventory.keep_from(ws, versions.inventory);
        self.events.keep_from(ws, versions.events);
        let of = SourcesOf {
            workspace_id: ws,
            fact_sheet_id,
            model_version: model.version,
        };
        let resolved = self
            .sources
            .get_or_resolve(
                db,
                &self.inventory,
                of,
                versions.inventory,
                resolve(db, principal, &model.model, fact_sheet_id),
            )
            .await?;
        let kept = Kept {
            facts: &self.facts,
            events: &self.events,
            events_version: versions.events,
            resolved: resolved.clone(),
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
        let metrics = Arc::new(metrics);
        let kept = KeptMetrics {
            metrics: metrics.clone(),
            resolved,
            inventory_exact_at: AtomicI64::new(versions.inventory),
            events_exact_at: AtomicI64::new(versions.events),
        };
        self.entries.insert(key, Arc::new(kept));
        Ok(metrics)
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
                &self.events,
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
