//! A write transaction reads before it writes, while other connections commit beside it: the
//! store's own writer lock does not cover every writer (another process, a plain statement on
//! the pool), and such a commit must not make the transaction fail.

use std::time::Duration;

use domain::features::{self, Edition, Feature, FeatureStatus, Setting};

use crate::support::World;

#[tokio::test]
async fn a_write_transaction_that_read_first_still_writes_after_another_connection_commits() {
    let w = World::new().await;
    let workspace_id = w.admin.workspace_id;
    let tx = w.db.store.begin_write(workspace_id).await.unwrap();
    let (edition, _) = features::effective(&*tx, &w.admin).await.unwrap();
    assert_eq!(edition, Edition::Enterprise);

    // A writer outside the store's writer lock, on a connection of its own. It commits while
    // the transaction above sits between its read and its write (on SQLite, or waits for it).
    let pool = w.db.conn().clone();
    let beside = tokio::spawn(async move {
        features::set_edition(&pool, workspace_id, Edition::Essentials).await
    });
    tokio::time::sleep(Duration::from_millis(200)).await;

    let setting = Setting {
        status: FeatureStatus::Disabled,
        quota: None,
    };
    features::set(&*tx, workspace_id, Feature::Events, Some(setting), "test")
        .await
        .expect("the write after the read goes in");
    tx.commit().await.unwrap();
    beside
        .await
        .unwrap()
        .expect("the writer beside it goes in too");

    let (edition, all) = features::effective(w.db.conn(), &w.admin).await.unwrap();
    assert_eq!(edition, Edition::Essentials);
    let events = all.iter().find(|s| s.feature == Feature::Events).unwrap();
    assert!(events.overridden);
    assert_eq!(events.status, FeatureStatus::Disabled);
}
