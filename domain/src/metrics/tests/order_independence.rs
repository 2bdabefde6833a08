//! Property: metrics are a pure function of the *set* of facts. Shuffling,
//! splitting into a roll-up, or repeating identical facts never changes a bit
//! of the result (floats compared exactly), scanner findings included.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use proptest::prelude::*;

use super::super::{
    BucketSize, Change, Deployment, DeploymentStatus, Facts, FindingReport, IncidentEvent,
    IncidentEventKind, MetricWindow, Metrics, VulnerabilityEvent, WorkItemState,
    WorkItemTransition, compute, findings,
};
use crate::{meta_model::Bands, supply_chain::Severity};

fn base() -> DateTime<Utc> {
    "2024-03-20T00:00:00Z".parse().unwrap()
}

/// Mostly coarse times (whole hours over ~2 weeks, often on the same few
/// instants) so ties between facts of one item or incident are frequent.
fn time() -> impl Strategy<Value = DateTime<Utc>> {
    prop_oneof![
        (0_i64..8).prop_map(|d| base() + Duration::days(d)),
        (0_i64..300).prop_map(|h| base() + Duration::hours(h)),
        (0_i64..30_000).prop_map(|m| base() + Duration::minutes(m) + Duration::seconds(m % 7)),
    ]
}

fn id(prefix: &'static str, n: u8) -> impl Strategy<Value = String> {
    (0..n).prop_map(move |i| format!("{prefix}{i}"))
}

fn change() -> impl Strategy<Value = Change> {
    (id("c", 8), time()).prop_map(|(id, time)| Change { id, time })
}

fn deployment() -> impl Strategy<Value = Deployment> {
    (
        id("d", 6),
        time(),
        prop::collection::vec(id("c", 10), 0..4),
        prop::sample::select(vec!["production", "production", "production", "staging"]),
        prop::sample::select(vec![
            DeploymentStatus::Success,
            DeploymentStatus::Success,
            DeploymentStatus::Failure,
        ]),
    )
        .prop_map(
            |(deployment_id, time, change_ids, environment, status)| Deployment {
                deployment_id,
                time,
                change_ids,
                environment: environment.to_owned(),
                status,
            },
        )
}

fn incident() -> impl Strategy<Value = IncidentEvent> {
    (
        id("i", 5),
        time(),
        prop::sample::select(vec![IncidentEventKind::Opened, IncidentEventKind::Resolved]),
        prop::option::of(id("d", 7)),
        prop::collection::vec(id("c", 10), 0..2),
    )
        .prop_map(
            |(incident_id, time, kind, deployment_id, change_ids)| IncidentEvent {
                incident_id,
                time,
                kind,
                deployment_id,
                change_ids,
            },
        )
}

fn transition() -> impl Strategy<Value = WorkItemTransition> {
    (
        id("w", 6),
        prop::sample::select(vec!["feature", "defect", "risk", "debt"]),
        prop::sample::select(vec![
            WorkItemState::Todo,
            WorkItemState::Active,
            WorkItemState::Waiting,
            WorkItemState::Done,
        ]),
        time(),
    )
        .prop_map(|(item_id, item_type, state, time)| WorkItemTransition {
            item_id,
            item_type: item_type.to_owned(),
            state,
            time,
        })
}

/// Scanner events of two sources over a few vulnerability ids, so findings open, close,
/// reopen and share ids across artifacts. Event ids are unique per source (as stored), and
/// differ in severity, so a tie between two reports is only broken by the event id.
fn vulnerability() -> impl Strategy<Value = VulnerabilityEvent> {
    (
        prop::sample::select(vec!["checkout", "billing"]),
        id("v", 4),
        time(),
        prop::option::of(prop::sample::select(vec![
            Severity::Critical,
            Severity::High,
            Severity::Low,
        ])),
        any::<u32>(),
    )
        .prop_map(
            |(source, vulnerability_id, time, severity, n)| VulnerabilityEvent {
                source: source.to_owned(),
                event_id: format!("e{n}"),
                vulnerability_id,
                time,
                opened: severity.map(|severity| FindingReport {
                    severity,
                    advisory_id: None,
                    purl: None,
                    title: Some(format!("reported by e{n}")),
                }),
            },
        )
}

/// Each `(source, event id)` once, as stored.
fn stored(mut events: Vec<VulnerabilityEvent>) -> Vec<VulnerabilityEvent> {
    let mut seen = std::collections::HashSet::new();
    events.retain(|e| seen.insert((e.source.clone(), e.event_id.clone())));
    events
}

fn facts() -> impl Strategy<Value = Facts> {
    (
        prop::collection::vec(change(), 0..10),
        prop::collection::vec(deployment(), 0..12),
        prop::collection::vec(incident(), 0..10),
        prop::collection::vec(transition(), 0..16),
        prop::collection::vec(vulnerability(), 0..16).prop_map(stored),
    )
        .prop_map(
            |(changes, deployments, incidents, work_items, vulnerabilities)| Facts {
                changes,
                deployments,
                incidents,
                work_items,
                vulnerabilities,
            },
        )
}

fn window() -> impl Strategy<Value = MetricWindow> {
    (
        -100_i64..700,
        1_i64..1500,
        prop::sample::select(vec![BucketSize::Day, BucketSize::Week, BucketSize::Month]),
        prop::sample::select(vec![
            "UTC",
            "Europe/Berlin",
            "America/New_York",
            "Asia/Kolkata",
            "America/Santiago",
        ]),
    )
        .prop_map(|(start, length, bucket, tz)| MetricWindow {
            from: base() + Duration::minutes(30 * start),
            to: base() + Duration::minutes(30 * (start + length)),
            bucket,
            time_zone: tz.parse::<Tz>().unwrap_or(Tz::UTC),
        })
}

