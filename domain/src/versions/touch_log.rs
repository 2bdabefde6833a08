//! What the versions of one counter touched, as one replica has learnt it: the means by which
//! a cached result survives raises that touched none of its inputs.
//!
//! A cached entry remembers the version it was computed under (`since`, read *before*
//! computing) and its inputs (the fact sheets of a relation window, the event sources of a
//! team). It is still exact at a later version `current` when no version in `(since, current]`
//! touched any of its inputs, nor touched everything. The log answers that from what it read of
//! the touches tables; it reads them only when the counter moved past what it knows, one
//! statement for all versions since, so a quiet workspace costs nothing more than before.
//!
//! Exact on every replica, like the counters: a reader that sees a version sees every touch up
//! to it (see [`super::raise`]), and the log reads the counter and the touches in one
//! statement, so it never believes a version complete whose touches it has not read. Writers
//! prune touches [`TOUCHES_KEPT`] versions behind the counter, so a log further behind than
//! that forgets everything it knew: entries older than what it knows are treated as stale.

use std::{
    collections::HashMap,
    sync::{
        Mutex, PoisonError,
        atomic::{AtomicI64, Ordering},
    },
};

use sea_orm::{
    ConnectionTrait,
    sea_query::{Alias, Expr, ExprTrait, JoinType, Order, Query},
};
use uuid::Uuid;

use super::{Counter, EVERYTHING, INGEST_ID, TOUCHES_KEPT};
use crate::error::Result;

/// Touches read in one statement at most; a log further behind forgets what it knew and starts
/// again from the counter (a bulk import raises once, so this many touches are many writes).
const MAX_TOUCHES_READ: u64 = 20_000;

/// Subjects remembered per workspace before the log forgets and starts again from its newest
/// version (entries computed before then are recomputed once).
const MAX_SUBJECTS: usize = 200_000;

/// Subjects remembered over all workspaces: a server of many busy tenants forgets them all
/// past this (tens of MiB), rather than growing with the number of tenants.
const MAX_SUBJECTS_IN_ALL: usize = 1_000_000;

/// One counter's touches for every workspace this replica has read. Shared by the requests of
/// a process inside the cache that owns it.
pub(crate) struct TouchLog {
    counter: Counter,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    workspaces: HashMap<Uuid, Known>,
    /// The subjects of all `workspaces` together.
    subjects: usize,
}

/// What is known of one workspace: the touches of the versions in `(from, through]`.
#[derive(Debug)]
pub(crate) struct Known {
    from: i64,
    through: i64,
    /// The newest version in the range that touched everything.
    everything: Option<i64>,
    /// Each fact sheet touched in the range (inventory), with the newest version that
    /// touched it.
    sheets: HashMap<Uuid, i64>,
    /// Each event source touched in the range (events), likewise.
    sources: HashMap<Box<str>, i64>,
    /// The newest version in the range whose touches name no ingestion (events stored by a
    /// replica that did not stamp them yet): its rows cannot be read on their own.
    unstamped: Option<i64>,
}

/// What the versions after an entry's own did to its subjects.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum SinceThen<S> {
    /// None touched them: the entry is still exact.
    Untouched,
    /// Only these were touched (and nothing as a whole).
    Touched(Vec<S>),
    /// The log cannot tell: it knows too little, or a version touched everything.
    Unknown,
}

/// Something a touch names: a fact sheet (inventory) or an event source (events).
pub(crate) trait Subject {
    /// The newest version in what is known that touched it.
    fn newest_in(&self, known: &Known) -> Option<i64>;
}

impl Subject for Uuid {
    fn newest_in(&self, known: &Known) -> Option<i64> {
        known.sheets.get(self).copied()
    }
}

impl Subject for &str {
    fn newest_in(&self, known: &Known) -> Option<i64> {
        known.sources.get(*self).copied()
    }
}

impl Known {
    fn starting_at(version: i64) -> Self {
        Self {
            from: version,
            through: version,
            everything: None,
            sheets: HashMap::new(),
            sources: HashMap::new(),
            unstamped: None,
        }
    }

    fn subjects(&self) -> usize {
        self.sheets.len() + self.sources.len()
    }

    /// Whether the log knows every version after `since`, and none of them touched everything.
    fn tells_since(&self, since: i64) -> bool {
        since >= self.from && self.everything.is_none_or(|v| v <= since)
    }

    fn touched_after<S: Subject>(&self, since: i64, subject: &S) -> bool {
        subject.newest_in(self).is_some_and(|v| v > since)
    }

