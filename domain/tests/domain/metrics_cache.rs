//! Cached metrics must never be stale: after every kind of change a team's metrics can depend
//! on (new events, a duplicate, a new member, an event source linked later, other performance
//! bands) the cached result equals a fresh computation; nothing changing is a real cache hit;
//! and the caller's rights and the workspace's features are checked on a hit too.

use std::sync::Arc;

use chrono::Duration;
use domain::{
    Error,
    db::{Siblings, StatementCounter},
    events::{self, IncomingEvent},
    external_ids::ExternalId,
    fact_sheets::{self, FactSheetPatch},
    features::{self, Feature, FeatureStatus, GateOnce, Setting},
    meta_model_versions::{self, MetaModelEdit},
    metrics::{self, Bands, Metrics, MetricsCache, Needs, RequestReads, Subject},
    relations::{self, NewRelation},
    versions::{Counter, ReadOnce},
};
use testkit::facts::{day, deployment, two_weeks};
use uuid::Uuid;

use crate::support::{World, new_sheet};

pub(crate) async fn ingest(w: &World, events: Vec<IncomingEvent>) -> events::IngestResult {
    let tx = w.db.store.begin_write(w.admin.workspace_id).await.unwrap();
    let result = events::ingest(&*tx, &w.admin, events::validate(events).unwrap())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    result
}

pub(crate) async fn artifact(w: &World, name: &str, source: Option<&str>) -> Uuid {
    let model = w.model().await;
    fact_sheets::create(
        w.db.conn(),
        &w.admin,
        &model,
        new_sheet("SoftwareArtifact", name, source),
    )
    .await
    .unwrap()
    .id
}

pub(crate) async fn own(w: &World, team: Uuid, artifact: Uuid) {
    let model = w.model().await;
    relations::create(
        w.db.conn(),
        &w.admin,
        &model,
        NewRelation {
            relation_type: "teamOwnsArtifact".into(),
            from_id: team,
            to_id: artifact,
            ..Default::default()
        },
    )
    .await
    .unwrap();
}

/// The cached metrics of `subject` over the test window, as `principal` asks for them.
async fn cached(
    w: &World,
    cache: &MetricsCache,
    principal: &domain::Principal,
    subject: Subject<'_>,
) -> domain::Result<Arc<Metrics>> {
    // As a request does: its counters read once, with its first statement.
    let ws = principal.workspace_id;
    let inventory = ReadOnce::new(Counter::Inventory, ws);
    let events = ReadOnce::new(Counter::Events, ws);
    let gate = GateOnce::new(Feature::Metrics, ws);
    let model = meta_model_versions::MetaModelCache::default()
        .current(w.db.conn(), principal, &[&inventory, &events], &[&gate])
        .await
        .unwrap();
    cache
        .for_fact_sheet(
            w.db.conn(),
            principal,
            &model,
            subject,
            &two_weeks(),
            Needs::ALL,
            Some(RequestReads {
                inventory: &inventory,
                events: &events,
                metrics: &gate,
            }),
        )
        .await
}

/// The cached result and a fresh computation, which must agree; returns the cached one.
/// The admin's metrics of `team` over [`two_weeks`], computed afresh through `db`.
pub(crate) async fn fresh_metrics(w: &World, db: &impl Siblings, team: Uuid) -> Metrics {
    let model = w.model().await;
    metrics::for_fact_sheet(db, &w.admin, &model, team, &two_weeks(), Needs::ALL)
        .await
        .unwrap()
}

async fn check(w: &World, cache: &MetricsCache, team: Uuid, step: &str) -> Arc<Metrics> {
    // As the GraphQL field asks: for the fact sheet it has already read.
    let sheet = domain::fact_sheets::require(w.db.conn(), &w.admin, team)
        .await
        .unwrap();
    let via_sheet = cached(w, cache, &w.admin, Subject::Read(&sheet))
        .await
        .unwrap();
    let by_id = cached(w, cache, &w.admin, Subject::Id(team)).await.unwrap();
    assert!(
        Arc::ptr_eq(&via_sheet, &by_id),
        "one entry, however the subject is named"
    );
    let fresh = fresh_metrics(w, w.db.conn(), team).await;
    assert_eq!(*via_sheet, fresh, "cached metrics are stale after {step}");
    via_sheet
}

