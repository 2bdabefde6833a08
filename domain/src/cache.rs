//! What the caches of computed results share (inventory aggregates, metrics, live
//! workspaces): the one get-or-compute step, and a bound on the bytes held rather than on the
//! number of entries.
//!
//! A bound by entries is no bound when one caller decides how large an entry is: one metrics
//! window of DAY buckets over centuries, or one facet set for a filter of thousands of
//! clauses (the filter is part of the key), each held thousands of times over. These caches
//! therefore weigh each entry by an estimate of the bytes its key and value hold, and evict
//! the least recently used entries once their total passes the cache's capacity. The caches of
//! loaded rows (facts, sources, relation windows, parsed meta models) follow the same rule
//! with a weight natural to their entries, measured once as they load, so they bring their own
//! weighers (the meta model cache measures with [`json_bytes`]).

use std::{hash::Hash, mem::size_of};

use quick_cache::{Weighter, sync::Cache};

use crate::error::Result;

/// An estimate of the heap and inline bytes a cached key or value holds.
pub(crate) trait Footprint {
    fn bytes(&self) -> u64;
}

/// Weighs an entry by its key's and value's [`Footprint`].
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ByBytes;

impl<K: Footprint, V: Footprint> Weighter<K, V> for ByBytes {
    fn weight(&self, key: &K, value: &V) -> u64 {
        // quick_cache never evicts an entry of weight 0; every entry costs something.
        (key.bytes() + value.bytes()).max(1)
    }
}

/// A cache holding at most `capacity_bytes` by its entries' [`Footprint`]s.
pub(crate) type BytesCache<K, V> = Cache<K, V, ByBytes>;

/// A [`BytesCache`] whose entries are typically `typical_entry_bytes` each (quick_cache sizes
/// its tables from the expected number of entries).
pub(crate) fn bytes_cache<K, V>(capacity_bytes: u64, typical_entry_bytes: u64) -> BytesCache<K, V>
where
    K: Eq + Hash + Footprint,
    V: Clone + Footprint,
{
    let expected = (capacity_bytes / typical_entry_bytes.max(1)).clamp(16, 1 << 20) as usize;
    Cache::with_weighter(expected, capacity_bytes, ByBytes)
}

/// The size of a value serialized as JSON: a close estimate of what a result of nested lists
/// and strings holds in memory, computed without allocating. For values computed once per miss,
/// never on a hit.
pub(crate) fn json_bytes<T: serde::Serialize>(value: &T) -> u64 {
    struct Counter(u64);
    impl std::io::Write for Counter {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len() as u64;
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut counter = Counter(0);
    // Serializing into a counter cannot fail for the plain data types cached here; a value that
    // did would weigh what was written before it failed.
    let _ = serde_json::to_writer(&mut counter, value);
    counter.0
}

impl<T: Footprint> Footprint for std::sync::Arc<T> {
    fn bytes(&self) -> u64 {
        (**self).bytes()
    }
}

impl Footprint for String {
    fn bytes(&self) -> u64 {
        (size_of::<String>() + self.len()) as u64
    }
}

impl Footprint for u64 {
    fn bytes(&self) -> u64 {
        size_of::<u64>() as u64
    }
}

impl Footprint for uuid::Uuid {
    fn bytes(&self) -> u64 {
        size_of::<uuid::Uuid>() as u64
    }
}

/// The cached value of `key`, or `compute`'s result, stored for the next reader. Two readers
/// missing at once both compute; they compute the same value, so neither waits on the other.
pub(crate) async fn get_or_compute<K, V, W>(
    cache: &Cache<K, V, W>,
    key: K,
    compute: impl Future<Output = Result<V>>,
) -> Result<V>
where
    K: Eq + Hash + Clone,
    V: Clone,
    W: Weighter<K, V> + Clone,
{
    if let Some(hit) = cache.get(&key) {
        crate::cache_stats::record(true);
        return Ok(hit);
    }
    crate::cache_stats::record(false);
    let value = compute.await?;
    cache.insert(key, value.clone());
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(PartialEq, Eq, Hash, Clone)]
    struct Key(u32);
    impl Footprint for Key {
        fn bytes(&self) -> u64 {
            4
        }
    }

    #[test]
    fn a_cache_holds_bytes_not_entries() {
        let cache: BytesCache<Key, String> = bytes_cache(10_000, 100);
        // Each entry weighs 4 + 24 + 1,000 bytes: ten of them exceed the capacity.
        for i in 0..10 {
            cache.insert(Key(i), "x".repeat(1_000));
        }
        assert!(cache.weight() <= 10_000, "weight {}", cache.weight());
        assert!(
            cache.len() < 10,
            "some entries were evicted: {}",
            cache.len()
        );
        // Small entries still fit by the hundred.
        let small: BytesCache<Key, String> = bytes_cache(10_000, 100);
        for i in 0..200 {
            small.insert(Key(i), String::new());
        }
        assert_eq!(small.len(), 200);
    }

    #[test]
    fn json_bytes_counts_the_serialized_length() {
        assert_eq!(json_bytes(&vec![1, 22, 333]), "[1,22,333]".len() as u64);
    }
}
