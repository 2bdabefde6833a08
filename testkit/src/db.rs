//! A fresh, migrated database for each test.
//!
//! With `WAYFINDER_TEST_DATABASE_URL` unset, each test gets its own SQLite file in a temporary
//! directory (the embedded default). Set it to a PostgreSQL server URL
//! (`postgres://postgres@127.0.0.1:5432/test`) and each test gets its own freshly created
//! database on that server instead, dropped again when the test ends, pass or fail.

use domain::db::{Store, StoreOptions};
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};

pub const DATABASE_URL_VAR: &str = "WAYFINDER_TEST_DATABASE_URL";

pub struct TestDb {
    pub store: Store,
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { server_url: String, name: String },
}

impl TestDb {
    /// A fresh database, migrated to the latest schema.
    pub async fn new() -> Self {
        let (url, cleanup) = match std::env::var(DATABASE_URL_VAR) {
            Ok(server_url) if server_url.starts_with("postgres") => {
                let name = format!("wf_test_{}", uuid::Uuid::now_v7().simple());
                let admin = Database::connect(&server_url)
                    .await
                    .expect("connect to the PostgreSQL test server");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("create test database");
                admin.close().await.ok();
                (
                    replace_database(&server_url, &name),
                    Cleanup::Postgres { server_url, name },
                )
            }
            _ => {
                let dir = tempfile::tempdir().expect("temporary directory");
                let url = format!(
                    "sqlite://{}?mode=rwc",
                    dir.path().join("wayfinder.db").display()
                );
                (url, Cleanup::Sqlite(dir))
            }
        };
        let store = Store::connect(
            &url,
            &StoreOptions {
                max_connections: 8,
                ..StoreOptions::default()
            },
        )
        .await
        .expect("connect to the test database");
        Migrator::up(store.connection(), None)
            .await
            .expect("migrate the test database");
        Self {
            store,
            url,
            cleanup,
        }
    }

    pub fn conn(&self) -> &DatabaseConnection {
        self.store.connection()
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self.cleanup, Cleanup::Postgres { .. })
    }
}

fn replace_database(server_url: &str, name: &str) -> String {
    let (base, query) = match server_url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (server_url, String::new()),
    };
    let prefix = base.rsplit_once('/').map(|(p, _)| p).unwrap_or(base);
    format!("{prefix}/{name}{query}")
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Cleanup::Postgres { server_url, name } = &self.cleanup {
            let (server_url, name) = (server_url.clone(), name.clone());
            // Drop runs inside the test's runtime, which may be shutting down: use a fresh one.
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .ok()?;
                runtime.block_on(async {
                    let admin = Database::connect(&server_url).await.ok()?;
                    admin
                        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await
                        .ok()?;
                    admin.close().await.ok()
                })
            })
            .join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::replace_database;

    #[test]
    fn the_database_name_is_replaced_and_options_kept() {
        assert_eq!(
            replace_database("postgres://u@h:5432/test", "x"),
            "postgres://u@h:5432/x"
        );
        assert_eq!(
            replace_database("postgres://u@h/test?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
    }
}
