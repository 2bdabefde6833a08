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
//! Where events do flow into a team's sources, as they do all day from CI, its facts are not
//! loaded again: the rows the ingestions since stored for the touched sources (each row names
//! its ingestion) are read and appended ([`append`]), unless they could change what the load
//! left out of the deployments before the window. A load that an ingestion into its sources
//! overtook may hold some of that ingestion's rows already; such an entry is loaded anew on
//! its next touch rather than appended to.
//!
//! Exact, not approximate: a load for a wider window holds every fact a narrower one depends
//! on, and facts at or after the narrower window's end are dropped before computing, so the
//! engine sees a subset of the full history that still holds everything the window needs. The
//! property tests of `domain/tests/domain/events.rs` check it against the full history, and
//! that reads between ingestions give what an uncached computation gives.

mod append;

use append::Appended;

use std::sync::{
    Arc, Mutex, OnceLock, PoisonError,
    atomic::{AtomicI64, AtomicU64, Ordering},
    mpsc::{self, Sender},
};

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use quick_cache::{Weighter, sync::Cache};
use uuid::Uuid;

use super::{Facts, FactsView, MetricWindow, deployments::DeploymentIndex};
use crate::{
    db::Siblings,
    error::{Error, Result},
    metrics::load::{
        LeftOut, Needs, changes_named, load_new_facts, load_window_facts_and_left_out,
    },
    versions::{SinceThen, TouchLog},
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
    /// Whether the facts hold nothing of the sources stored after `exact_at`, so the rows of
    /// later versions can be appended.
    appendable: bool,
    left_out: Arc<LeftOut>,
}

/// Facts loaded for the hours around a window, arranged to be cut anywhere in its last hour.
pub(super) struct KeptFacts(Arc<Held>);

impl KeptFacts {
    /// The facts a window ending at `until` (inside the loaded hours) depends on.
    pub(super) fn before(&self, until: DateTime<Utc>) -> FactsView<'_> {
        self.0.facts.view_before(until)
    }

    /// The engine's index of the first `deployments` deployments (those of a view from
    /// [`before`](Self::before)), built at most once for each cut in a row. A dashboard asks
    /// for "the last 90 days" every time, so each read ends its window at a new instant, and
    /// its result is never kept; its facts are, and so, now, is this index, the largest part of
    /// the engine's time in a profile: windows ending in the same hour with no deployment between them cut
    /// the facts at the same deployment.
    pub(super) fn deployment_index(&self, deployments: usize) -> Arc<DeploymentIndex> {
        let last = || self.0.index.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((cut, index)) = &*last()
            && *cut == deployments
        {
            return index.clone();
        }
        // Built outside the lock: readers of other cuts do not wait for it.
        let index = Arc::new(DeploymentIndex::new(
            &self.0.facts.deployments[..deployments],
        ));
        *last() = Some((deployments, index.clone()));
        index
    }
}

/// Facts whose memory is given back on a thread of their own: an entry is evicted by the
/// insert of a request that missed, and freeing a team's ids there delayed that request.
struct Held {
    facts: Facts,
    /// The last deployment index asked for, with how many deployments it holds.
    index: Mutex<Option<(usize, Arc<DeploymentIndex>)>>,
}

impl Held {
    fn new(facts: Facts) -> Self {
        Self {
            facts,
            index: Mutex::new(None),
        }
    }
}

/// What `facts` and what was left out of them weigh in the cache: the deployments count twice,
/// once more for the index of them [`KeptFacts::deployment_index`] keeps.
fn weight_of(facts: &Facts, left_out: &LeftOut) -> u64 {
    facts.weight() + facts.deployments_weight() + left_out.weight()
}

impl Drop for Held {
    fn drop(&mut self) {
        static FREEING: OnceLock<Option<Sender<Freed>>> = OnceLock::new();
        let freeing = FREEING.get_or_init(|| {
            let (sender, receiver) = mpsc::channel::<Freed>();
            std::thread::Builder::new()
                .name("facts-free".into())
                .spawn(move || receiver.into_iter().for_each(drop))
                .ok()
                .map(|_| sender)
        });
        if let Some(sender) = freeing {
            // A closed channel hands the facts back, and they are freed here after all.
            let index = self.index.get_mut().unwrap_or_else(PoisonError::into_inner);
            let _ = sender.send((std::mem::take(&mut self.facts), index.take()));
        }
    }
}

/// What a [`Held`] gives back: its facts and the index of them it kept.
type Freed = (Facts, Option<(usize, Arc<DeploymentIndex>)>);

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
    loads: AtomicU64,
    appends: AtomicU64,
}

/// How the facts a cache keeps came about, since it was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FactsKept {
    /// Facts read in full for a window.
    pub loads: u64,
    /// Kept facts brought up to date with what later ingestions stored.
    pub appends: u64,
}

impl FactsCache {
    pub(super) fn new() -> Self {
        Self {
            entries: Cache::with_weighter(64, WEIGHT_CAPACITY, ByWeight),
            loads: AtomicU64::new(0),
            appends: AtomicU64::new(0),
        }
    }

    pub(super) fn kept(&self) -> FactsKept {
        FactsKept {
            loads: self.loads.load(Ordering::Relaxed),
            appends: self.appends.load(Ordering::Relaxed),
        }
    }

