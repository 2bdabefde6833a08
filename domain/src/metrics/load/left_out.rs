//! What a window's load left out of the deployments before the window, remembered compactly so
//! that facts appended later can tell whether they would have changed what was left out.
//!
//! The load keeps an earlier deployment only when it matters to the window (see
//! [`super::load_window_facts`]), and cuts its change ids to those that matter. New facts can
//! make more of them matter: a deployment that is back in the window, an incident linking a
//! deployment, a change id newly named. Whether such a deployment or change was among those
//! left out or cut is answered here, by hashes: a false "maybe" only costs a full load, and
//! a team's year of change ids fits in a few hundred KiB instead of as many strings.

use std::hash::BuildHasher;

use foldhash::{HashSet, HashSetExt, fast::FixedState};

/// One hashing for every set: the sets hold hashes, and a lookup must hash the same way.
const HASHING: FixedState = FixedState::with_seed(0x5eed_1eff_0a7e_d1d5);

fn hash(id: &str) -> u64 {
    HASHING.hash_one(id)
}

/// The ids and change ids of every deployment event before the window that is not one of the
/// window's deployments, kept or not.
#[derive(Debug, Default)]
pub(crate) struct LeftOut {
    deployment_ids: HashSet<u64>,
    change_ids: HashSet<u64>,
}

impl LeftOut {
    pub(super) fn with_capacity(deployments: usize) -> Self {
        Self {
            deployment_ids: HashSet::with_capacity(deployments),
            change_ids: HashSet::with_capacity(deployments * 4),
        }
    }

    pub(crate) fn note_deployment(&mut self, id: &str) {
        self.deployment_ids.insert(hash(id));
    }

    pub(crate) fn note_change(&mut self, id: &str) {
        self.change_ids.insert(hash(id));
    }

    /// Whether a deployment event before the window may have had this id.
    pub(crate) fn may_hold_deployment(&self, id: &str) -> bool {
        self.deployment_ids.contains(&hash(id))
    }

    /// Whether a deployment event before the window may have named this change.
    pub(crate) fn may_hold_change(&self, id: &str) -> bool {
        self.change_ids.contains(&hash(id))
    }

    /// What the sets weigh, in the unit of [`crate::metrics::Facts::weight`] (ids).
    pub(crate) fn weight(&self) -> u64 {
        (self.deployment_ids.len() + self.change_ids.len()) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noted_ids_are_found_and_others_are_not() {
        let mut left_out = LeftOut::default();
        left_out.note_deployment("d1");
        left_out.note_change("c1");
        assert!(left_out.may_hold_deployment("d1"));
        assert!(left_out.may_hold_change("c1"));
        assert!(!left_out.may_hold_deployment("c1"), "the sets are apart");
        assert!(!left_out.may_hold_change("c2"));
        assert_eq!(left_out.weight(), 2);
    }
}
