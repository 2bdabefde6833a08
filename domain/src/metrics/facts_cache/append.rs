//! Facts kept for a window, brought up to date with the facts later ingestions stored for its
//! sources, instead of loaded again.
//!
//! The result is what a new load would hold, or more facts that cannot change a figure: new
//! deployments before the window are kept with all their change ids, where a load would keep
//! only those that matter, or none of them (see [`super::super::load`]). What a load left out
//! is known only by [`LeftOut`]; when new facts could make some of it matter, nothing is
//! appended and the caller loads anew:
//! - a new deployment event whose id a deployment before the window had (its other events were
//!   left out, or cut to some of their change ids);
//! - a new incident linking such a deployment that was left out;
//! - a change newly named by the window's deployments or an incident, that a deployment before
//!   the window may have shipped.

use chrono::{DateTime, Utc};
use foldhash::{HashSet, HashSetExt};

use crate::metrics::{
    facts::{Deployment, Facts},
    load::LeftOut,
};

/// What appending new facts to held ones gives.
#[derive(Debug)]
pub(super) enum Appended {
    /// None of the new facts matters to the window (changes no deployment of it names): the
    /// held facts stay as they are, not copied.
    Unchanged,
    /// The facts held from now on, and the change ids newly named by the window's deployments,
    /// whose changes are still to be read.
    Facts { facts: Facts, unnamed: Vec<String> },
}

/// `held` facts, loaded for the window from `from` on (with what the load `left_out`), with the
/// `new` facts of some ingestions appended. `None` when the new facts could change what the
/// load left out.
pub(super) fn append(
    held: &Facts,
    left_out: &LeftOut,
    from: DateTime<Utc>,
    new: Facts,
) -> Option<Appended> {
    if new
        .deployments
        .iter()
        .any(|d| left_out.may_hold_deployment(&d.deployment_id))
    {
        return None;
    }
    let held_ids: HashSet<&str> = held.deployments.iter().map(id).collect();
    let links_left_out = |d: &str| left_out.may_hold_deployment(d) && !held_ids.contains(d);
    if new
        .incidents
        .iter()
        .filter_map(|i| i.deployment_id.as_deref())
        .any(links_left_out)
    {
        return None;
    }

    let held_window = window_ids(&held.deployments, from, HashSet::new());
    let named_before = named(&held.deployments, &held_window);
    let relevant_before: HashSet<&str> = named_before
        .iter()
        .copied()
        .chain(incident_changes(held))
        .collect();
    let window = window_ids(&new.deployments, from, held_window.clone());
    let named_now: HashSet<&str> = named(&held.deployments, &window)
        .into_iter()
        .chain(named(&new.deployments, &window))
        .collect();
    let newly_relevant = named_now
        .iter()
        .copied()
        .chain(incident_changes(&new))
        .filter(|c| !relevant_before.contains(c));
    if newly_relevant
        .into_iter()
        .any(|c| left_out.may_hold_change(c))
    {
        return None;
    }
    let unnamed: Vec<String> = named_now
        .iter()
        .filter(|c| !named_before.contains(*c))
        .map(|c| (*c).to_owned())
        .collect();

    // New changes of ids named before join the held ones; those of newly named ids come with
    // the caller's read of every change of those ids.
    let new_changes: Vec<_> = new
        .changes
        .into_iter()
        .filter(|c| named_before.contains(c.id.as_str()))
        .collect();
    let others = Facts {
        changes: Vec::new(),
        ..new
    };
    if new_changes.is_empty() && others.is_empty() {
        // Most often, while CI sends events: changes no deployment of the window names yet.
        return Some(Appended::Unchanged);
    }
    let mut facts = held.clone();
    facts.changes.extend(new_changes);
    facts.append(others);
    Some(Appended::Facts { facts, unnamed })
}

fn id(d: &Deployment) -> &str {
    d.deployment_id.as_str()
}

/// `ids` with the ids of `deployments` that have an event from `from` on.
fn window_ids<'a>(
    deployments: &'a [Deployment],
    from: DateTime<Utc>,
    mut ids: HashSet<&'a str>,
) -> HashSet<&'a str> {
    ids.extend(deployments.iter().filter(|d| d.time >= from).map(id));
    ids
}

/// The change ids named by the events of `deployments` whose id is in `window`.
fn named<'a>(deployments: &'a [Deployment], window: &HashSet<&str>) -> HashSet<&'a str> {
    deployments
        .iter()
        .filter(|d| window.contains(id(d)))
        .flat_map(|d| d.change_ids.iter().map(String::as_str))
        .collect()
}

fn incident_changes(facts: &Facts) -> impl Iterator<Item = &str> {
    facts
        .incidents
        .iter()
        .flat_map(|i| i.change_ids.iter().map(String::as_str))
}

