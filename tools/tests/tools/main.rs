//! `wayfinder-tools` end to end, on SQLite by default and on PostgreSQL when
//! `WAYFINDER_TEST_DATABASE_URL` is set. One binary to keep link time low.

mod seed;

use std::{path::Path, process::Command};

/// The `wayfinder-tools` binary run in `dir` against `database_url`, with no other Wayfinder
/// setting from the test's own environment: only what the test names reaches it.
pub(crate) fn wayfinder_tools(dir: &Path, database_url: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_wayfinder-tools"));
    command
        .current_dir(dir)
        .env_clear()
        .env("WAYFINDER_DATA_DIR", dir.join("data"))
        .env("WAYFINDER_LOG_LEVEL", "warn")
        .env("DATABASE_URL", database_url);
    command
}
