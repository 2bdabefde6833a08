//! Ingestion order, batching and duplicates never change a metric (scanner findings too): random event streams are
//! stored in two workspaces, once in order and once shuffled with duplicates in random batches,
//! and both must give identical metrics, which must also be what the full history gives, and
//! what facts loaded for a wider window give once cut to the window's end.

use chrono::Duration;
use domain::{
    Principal,
    events::{self, IncomingEvent},
    fact_sheets, meta_model_versions, metrics,
    metrics::{BucketSize, MetricWindow, Metrics},
};
use proptest::prelude::*;
use serde_json::{Value, json};
use testkit::{
    TestDb,
    facts::{self, base},
    new_workspace,
};

const SEVERITIES: [&str; 4] = ["critical", "high", "medium", "low"];

/// One random event of any kind, at a random hour of a 3-week span, with ids from small pools
/// so that deployments name real changes and incidents link to real deployments.
fn event_strategy() -> impl Strategy<Value = IncomingEvent> {
    (0u8..8, 0i64..(21 * 24), 0u8..6, 0u8..6, proptest::collection::vec(0u8..6, 0..3), any::<bool>()).prop_map(|(kind, hour, a, b, list, flag)| {
        let time = base() + Duration::hours(hour);
        let changes: Vec<String> = list.iter().map(|c| format!("C{c}")).collect();
        let (t, id, data): (&str, String, Value) = match kind {
            0 => ("change", format!("C{a}"), json!({})),
            1 => ("deployment", format!("E-d{a}-{hour}"), json!({"deploymentId": format!("D{a}"), "changeIds": changes, "status": if flag || hour % 3 == 0 { "success" } else { "failure" }, "environment": if hour % 7 == 0 { "staging" } else { "production" }})),
            // Incidents blame a deployment directly or through the changes it shipped.
            2 if flag => ("incident.opened", format!("E-io{a}-{hour}"), json!({"incidentId": format!("I{a}"), "deploymentId": format!("D{b}")})),
            2 => ("incident.opened", format!("E-io{a}-{hour}"), json!({"incidentId": format!("I{a}"), "changeIds": changes})),
            3 => ("incident.resolved", format!("E-ir{a}-{hour}"), json!({"incidentId": format!("I{a}")})),
            // Scanner findings opened, re-reported with another severity, resolved and reopened.
            6 => ("vulnerability.opened", format!("E-vo{a}-{hour}"), json!({"vulnerabilityId": format!("V{a}"), "severity": SEVERITIES[b as usize % 4]})),
            7 => ("vulnerability.resolved", format!("E-vr{a}-{hour}"), json!({"vulnerabilityId": format!("V{a}")})),
            _ => {
                let state = ["todo", "active", "waiting", "done"][b as usize % 4];
                let item_type = ["feature", "defect", "risk", "debt"][a as usize % 4];
                ("workitem.transitioned", format!("E-w{a}-{hour}-{state}"), json!({"itemId": format!("W{a}"), "itemType": item_type, "state": state}))
            }
        };
        facts::event("svc", &id, t, time, data)
    })
}

pub(crate) async fn workspace(db: &TestDb, slug: &str) -> (Principal, uuid::Uuid) {
    let p = new_workspace(db, slug, None, "t").await;
    let model = meta_model_versions::current(db.conn(), &p)
        .await
        .unwrap()
        .model;
    let fs = fact_sheets::create(
        db.conn(),
        &p,
        &model,
        crate::support::new_sheet("SoftwareArtifact", "svc", Some("svc")),
    )
    .await
    .unwrap();
    (p, fs.id)
}

/// Asserts that `served`, the metrics of a window as the pruning window loader gives them, are
/// what the full history of source `svc` gives.
pub(crate) async fn assert_same_as_full_history(
    db: &TestDb,
    workspace_id: uuid::Uuid,
    window: &MetricWindow,
    served: &Metrics,
) {
    let all = metrics::load::load_facts(db.conn(), workspace_id, &["svc".to_string()], window.to)
        .await
        .unwrap();
    assert_eq!(
        served,
        &metrics::compute(&all, window, &Default::default()),
        "pruned loading changed a result"
    );
}

