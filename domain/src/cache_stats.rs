//! Hits and misses of the process's caches of read results (relation windows, metric
//! results, loaded facts, inventory aggregates), counted since the process started.
//!
//! Caches that are exact only while nothing changes help only in a quiet workspace; the hit
//! ratio under writes says whether they still help in a busy one. Operators and the load
//! benchmark read it (the server reports it beside the SQL statement count when asked to).

use std::sync::atomic::{AtomicU64, Ordering};

static HITS: AtomicU64 = AtomicU64::new(0);
static MISSES: AtomicU64 = AtomicU64::new(0);

/// Counts one look-up of one entry: found (and still fresh), or computed anew.
pub(crate) fn record(hit: bool) {
    let counter = if hit { &HITS } else { &MISSES };
    counter.fetch_add(1, Ordering::Relaxed);
}

/// Counts `n` look-ups with the same outcome.
pub(crate) fn record_many(hit: bool, n: usize) {
    let counter = if hit { &HITS } else { &MISSES };
    counter.fetch_add(n as u64, Ordering::Relaxed);
}

/// Hits and misses so far, over all caches of the process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Totals {
    pub hits: u64,
    pub misses: u64,
}

pub fn totals() -> Totals {
    Totals {
        hits: HITS.load(Ordering::Relaxed),
        misses: MISSES.load(Ordering::Relaxed),
    }
}
