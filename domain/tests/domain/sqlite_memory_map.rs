//! SQLite reads the database file through a memory map unless the store is told otherwise:
//! every pooled connection gets the configured `mmap_size`, 0 included. Bulk work (exports and
//! imports) never maps, whatever the setting, and keeps a smaller cache.

use domain::db::{SQLITE_MMAP_CAP, Store, StoreOptions};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use uuid::Uuid;

use crate::support::World;

async fn pragma(db: &impl ConnectionTrait, name: &str) -> i64 {
    let statement = Statement::from_string(DbBackend::Sqlite, format!("PRAGMA {name}"));
    let row = db.query_one_raw(statement).await.unwrap();
    row.expect("one row").try_get_by_index(0).unwrap()
}

async fn mmap_size_of(url: &str, options: StoreOptions) -> i64 {
    let store = Store::connect(url, &options).await.unwrap();
    pragma(store.connection(), "mmap_size").await
}

#[tokio::test]
async fn every_sqlite_connection_maps_as_much_of_the_file_as_configured() {
    let w = World::new().await;
    if w.db.is_postgres() {
        return; // PostgreSQL manages its own buffers; there is no map to configure.
    }
    assert_eq!(
        mmap_size_of(&w.db.url, StoreOptions::default()).await,
        SQLITE_MMAP_CAP as i64
    );
    let off = StoreOptions {
        sqlite_mmap_bytes: 0,
        ..StoreOptions::default()
    };
    assert_eq!(mmap_size_of(&w.db.url, off).await, 0);
    let some = StoreOptions {
        sqlite_mmap_bytes: 64 << 20,
        ..StoreOptions::default()
    };
    assert_eq!(mmap_size_of(&w.db.url, some).await, 64 << 20);
}

#[tokio::test]
async fn bulk_reads_and_writes_go_around_the_map_and_the_large_cache() {
    let w = World::new().await;
    if w.db.is_postgres() {
        return;
    }
    let store = Store::connect(&w.db.url, &StoreOptions::default())
        .await
        .unwrap();
    let serving_cache = pragma(store.connection(), "cache_size").await;
    let workspace = Uuid::now_v7();

    let export = store.bulk_tenant(workspace).await.unwrap();
    assert_eq!(pragma(&export, "mmap_size").await, 0);
    let export_cache = pragma(&export, "cache_size").await;
    // A negative cache size is KiB, a positive one pages: both pools set KiB.
    assert!(
        serving_cache < export_cache && export_cache < 0,
        "bulk cache {export_cache} KiB, serving cache {serving_cache} KiB"
    );
    drop(export);

    let import = store.begin_bulk_write(workspace).await.unwrap();
    assert_eq!(pragma(&*import, "mmap_size").await, 0);
    assert_eq!(pragma(&*import, "cache_size").await, export_cache);
    drop(import);

    assert_eq!(
        pragma(store.connection(), "mmap_size").await,
        SQLITE_MMAP_CAP as i64
    );
}