    fn untouched_since<S: Subject>(
        &self,
        since: i64,
        mut subjects: impl Iterator<Item = S>,
    ) -> bool {
        self.tells_since(since) && !subjects.any(|s| self.touched_after(since, &s))
    }

    fn since_then<S: Subject>(
        &self,
        since: i64,
        subjects: impl Iterator<Item = S>,
    ) -> SinceThen<S> {
        if !self.tells_since(since) {
            return SinceThen::Unknown;
        }
        let touched: Vec<S> = subjects.filter(|s| self.touched_after(since, s)).collect();
        if touched.is_empty() {
            SinceThen::Untouched
        } else if self.unstamped.is_some_and(|v| v > since) {
            SinceThen::Unknown
        } else {
            SinceThen::Touched(touched)
        }
    }

    fn learn(&mut self, counter: Counter, read: Read) {
        if read.current - self.through > TOUCHES_KEPT || read.truncated {
            // Touches may have been pruned or were not all read: start over from `current`.
            *self = Known::starting_at(std::cmp::max(read.current, self.through));
            return;
        }
        if let Some(version) = read.unstamped.filter(|v| *v > self.through) {
            self.unstamped = std::cmp::max(self.unstamped, Some(version));
        }
        for (version, subject) in read.touches {
            if version <= self.through {
                continue;
            }
            let newest = if subject == EVERYTHING {
                self.everything.get_or_insert(version)
            } else if counter == Counter::Events {
                self.sources
                    .entry(subject.into_boxed_str())
                    .or_insert(version)
            } else if let Ok(id) = Uuid::parse_str(&subject) {
                self.sheets.entry(id).or_insert(version)
            } else {
                // Not a subject inventory caches key: touching it touches nothing cached.
                continue;
            };
            *newest = std::cmp::max(*newest, version);
        }
        self.through = std::cmp::max(self.through, read.current);
        if self.subjects() > MAX_SUBJECTS {
            *self = Known::starting_at(self.through);
        }
    }
}

/// One read of the counter and the touches after a version.
struct Read {
    current: i64,
    touches: Vec<(i64, String)>,
    /// The newest version read whose touches name no ingestion (events only).
    unstamped: Option<i64>,
    truncated: bool,
}

impl TouchLog {
    pub(crate) fn new(counter: Counter) -> Self {
        Self {
            counter,
            state: Mutex::new(State::default()),
        }
    }

    /// Whether an entry known to be exact at `exact_at` is still exact at `current` (the
    /// counter as the caller read it): no version since touched one of `subjects`. Reads the
    /// touches of the versions the log does not know yet, once for all callers' checks at that
    /// version, and moves `exact_at` forward when the entry is still exact, so the next check
    /// at `current` reads nothing.
    pub(crate) async fn still_exact<S: Subject>(
        &self,
        db: &impl ConnectionTrait,
        workspace_id: Uuid,
        current: i64,
        exact_at: &AtomicI64,
        subjects: impl Iterator<Item = S>,
    ) -> Result<bool> {
        let since = exact_at.load(Ordering::Relaxed);
        if since < current {
            self.bring_up_to(db, workspace_id, current).await?;
            let untouched = self.with_known(workspace_id, |known| {
                known.is_some_and(|k| k.untouched_since(since, subjects))
            });
            if !untouched {
                return Ok(false);
            }
        }
        exact_at.fetch_max(current, Ordering::Relaxed);
        Ok(true)
    }

    /// What the versions in `(since, current]` did to `subjects` (`current` as the caller
    /// read the counter), reading the touches the log does not know yet. Unlike
    /// [`Self::still_exact`], it says which subjects were touched, for a caller that can bring
    /// an entry up to date with what those versions stored.
    pub(crate) async fn since_then<S: Subject>(
        &self,
        db: &impl ConnectionTrait,
        workspace_id: Uuid,
        current: i64,
        since: i64,
        subjects: impl Iterator<Item = S>,
    ) -> Result<SinceThen<S>> {
        if since >= current {
            return Ok(SinceThen::Untouched);
        }
        self.bring_up_to(db, workspace_id, current).await?;
        Ok(self.with_known(workspace_id, |known| {
            known.map_or(SinceThen::Unknown, |k| k.since_then(since, subjects))
        }))
    }

    /// Makes the log know the touches of every version up to the counter as it is now, and
    /// returns that version: one statement, the counter and the touches read together.
    pub(crate) async fn catch_up(
        &self,
        db: &impl ConnectionTrait,
        workspace_id: Uuid,
    ) -> Result<i64> {
        let through = self.with_known(workspace_id, |known| known.map(|k| k.through));
        // Unknown so far: nothing older than the counter needs to be known (see `bring_up_to`).
        let after = through.unwrap_or(i64::MAX);
        self.learn_after(db, workspace_id, after).await
    }

