//! Timing harness (not a test): `cargo run --release -p domain --example metrics_compute`.
//!
//! Builds deterministic synthetic facts of production shape (10,000 changes,
//! 15,000 deployment events naming ~8 changes each, 10,000 incident events;
//! plus a variant with 35,000 work item transitions), then prints the median
//! of 20 `compute` calls over a 90-day window with weekly buckets. It also
//! prints a checksum of the serialized results over several windows and zones
//! so that two builds can be compared for bit-identical output.

use std::hint::black_box;
use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use domain::metrics::{
    Bands, BucketSize, Change, Deployment, DeploymentStatus, Facts, IncidentEvent,
    IncidentEventKind, MetricWindow, PRODUCTION, WorkItemState, WorkItemTransition, compute,
};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn base() -> DateTime<Utc> {
    "2024-01-01T00:00:00Z".parse().unwrap()
}

/// A time within ~110 days from the base, to the second.
fn time(rng: &mut Rng) -> DateTime<Utc> {
    base() + Duration::seconds(rng.below(110 * 86_400) as i64)
}

fn sha(n: u64) -> String {
    format!(
        "{:016x}{:016x}{:08x}",
        n.wrapping_mul(0x9e37_79b9_7f4a_7c15),
        n,
        n as u32
    )
}

fn facts(work_items: usize) -> Facts {
    let mut rng = Rng(42);
    let n_changes = 10_000_u64;
    // A few ids are named by deployments but never arrive (pending).
    let changes: Vec<Change> = (0..n_changes)
        .filter(|i| i % 97 != 0)
        .chain(n_changes..n_changes + 97)
        .map(|i| Change {
            id: sha(i),
            time: time(&mut rng),
        })
        .collect();
    let deployments: Vec<Deployment> = (0..15_000_u64)
        .map(|i| {
            // ~12,000 distinct deployments; some events share an id.
            let id = if i % 5 == 4 { rng.below(i) } else { i };
            let n = 5 + rng.below(7);
            Deployment {
                deployment_id: format!("deploy-{id:08}"),
                time: time(&mut rng),
                change_ids: (0..n).map(|_| sha(rng.below(n_changes))).collect(),
                environment: if i % 11 == 0 { "staging" } else { PRODUCTION }.to_owned(),
                status: if i % 23 == 0 {
                    DeploymentStatus::Failure
                } else {
                    DeploymentStatus::Success
                },
            }
        })
        .collect();
    let incidents: Vec<IncidentEvent> = (0..10_000_u64)
        .map(|i| {
            let incident = i / 2;
            let opened = i % 2 == 0;
            let link = rng.below(4);
            IncidentEvent {
                incident_id: format!("incident-{incident:06}"),
                time: time(&mut rng),
                kind: if opened && rng.below(10) != 0 {
                    IncidentEventKind::Opened
                } else {
                    IncidentEventKind::Resolved
                },
                deployment_id: (link == 0).then(|| format!("deploy-{:08}", rng.below(15_000))),
                change_ids: if link == 1 {
                    vec![sha(rng.below(n_changes)), sha(rng.below(n_changes))]
                } else {
                    vec![]
                },
            }
        })
        .collect();
    let types = ["feature", "defect", "risk", "debt"];
    let states = [
        WorkItemState::Todo,
        WorkItemState::Active,
        WorkItemState::Waiting,
        WorkItemState::Done,
    ];
    let work_items: Vec<WorkItemTransition> = (0..work_items as u64)
        .map(|i| {
            let item = rng.below(work_items as u64 * 2 / 7 + 1);
            WorkItemTransition {
                item_id: format!("ITEM-{item:06}"),
                item_type: types[(item % 4) as usize].to_owned(),
                state: states[rng.below(4) as usize],
                time: time(&mut rng) + Duration::nanoseconds((i % 1000) as i64),
            }
        })
        .collect();
    Facts {
        changes,
        deployments,
        incidents,
        work_items,
        vulnerabilities: Vec::new(),
    }
}

fn window(bucket: BucketSize, tz: Tz) -> MetricWindow {
    let from = base() + Duration::days(10);
    MetricWindow {
        from,
        to: from + Duration::days(90),
        bucket,
        time_zone: tz,
    }
}

fn median_of_20(facts: &Facts, window: &MetricWindow, bands: &Bands) -> StdDuration {
    let mut times: Vec<StdDuration> = (0..20)
        .map(|_| {
            let start = Instant::now();
            black_box(compute(black_box(facts), window, bands));
            start.elapsed()
        })
        .collect();
    times.sort();
    (times[9] + times[10]) / 2
}

/// FNV-1a over the JSON of several windows, as a cheap output fingerprint.
fn checksum(facts: &Facts, bands: &Bands) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325_u64;
    for bucket in [BucketSize::Day, BucketSize::Week, BucketSize::Month] {
        for tz in ["UTC", "Europe/Berlin", "America/Santiago"] {
            let m = compute(facts, &window(bucket, tz.parse().unwrap()), bands);
            for byte in serde_json::to_vec(&m).unwrap() {
                hash = (hash ^ u64::from(byte)).wrapping_mul(0x100_0000_01b3);
            }
        }
    }
    hash
}

fn main() {
    let bands = Bands::default();
    let weekly = window(BucketSize::Week, chrono_tz::UTC);
    for (name, n_items) in [
        ("no work items", 0),
        ("35,000 work item transitions", 35_000),
    ] {
        let facts = facts(n_items);
        let median = median_of_20(&facts, &weekly, &bands);
        println!(
            "{name:>30}: median of 20 compute calls {:>8.2} ms (checksum {:016x})",
            median.as_secs_f64() * 1e3,
            checksum(&facts, &bands)
        );
    }
}
