//! SQLite reads the database file through a memory map unless the store is told otherwise:
//! every pooled connection gets the configured `mmap_size`, 0 included.

use domain::db::{SQLITE_MMAP_CAP, Store, StoreOptions};
use sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::support::World;

async fn mmap_size_of(url: &str, options: StoreOptions) -> i64 {
    let store = Store::connect(url, &options).await.unwrap();
    let statement = Statement::from_string(DbBackend::Sqlite, "PRAGMA mmap_size");
    let row = store.connection().query_one_raw(statement).await.unwrap();
    row.expect("one row").try_get_by_index(0).unwrap()
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