    /// Reads the counter and the touches after `after`, learns them, and returns the counter.
    async fn learn_after(
        &self,
        db: &impl ConnectionTrait,
        workspace_id: Uuid,
        after: i64,
    ) -> Result<i64> {
        let read = self.read_after(db, workspace_id, after).await?;
        let current = read.current;
        self.with_known_mut(workspace_id, |known| match known {
            Some(known) => known.learn(self.counter, read),
            None => *known = Some(Known::starting_at(current)),
        });
        Ok(current)
    }

    /// Makes the log know the touches of every version up to `current` at least.
    pub(crate) async fn bring_up_to(
        &self,
        db: &impl ConnectionTrait,
        workspace_id: Uuid,
        current: i64,
    ) -> Result<()> {
        let through = self.with_known(workspace_id, |known| known.map(|k| k.through));
        match through {
            Some(through) if through >= current => Ok(()),
            Some(through) => self
                .learn_after(db, workspace_id, through)
                .await
                .map(|_| ()),
            None => {
                // Every entry kept started the log first (see `keep_from`): none of this
                // workspace is kept, so nothing older than the counter needs to be known.
                let current = super::current(db, self.counter, workspace_id).await?;
                self.with_known_mut(workspace_id, |known| {
                    known.get_or_insert_with(|| Known::starting_at(current));
                });
                Ok(())
            }
        }
    }

    /// Makes sure the log will know the touches of every version after `version`, the one a
    /// caller read before computing an entry it is about to keep: without this, the first
    /// check of the entry would find it older than the log and drop it.
    pub(crate) fn keep_from(&self, workspace_id: Uuid, version: i64) {
        self.with_known_mut(workspace_id, |known| {
            known.get_or_insert_with(|| Known::starting_at(version));
        });
    }

    /// Checks several entries' subjects under one lock; the log must know `current` already
    /// ([`Self::bring_up_to`]). `checks` yields each entry's `since` and subjects.
    pub(crate) fn untouched_each<S, I>(
        &self,
        workspace_id: Uuid,
        checks: impl IntoIterator<Item = (i64, I)>,
    ) -> Vec<bool>
    where
        S: Subject,
        I: Iterator<Item = S>,
    {
        self.with_known(workspace_id, |known| {
            checks
                .into_iter()
                .map(|(since, subjects)| known.is_some_and(|k| k.untouched_since(since, subjects)))
                .collect()
        })
    }

    fn with_known<R>(&self, workspace_id: Uuid, f: impl FnOnce(Option<&Known>) -> R) -> R {
        let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        f(state.workspaces.get(&workspace_id))
    }

    fn with_known_mut<R>(&self, workspace_id: Uuid, f: impl FnOnce(&mut Option<Known>) -> R) -> R {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let mut known = state.workspaces.remove(&workspace_id);
        let before = known.as_ref().map_or(0, Known::subjects);
        let result = f(&mut known);
        let after = known.as_ref().map_or(0, Known::subjects);
        state.subjects = state.subjects - before + after;
        if let Some(known) = known {
            state.workspaces.insert(workspace_id, known);
        }
        if state.subjects > MAX_SUBJECTS_IN_ALL {
            *state = State::default();
        }
        result
    }

