//! The "Worked example" of `docs/metrics.md`, value by value.
//! E5 (exact duplicate of E4) is dropped upstream by `(source, id)`, so it is
//! not part of the facts; E3 is listed after E6 as it was ingested.

use chrono_tz::{America::New_York, Tz, UTC};

use super::super::fixtures::{at, change, deployment, incident, transition, window};
use super::super::{
    BucketSize, Facts, IncidentEventKind, Level, Metrics, TypeCount, TypeShare, WorkItemState,
    compute,
};
use crate::meta_model::Bands;

const H: f64 = 3600.0;

fn facts(with_e3: bool) -> Facts {
    use IncidentEventKind::*;
    use WorkItemState::*;
    let mut changes = vec![
        change("C1", "2024-03-04T09:00:00Z"), // E1
        change("C2", "2024-03-04T15:00:00Z"), // E2
    ];
    if with_e3 {
        changes.push(change("C3", "2024-03-05T10:00:00Z")); // E3, ingested after E6
    }
    Facts {
        changes,
        deployments: vec![
            deployment("D1", "2024-03-05T12:00:00Z", &["C1", "C2"]), // E4
            deployment("D2", "2024-03-06T12:00:00Z", &["C2", "C3"]), // E6
            deployment("D3", "2024-03-08T02:00:00Z", &[]),           // E7
        ],
        incidents: vec![
            incident("I1", "2024-03-06T13:00:00Z", Opened, Some("D2")), // E8
            incident("I1", "2024-03-06T15:30:00Z", Resolved, None),     // E9
            incident("I2", "2024-03-07T09:00:00Z", Opened, None),       // E10
            incident("I2", "2024-03-07T10:00:00Z", Resolved, None),     // E11
            incident("I3", "2024-03-09T08:00:00Z", Opened, Some("D3")), // E12
        ],
        work_items: vec![
            transition("W1", "feature", Active, "2024-03-04T09:00:00Z"), // E13
            transition("W1", "feature", Waiting, "2024-03-05T09:00:00Z"), // E14
            transition("W1", "feature", Done, "2024-03-06T09:00:00Z"),   // E15
            transition("W2", "defect", Active, "2024-03-05T09:00:00Z"),  // E16
            transition("W3", "debt", Active, "2024-03-06T12:00:00Z"),    // E17
            transition("W3", "debt", Done, "2024-03-07T12:00:00Z"),      // E18
        ],
        vulnerabilities: vec![],
    }
}

fn run(facts: &Facts, tz: Tz) -> Metrics {
    let window = window(
        "2024-03-04T00:00:00Z",
        "2024-03-11T00:00:00Z",
        BucketSize::Day,
        tz,
    );
    compute(facts, &window, &Bands::default())
}

fn close(actual: Option<f64>, expected: f64) -> bool {
    actual.is_some_and(|a| (a - expected).abs() < 1e-9)
}

#[test]
fn deployment_frequency() {
    let m = run(&facts(true), UTC).deployment_frequency;
    assert_eq!(m.deployments, 3);
    assert_eq!(m.deployment_days, 3);
    assert_eq!(m.per_day, Some(3.0 / 7.0));
    let daily: Vec<_> = m.buckets.iter().map(|b| (b.start, b.deployments)).collect();
    assert_eq!(
        daily,
        vec![
            (at("2024-03-04T00:00:00Z"), 0),
            (at("2024-03-05T00:00:00Z"), 1),
            (at("2024-03-06T00:00:00Z"), 1),
            (at("2024-03-07T00:00:00Z"), 0),
            (at("2024-03-08T00:00:00Z"), 1),
            (at("2024-03-09T00:00:00Z"), 0),
            (at("2024-03-10T00:00:00Z"), 0),
        ]
    );
    // One complete ISO week with 3 deployment days: median 3 ≥ 1 → high.
    assert_eq!(m.level, Some(Level::High));
}

#[test]
fn deployment_frequency_in_new_york() {
    let m = run(&facts(true), New_York).deployment_frequency;
    assert_eq!(m.deployments, 3);
    // Local midnights (EST, UTC-5; DST starts 03-10 02:00). The window starts
    // 03-03 19:00 local, so the first bucket is local 03-03.
    let daily: Vec<_> = m.buckets.iter().map(|b| (b.start, b.deployments)).collect();
    assert_eq!(
        daily,
        vec![
            (at("2024-03-03T05:00:00Z"), 0),
            (at("2024-03-04T05:00:00Z"), 0),
            (at("2024-03-05T05:00:00Z"), 1),
            (at("2024-03-06T05:00:00Z"), 1),
            (at("2024-03-07T05:00:00Z"), 1), // D3: 03-07 21:00 local
            (at("2024-03-08T05:00:00Z"), 0),
            (at("2024-03-09T05:00:00Z"), 0),
            (at("2024-03-10T05:00:00Z"), 0),
        ]
    );
    assert_eq!(m.deployment_days, 3);
}