#[test]
fn metrics_do_not_depend_on_ingestion_order_batches_or_duplicates() {
    let (runtime, db, mut runner) = crate::support::property_test(32);
    let strategy = (
        proptest::collection::vec(event_strategy(), 1..60),
        any::<u64>(),
        1usize..8,
        (0i64..72, 0i64..72),
    );
    let case = std::sync::atomic::AtomicUsize::new(0);
    let counted = std::sync::atomic::AtomicU64::new(0);
    let findings = std::sync::atomic::AtomicU64::new(0);
    runner
        .run(
            &strategy,
            |(stream, seed, batch, (hours_before, hours_after))| {
                let case = case.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                runtime.block_on(async {
                    // Keep each (source, id) once with its first content: a re-sent id is a duplicate.
                    let mut seen = std::collections::HashSet::new();
                    let stream: Vec<IncomingEvent> = stream
                        .into_iter()
                        .filter(|e| seen.insert(e.id.clone()))
                        .collect();
                    let (p1, fs1) = workspace(&db, &format!("ordered-{case}")).await;
                    let (p2, fs2) = workspace(&db, &format!("shuffled-{case}")).await;
                    let valid = events::validate(stream.clone()).unwrap();
                    events::ingest(db.conn(), &p1, valid).await.unwrap();

                    // Shuffle deterministically from the seed and send every third event twice.
                    let mut shuffled: Vec<IncomingEvent> = stream
                        .iter()
                        .cloned()
                        .chain(stream.iter().step_by(3).cloned())
                        .collect();
                    let mut state = seed | 1;
                    for i in (1..shuffled.len()).rev() {
                        state ^= state << 13;
                        state ^= state >> 7;
                        state ^= state << 17;
                        shuffled.swap(i, (state % (i as u64 + 1)) as usize);
                    }
                    let mut duplicates = 0;
                    for chunk in shuffled.chunks(batch) {
                        let r = events::ingest(
                            db.conn(),
                            &p2,
                            events::validate(chunk.to_vec()).unwrap(),
                        )
                        .await
                        .unwrap();
                        duplicates += r.duplicates;
                    }
                    assert_eq!(duplicates as usize, stream.iter().step_by(3).count());

                    let model = meta_model_versions::current(db.conn(), &p1)
                        .await
                        .unwrap()
                        .model;
                    // A window with little history before it, and two with most of it before (incidents
                    // settled before the window, deployments they may still blame).
                    for (bucket, start) in [
                        (BucketSize::Day, 2),
                        (BucketSize::Week, 12),
                        (BucketSize::Day, 16),
                    ] {
                        let window = MetricWindow::new(
                            base() + Duration::days(start),
                            base() + Duration::days(19),
                            bucket,
                            chrono_tz::Europe::Berlin,
                        )
                        .unwrap();
                        let a = metrics::for_fact_sheet(
                            db.conn(),
                            &p1,
                            &model,
                            fs1,
                            &window,
                            metrics::Needs::ALL,
                        )
                        .await
                        .unwrap();
                        let b = metrics::for_fact_sheet(
                            db.conn(),
                            &p2,
                            &model,
                            fs2,
                            &window,
                            metrics::Needs::ALL,
                        )
                        .await
                        .unwrap();
                        assert_eq!(a, b);
                        assert_same_as_full_history(&db, p1.workspace_id, &window, &a).await;
                        // What the facts cache does: load for a wider window, arrange, cut to this
                        // one's end.
                        let mut wider = metrics::load::load_window_facts(
                            db.conn(),
                            p1.workspace_id,
                            &["svc".to_string()],
                            window.from - Duration::hours(hours_before),
                            window.to + Duration::hours(hours_after),
                            metrics::Needs::ALL,
                        )
                        .await
                        .unwrap();
                        wider.order_from(window.to - Duration::hours(hours_before));
                        assert_eq!(
                            metrics::compute_view(
                                wider.view_before(window.to),
                                &window,
                                &Default::default()
                            ),
                            a,
                            "facts loaded for a wider window changed a result"
                        );
                        let dora_only = metrics::for_fact_sheet(
                            db.conn(),
                            &p1,
                            &model,
                            fs1,
                            &window,
                            metrics::Needs {
                                dora: true,
                                flow: false,
                                vulnerabilities: false,
                            },
                        )
                        .await
                        .unwrap();
                        assert_eq!(
                            (
                                &dora_only.lead_time,
                                &dora_only.change_failure_rate,
                                &dora_only.time_to_restore
                            ),
                            (&a.lead_time, &a.change_failure_rate, &a.time_to_restore)
                        );
                        counted.fetch_add(
                            a.deployment_frequency.deployments
                                + a.flow.velocity
                                + a.lead_time.stats.count,
                            std::sync::atomic::Ordering::SeqCst,
                        );
                        findings.fetch_add(
                            a.vulnerabilities.opened + a.vulnerabilities.resolved,
                            std::sync::atomic::Ordering::SeqCst,
                        );
                    }
                });
                Ok(())
            },
        )
        .unwrap();
    assert!(
        counted.into_inner() > 0,
        "the random streams produced no metrics at all"
    );
    assert!(
        findings.into_inner() > 0,
        "the random streams produced no scanner findings"
    );
}
