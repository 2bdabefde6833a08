//! The per-workspace counters that key the in-process caches.

use domain::versions::{self, Both, Counter, Touched};

use crate::support::World;

#[tokio::test]
async fn both_counters_are_read_together_and_per_workspace() {
    let w = World::new().await;
    let other = w.other_workspace().await;
    let db = w.db.conn();
    let ws = w.admin.workspace_id;
    // A fresh workspace has raised nothing yet beyond what creating it recorded.
    let start = versions::both(db, ws).await.unwrap();
    assert_eq!(
        start.inventory,
        versions::current(db, Counter::Inventory, ws).await.unwrap()
    );
    assert_eq!(start.events, 0);

    versions::raise(db, Counter::Events, ws, Touched::Everything)
        .await
        .unwrap();
    versions::raise(db, Counter::Events, ws, Touched::Everything)
        .await
        .unwrap();
    versions::raise(db, Counter::Inventory, ws, Touched::Everything)
        .await
        .unwrap();
    assert_eq!(
        versions::both(db, ws).await.unwrap(),
        Both {
            inventory: start.inventory + 1,
            events: 2
        }
    );
    let others = versions::both(db, other.workspace_id).await.unwrap();
    assert_eq!(others.events, 0, "another workspace's counters do not move");
}

/// One request reads a counter once: a raise after its first read is not seen by it (its
/// figures were keyed before they were computed), and the next request sees it.
#[tokio::test]
async fn a_counter_is_read_once_per_request() {
    let w = World::new().await;
    let db = w.db.conn();
    let ws = w.admin.workspace_id;
    let request = versions::ReadOnce::new(Counter::Inventory, ws);
    let first = request.get(db).await.unwrap();
    assert_eq!(
        first,
        versions::current(db, Counter::Inventory, ws).await.unwrap()
    );
    versions::raise(db, Counter::Inventory, ws, Touched::Everything)
        .await
        .unwrap();
    assert_eq!(request.get(db).await.unwrap(), first, "read once");
    let next = versions::ReadOnce::new(Counter::Inventory, ws);
    assert_eq!(next.get(db).await.unwrap(), first + 1);
    let events = versions::ReadOnce::new(Counter::Events, ws);
    assert_eq!(events.get(db).await.unwrap(), 0, "each counter on its own");
}

/// Reading the meta model through the shared cache reads the request's unread counters in the
/// same statement: later reads of the request take those values, even after a change, and a
/// counter of another workspace is left to be read on its own.
#[tokio::test]
async fn the_meta_model_read_brings_the_requests_counters() {
    use domain::{
        fact_sheets::{self, NewFactSheet},
        meta_model_versions::MetaModelCache,
        versions::ReadOnce,
    };

    let w = World::new().await;
    let other = w.other_workspace().await;
    let db = w.db.conn();
    let ws = w.admin.workspace_id;
    let cache = MetaModelCache::default();
    let ours = ReadOnce::new(Counter::Inventory, ws);
    let theirs = ReadOnce::new(Counter::Inventory, other.workspace_id);
    let events = ReadOnce::new(Counter::Events, ws);
    let model = cache
        .current(db, &w.admin, &[&ours, &events], &[])
        .await
        .unwrap();
    let events_read = versions::current(db, Counter::Events, ws).await.unwrap();
    cache.current(db, &w.admin, &[&theirs], &[]).await.unwrap();
    let read = versions::current(db, Counter::Inventory, ws).await.unwrap();

    fact_sheets::create(
        db,
        &w.admin,
        &model.model,
        NewFactSheet {
            fact_sheet_type: "Team".into(),
            name: "a change".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let now = versions::current(db, Counter::Inventory, ws).await.unwrap();
    assert!(now > read, "the change raised the counter");
    let event = testkit::facts::change("svc", "c1", testkit::facts::day(1));
    domain::events::ingest(db, &w.admin, domain::events::validate(vec![event]).unwrap())
        .await
        .unwrap();
    assert!(versions::current(db, Counter::Events, ws).await.unwrap() > events_read);
    assert_eq!(
        events.get(db).await.unwrap(),
        events_read,
        "the events counter too"
    );
    assert_eq!(
        ours.get(db).await.unwrap(),
        read,
        "taken at the meta model read"
    );
    let other_now = versions::current(db, Counter::Inventory, other.workspace_id)
        .await
        .unwrap();
    assert_eq!(theirs.get(db).await.unwrap(), other_now, "read on its own");
}