#[cfg(test)]
mod tests {
    use super::super::super::fixtures::{at, change, deployment, incident};
    use super::*;
    use crate::metrics::IncidentEventKind;

    const FROM: &str = "2024-03-04T00:00:00Z";

    /// A window holding deployment `w` of change `c1`, and an earlier deployment `e` the load
    /// kept for the incident linking it; `old` shipped change `c0` before the window and was
    /// left out.
    fn held() -> (Facts, LeftOut) {
        let facts = Facts {
            changes: vec![change("c1", "2024-03-04T01:00:00Z")],
            deployments: vec![
                deployment("w", "2024-03-05T00:00:00Z", &["c1"]),
                deployment("e", "2024-03-01T00:00:00Z", &[]),
            ],
            incidents: vec![incident(
                "i",
                "2024-03-02T00:00:00Z",
                IncidentEventKind::Opened,
                Some("e"),
            )],
            ..Facts::default()
        };
        let mut left_out = LeftOut::default();
        for (d, changes) in [("e", ["c9"]), ("old", ["c0"])] {
            left_out.note_deployment(d);
            changes.iter().for_each(|c| left_out.note_change(c));
        }
        (facts, left_out)
    }

    fn appended(new: Facts) -> Option<(Facts, Vec<String>)> {
        let (facts, left_out) = held();
        match append(&facts, &left_out, at(FROM), new)? {
            Appended::Unchanged => Some((facts, Vec::new())),
            Appended::Facts { facts, unnamed } => Some((facts, unnamed)),
        }
    }

    #[test]
    fn a_new_deployment_joins_the_window_and_names_changes_to_read() {
        let new = Facts {
            deployments: vec![deployment("w2", "2024-03-06T00:00:00Z", &["c1", "c2"])],
            changes: vec![
                change("c1", "2024-03-05T12:00:00Z"),
                change("c2", "2024-03-05T13:00:00Z"),
                change("unnamed", "2024-03-05T14:00:00Z"),
            ],
            ..Facts::default()
        };
        let (facts, unnamed) = appended(new).expect("nothing left out matters");
        assert_eq!(unnamed, vec!["c2".to_owned()]);
        assert_eq!(facts.deployments.len(), 3);
        // c1 was named: its new change joins; c2's come with the caller's read; the rest go.
        let ids: Vec<&str> = facts.changes.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["c1", "c1"]);
    }

    #[test]
    fn changes_no_deployment_names_leave_the_held_facts_as_they_are() {
        let (facts, left_out) = held();
        let new = Facts {
            changes: vec![change("not-named", "2024-03-05T12:00:00Z")],
            ..Facts::default()
        };
        let appended = append(&facts, &left_out, at(FROM), new);
        assert!(
            matches!(appended, Some(Appended::Unchanged)),
            "{appended:?}"
        );
        let named = Facts {
            changes: vec![change("c1", "2024-03-05T12:00:00Z")],
            ..Facts::default()
        };
        let appended = append(&facts, &left_out, at(FROM), named);
        assert!(
            matches!(appended, Some(Appended::Facts { .. })),
            "{appended:?}"
        );
    }

    #[test]
    fn a_deployment_seen_before_the_window_needs_a_load() {
        for d in ["old", "e"] {
            let new = Facts {
                deployments: vec![deployment(d, "2024-03-06T00:00:00Z", &[])],
                ..Facts::default()
            };
            assert!(appended(new).is_none(), "{d}");
        }
    }

    #[test]
    fn an_incident_linking_a_deployment_left_out_needs_a_load() {
        let linking = |d| Facts {
            incidents: vec![incident(
                "j",
                "2024-03-06T00:00:00Z",
                IncidentEventKind::Opened,
                Some(d),
            )],
            ..Facts::default()
        };
        assert!(appended(linking("old")).is_none());
        assert!(appended(linking("e")).is_some(), "e is held");
        assert!(appended(linking("never-deployed")).is_some());
    }

    #[test]
    fn a_change_newly_named_that_an_earlier_deployment_shipped_needs_a_load() {
        let naming = |c| Facts {
            deployments: vec![deployment("w", "2024-03-07T00:00:00Z", &[c])],
            ..Facts::default()
        };
        assert!(appended(naming("c0")).is_none());
        assert!(
            appended(naming("c9")).is_none(),
            "cut from a kept deployment"
        );
        assert!(appended(naming("c1")).is_some(), "named already");
        let mut by_incident = Facts::default();
        let mut blaming = incident("j", "2024-03-06T00:00:00Z", IncidentEventKind::Opened, None);
        blaming.change_ids = vec!["c0".into()];
        by_incident.incidents.push(blaming);
        assert!(appended(by_incident).is_none());
    }
}
