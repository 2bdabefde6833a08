//! Counting the SQL statements one request runs, for benchmarks (`x-wayfinder-sql-statements`).
//! The counter travels with the request's [`TenantConnection`](super::TenantConnection) rather
//! than a task-local or a connection-wide callback: batch loaders run in spawned tasks (a
//! task-local would not follow them) and the pool is shared by concurrent requests (a callback
//! would mix them up), but every read of a request goes through its one tenant connection.

use std::sync::{
    Arc,
    atomic::{AtomicUsize, Ordering},
};

/// Shared by clones: the handler keeps one, the request's connection increments another.
#[derive(Debug, Clone, Default)]
pub struct StatementCounter(Arc<AtomicUsize>);

impl StatementCounter {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn count(&self) -> usize {
        self.0.load(Ordering::Relaxed)
    }

    pub(super) fn add_one(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}
