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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::supply_chain::AffectedPackage;

    fn package(kind: RangeKind, events: Vec<RangeEvent>, versions: &[&str]) -> AffectedPackage {
        AffectedPackage {
            ecosystem: Ecosystem::Npm,
            name: "left-pad".into(),
            ranges: vec![AffectedRange { kind, events }],
            versions: versions.iter().map(|v| v.to_string()).collect(),
        }
    }

    use RangeEvent::{Fixed, Introduced, LastAffected, Limit};

    #[test]
    fn last_affected_includes_its_version_and_names_no_fix() {
        let p = package(
            RangeKind::Ecosystem,
            vec![Introduced("1.0.0".into()), LastAffected("1.2.0".into())],
            &[],
        );
        assert_eq!(p.evaluate("1.2.0"), Verdict::Affected { fixed_in: None });
        assert_eq!(p.evaluate("1.2.1"), Verdict::NotAffected);
        assert_eq!(p.evaluate("0.9.0"), Verdict::NotAffected);
    }

    #[test]
    fn events_out_of_order_still_form_their_intervals() {
        let p = package(
            RangeKind::Semver,
            vec![
                Fixed("2.0.1".into()),
                Introduced("2.0.0".into()),
                Fixed("1.0.5".into()),
                Introduced("0".into()),
            ],
            &[],
        );
        let fixed = |v: &str| Verdict::Affected {
            fixed_in: Some(v.into()),
        };
        assert_eq!(p.evaluate("1.0.4"), fixed("1.0.5"));
        assert_eq!(p.evaluate("1.5.0"), Verdict::NotAffected);
        assert_eq!(p.evaluate("v2.0.0"), fixed("2.0.1"));
        assert_eq!(p.evaluate("2.0.1"), Verdict::NotAffected);
    }

    #[test]
    fn limits_cap_the_versions_considered() {
        let p = package(
            RangeKind::Ecosystem,
            vec![Introduced("0".into()), Limit("3.0.0".into())],
            &[],
        );
        assert_eq!(p.evaluate("2.9.9"), Verdict::Affected { fixed_in: None });
        assert_eq!(p.evaluate("3.0.0"), Verdict::NotAffected);
        let unbounded = package(
            RangeKind::Ecosystem,
            vec![Introduced("0".into()), Limit("*".into())],
            &[],
        );
        assert_eq!(
            unbounded.evaluate("9.0.0"),
            Verdict::Affected { fixed_in: None }
        );
    }

    #[test]
    fn listed_versions_match_exactly_and_git_ranges_never_match_a_version() {
        let p = package(
            RangeKind::Git,
            vec![Introduced("0".into()), Fixed("a9d1f4ebd5ab".into())],
            &["1.3.0"],
        );
        assert_eq!(p.evaluate("1.3.0"), Verdict::Affected { fixed_in: None });
        assert_eq!(p.evaluate("1.3.1"), Verdict::NotAffected);
    }

    #[test]
    fn an_unorderable_version_or_bound_is_unknown() {
        let p = package(RangeKind::Ecosystem, vec![Introduced("0".into())], &[]);
        assert_eq!(
            p.evaluate("next"),
            Verdict::Unknown,
            "even against \"every version\""
        );
        let bad_bound = package(
            RangeKind::Ecosystem,
            vec![Introduced("0".into()), Fixed("soon".into())],
            &[],
        );
        assert_eq!(bad_bound.evaluate("1.0.0"), Verdict::Unknown);
        let other = AffectedPackage {
            ecosystem: Ecosystem::Other("Debian:11".into()),
            ..package(
                RangeKind::Ecosystem,
                vec![Introduced("0".into()), Fixed("2.0".into())],
                &[],
            )
        };
        assert_eq!(other.evaluate("1.0"), Verdict::Unknown);
    }
}
