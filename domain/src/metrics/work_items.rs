//! Work item lifecycles for the flow metrics (spec §5).
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
//!   ignoring any intermediate done periods, as the spec defines load.
//! - An item done without ever starting counts as completed (velocity,
//!   distribution) but has no flow time and no in-progress interval.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::facts::{WorkItemState, WorkItemTransition};
use super::stats::nanos_between;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct WorkItem {
    pub id: String,
    pub item_type: String,
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

/// Items in id order.
pub(super) fn work_items(transitions: &[WorkItemTransition]) -> Vec<WorkItem> {
    let mut by_id: BTreeMap<&str, Vec<&WorkItemTransition>> = BTreeMap::new();
    for t in transitions {
        by_id.entry(t.item_id.as_str()).or_default().push(t);
    }
    by_id
        .into_iter()
        .filter_map(|(id, mut list)| {
            list.sort_by(|a, b| {
                (a.time, a.state, &a.item_type).cmp(&(b.time, b.state, &b.item_type))
            });
            let item_type = list.last()?.item_type.clone();
            let mut started = None;
            let mut active_nanos = 0_i128;
            let mut current: Option<(WorkItemState, DateTime<Utc>)> = None;
            for t in list {
                if current.is_some_and(|(state, _)| state == t.state) {
                    continue;
                }
                if let Some((WorkItemState::Active, since)) = current {
                    active_nanos += nanos_between(since, t.time);
                }
                if matches!(t.state, WorkItemState::Active | WorkItemState::Waiting) {
                    started = started.or(Some(t.time));
                }
                current = Some((t.state, t.time));
            }
            let completed = match current {
                Some((WorkItemState::Done, since)) => Some(since),
                _ => None,
            };
            Some(WorkItem {
                id: id.to_owned(),
                item_type,
                started,
                completed,
                active_nanos,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use WorkItemState::*;

    const H: i128 = 3_600_000_000_000;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn tr(id: &str, state: WorkItemState, time: &str) -> WorkItemTransition {
        WorkItemTransition {
            item_id: id.into(),
            item_type: "feature".into(),
            state,
            time: at(time),
        }
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
