//! Workspace features: editions, overrides, a disabled feature refused with its id, quotas that
//! hold exactly and leave nothing behind when they refuse.

use chrono::Utc;
use domain::{
    Error, events,
    fact_sheets::{self, NewFactSheet},
    features::{self, Edition, Feature, FeatureStatus, Setting},
    metrics::{BucketSize, MetricWindow},
};
use testkit::facts;

use crate::support::World;

async fn override_feature(w: &World, feature: Feature, status: FeatureStatus, quota: Option<i64>) {
    let tx = w.db.store.begin_write(w.admin.workspace_id).await.unwrap();
    features::set(
        &*tx,
        w.admin.workspace_id,
        feature,
        Some(Setting { status, quota }),
        "test",
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

/// The seven days up to now, in one weekly bucket.
fn last_week() -> MetricWindow {
    MetricWindow::new(
        Utc::now() - chrono::Duration::days(7),
        Utc::now(),
        BucketSize::Week,
        chrono_tz::UTC,
    )
    .unwrap()
}

async fn ingest(w: &World, ids: &[&str]) -> Result<events::IngestResult, Error> {
    let tx = w.db.store.begin_write(w.admin.workspace_id).await.unwrap();
    let valid = events::validate(
        ids.iter()
            .map(|id| facts::change("svc", id, Utc::now()))
            .collect(),
    )
    .unwrap();
    let result = events::ingest(&*tx, &w.admin, valid).await?;
    tx.commit().await.unwrap();
    Ok(result)
}

#[tokio::test]
async fn a_new_workspace_is_enterprise_and_overrides_and_editions_change_what_applies() {
    let w = World::new().await;
    let (edition, all) = features::effective(w.db.conn(), &w.admin).await.unwrap();
    assert_eq!(edition, Edition::Enterprise);
    assert!(
        all.iter()
            .all(|s| s.status == FeatureStatus::Enabled && s.quota.is_none())
    );

    features::set_edition(w.db.conn(), w.admin.workspace_id, Edition::Essentials)
        .await
        .unwrap();
    override_feature(&w, Feature::Metrics, FeatureStatus::Enabled, None).await;
    let (edition, all) = features::effective(w.db.conn(), &w.admin).await.unwrap();
    let get = |f: Feature| all.iter().find(|s| s.feature == f).unwrap().clone();
    assert_eq!(edition, Edition::Essentials);
    assert_eq!(get(Feature::Events).status, FeatureStatus::Disabled);
    assert_eq!(get(Feature::FactSheets).quota, Some(1_000));
    assert_eq!(get(Feature::FactSheets).used, Some(0));
    assert!(get(Feature::Metrics).overridden);
    assert_eq!(get(Feature::Metrics).status, FeatureStatus::Enabled);

    // Admins only read them.
    let member = w.as_role(domain::Role::Member);
    assert!(matches!(
        features::effective(w.db.conn(), &member).await,
        Err(Error::Forbidden { .. })
    ));
    // A quota on a feature without one is refused, naming the field.
    let refused = features::set(
        w.db.conn(),
        w.admin.workspace_id,
        Feature::Metrics,
        Some(Setting {
            status: FeatureStatus::Enabled,
            quota: Some(3),
        }),
        "test",
    )
    .await;
    assert!(matches!(refused, Err(Error::Invalid(f)) if f[0].path == "quota"));
}

#[tokio::test]
async fn disabled_features_are_refused_with_their_id() {
    let w = World::new().await;
    override_feature(&w, Feature::Events, FeatureStatus::Disabled, None).await;
    match ingest(&w, &["c1"]).await {
        Err(Error::FeatureDisabled { feature }) => assert_eq!(feature, "events.ingestion"),
        other => panic!("expected FeatureDisabled, got {other:?}"),
    }
    assert_eq!(
        w.stored_events().await,
        0,
        "nothing of a refused request is stored"
    );

    override_feature(&w, Feature::Metrics, FeatureStatus::Disabled, None).await;
    let model = w.model().await;
    let fs = w.create_fact_sheet("Team", "Payments").await;
    let window = last_week();
    let refused = domain::metrics::for_fact_sheet(
        w.db.conn(),
        &w.admin,
        &model,
        fs.id,
        &window,
        domain::metrics::Needs::ALL,
    )
    .await;
    assert!(
        matches!(refused, Err(Error::FeatureDisabled { feature }) if feature == "metrics.dora")
    );
}

#[tokio::test]
async fn quotas_hold_exactly_and_a_refusal_leaves_nothing_behind() {
    let w = World::new().await;
    let model = w.model().await;
    override_feature(&w, Feature::FactSheets, FeatureStatus::Enabled, Some(2)).await;
    let create = |name: &'static str| {
        let (db, admin, model) = (w.db.conn(), w.admin.clone(), model.clone());
        async move {
            fact_sheets::create(
                db,
                &admin,
                &model,
                NewFactSheet {
                    fact_sheet_type: "Team".into(),
                    name: name.into(),
                    ..Default::default()
                },
            )
            .await
        }
    };
    create("one").await.unwrap();
    create("two").await.unwrap();
    assert!(matches!(
        create("three").await,
        Err(Error::QuotaExhausted { feature, quota: 2 }) if feature == "inventory.factSheets"
    ));
    assert_eq!(w.fact_sheet_count().await, 2);

    override_feature(&w, Feature::Events, FeatureStatus::Enabled, Some(3)).await;
    assert_eq!(ingest(&w, &["a", "b"]).await.unwrap().accepted, 2);
    // Duplicates are free: resending costs nothing.
    assert_eq!(ingest(&w, &["a", "b"]).await.unwrap().accepted, 0);
    assert!(matches!(
        ingest(&w, &["c", "d"]).await,
        Err(Error::QuotaExhausted { quota: 3, .. })
    ));
    assert_eq!(
        w.stored_events().await,
        2,
        "the refused batch stored nothing"
    );
    assert_eq!(
        ingest(&w, &["c"]).await.unwrap().accepted,
        1,
        "the refusal did not count"
    );
    let (_, all) = features::effective(w.db.conn(), &w.admin).await.unwrap();
    let events = all.iter().find(|s| s.feature == Feature::Events).unwrap();
    assert_eq!(events.used, Some(3));
}

/// A request's metrics gate is read with its meta model, in that one statement: a metrics read
/// then checks the feature without a statement of its own, and still refuses when the feature
/// is off, as when it reads the setting itself.
#[tokio::test]
async fn the_metrics_gate_comes_with_the_meta_model() {
    use domain::{
        db::StatementCounter,
        features::GateOnce,
        meta_model_versions::MetaModelCache,
        metrics::{MetricsCache, RequestReads, Subject},
        versions::{Counter, ReadOnce},
    };

    let w = World::new().await;
    let ws = w.admin.workspace_id;
    let team = w.create_fact_sheet("Team", "Payments").await;
    let window = last_week();
    let models = MetaModelCache::default();
    let metrics = MetricsCache::new(1 << 20);
    // One request: its first statement, then its metrics read, counted apart.
    let request = async || {
        let counter = StatementCounter::new();
        let db =
            w.db.store
                .tenant(ws)
                .await
                .unwrap()
                .counting(counter.clone());
        let (inventory, events) = (
            ReadOnce::new(Counter::Inventory, ws),
            ReadOnce::new(Counter::Events, ws),
        );
        let gate = GateOnce::new(Feature::Metrics, ws);
        let model = models
            .current(&db, &w.admin, &[&inventory, &events], &[&gate])
            .await
            .unwrap();
        let first = counter.count();
        let read = metrics
            .for_fact_sheet(
                &db,
                &w.admin,
                &model,
                Subject::Id(team.id),
                &window,
                domain::metrics::Needs::ALL,
                Some(RequestReads {
                    inventory: &inventory,
                    events: &events,
                    metrics: &gate,
                }),
            )
            .await;
        (read.map(|_| ()), first, counter.count() - first)
    };
    // The first request reads the model's document too, and computes the metrics.
    let (cold, ..) = request().await;
    cold.unwrap();
    let (warm, first, metrics_read) = request().await;
    warm.unwrap();
    assert_eq!(first, 1, "the model's version, the counters and the gate");
    // Without the gate in the first statement, the feature costs a statement here.
    assert_eq!(metrics_read, 1, "only the fact sheet is read");

    override_feature(&w, Feature::Metrics, FeatureStatus::Disabled, None).await;
    let (refused, ..) = request().await;
    assert!(
        matches!(refused, Err(Error::FeatureDisabled { ref feature }) if feature == "metrics.dora"),
        "{refused:?}"
    );
}
