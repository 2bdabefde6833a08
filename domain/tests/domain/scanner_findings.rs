//! Scanner findings from stored events: the weekly trend of an artifact and of the team that
//! owns it (each artifact's findings once), and the findings read for a set of fact sheets,
//! whatever the order and repetition the events arrived in.

use domain::{
    metrics::{self, MetricsCache, Needs, ScannerFinding, VulnerabilityTrend},
    supply_chain::Severity,
};
use serde_json::json;
use testkit::facts::{day, event, two_weeks, vulnerability_opened, vulnerability_resolved};
use uuid::Uuid;

use crate::metrics_cache::{artifact, ingest, own};
use crate::support::World;

/// Artifact `a` (source `src-a`) and `b` (`src-b`) owned by a team, `c` (`src-c`) by nobody.
async fn team_with_findings(w: &World) -> (Uuid, Uuid, Uuid, Uuid) {
    let team = w.create_fact_sheet("Team", "Payments").await.id;
    let a = artifact(w, "a", Some("src-a")).await;
    let b = artifact(w, "b", Some("src-b")).await;
    let c = artifact(w, "c", Some("src-c")).await;
    own(w, team, a).await;
    own(w, team, b).await;
    let log4shell = event(
        "src-a",
        "a-v2-opened",
        "vulnerability.opened",
        day(2),
        json!({"vulnerabilityId": "V2", "severity": "critical", "advisoryId": "GHSA-jfh8-c2jp-5v3q",
            "purl": "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1", "title": "Log4Shell"}),
    );
    // Late and out of order: resolves before opens, a reopen before its first open.
    ingest(
        w,
        vec![
            vulnerability_resolved("src-a", "a-v2-resolved-late", "V2", day(10)),
            vulnerability_opened("src-a", "a-v3-reopened", "V3", "low", day(11)),
            vulnerability_resolved("src-a", "a-v1-resolved", "V1", day(1)),
            vulnerability_resolved("src-a", "a-v3-resolved", "V3", day(4)),
        ],
    )
    .await;
    let result = ingest(
        w,
        vec![
            vulnerability_opened("src-a", "a-v1-opened", "V1", "high", day(-2)),
            log4shell.clone(),
            vulnerability_resolved("src-a", "a-v2-resolved", "V2", day(9)),
            vulnerability_opened("src-a", "a-v3-opened", "V3", "low", day(3)),
            // The same vulnerability id in another artifact is another finding.
            vulnerability_opened("src-b", "b-v1-opened", "V1", "medium", day(5)),
            vulnerability_opened("src-c", "c-v9-opened", "V9", "high", day(1)),
            // A retried delivery.
            log4shell,
        ],
    )
    .await;
    assert_eq!((result.accepted, result.duplicates), (6, 1));
    (team, a, b, c)
}

async fn trend(w: &World, fact_sheet: Uuid) -> VulnerabilityTrend {
    let model = w.model().await;
    let needs = Needs {
        dora: false,
        flow: false,
        vulnerabilities: true,
    };
    metrics::for_fact_sheet(
        w.db.conn(),
        &w.admin,
        &model,
        fact_sheet,
        &two_weeks(),
        needs,
    )
    .await
    .unwrap()
    .vulnerabilities
}

#[tokio::test]
async fn a_team_trend_counts_each_artifacts_findings_with_reopens_and_latest_resolves() {
    let w = World::new().await;
    let (team, a, _, _) = team_with_findings(&w).await;
    const H: f64 = 3600.0;

    let t = trend(&w, team).await;
    // Opened in the window: a's V2 and V3 (twice: it came back), b's V1.
    // Resolved: a's V1 (72 h), V3 (24 h) and V2 at its latest resolve (192 h).
    assert_eq!((t.opened, t.resolved, t.open_at_end), (4, 3, 2));
    assert_eq!(t.remediation_time.count, 3);
    assert_eq!(t.remediation_time.p50_seconds, Some(72.0 * H));
    assert_eq!(t.remediation_time.p90_seconds, Some(168.0 * H));
    let buckets: Vec<_> = t
        .buckets
        .iter()
        .map(|b| (b.start, b.opened, b.resolved, b.open_at_end))
        .collect();
    assert_eq!(buckets, [(day(0), 3, 2, 2), (day(7), 1, 1, 2)]);

    let t = trend(&w, a).await;
    assert_eq!((t.opened, t.resolved, t.open_at_end), (3, 3, 1));
}

#[tokio::test]
async fn the_findings_of_several_fact_sheets_come_in_one_read_open_or_resolved_in_the_window() {
    let w = World::new().await;
    let (team, a, b, c) = team_with_findings(&w).await;
    let w = &w;
    let found = |from| async move {
        metrics::scanner_findings(w.db.conn(), &w.admin, &[b, a, c, team], from, day(14))
            .await
            .unwrap()
    };
    let list = found(day(0)).await;
    let summary: Vec<_> = list
        .iter()
        .map(|f| {
            (
                f.fact_sheet_id,
                f.vulnerability_id.as_str(),
                f.severity,
                f.opened_at,
                f.resolved_at,
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (b, "V1", Severity::Medium, day(5), None),
            (a, "V1", Severity::High, day(-2), Some(day(1))),
            (a, "V2", Severity::Critical, day(2), Some(day(10))),
            (a, "V3", Severity::Low, day(3), Some(day(4))),
            (a, "V3", Severity::Low, day(11), None),
            (c, "V9", Severity::High, day(1), None),
        ]
    );
    assert_eq!(
        list[2],
        ScannerFinding {
            fact_sheet_id: a,
            vulnerability_id: "V2".into(),
            severity: Severity::Critical,
            advisory_id: Some("GHSA-jfh8-c2jp-5v3q".into()),
            purl: Some("pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1".into()),
            title: Some("Log4Shell".into()),
            opened_at: day(2),
            resolved_at: Some(day(10)),
        }
    );
    // Resolved before the window: left out.
    let later = found(day(2)).await;
    assert_eq!(later.len(), 5);
    assert!(!later.iter().any(|f| f.resolved_at == Some(day(1))));

    // From the facts the metrics keep: the same, and never stale after an ingestion.
    let cache = MetricsCache::new(1 << 20);
    let cached = || async {
        cache
            .scanner_findings(w.db.conn(), &w.admin, &[b, a, c, team], day(0), day(14))
            .await
            .unwrap()
    };
    assert_eq!(cached().await, list);
    ingest(
        w,
        vec![vulnerability_resolved(
            "src-b",
            "b-v1-resolved",
            "V1",
            day(6),
        )],
    )
    .await;
    let now = cached().await;
    assert_eq!(now, found(day(0)).await);
    assert_eq!(
        (now[0].fact_sheet_id, now[0].resolved_at),
        (b, Some(day(6)))
    );
}
