//! Facts loaded for one window, kept for the windows that follow it until an ingestion stores
//! facts for one of its sources.
//!
//! A dashboard asks for "the last 90 days" each time it opens: a window that ends a little
//! later every time, so the metrics cache, keyed by the exact window, misses on every reload,
//! and each miss read a team's tens of thousands of facts again. Here facts are loaded for the
//! window widened to whole hours (UTC), its last hour sorted by time, and cut to each window's
//! end on use (a borrowed prefix: nothing is copied), so every window inside the widened one,
//! for the same sources, reads nothing. An ingestion touches the sources it stored events for
//! (see [`crate::versions`]); facts of other sources stay kept ([`TouchLog`]), so events
//! flowing into one team's artifacts leave every other team's facts warm.
//!
//! Exact, not approximate: a load for a wider window holds every fact a narrower one depends
//! on, and facts at or after the narrower window's end are dropped before computing, so the
//! engine sees a subset of the full history that still holds everything the window needs. The
//! property test of `domain/tests/domain/events.rs` checks it against the full history.

use std::sync::{
    Arc, OnceLock,
    atomic::AtomicI64,
    mpsc::{self, Sender},
};

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use quick_cache::{Weighter, sync::Cache};
use uuid::Uuid;

use super::{Facts, FactsView, MetricWindow};
use crate::{
    db::Siblings,
    error::{Error, Result},
    metrics::load::{Needs, load_window_facts},
    versions::TouchLog,
};

/// How far a load reaches beyond its window on either side.
const GRAIN: TimeDelta = TimeDelta::hours(1);

/// The cache's bound in stored ids (see [`Facts::weight`]): room for a few dozen busy teams'
/// 90-day windows (BENCHMARKS.md weighs one).
const WEIGHT_CAPACITY: u64 = 2_000_000;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    workspace_id: Uuid,
    sources: Vec<String>,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    needs: Needs,
}

/// Entries weigh what their facts hold, computed once when loaded.
struct Loaded {
    facts: Arc<Held>,
    weight: u64,
    /// The events version the facts are known to be exact at: the one read before loading,
    /// moved forward by every check that found the sources untouched since.
    exact_at: AtomicI64,
}

/// Facts loaded for the hours around a window, arranged to be cut anywhere in its last hour.
pub(super) struct KeptFacts(Arc<Held>);

impl KeptFacts {
    /// The facts a window ending at `until` (inside the loaded hours) depends on.
    pub(super) fn before(&self, until: DateTime<Utc>) -> FactsView<'_> {
        self.0.0.view_before(until)
    }
}

/// Facts whose memory is given back on a thread of their own: an entry is evicted by the
/// insert of a request that missed, and freeing a team's ids there delayed that request.
struct Held(Facts);

impl Drop for Held {
    fn drop(&mut self) {
        static FREEING: OnceLock<Option<Sender<Facts>>> = OnceLock::new();
        let freeing = FREEING.get_or_init(|| {
            let (sender, receiver) = mpsc::channel::<Facts>();
            std::thread::Builder::new()
                .name("facts-free".into())
                .spawn(move || receiver.into_iter().for_each(drop))
                .ok()
                .map(|_| sender)
        });
        if let Some(sender) = freeing {
            // A closed channel hands the facts back, and they are freed here after all.
            let _ = sender.send(std::mem::take(&mut self.0));
        }
    }
}

#[derive(Clone)]
struct ByWeight;

impl Weighter<Key, Arc<Loaded>> for ByWeight {
    fn weight(&self, _key: &Key, loaded: &Arc<Loaded>) -> u64 {
        loaded.weight.max(1)
    }
}

/// Shared by all requests of a process, inside [`super::MetricsCache`].
pub(super) struct FactsCache {
    entries: Cache<Key, Arc<Loaded>, ByWeight>,
}

impl FactsCache {
    pub(super) fn new() -> Self {
        Self {
            entries: Cache::with_weighter(64, WEIGHT_CAPACITY, ByWeight),
        }
    }

    /// The facts `window` depends on (cut with [`KeptFacts::before`]), from a load of the
    /// hours around it, kept until an events version after the load touches one of
    /// `sources` (up to `events_version`, the version the caller read). Readers missing at
    /// once wait for one load rather than each reading the same rows.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn window_facts(
        &self,
        db: &impl Siblings,
        touches: &TouchLog,
        workspace_id: Uuid,
        sources: &[String],
        window: &MetricWindow,
        needs: Needs,
        events_version: i64,
    ) -> Result<KeptFacts> {
        let (from, until) = widened(window.from, window.to);
        let key = Key {
            workspace_id,
            sources: sources.to_vec(),
            from,
            until,
            needs,
        };
        let still_exact = async |loaded: &Loaded| -> Result<bool> {
            let inputs = sources.iter().map(String::as_str);
            touches
                .still_exact(db, workspace_id, events_version, &loaded.exact_at, inputs)
                .await
        };
        if let Some(loaded) = self.entries.get(&key) {
            if still_exact(&loaded).await? {
                return Ok(KeptFacts(loaded.facts.clone()));
            }
            // Stale: the next load replaces it (a concurrent reader may load it too).
            self.entries.remove(&key);
        }
        touches.keep_from(workspace_id, events_version);
        let load = async || {
            // Boxed: the loader's future is large, and this one holds it beside the cache's.
            let load = load_window_facts(db, workspace_id, sources, from, until, needs);
            let mut facts = Box::pin(load).await?;
            // Every window sharing this entry ends after `until - GRAIN` (see `widened`).
            facts.order_from(until - GRAIN);
            Ok::<_, Error>(Arc::new(Loaded {
                weight: facts.weight(),
                facts: Arc::new(Held(facts)),
                exact_at: AtomicI64::new(events_version),
            }))
        };
        let loaded = self.entries.get_or_insert_async(&key, load()).await?;
        if still_exact(&loaded).await? {
            return Ok(KeptFacts(loaded.facts.clone()));
        }
        // This joined a load that began before an ingestion this reader has seen: load anew.
        let loaded = load().await?;
        self.entries.insert(key, loaded.clone());
        Ok(KeptFacts(loaded.facts.clone()))
    }
}

/// `from` down and `until` up to whole hours: every window of a dashboard reloaded within the
/// hour widens to the same pair.
fn widened(from: DateTime<Utc>, until: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    let down = |t: DateTime<Utc>| t.duration_trunc(GRAIN).unwrap_or(t);
    let floor = down(until);
    let up = if floor == until { until } else { floor + GRAIN };
    (down(from), up)
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::at;
    use super::*;

    #[test]
    fn windows_widen_to_the_hours_around_them() {
        assert_eq!(
            widened(at("2024-03-01T10:59:59Z"), at("2024-05-30T10:00:01Z")),
            (at("2024-03-01T10:00:00Z"), at("2024-05-30T11:00:00Z"))
        );
        // Bounds already on the hour stay.
        assert_eq!(
            widened(at("2024-03-01T10:00:00Z"), at("2024-05-30T11:00:00Z")),
            (at("2024-03-01T10:00:00Z"), at("2024-05-30T11:00:00Z"))
        );
    }
}
