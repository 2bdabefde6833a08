//! Shared rate-limit counters under concurrency: two stores on one database stand for two API
//! replicas, each spending the same budget from many tasks at once.

use chrono::Utc;
use domain::{
    db::{Store, StoreOptions},
    rate_limits::{self, Budget, Spent},
};
use tokio::task::JoinSet;

use crate::support::World;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_replicas_never_lose_a_count() {
    let world = World::new().await;
    let replicas = [
        Store::connect(&world.db.url, &StoreOptions::default())
            .await
            .unwrap(),
        Store::connect(&world.db.url, &StoreOptions::default())
            .await
            .unwrap(),
    ];
    let budget = vec![Budget {
        bucket_key: "token:abc".into(),
        per_window: 25,
    }];
    // Pinned to one window so the test does not depend on the clock's minute.
    let now = Utc::now();
    let mut tasks = JoinSet::new();
    for i in 0..40 {
        let store = replicas[i % 2].clone();
        let budget = budget.clone();
        let workspace = world.admin.workspace_id;
        tasks.spawn(async move {
            let tx = store.begin_platform_write().await.unwrap();
            let spent = rate_limits::spend(&*tx, workspace, &budget, now, 60)
                .await
                .unwrap();
            tx.commit().await.unwrap();
            spent
        });
    }
    let outcomes = tasks.join_all().await;
    let allowed = outcomes.iter().filter(|s| **s == Spent::Allowed).count();
    assert_eq!(allowed, 25, "exactly the budget passes");
    assert!(outcomes.iter().all(|s| match s {
        Spent::Allowed => true,
        Spent::Exceeded {
            bucket_key,
            retry_after_seconds,
        } => bucket_key == "token:abc" && (1..=60).contains(retry_after_seconds),
    }));
    let window = rate_limits::window_start(now, 60);
    let count = rate_limits::count_request(
        world.db.conn(),
        world.admin.workspace_id,
        "token:abc",
        window,
    )
    .await
    .unwrap();
    assert_eq!(count, 41, "every request was counted once");
}

#[tokio::test]
async fn budgets_are_spent_in_order_and_old_windows_go() {
    let world = World::new().await;
    let ws = world.admin.workspace_id;
    let budgets = [
        Budget {
            bucket_key: "token:a".into(),
            per_window: 1,
        },
        Budget {
            bucket_key: "workspace".into(),
            per_window: 10,
        },
    ];
    let now = Utc::now();
    let db = world.db.conn();
    assert_eq!(
        rate_limits::spend(db, ws, &budgets, now, 60).await.unwrap(),
        Spent::Allowed
    );
    assert!(matches!(
        rate_limits::spend(db, ws, &budgets, now, 60).await.unwrap(),
        Spent::Exceeded { bucket_key, .. } if bucket_key == "token:a"
    ));
    let window = rate_limits::window_start(now, 60);
    // The token's refusal did not touch the workspace's budget: this is its second request.
    assert_eq!(
        rate_limits::count_request(db, ws, "workspace", window)
            .await
            .unwrap(),
        2
    );
    rate_limits::count_request(db, ws, "token:a", window - 600)
        .await
        .unwrap();
    assert_eq!(
        rate_limits::delete_windows_before(db, window - 60)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        rate_limits::delete_windows_before(db, window)
            .await
            .unwrap(),
        0
    );
}