#[test]
fn lead_time() {
    let m = run(&facts(true), UTC).lead_time;
    assert_eq!(m.stats.count, 3);
    assert_eq!(m.stats.p50_seconds, Some(26.0 * H));
    assert_eq!(m.stats.mean_seconds, Some(74.0 * H / 3.0));
    assert!((m.stats.mean_seconds.unwrap() / H - 24.67).abs() < 0.005);
    assert_eq!(m.pending_changes, 0);
    assert_eq!(m.negative_durations, 0);
    assert_eq!(m.level, Some(Level::High));
    // D1 (03-05): C1 27 h, C2 21 h; D2 (03-06): C3 26 h.
    assert_eq!(m.buckets[1].stats.count, 2);
    assert_eq!(m.buckets[1].stats.p50_seconds, Some(24.0 * H));
    assert_eq!(m.buckets[2].stats.count, 1);
    assert_eq!(m.buckets[2].stats.p50_seconds, Some(26.0 * H));
    assert_eq!(m.buckets[0].stats.p50_seconds, None);
}

#[test]
fn lead_time_before_e3_arrives() {
    let m = run(&facts(false), UTC).lead_time;
    assert_eq!(m.pending_changes, 1);
    assert_eq!(m.stats.count, 2);
    assert_eq!(m.stats.p50_seconds, Some(24.0 * H));
}

#[test]
fn change_failure_rate() {
    let m = run(&facts(true), UTC).change_failure_rate;
    assert_eq!(m.deployments, 3);
    assert_eq!(m.failed_deployments, 2);
    assert_eq!(m.rate, Some(2.0 / 3.0));
    assert_eq!(m.level, Some(Level::Low));
    let daily: Vec<_> = m
        .buckets
        .iter()
        .map(|b| (b.deployments, b.failed_deployments, b.rate))
        .collect();
    assert_eq!(
        daily,
        vec![
            (0, 0, None),
            (1, 0, Some(0.0)),
            (1, 1, Some(1.0)),
            (0, 0, None),
            (1, 1, Some(1.0)),
            (0, 0, None),
            (0, 0, None),
        ]
    );
}

#[test]
fn failed_deployment_recovery_time() {
    let m = run(&facts(true), UTC).failed_deployment_recovery_time;
    assert_eq!(m.stats.count, 1);
    assert_eq!(m.stats.p50_seconds, Some(2.5 * H));
    assert_eq!(m.stats.mean_seconds, Some(2.5 * H));
    assert_eq!(m.open_count, 1);
    assert_eq!(m.oldest_open_seconds, Some(40.0 * H));
    assert_eq!(m.level, Some(Level::High));
    assert_eq!(m.buckets[2].stats.count, 1); // resolved 03-06
}

#[test]
fn time_to_restore() {
    let m = run(&facts(true), UTC).time_to_restore;
    assert_eq!(m.stats.count, 2);
    assert_eq!(m.stats.p50_seconds, Some(1.75 * H));
    assert_eq!(m.open_count, 1);
    assert_eq!(m.oldest_open_seconds, Some(40.0 * H));
    assert_eq!(m.level, Some(Level::High));
    let counts: Vec<u64> = m.buckets.iter().map(|b| b.stats.count).collect();
    assert_eq!(counts, vec![0, 0, 1, 1, 0, 0, 0]);
}

#[test]
fn flow() {
    let m = run(&facts(true), UTC).flow;
    assert_eq!(m.velocity, 2);
    assert_eq!(
        m.velocity_by_type,
        vec![
            TypeCount {
                item_type: "debt".into(),
                count: 1
            },
            TypeCount {
                item_type: "feature".into(),
                count: 1
            },
        ]
    );
    assert_eq!(m.flow_time.count, 2);
    assert_eq!(m.flow_time.p50_seconds, Some(36.0 * H));
    assert_eq!(m.efficiency, Some(2.0 / 3.0));
    assert_eq!(m.load, 1);
    assert_eq!(m.load_average, Some(207.0 / 168.0));
    assert!(close(m.load_average, 1.232_142_857_142_857));
    assert_eq!(
        m.distribution,
        vec![
            TypeShare {
                item_type: "debt".into(),
                share: 0.5
            },
            TypeShare {
                item_type: "feature".into(),
                share: 0.5
            },
        ]
    );
    let velocity: Vec<u64> = m.buckets.iter().map(|b| b.velocity).collect();
    assert_eq!(velocity, vec![0, 0, 1, 1, 0, 0, 0]);
}

#[test]
fn serializes_with_contract_names() {
    let json = serde_json::to_value(run(&facts(true), UTC)).unwrap();
    assert_eq!(json["deploymentFrequency"]["deploymentDays"], 3);
    assert_eq!(json["leadTime"]["stats"]["p50Seconds"], 26.0 * H);
    assert_eq!(json["leadTime"]["pendingChanges"], 0);
    assert_eq!(json["changeFailureRate"]["failedDeployments"], 2);
    assert_eq!(
        json["failedDeploymentRecoveryTime"]["oldestOpenSeconds"],
        40.0 * H
    );
    assert_eq!(json["timeToRestore"]["openCount"], 1);
    assert_eq!(json["flow"]["loadAverage"], 207.0 / 168.0);
    assert_eq!(json["flow"]["distribution"][0]["itemType"], "debt");
    assert_eq!(json["changeFailureRate"]["level"], "LOW");
    assert_eq!(
        json["deploymentFrequency"]["buckets"][0]["start"],
        "2024-03-04T00:00:00Z"
    );
}
