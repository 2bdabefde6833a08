//! Cached facets and totals must never be stale: after every kind of change the cached figure
//! equals a fresh computation, and it is really served from the cache while nothing changes.

use domain::{
    fact_sheets::{self, AggregateCache, FactSheetFilter, FactSheetPatch, NewFactSheet},
    meta_model_versions, relations, tags,
    versions::{self, Counter, ReadOnce},
};
use serde_json::json;

use crate::support::{World, attrs};

/// A new request's read of the inventory counter.
fn request(w: &World) -> ReadOnce {
    ReadOnce::new(Counter::Inventory, w.admin.workspace_id)
}

/// The cached figures and a fresh computation, which must agree; returns the total.
async fn check(w: &World, cache: &AggregateCache, filter: &FactSheetFilter, step: &str) -> u64 {
    let db = w.db.conn();
    let m = meta_model_versions::current(db, &w.admin).await.unwrap();
    // One request: both figures keyed by one read of the counter.
    let inventory = ReadOnce::new(Counter::Inventory, w.admin.workspace_id);
    let cached = cache
        .facets(db, &w.admin, &m, &inventory, filter)
        .await
        .unwrap();
    let fresh = fact_sheets::facets(db, &w.admin, &m.model, filter)
        .await
        .unwrap();
    assert_eq!(*cached, fresh, "facets after {step}");
    let total = cache
        .count(db, &w.admin, &m, &inventory, filter)
        .await
        .unwrap();
    let fresh_total = fact_sheets::count(db, &w.admin, &m.model, filter)
        .await
        .unwrap();
    assert_eq!(total, fresh_total, "total after {step}");
    total
}

#[tokio::test]
async fn cached_facets_and_totals_follow_every_change() {
    let w = World::new().await;
    let db = w.db.conn();
    let cache = AggregateCache::new(1 << 20);
    let filter = FactSheetFilter {
        types: Some(vec!["SoftwareArtifact".into()]),
        ..Default::default()
    };
    let facet_of = |facets: &fact_sheets::Facets, key: &str, option: &str| {
        facets
            .attributes
            .iter()
            .find(|a| a.key == key)
            .and_then(|a| a.counts.iter().find(|c| c.key == option))
            .map_or(0, |c| c.count)
    };

    assert_eq!(check(&w, &cache, &filter, "nothing").await, 0);
    let m = meta_model_versions::current(db, &w.admin).await.unwrap();
    tags::create(db, &w.admin, "pci", None, None, None)
        .await
        .unwrap();
    let artifact = |name: &str, language: &str| NewFactSheet {
        fact_sheet_type: "SoftwareArtifact".into(),
        name: name.into(),
        attributes: attrs(json!({ "language": language })),
        ..Default::default()
    };
    let a = fact_sheets::create(db, &w.admin, &m.model, artifact("a", "rust"))
        .await
        .unwrap();
    assert_eq!(check(&w, &cache, &filter, "a create").await, 1);
    let b = fact_sheets::create(db, &w.admin, &m.model, artifact("b", "go"))
        .await
        .unwrap();
    assert_eq!(check(&w, &cache, &filter, "a second create").await, 2);

    // Served from the cache while nothing changes: the version stays, the Arc is the same.
    let before = versions::current(db, Counter::Inventory, w.admin.workspace_id)
        .await
        .unwrap();
    let first = cache
        .facets(db, &w.admin, &m, &request(&w), &filter)
        .await
        .unwrap();
    let again = cache
        .facets(db, &w.admin, &m, &request(&w), &filter)
        .await
        .unwrap();
    assert!(
        std::sync::Arc::ptr_eq(&first, &again),
        "a repeated read is a cache hit"
    );
    assert_eq!(facet_of(&first, "language", "rust"), 1);

    fact_sheets::update(
        db,
        &w.admin,
        &m.model,
        FactSheetPatch {
            id: b.id,
            attributes: Some(attrs(json!({ "language": "rust" }))),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(
        versions::current(db, Counter::Inventory, w.admin.workspace_id)
            .await
            .unwrap()
            > before
    );
    check(&w, &cache, &filter, "an attribute update").await;
    let after_update = cache
        .facets(db, &w.admin, &m, &request(&w), &filter)
        .await
        .unwrap();
    assert_eq!(facet_of(&after_update, "language", "rust"), 2);

    tags::tag_fact_sheet(db, &w.admin, a.id, &["pci".into()])
        .await
        .unwrap();
    check(&w, &cache, &filter, "tagging").await;
    let tagged = cache
        .facets(db, &w.admin, &m, &request(&w), &filter)
        .await
        .unwrap();
    assert_eq!(
        tagged.tags.iter().find(|t| t.key == "pci").map(|t| t.count),
        Some(1)
    );

    let team = fact_sheets::create(
        db,
        &w.admin,
        &m.model,
        NewFactSheet {
            fact_sheet_type: "Team".into(),
            name: "team".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    relations::create(
        db,
        &w.admin,
        &m.model,
        relations::NewRelation {
            relation_type: "teamOwnsArtifact".into(),
            from_id: team.id,
            to_id: a.id,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    check(&w, &cache, &filter, "a relation").await;

    fact_sheets::archive(db, &w.admin, b.id, None)
        .await
        .unwrap();
    assert_eq!(
        check(&w, &cache, &filter, "archiving").await,
        1,
        "lists show active fact sheets by default"
    );
    fact_sheets::restore(db, &w.admin, b.id, None)
        .await
        .unwrap();
    assert_eq!(check(&w, &cache, &filter, "restoring").await, 2);

    // Another workspace's changes neither show up nor disturb this one's figures.
    let other = w.other_workspace().await;
    let other_model = meta_model_versions::current(db, &other).await.unwrap();
    fact_sheets::create(db, &other, &other_model.model, artifact("foreign", "rust"))
        .await
        .unwrap();
    let m = meta_model_versions::current(db, &w.admin).await.unwrap();
    let ours = cache
        .facets(db, &w.admin, &m, &request(&w), &filter)
        .await
        .unwrap();
    assert_eq!(facet_of(&ours, "language", "rust"), 2);
    let theirs = cache
        .facets(
            db,
            &other,
            &other_model,
            &ReadOnce::new(Counter::Inventory, other.workspace_id),
            &filter,
        )
        .await
        .unwrap();
    assert_eq!(facet_of(&theirs, "language", "rust"), 1);
    // A read of another workspace's counter (or of another counter) keys nothing.
    let err = cache
        .facets(
            db,
            &w.admin,
            &m,
            &ReadOnce::new(Counter::Inventory, other.workspace_id),
            &filter,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, domain::Error::Internal(_)), "{err:?}");
    let err = cache
        .count(
            db,
            &w.admin,
            &m,
            &ReadOnce::new(Counter::Events, w.admin.workspace_id),
            &filter,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, domain::Error::Internal(_)), "{err:?}");
}
