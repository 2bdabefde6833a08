//! OSV's evaluation of one range (<https://ossf.github.io/osv-schema/#evaluation>): walk the
//! events in version order; `introduced` at or below the version opens an affected interval,
//! `fixed` at or below it closes one, `last_affected` below it closes one. `limit` events cap
//! the versions considered.

use std::cmp::Ordering;

use super::{AffectedRange, RangeEvent, RangeKind};
use crate::supply_chain::versions::{compare, compare_semver};
use crate::supply_chain::{Ecosystem, Verdict};

pub(super) fn range(range: &AffectedRange, ecosystem: &Ecosystem, version: &str) -> Verdict {
    let order = |a: &str, b: &str| match range.kind {
        RangeKind::Semver => compare_semver(a, b),
        RangeKind::Ecosystem | RangeKind::Git => compare(ecosystem, a, b),
    };
    if range.kind == RangeKind::Git {
        return Verdict::NotAffected;
    }
    // A version the order can't read is never matched, not even by "every version".
    if order(version, version).is_none() {
        return Verdict::Unknown;
    }
    // `introduced: "0"` is below every version, whether or not "0" is one in the ecosystem.
    let is_zero =
        |event: &RangeEvent| matches!(event, RangeEvent::Introduced(v) if v.trim() == "0");
    // `limit: "*"` is above every version.
    let is_star = |event: &RangeEvent| matches!(event, RangeEvent::Limit(v) if v.trim() == "*");
    let version_vs = |event: &RangeEvent| -> Option<Ordering> {
        if is_zero(event) {
            Some(Ordering::Greater)
        } else if is_star(event) {
            Some(Ordering::Less)
        } else {
            order(version, event.version())
        }
    };

    // Each event with where the version stands against it, in the events' version order.
    let mut events: Vec<(&RangeEvent, Ordering)> = Vec::with_capacity(range.events.len());
    for event in &range.events {
        let Some(ordering) = version_vs(event) else {
            return Verdict::Unknown;
        };
        events.push((event, ordering));
    }
    let mut orderable = true;
    let rank = |e: &RangeEvent| {
        if is_zero(e) {
            0
        } else if is_star(e) {
            2
        } else {
            1
        }
    };
    events.sort_by(|(a, _), (b, _)| match (rank(a), rank(b)) {
        (1, 1) => order(a.version(), b.version()).unwrap_or_else(|| {
            orderable = false;
            Ordering::Equal
        }),
        (x, y) => x.cmp(&y),
    });
    if !orderable {
        return Verdict::Unknown;
    }

    let mut limits = events
        .iter()
        .filter(|(e, _)| matches!(e, RangeEvent::Limit(_)))
        .peekable();
    let under_a_limit = limits.peek().is_none()
        || limits.any(|(_, version_vs_limit)| *version_vs_limit == Ordering::Less);
    if !under_a_limit {
        return Verdict::NotAffected;
    }

    let mut affected = false;
    let mut closing: Option<&RangeEvent> = None;
    for &(event, version_vs_event) in &events {
        match event {
            RangeEvent::Introduced(_) if version_vs_event != Ordering::Less => {
                affected = true;
                closing = None;
            }
            RangeEvent::Fixed(_) if version_vs_event != Ordering::Less => affected = false,
            RangeEvent::LastAffected(_) if version_vs_event == Ordering::Greater => {
                affected = false
            }
            RangeEvent::Fixed(_) | RangeEvent::LastAffected(_) if affected && closing.is_none() => {
                closing = Some(event);
            }
            _ => {}
        }
    }
    if !affected {
        return Verdict::NotAffected;
    }
    let fixed_in = match closing {
        Some(RangeEvent::Fixed(fixed)) => Some(fixed.clone()),
        _ => None,
    };
    Verdict::Affected { fixed_in }
}
