//! Starting the `wayfinder` binary on a database: the migrations it applies are one line, not
//! one or two per migration.

use migration::{Migrator, MigratorTrait};
use testkit::TestDb;

use crate::cli::wayfinder;

/// Everything `wayfinder migrate` printed at the default log level.
fn migrate_output(dir: &std::path::Path, database_url: &Option<String>) -> String {
    let out = wayfinder(dir, database_url)
        .env("WAYFINDER_LOG_LEVEL", "info")
        .env_remove("RUST_LOG")
        .arg("migrate")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    text
}

/// The (applied, already) counts of the one summary line.
fn counts(output: &str) -> (usize, usize) {
    let line = output
        .lines()
        .find_map(|l| l.split_once("database migrated: ").map(|(_, rest)| rest))
        .unwrap_or_else(|| panic!("no summary line in {output}"));
    let numbers: Vec<usize> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .take(2)
        .map(|n| n.parse().unwrap())
        .collect();
    (numbers[0], numbers[1])
}

#[tokio::test]
async fn migrating_prints_one_count_line_instead_of_a_line_per_migration() {
    let db = TestDb::new().await;
    // SQLite starts from an empty file; the PostgreSQL test database is migrated already.
    let database_url = db.is_postgres().then(|| db.url.clone());
    let dir = tempfile::tempdir().unwrap();
    let total = Migrator::migrations().len();

    let first = migrate_output(dir.path(), &database_url);
    let mentions = first
        .lines()
        .filter(|l| l.to_lowercase().contains("migrat"))
        .count();
    assert!(mentions <= 2, "{mentions} lines about migrations:\n{first}");
    let (applied, already) = counts(&first);
    assert_eq!(applied + already, total, "{first}");
    if database_url.is_none() {
        assert_eq!(
            applied, total,
            "a fresh database gets every migration: {first}"
        );
    }

    let again = migrate_output(dir.path(), &database_url);
    assert_eq!(counts(&again), (0, total), "{again}");
}
