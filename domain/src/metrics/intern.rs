//! String ids interned to dense `u32` indices, once per `compute` call, so
//! the metrics group and link facts with integer comparisons instead of
//! string comparisons and clones.
//!
//! Indices are in first-seen order, which depends on input order: callers
//! must never let an index order decide a result (ties are broken by the
//! names themselves, and aggregates are order-free).

use std::hash::{BuildHasher, RandomState};

/// An open-addressing hash table of indices into `names` (linear probing,
/// FxHash-style multiplicative hashing with a per-table random seed, so ids
/// chosen to collide for one table do not collide for the next).
#[derive(Clone, Debug)]
pub(super) struct Interner<S> {
    seed: u64,
    names: Vec<S>,
    /// `(index into names, high half of its hash)`, or `EMPTY`; the length is
    /// a power of two. The hash half settles most mismatches without
    /// touching the name.
    slots: Vec<(u32, u32)>,
}

const EMPTY: (u32, u32) = (u32::MAX, 0);
const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

fn hash(seed: u64, s: &str) -> u64 {
    let mut bytes = s.as_bytes();
    let mut h = seed;
    let mut add = |word: u64| h = (h.rotate_left(5) ^ word).wrapping_mul(SEED);
    while let Some((chunk, rest)) = bytes.split_first_chunk::<8>() {
        add(u64::from_le_bytes(*chunk));
        bytes = rest;
    }
    let mut tail = [0_u8; 8];
    tail[..bytes.len()].copy_from_slice(bytes);
    add(u64::from_le_bytes(tail) ^ ((bytes.len() as u64) << 59));
    // Finalize (MurmurHash3's fmix64) so every input bit reaches the low
    // bits used for the slot; ids often differ only in a few digits.
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

impl<S: AsRef<str>> Interner<S> {
    pub(super) fn with_capacity(capacity: usize) -> Self {
        let slots = (capacity.max(4) * 2).next_power_of_two();
        Self {
            seed: RandomState::new().hash_one(0_u8),
            names: Vec::with_capacity(capacity),
            slots: vec![EMPTY; slots],
        }
    }

    pub(super) fn len(&self) -> usize {
        self.names.len()
    }

    #[cfg(test)]
    pub(super) fn names(&self) -> &[S] {
        &self.names
    }

    pub(super) fn name(&self, index: u32) -> &str {
        self.names[index as usize].as_ref()
    }

    /// The slot holding `s`, or the empty slot where it would go.
    fn probe(&self, s: &str, h: u64) -> usize {
        let mask = self.slots.len() - 1;
        let tag = (h >> 32) as u32;
        let mut slot = h as usize & mask;
        loop {
            match self.slots[slot] {
                EMPTY => return slot,
                (i, t) if t == tag && self.names[i as usize].as_ref() == s => return slot,
                _ => slot = (slot + 1) & mask,
            }
        }
    }

    pub(super) fn get(&self, s: &str) -> Option<u32> {
        match self.slots[self.probe(s, hash(self.seed, s))] {
            EMPTY => None,
            (i, _) => Some(i),
        }
    }

    /// The index of `s`, adding it (made by `make`) when it is new.
    pub(super) fn intern_with<'a>(&mut self, s: &'a str, make: impl FnOnce(&'a str) -> S) -> u32 {
        let h = hash(self.seed, s);
        let slot = self.probe(s, h);
        if self.slots[slot] != EMPTY {
            return self.slots[slot].0;
        }
        let index = u32::try_from(self.names.len()).expect("fewer than 2^32 - 1 ids");
        self.names.push(make(s));
        self.slots[slot] = (index, (h >> 32) as u32);
        if self.names.len() * 2 > self.slots.len() {
            self.grow();
        }
        index
    }

    fn grow(&mut self) {
        let len = self.slots.len() * 2;
        let mask = len - 1;
        self.slots = vec![EMPTY; len];
        for (i, name) in self.names.iter().enumerate() {
            let h = hash(self.seed, name.as_ref());
            let mut slot = h as usize & mask;
            while self.slots[slot] != EMPTY {
                slot = (slot + 1) & mask;
            }
            self.slots[slot] = (i as u32, (h >> 32) as u32);
        }
    }
}

impl<'a> Interner<&'a str> {
    /// Interning borrowed ids, for grouping within one computation.
    pub(super) fn intern(&mut self, s: &'a str) -> u32 {
        self.intern_with(s, |s| s)
    }
}

impl Interner<String> {
    /// Interning owned ids, for indices that outlive the input borrow.
    pub(super) fn intern_owned(&mut self, s: &str) -> u32 {
        self.intern_with(s, str::to_owned)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interning_is_dense_stable_and_survives_growth() {
        let names: Vec<String> = (0..1000).map(|i| format!("id-{i}")).collect();
        let mut owned = Interner::<String>::with_capacity(0);
        let mut borrowed = Interner::<&str>::with_capacity(3);
        for _ in 0..2 {
            for (i, name) in names.iter().enumerate() {
                assert_eq!(owned.intern_owned(name), i as u32);
                assert_eq!(borrowed.intern(name), i as u32);
            }
        }
        assert_eq!(owned.len(), 1000);
        assert_eq!(owned.get("id-999"), Some(999));
        assert_eq!(owned.get("id-1000"), None);
        assert_eq!(owned.get(""), None);
        assert_eq!(borrowed.name(7), "id-7");
        assert_eq!(borrowed.intern(""), 1000);
        assert_eq!(borrowed.get(""), Some(1000));
    }
}
