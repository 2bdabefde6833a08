//! Facts kept for a team's window are brought up to date with what later ingestions store
//! instead of being read again: random histories, then random small ingestions into the team's
//! sources and another team's, each followed by reads through one cache; every answer must be
//! what an uncached computation gives, and appends must really have happened.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use chrono::Duration;
use domain::{
    Principal,
    events::{self, IncomingEvent},
    fact_sheets, meta_model_versions, metrics,
    metrics::{BucketSize, MetricWindow, MetricsCache, Needs, Subject},
    relations::{self, NewRelation},
};
use proptest::prelude::*;
use serde_json::{Value, json};
use testkit::{
    TestDb,
    facts::{self, base},
    new_workspace,
};
use uuid::Uuid;

use crate::support::{new_sheet, property_test};

/// The team owns the artifacts of the first two; the third is another team's.
const SOURCES: [&str; 3] = ["svc-a", "svc-b", "elsewhere"];

/// The families that can be appended to (scanner findings are read from the events).
const NEEDS: Needs = Needs {
    dora: true,
    flow: true,
    vulnerabilities: false,
};

/// One random event, without its id: ids of deployments, changes and incidents come from small
/// pools (so new events meet old ones: a deployment reported again, a change shipped before)
/// or are new.
#[derive(Debug, Clone)]
struct Planned {
    source: usize,
    kind: u8,
    hour: i64,
    a: u8,
    b: u8,
    list: Vec<u8>,
    flag: bool,
}

/// An event at an hour of `hours` after [`base`].
fn planned(hours: std::ops::Range<i64>) -> impl Strategy<Value = Planned> {
    (
        0usize..3,
        0u8..6,
        hours,
        0u8..10,
        0u8..10,
        proptest::collection::vec(0u8..10, 0..3),
        any::<bool>(),
    )
        .prop_map(|(source, kind, hour, a, b, list, flag)| Planned {
            source,
            kind,
            hour,
            a,
            b,
            list,
            flag,
        })
}

impl Planned {
    /// Event `n` of the case: pool ids below 6, new ones above.
    fn event(&self, n: usize) -> IncomingEvent {
        let pooled = |prefix: &str, i: u8| {
            if i < 6 {
                format!("{prefix}{i}")
            } else {
                format!("{prefix}-new-{n}-{i}")
            }
        };
        let source = SOURCES[self.source];
        let time = base() + Duration::hours(self.hour);
        let changes: Vec<String> = self.list.iter().map(|c| pooled("C", *c)).collect();
        let (kind, data): (&str, Value) = match self.kind {
            0 => ("change", json!({})),
            1 | 2 => (
                "deployment",
                json!({"deploymentId": pooled("D", self.a), "changeIds": changes,
                       "status": if self.flag || self.hour % 3 == 0 { "success" } else { "failure" },
                       "environment": if self.hour % 7 == 0 { "staging" } else { "production" }}),
            ),
            3 if self.flag => (
                "incident.opened",
                json!({"incidentId": pooled("I", self.a), "deploymentId": pooled("D", self.b)}),
            ),
            3 => (
                "incident.opened",
                json!({"incidentId": pooled("I", self.a), "changeIds": changes}),
            ),
            4 => (
                "incident.resolved",
                json!({"incidentId": pooled("I", self.a)}),
            ),
            _ => {
                let state = ["todo", "active", "waiting", "done"][self.b as usize % 4];
                (
                    "workitem.transitioned",
                    json!({"itemId": pooled("W", self.a), "itemType": "feature", "state": state}),
                )
            }
        };
        let id = format!("e{n}");
        let mut event = facts::event(source, &id, kind, time, data);
        if kind == "change" {
            // A change event's id is the change's.
            event.id = pooled("C", self.a);
        }
        event
    }
}

/// A workspace whose team owns the artifacts of the first two sources.
async fn team(db: &TestDb, slug: &str) -> (Principal, Uuid) {
    let p = new_workspace(db, slug, None, "t").await;
    let model = meta_model_versions::current(db.conn(), &p)
        .await
        .unwrap()
        .model;
    let team = fact_sheets::create(db.conn(), &p, &model, new_sheet("Team", "team", None))
        .await
        .unwrap()
        .id;
    for (i, source) in SOURCES.iter().enumerate() {
        let artifact = new_sheet("SoftwareArtifact", source, Some(source));
        let artifact = fact_sheets::create(db.conn(), &p, &model, artifact)
            .await
            .unwrap()
            .id;
        if i < 2 {
            let owns = NewRelation {
                relation_type: "teamOwnsArtifact".into(),
                from_id: team,
                to_id: artifact,
                ..Default::default()
            };
            relations::create(db.conn(), &p, &model, owns)
                .await
                .unwrap();
        }
    }
    (p, team)
}

#[test]
fn reads_between_ingestions_equal_an_uncached_computation() {
    let (runtime, db, mut runner) = property_test(96);
    let strategy = (
        // Three weeks of history; later events mostly in the windows, where they meet
        // deployments reported before (again, or by an incident).
        proptest::collection::vec(planned(0..21 * 24), 0..40),
        proptest::collection::vec(
            proptest::collection::vec(planned(10 * 24..20 * 24), 1..4),
            1..10,
        ),
    );
    let case = AtomicUsize::new(0);
    let (loads, appends) = (AtomicU64::new(0), AtomicU64::new(0));
    runner
        .run(&strategy, |(history, ingestions)| {
            let case = case.fetch_add(1, Ordering::SeqCst);
            let kept = runtime.block_on(async {
                let (p, team) = team(&db, &format!("appended-{case}")).await;
                let cache = MetricsCache::new(1 << 20);
                let mut n = 0;
                let mut ingest = async |planned: &[Planned]| {
                    let batch: Vec<IncomingEvent> = planned
                        .iter()
                        .map(|e| {
                            n += 1;
                            e.event(n)
                        })
                        .collect();
                    let valid = events::validate(batch).unwrap();
                    events::ingest(db.conn(), &p, valid).await.unwrap();
                };
                ingest(&history).await;
                // A window with most of the history before it, and one with little.
                let windows = [12, 2].map(|start| {
                    MetricWindow::new(
                        base() + Duration::days(start),
                        base() + Duration::days(19),
                        BucketSize::Day,
                        chrono_tz::Europe::Berlin,
                    )
                    .unwrap()
                });
                for step in 0..=ingestions.len() {
                    if step > 0 {
                        ingest(&ingestions[step - 1]).await;
                    }
                    let model = meta_model_versions::current(db.conn(), &p).await.unwrap();
                    for window in &windows {
                        let subject = Subject::Id(team);
                        let cached = cache
                            .for_fact_sheet(db.conn(), &p, &model, subject, window, NEEDS, None)
                            .await
                            .unwrap();
                        let fresh = metrics::for_fact_sheet(
                            db.conn(),
                            &p,
                            &model.model,
                            team,
                            window,
                            NEEDS,
                        )
                        .await
                        .unwrap();
                        assert_eq!(*cached, fresh, "after ingestion {step} of case {case}");
                    }
                }
                cache.facts_kept()
            });
            loads.fetch_add(kept.loads, Ordering::SeqCst);
            appends.fetch_add(kept.appends, Ordering::SeqCst);
            Ok(())
        })
        .unwrap();
    let (loads, appends) = (loads.into_inner(), appends.into_inner());
    assert!(loads > 0, "facts were loaded");
    assert!(
        appends > loads / 4,
        "kept facts were brought up to date rather than loaded again: {appends} appends, {loads} loads"
    );
}