    /// The counter and the touches after `after`, in one statement (one snapshot): the
    /// touches read are all those of the versions up to the counter read.
    async fn read_after(
        &self,
        db: &impl ConnectionTrait,
        workspace_id: Uuid,
        after: i64,
    ) -> Result<Read> {
        let counter = Alias::new("c");
        let touch = Alias::new("t");
        let stamped = self.counter == Counter::Events;
        let mut statement = Query::select();
        statement
            .column((counter.clone(), Alias::new("version")))
            .column((touch.clone(), Alias::new("version")))
            .column((touch.clone(), Alias::new("subject")));
        if stamped {
            statement.column((touch.clone(), Alias::new(INGEST_ID)));
        }
        let statement = statement
            .from_as(self.counter.table(), counter.clone())
            .join_as(
                JoinType::LeftJoin,
                self.counter.touches_table(),
                touch.clone(),
                Expr::col((touch.clone(), Alias::new("workspace_id")))
                    .equals((counter.clone(), Alias::new("workspace_id")))
                    .and(Expr::col((touch.clone(), Alias::new("version"))).gt(after)),
            )
            .and_where(Expr::col((counter, Alias::new("workspace_id"))).eq(workspace_id))
            .order_by((touch, Alias::new("version")), Order::Asc)
            .limit(MAX_TOUCHES_READ + 1)
            .to_owned();
        let rows = db.query_all(&statement).await?;
        let mut read = Read {
            current: 0,
            touches: Vec::with_capacity(rows.len()),
            unstamped: None,
            truncated: rows.len() as u64 > MAX_TOUCHES_READ,
        };
        for row in rows {
            read.current = row.try_get_by_index(0)?;
            let version: Option<i64> = row.try_get_by_index(1)?;
            let subject: Option<String> = row.try_get_by_index(2)?;
            if let (Some(version), Some(subject)) = (version, subject) {
                if stamped && row.try_get_by_index::<Option<Uuid>>(3)?.is_none() {
                    read.unstamped = Some(version);
                }
                read.touches.push((version, subject));
            }
        }
        Ok(read)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(current: i64, touches: &[(i64, &str)]) -> Read {
        Read {
            current,
            touches: touches.iter().map(|(v, s)| (*v, (*s).to_owned())).collect(),
            unstamped: None,
            truncated: false,
        }
    }

    #[test]
    fn an_entry_is_exact_until_a_later_version_touches_one_of_its_subjects() {
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let mut known = Known::starting_at(10);
        known.learn(Counter::Inventory, read(12, &[(11, &a.to_string())]));
        assert!(
            known.untouched_since(10, [b].into_iter()),
            "b was not touched"
        );
        assert!(
            !known.untouched_since(10, [b, a].into_iter()),
            "a was, at 11"
        );
        assert!(known.untouched_since(11, [a].into_iter()), "not after 11");
        assert!(
            !known.untouched_since(9, [b].into_iter()),
            "9 is before what is known"
        );
        known.learn(Counter::Inventory, read(13, &[(13, EVERYTHING)]));
        assert!(
            !known.untouched_since(12, [b].into_iter()),
            "13 touched everything"
        );
        assert!(known.untouched_since(13, [a, b].into_iter()));
    }

    #[test]
    fn a_log_too_far_behind_or_cut_short_starts_again() {
        let a = Uuid::now_v7();
        let mut known = Known::starting_at(10);
        known.learn(Counter::Inventory, read(10 + TOUCHES_KEPT + 1, &[]));
        assert!(
            !known.untouched_since(10, [a].into_iter()),
            "touches may be pruned"
        );
        assert!(known.untouched_since(10 + TOUCHES_KEPT + 1, [a].into_iter()));
        let mut cut = read(50_000, &[]);
        cut.truncated = true;
        known.learn(Counter::Inventory, cut);
        assert!(!known.untouched_since(49_999, [a].into_iter()));
    }

    #[test]
    fn touched_sources_are_named_unless_a_version_names_no_ingestion() {
        let mut known = Known::starting_at(10);
        known.learn(Counter::Events, read(12, &[(11, "a"), (12, "b")]));
        let sources = ["a", "b", "c"];
        assert_eq!(
            known.since_then(10, sources.into_iter()),
            SinceThen::Touched(vec!["a", "b"])
        );
        assert_eq!(
            known.since_then(11, sources.into_iter()),
            SinceThen::Touched(vec!["b"])
        );
        assert_eq!(
            known.since_then(12, sources.into_iter()),
            SinceThen::Untouched
        );
        assert_eq!(known.since_then(9, sources.into_iter()), SinceThen::Unknown);
        let mut unstamped = read(13, &[(13, "c")]);
        unstamped.unstamped = Some(13);
        known.learn(Counter::Events, unstamped);
        assert_eq!(
            known.since_then(12, ["c"].into_iter()),
            SinceThen::Unknown,
            "its rows cannot be told apart"
        );
        assert_eq!(
            known.since_then(12, ["a"].into_iter()),
            SinceThen::Untouched,
            "an untouched source stays exact"
        );
        assert_eq!(
            known.since_then(13, ["c"].into_iter()),
            SinceThen::Untouched
        );
    }

    #[test]
    fn event_sources_are_kept_apart_from_fact_sheets() {
        let id = Uuid::now_v7().to_string();
        let mut events = Known::starting_at(0);
        events.learn(Counter::Events, read(1, &[(1, &id)]));
        assert!(
            !events.untouched_since(0, [id.as_str()].into_iter()),
            "a source named like an id"
        );
        let mut inventory = Known::starting_at(0);
        inventory.learn(Counter::Inventory, read(1, &[(1, "not-an-id")]));
        assert!(inventory.untouched_since(0, [Uuid::now_v7()].into_iter()));
    }
}