    /// The facts `window` depends on (cut with [`KeptFacts::before`]), from a load of the
    /// hours around it, kept while the events versions after it leave `sources` untouched,
    /// and brought up to date with what those that touch them stored (up to `events_version`,
    /// the version the caller read). Readers missing at once wait for one load rather than
    /// each reading the same rows.
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
            let since = loaded.exact_at.load(Ordering::Relaxed);
            let inputs = sources.iter().map(String::as_str);
            match touches
                .since_then(db, workspace_id, events_version, since, inputs)
                .await?
            {
                SinceThen::Untouched => {
                    loaded.exact_at.fetch_max(events_version, Ordering::Relaxed);
                    crate::cache_stats::record(true);
                    return Ok(KeptFacts(loaded.facts.clone()));
                }
                SinceThen::Touched(touched) if loaded.appendable => {
                    let touched: Vec<String> = touched.into_iter().map(str::to_owned).collect();
                    let appended = self
                        .append(db, &key, &loaded, &touched, since, events_version)
                        .await?;
                    tracing::debug!(
                        touched = touched.len(),
                        appended = appended.is_some(),
                        "kept facts brought up to date"
                    );
                    if let Some(appended) = appended {
                        // Kept facts reused, with the few rows stored since.
                        crate::cache_stats::record(true);
                        self.appends.fetch_add(1, Ordering::Relaxed);
                        self.entries.insert(key, appended.clone());
                        return Ok(KeptFacts(appended.facts.clone()));
                    }
                }
                _ => {}
            }
            // Stale: the next load replaces it (a concurrent reader may load it too).
            self.entries.remove(&key);
        }
        touches.keep_from(workspace_id, events_version);
        let load = async || {
            crate::cache_stats::record(false);
            self.loads.fetch_add(1, Ordering::Relaxed);
            // Boxed: the loader's future is large, and this one holds it beside the cache's.
            let load =
                load_window_facts_and_left_out(db, workspace_id, sources, from, until, needs);
            let (mut facts, left_out) = Box::pin(load).await?;
            // Every window sharing this entry ends after `until - GRAIN` (see `widened`).
            facts.order_from(until - GRAIN);
            // Appendable only when no ingestion into these sources committed while loading:
            // the load may have read some of its rows, which appending would add twice.
            let appendable = appendable(needs) && {
                let now = touches.catch_up(db, workspace_id).await?;
                let inputs = sources.iter().map(String::as_str);
                let since_then = touches.since_then(db, workspace_id, now, events_version, inputs);
                since_then.await? == SinceThen::Untouched
            };
            tracing::debug!(appendable, "facts loaded");
            Ok::<_, Error>(Arc::new(Loaded {
                weight: weight_of(&facts, &left_out),
                facts: Arc::new(Held::new(facts)),
                exact_at: AtomicI64::new(events_version),
                appendable,
                left_out: Arc::new(left_out),
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

impl FactsCache {
    /// `loaded` brought up to `through` with the rows the ingestions of the versions after
    /// `since` stored for the `touched` sources; `None` when a load is needed instead (see
    /// [`append`]).
    async fn append(
        &self,
        db: &impl Siblings,
        key: &Key,
        loaded: &Loaded,
        touched: &[String],
        since: i64,
        through: i64,
    ) -> Result<Option<Arc<Loaded>>> {
        let ws = key.workspace_id;
        let versions = (since, through);
        let new = load_new_facts(db, ws, touched, versions, key.until, key.needs).await?;
        let held = &loaded.facts.facts;
        let (mut facts, unnamed) = match append::append(held, &loaded.left_out, key.from, new) {
            None => return Ok(None),
            Some(Appended::Unchanged) => {
                return Ok(Some(Arc::new(Loaded {
                    weight: loaded.weight,
                    facts: loaded.facts.clone(),
                    exact_at: AtomicI64::new(through),
                    appendable: true,
                    left_out: loaded.left_out.clone(),
                })));
            }
            Some(Appended::Facts { facts, unnamed }) => (facts, unnamed),
        };
        // Every change of a newly named id, old or new: a change row read twice (one stored
        // after `through`, read here and again by the next append) counts once, as the
        // engine takes a change's earliest time.
        let unnamed: Vec<&str> = unnamed.iter().map(String::as_str).collect();
        let named = changes_named(db, ws, &key.sources, key.until, &unnamed).await?;
        facts.changes.extend(named);
        facts.order_from(key.until - GRAIN);
        Ok(Some(Arc::new(Loaded {
            weight: weight_of(&facts, &loaded.left_out),
            facts: Arc::new(Held::new(facts)),
            exact_at: AtomicI64::new(through),
            appendable: true,
            left_out: loaded.left_out.clone(),
        })))
    }
}

/// Whether facts loaded for `needs` can be appended to: scanner findings are read from the
/// events themselves, which carry no ingestion.
fn appendable(needs: Needs) -> bool {
    !needs.vulnerabilities
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
    use super::super::fixtures::{at, deployment};
    use super::*;

    #[test]
    fn a_deployment_index_is_built_once_for_each_cut_in_a_row() {
        let facts = Facts {
            deployments: vec![
                deployment("d1", "2024-03-01T10:00:00Z", &["c1"]),
                deployment("d2", "2024-03-01T10:30:00Z", &["c2"]),
            ],
            ..Facts::default()
        };
        let kept = KeptFacts(Arc::new(Held::new(facts)));
        let two = kept.deployment_index(2);
        assert_eq!(two.len(), 2);
        assert!(Arc::ptr_eq(&two, &kept.deployment_index(2)), "kept");
        let one = kept.deployment_index(1);
        assert_eq!(one.len(), 1, "another cut: built for it");
        assert_eq!(one.position("d2"), None);
        assert!(
            !Arc::ptr_eq(&two, &kept.deployment_index(2)),
            "the last cut is kept"
        );
    }

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