/// Deterministic Fisher–Yates driven by a seed (an LCG is enough to permute).
fn shuffle<T>(items: &mut [T], seed: &mut u64) {
    for i in (1..items.len()).rev() {
        *seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let j = (*seed >> 33) as usize % (i + 1);
        items.swap(i, j);
    }
}

fn shuffled(facts: &Facts, mut seed: u64) -> Facts {
    let mut f = facts.clone();
    shuffle(&mut f.changes, &mut seed);
    shuffle(&mut f.deployments, &mut seed);
    shuffle(&mut f.incidents, &mut seed);
    shuffle(&mut f.work_items, &mut seed);
    shuffle(&mut f.vulnerabilities, &mut seed);
    f
}

fn bucket_sums_match_totals(m: &Metrics) {
    let df: u64 = m
        .deployment_frequency
        .buckets
        .iter()
        .map(|b| b.deployments)
        .sum();
    assert_eq!(df, m.deployment_frequency.deployments);
    let cfr: u64 = m
        .change_failure_rate
        .buckets
        .iter()
        .map(|b| b.failed_deployments)
        .sum();
    assert_eq!(cfr, m.change_failure_rate.failed_deployments);
    let lt: u64 = m.lead_time.buckets.iter().map(|b| b.stats.count).sum();
    assert_eq!(lt, m.lead_time.stats.count);
    let ttr: u64 = m
        .time_to_restore
        .buckets
        .iter()
        .map(|b| b.stats.count)
        .sum();
    assert_eq!(ttr, m.time_to_restore.stats.count);
    let v: u64 = m.flow.buckets.iter().map(|b| b.velocity).sum();
    assert_eq!(v, m.flow.velocity);
    let trend = &m.vulnerabilities;
    let opened: u64 = trend.buckets.iter().map(|b| b.opened).sum();
    let resolved: u64 = trend.buckets.iter().map(|b| b.resolved).sum();
    assert_eq!((opened, resolved), (trend.opened, trend.resolved));
    assert_eq!(trend.remediation_time.count, trend.resolved);
    if let Some(last) = trend.buckets.last() {
        assert_eq!(last.open_at_end, trend.open_at_end);
    }
    assert_eq!(
        m.lead_time.stats.p50_seconds.is_none(),
        m.lead_time.stats.count == 0
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn result_is_independent_of_fact_order(facts in facts(), window in window(), seed in any::<u64>()) {
        let bands = Bands::default();
        let expected = compute(&facts, &window, &bands);
        bucket_sums_match_totals(&expected);
        prop_assert_eq!(&compute(&shuffled(&facts, seed), &window, &bands), &expected);
    }

    #[test]
    fn roll_up_of_split_facts_equals_whole(facts in facts(), window in window(), seed in any::<u64>()) {
        let bands = Bands::default();
        let expected = compute(&facts, &window, &bands);
        let mixed = shuffled(&facts, seed);
        let half = |v: usize| v / 2;
        let first = Facts {
            changes: mixed.changes[..half(mixed.changes.len())].to_vec(),
            deployments: mixed.deployments[..half(mixed.deployments.len())].to_vec(),
            incidents: mixed.incidents[..half(mixed.incidents.len())].to_vec(),
            work_items: mixed.work_items[..half(mixed.work_items.len())].to_vec(),
            vulnerabilities: mixed.vulnerabilities[..half(mixed.vulnerabilities.len())].to_vec(),
        };
        let second = Facts {
            changes: mixed.changes[half(mixed.changes.len())..].to_vec(),
            deployments: mixed.deployments[half(mixed.deployments.len())..].to_vec(),
            incidents: mixed.incidents[half(mixed.incidents.len())..].to_vec(),
            work_items: mixed.work_items[half(mixed.work_items.len())..].to_vec(),
            vulnerabilities: mixed.vulnerabilities[half(mixed.vulnerabilities.len())..].to_vec(),
        };
        let rolled_up: Facts = vec![second, first].into_iter().collect();
        prop_assert_eq!(&compute(&rolled_up, &window, &bands), &expected);
    }

    #[test]
    fn repeated_identical_facts_change_nothing(facts in facts(), window in window(), seed in any::<u64>()) {
        let bands = Bands::default();
        let expected = compute(&facts, &window, &bands);
        let mut doubled = facts.clone();
        doubled.append(shuffled(&facts, seed));
        prop_assert_eq!(&compute(&doubled, &window, &bands), &expected);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// The findings themselves, descriptions included, not only the trend's counts.
    #[test]
    fn findings_are_independent_of_event_order_and_repeats(
        events in prop::collection::vec(vulnerability(), 0..24).prop_map(stored),
        seed in any::<u64>(),
    ) {
        let expected = findings(&events);
        let mut mixed = events.clone();
        let mut s = seed;
        shuffle(&mut mixed, &mut s);
        prop_assert_eq!(&findings(&mixed), &expected);
        mixed.extend(events.iter().cloned());
        shuffle(&mut mixed, &mut s);
        prop_assert_eq!(&findings(&mixed), &expected);
        // Findings of one (source, vulnerability) never overlap.
        for pair in expected.windows(2) {
            if (&pair[0].source, &pair[0].vulnerability_id) == (&pair[1].source, &pair[1].vulnerability_id) {
                prop_assert!(pair[0].resolved_at.is_some_and(|r| r < pair[1].opened_at));
            }
        }
    }
}
