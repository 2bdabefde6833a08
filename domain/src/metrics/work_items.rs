//! Work item lifecycles for the flow metrics (docs/metrics.md, "Flow").
//!
//! Transitions of an item are ordered by time, then state in workflow order
//! (so `done` wins a tie), then type. A transition into the state the item is
//! already in changes nothing, so repeated `done` events do not move the
//! completion. The item's type is the one on its latest transition.
//!
//! - `started`: first entry into `active` or `waiting`.
//! - `completed`: the final entry into `done`, only if the item ends done, so
//!   a reopened item completes once, at its final done.
//! - in progress over `[started, completed)` (open-ended while not done),
//!   ignoring any intermediate done periods, as docs/metrics.md defines load.
//! - An item done without ever starting counts as completed (velocity,
//!   distribution) but has no flow time and no in-progress interval.

use std::rc::Rc;

use chrono::{DateTime, Utc};

use super::facts::{WorkItemState, WorkItemTransition};
use super::intern::Interner;
use super::stats::nanos_between;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct WorkItem {
    pub item_type: Rc<str>,
    pub started: Option<DateTime<Utc>>,
    pub completed: Option<DateTime<Utc>>,
    /// Time spent in `active` before completion (complete items only matter).
    pub active_nanos: i128,
}

impl WorkItem {
    /// `(flow time, active time)` for completed items that were started.
    pub(super) fn flow_and_active_nanos(&self) -> Option<(i128, i128)> {
        Some((
            nanos_between(self.started?, self.completed?),
            self.active_nanos,
        ))
    }
}

/// Items in order of first appearance (every use of them is order-free).
pub(super) fn work_items(transitions: &[WorkItemTransition]) -> Vec<WorkItem> {
    let mut ids: Interner<&str> = Interner::with_capacity(transitions.len() / 2);
    // Compact sort keys: item, time, state; the type decides only full ties.
    let mut sorted: Vec<(u32, DateTime<Utc>, WorkItemState, &WorkItemTransition)> = transitions
        .iter()
        .map(|t| (ids.intern(&t.item_id), t.time, t.state, t))
        .collect();
    sorted.sort_unstable_by(|a, b| {
        (a.0, a.1, a.2)
            .cmp(&(b.0, b.1, b.2))
            .then_with(|| a.3.item_type.cmp(&b.3.item_type))
    });
    // Item types repeat a lot; share one string per distinct type.
    let mut types: Interner<&str> = Interner::with_capacity(8);
    let mut type_names: Vec<Rc<str>> = Vec::new();
    sorted
        .chunk_by(|a, b| a.0 == b.0)
        .filter_map(|group| {
            let &(_, _, _, last) = group.last()?;
            let t = types.intern(&last.item_type) as usize;
            if t == type_names.len() {
                type_names.push(last.item_type.as_str().into());
            }
            let mut started = None;
            let mut active_nanos = 0_i128;
            let mut current: Option<(WorkItemState, DateTime<Utc>)> = None;
            for &(_, time, state, _) in group {
                if current.is_some_and(|(current, _)| current == state) {
                    continue;
                }
                if let Some((WorkItemState::Active, since)) = current {
                    active_nanos += nanos_between(since, time);
                }
                if matches!(state, WorkItemState::Active | WorkItemState::Waiting) {
                    started = started.or(Some(time));
                }
                current = Some((state, time));
            }
            let completed = match current {
                Some((WorkItemState::Done, since)) => Some(since),
                _ => None,
            };
            Some(WorkItem {
                item_type: Rc::clone(&type_names[t]),
                started,
                completed,
                active_nanos,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{at, transition};
    use super::*;
    use WorkItemState::*;

    const H: i128 = 3_600_000_000_000;

    fn tr(id: &str, state: WorkItemState, time: &str) -> WorkItemTransition {
        transition(id, "feature", state, time)
    }

    #[test]
    fn reopened_item_completes_once_at_final_done() {
        let items = work_items(&[
            tr("w", Done, "2024-03-05T00:00:00Z"),
            tr("w", Active, "2024-03-04T00:00:00Z"),
            tr("w", Active, "2024-03-06T00:00:00Z"),
            tr("w", Done, "2024-03-07T00:00:00Z"),
            tr("w", Done, "2024-03-08T00:00:00Z"),
        ]);
        assert_eq!(items.len(), 1);
        let w = &items[0];
        assert_eq!(w.started, Some(at("2024-03-04T00:00:00Z")));
        assert_eq!(w.completed, Some(at("2024-03-07T00:00:00Z")));
        assert_eq!(w.flow_and_active_nanos(), Some((72 * H, 48 * H)));
    }

    #[test]
    fn reopened_and_not_done_is_in_progress() {
        let items = work_items(&[
            tr("w", Active, "2024-03-04T00:00:00Z"),
            tr("w", Done, "2024-03-05T00:00:00Z"),
            tr("w", Todo, "2024-03-06T00:00:00Z"),
        ]);
        assert_eq!(items[0].completed, None);
        assert_eq!(items[0].flow_and_active_nanos(), None);
    }

    #[test]
    fn done_wins_a_tie_and_unstarted_done_has_no_flow_time() {
        let items = work_items(&[
            tr("a", Done, "2024-03-05T00:00:00Z"),
            tr("a", Active, "2024-03-05T00:00:00Z"),
            tr("b", Todo, "2024-03-04T00:00:00Z"),
            tr("b", Done, "2024-03-05T00:00:00Z"),
        ]);
        assert_eq!(items[0].flow_and_active_nanos(), Some((0, 0)));
        assert_eq!(items[1].completed, Some(at("2024-03-05T00:00:00Z")));
        assert_eq!(items[1].started, None);
        assert_eq!(items[1].flow_and_active_nanos(), None);
    }
}
