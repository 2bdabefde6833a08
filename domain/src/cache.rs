//! The one get-or-compute step behind every in-process cache keyed by data versions
//! ([`crate::versions`]): inventory aggregates and metrics.

use std::hash::Hash;

use quick_cache::sync::Cache;

use crate::Result;

/// The cached value of `key`, or `compute`'s result, stored for the next reader. Two readers
/// missing at once both compute; they compute the same value, so neither waits on the other.
pub(crate) async fn get_or_compute<K, V>(
    cache: &Cache<K, V>,
    key: K,
    compute: impl Future<Output = Result<V>>,
) -> Result<V>
where
    K: Eq + Hash + Clone,
    V: Clone,
{
    if let Some(hit) = cache.get(&key) {
        return Ok(hit);
    }
    let value = compute.await?;
    cache.insert(key, value.clone());
    Ok(value)
}