#[tokio::test]
async fn cached_metrics_follow_every_change_they_depend_on() {
    let w = World::new().await;
    let cache = MetricsCache::new(1 << 20);
    let model = w.model().await;
    let team = w.create_fact_sheet("Team", "Payments").await.id;
    let deployments = |m: &Arc<Metrics>| m.deployment_frequency.deployments;
    assert_eq!(deployments(&check(&w, &cache, team, "nothing").await), 0);

    let a = artifact(&w, "a", Some("src-a")).await;
    own(&w, team, a).await;
    ingest(&w, vec![deployment("src-a", "d1", day(1), &[])]).await;
    assert_eq!(
        deployments(&check(&w, &cache, team, "a first event").await),
        1
    );

    let first = check(&w, &cache, team, "nothing new").await;
    let again = check(&w, &cache, team, "nothing new").await;
    assert!(
        Arc::ptr_eq(&first, &again),
        "a repeated read is a cache hit"
    );

    ingest(&w, vec![deployment("src-a", "d2", day(2), &[])]).await;
    assert_eq!(
        deployments(&check(&w, &cache, team, "a second event").await),
        2
    );

    let duplicate = ingest(&w, vec![deployment("src-a", "d2", day(2), &[])]).await;
    assert_eq!(duplicate.duplicates, 1);
    let after_duplicate = check(&w, &cache, team, "a duplicate").await;
    assert_eq!(deployments(&after_duplicate), 2);

    // Events of an artifact that joins the team later.
    let b = artifact(&w, "b", Some("src-b")).await;
    ingest(&w, vec![deployment("src-b", "d3", day(3), &[])]).await;
    assert_eq!(
        deployments(&check(&w, &cache, team, "another team's event").await),
        2
    );
    own(&w, team, b).await;
    assert_eq!(
        deployments(&check(&w, &cache, team, "a new member").await),
        3
    );

    // Events stored before any fact sheet has their source, linked afterwards.
    let c = artifact(&w, "c", None).await;
    own(&w, team, c).await;
    ingest(&w, vec![deployment("src-c", "d4", day(4), &[])]).await;
    assert_eq!(
        deployments(&check(&w, &cache, team, "an unlinked event").await),
        3
    );
    fact_sheets::update(
        w.db.conn(),
        &w.admin,
        &model,
        FactSheetPatch {
            id: c,
            external_ids: Some(vec![ExternalId {
                namespace: "eventSource".into(),
                value: "src-c".into(),
            }]),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        deployments(&check(&w, &cache, team, "linking a source").await),
        4
    );

    // Bands are part of the meta model: a stricter set rates the same figures differently.
    let before = check(&w, &cache, team, "nothing new").await;
    let mut strict = Bands::default();
    strict.deployment_frequency.elite_min_days_per_week = 1_000.0;
    strict.deployment_frequency.high_min_days_per_week = 1_000.0;
    strict.deployment_frequency.medium_min_days_per_month = 1_000.0;
    meta_model_versions::apply_edit(
        w.db.conn(),
        &w.admin,
        &MetaModelEdit::SetPerformanceBands(Some(strict)),
        None,
        false,
    )
    .await
    .unwrap();
    let after = check(&w, &cache, team, "new performance bands").await;
    assert_ne!(
        before.deployment_frequency.level, after.deployment_frequency.level,
        "the stricter bands rate the team lower"
    );

    // Another workspace's events change nothing here.
    let other = w.other_workspace().await;
    let tx = w.db.store.begin_write(other.workspace_id).await.unwrap();
    events::ingest(
        &*tx,
        &other,
        events::validate(vec![deployment("src-a", "d9", day(5), &[])]).unwrap(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let untouched = check(&w, &cache, team, "another workspace's event").await;
    assert!(
        Arc::ptr_eq(&after, &untouched),
        "still served from the cache"
    );

    // A hit is refused like a miss once the workspace loses the metrics feature.
    let tx = w.db.store.begin_write(w.admin.workspace_id).await.unwrap();
    let disabled = Setting {
        status: FeatureStatus::Disabled,
        quota: None,
    };
    features::set(
        &*tx,
        w.admin.workspace_id,
        Feature::Metrics,
        Some(disabled),
        "test",
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let refused = cached(&w, &cache, &w.admin, Subject::Id(team)).await;
    assert!(matches!(refused, Err(Error::FeatureDisabled { .. })));
    let sheet = domain::fact_sheets::require(w.db.conn(), &w.admin, team)
        .await
        .unwrap();
    let refused = cached(&w, &cache, &w.admin, Subject::Read(&sheet)).await;
    assert!(
        matches!(refused, Err(Error::FeatureDisabled { .. })),
        "a fact sheet already read is checked for the feature all the same"
    );
    // A fact sheet of one workspace is no subject in another.
    let foreign = cached(&w, &cache, &other, Subject::Read(&sheet)).await;
    assert!(
        matches!(foreign, Err(Error::NotFound { .. })),
        "{foreign:?}"
    );
}

/// The cached metrics of `team` over the test window ending `early` earlier, through a
/// connection of its own, with the statements that took.
async fn counted(
    w: &World,
    cache: &MetricsCache,
    team: Uuid,
    early: Duration,
) -> (Arc<Metrics>, usize) {
    let counter = StatementCounter::new();
    let db =
        w.db.store
            .tenant(w.admin.workspace_id)
            .await
            .unwrap()
            .counting(counter.clone());
    let model = meta_model_versions::current(&db, &w.admin).await.unwrap();
    let before = counter.count();
    let mut window = two_weeks();
    window.to -= early;
    let metrics = cache
        .for_fact_sheet(
            &db,
            &w.admin,
            &model,
            Subject::Id(team),
            &window,
            Needs::ALL,
            None,
        )
        .await
        .unwrap();
    let fresh = metrics::for_fact_sheet(
        w.db.conn(),
        &w.admin,
        &model.model,
        team,
        &window,
        Needs::ALL,
    )
    .await
    .unwrap();
    assert_eq!(*metrics, fresh, "window ending {early} early");
    (metrics, counter.count() - before)
}

#[tokio::test]
async fn windows_ending_within_the_same_hour_read_the_facts_and_sources_once() {
    let w = World::new().await;
    let cache = MetricsCache::new(1 << 20);
    let team = w.create_fact_sheet("Team", "Payments").await.id;
    let a = artifact(&w, "a", Some("src-a")).await;
    own(&w, team, a).await;
    // Deployments on both sides of the moments the windows below end.
    ingest(
        &w,
        vec![
            deployment("src-a", "d1", day(13), &[]),
            deployment("src-a", "d2", day(14) - Duration::minutes(30), &[]),
            deployment("src-a", "d3", day(14) - Duration::minutes(10), &[]),
        ],
    )
    .await;
    let (first, loaded) = counted(&w, &cache, team, Duration::minutes(1)).await;
    let (second, reused) = counted(&w, &cache, team, Duration::minutes(20)).await;
    assert_eq!(
        (
            first.deployment_frequency.deployments,
            second.deployment_frequency.deployments
        ),
        (3, 2),
        "each window cut to its own end"
    );
    // A new event is a new events version: the facts are read again, the team's event
    // sources (a function of the inventory) are not.
    ingest(
        &w,
        vec![deployment(
            "src-a",
            "d4",
            day(14) - Duration::minutes(40),
            &[],
        )],
    )
    .await;
    let (third, reloaded) = counted(&w, &cache, team, Duration::minutes(20)).await;
    assert_eq!(third.deployment_frequency.deployments, 3);
    assert!(
        reused < reloaded && reloaded < loaded,
        "statements: {loaded} first, {reused} within the hour, {reloaded} after an ingestion"
    );
    // Another hour is another load of the facts alone; the reload above also read what the
    // ingestion touched, once.
    let (_, earlier_hour) = counted(&w, &cache, team, Duration::minutes(61)).await;
    assert_eq!(
        earlier_hour + 1,
        reloaded,
        "a window ending in another hour"
    );
}

/// Events flowing into another team's sources leave a team's metrics and facts warm: served
/// from the cache at the cost of reading the counters and what changed, never the facts; and
/// an event into its own source, or a new member, still refreshes them at once.
#[tokio::test]
async fn events_and_changes_elsewhere_leave_a_teams_metrics_warm() {
    let w = World::new().await;
    let cache = MetricsCache::new(1 << 20);
    let team = w.create_fact_sheet("Team", "Payments").await.id;
    let other_team = w.create_fact_sheet("Team", "Search").await.id;
    let a = artifact(&w, "a", Some("src-a")).await;
    let b = artifact(&w, "b", Some("src-b")).await;
    own(&w, team, a).await;
    own(&w, other_team, b).await;
    ingest(&w, vec![deployment("src-a", "d1", day(3), &[])]).await;
    let (first, loaded) = counted(&w, &cache, team, Duration::zero()).await;

    ingest(&w, vec![deployment("src-b", "e1", day(4), &[])]).await;
    let model = w.model().await;
    fact_sheets::update(
        w.db.conn(),
        &w.admin,
        &model,
        FactSheetPatch {
            id: other_team,
            description: domain::fact_sheets::Patch::Set("edited elsewhere".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let (warm, checked) = counted(&w, &cache, team, Duration::zero()).await;
    assert!(
        Arc::ptr_eq(&first, &warm),
        "served from the cache after changes elsewhere"
    );
    assert!(
        checked < loaded,
        "statements: {loaded} to compute, {checked} to find nothing it read changed"
    );
    let (again, rechecked) = counted(&w, &cache, team, Duration::zero()).await;
    assert!(Arc::ptr_eq(&first, &again));
    assert!(rechecked <= checked, "{rechecked} after {checked}");

    ingest(&w, vec![deployment("src-a", "d2", day(5), &[])]).await;
    let (own_event, _) = counted(&w, &cache, team, Duration::zero()).await;
    assert_eq!(own_event.deployment_frequency.deployments, 2);

    let c = artifact(&w, "c", Some("src-c")).await;
    ingest(&w, vec![deployment("src-c", "f1", day(6), &[])]).await;
    let (unowned, _) = counted(&w, &cache, team, Duration::zero()).await;
    assert!(Arc::ptr_eq(&own_event, &unowned), "c is nobody's yet");
    own(&w, team, c).await;
    let (new_member, _) = counted(&w, &cache, team, Duration::zero()).await;
    assert_eq!(new_member.deployment_frequency.deployments, 3);
}

/// Ingestions, ownership changes and reads interleaved at random over three teams, through
/// two caches (two replicas) that each keep their results across writes: every answer equals
/// an uncached computation, and results are really kept across writes that did not touch them.
#[tokio::test]
async fn interleaved_writes_and_reads_always_equal_an_uncached_computation() {
    let w = World::new().await;
    let replicas = [MetricsCache::new(1 << 20), MetricsCache::new(1 << 20)];
    let mut teams = Vec::new();
    for i in 0..3 {
        teams.push(w.create_fact_sheet("Team", &format!("team {i}")).await.id);
    }
    let mut artifacts = Vec::new();
    for i in 0..6 {
        let source = format!("src-{i}");
        artifacts.push((artifact(&w, &format!("a{i}"), Some(&source)).await, source));
    }
    // Each artifact starts with the team of its index; an artifact has one owning team.
    for (i, (id, _)) in artifacts.iter().enumerate().take(3) {
        own(&w, teams[i], *id).await;
    }
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    let mut previous: Vec<Vec<Arc<Metrics>>> = Vec::new();
    let mut kept_across_writes = 0;
    for step in 0..30 {
        let what = match next(4) {
            0 => {
                let (id, _) = &artifacts[3 + next(3)];
                // Refused once the artifact has its team: nothing changes then.
                let model = w.model().await;
                let owns = NewRelation {
                    relation_type: "teamOwnsArtifact".into(),
                    from_id: teams[next(teams.len())],
                    to_id: *id,
                    ..Default::default()
                };
                let _ = relations::create(w.db.conn(), &w.admin, &model, owns).await;
                "an ownership"
            }
            kind => {
                let (_, source) = &artifacts[next(artifacts.len())];
                let id = format!("step-{step}");
                let time = day(next(14) as i64) + Duration::hours(next(24) as i64);
                let event = match kind {
                    1 => deployment(source, &id, time, &[]),
                    2 => testkit::facts::change(source, &id, time),
                    _ => testkit::facts::incident_opened(
                        source,
                        &id,
                        &id,
                        time,
                        serde_json::json!({}),
                    ),
                };
                ingest(&w, vec![event]).await;
                "an event"
            }
        };
        let mut now = Vec::new();
        for (r, cache) in replicas.iter().enumerate() {
            let mut read = Vec::new();
            for &team in &teams {
                let cached = cached(&w, cache, &w.admin, Subject::Id(team))
                    .await
                    .unwrap();
                let fresh = fresh_metrics(&w, w.db.conn(), team).await;
                assert_eq!(*cached, fresh, "{what} at step {step}, replica {r}");
                read.push(cached);
            }
            if let Some(before) = previous.get(r) {
                kept_across_writes += before
                    .iter()
                    .zip(&read)
                    .filter(|(b, n)| Arc::ptr_eq(b, n))
                    .count();
            }
            now.push(read);
        }
        previous = now;
    }
    assert!(
        kept_across_writes > 20,
        "results were kept across writes that did not touch them: {kept_across_writes}"
    );
}
