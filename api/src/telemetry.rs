//! Structured logs through `tracing`: readable locally, JSON in production so log pipelines
//! can index workspace, subject and reason fields.

mod escaped_fields;

use tracing_subscriber::{EnvFilter, fmt, prelude::*};

use self::escaped_fields::EscapedFields;

use crate::config::{Config, LogFormat};

pub fn init(config: &Config) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(default_filter(&config.log_level)));
    let registry = tracing_subscriber::registry().with(filter);
    let result = match config.log_format() {
        LogFormat::Json => registry
            .with(
                fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_current_span(false),
            )
            .try_init(),
        LogFormat::Pretty => registry
            .with(
                fmt::layer()
                    .with_target(false)
                    .compact()
                    .fmt_fields(EscapedFields),
            )
            .try_init(),
    };
    // A second init (tests) keeps the first subscriber.
    let _ = result;
}

/// Targets that say at info what only matters when debugging a start: the migrator logs each
/// migration, PostgreSQL a notice for each table the migrator finds already there.
const START_NOISE: [&str; 2] = ["sea_orm_migration", "sqlx::postgres::notice"];

/// The filter for a configured level when `RUST_LOG` is not set: [`START_NOISE`] is held back
/// to warnings unless the level asks for debug detail or names such a target itself.
fn default_filter(level: &str) -> String {
    let detailed = ["debug", "trace"]
        .iter()
        .any(|l| level.eq_ignore_ascii_case(l));
    if detailed || START_NOISE.iter().any(|t| level.contains(t)) {
        return level.to_owned();
    }
    START_NOISE.iter().fold(level.to_owned(), |filter, target| {
        format!("{filter},{target}=warn")
    })
}

#[cfg(test)]
mod tests {
    use super::default_filter;

    #[test]
    fn the_migrator_is_held_back_unless_detail_is_asked_for() {
        assert_eq!(
            default_filter("info"),
            "info,sea_orm_migration=warn,sqlx::postgres::notice=warn"
        );
        assert_eq!(default_filter("debug"), "debug");
        assert_eq!(
            default_filter("info,sea_orm_migration=info"),
            "info,sea_orm_migration=info"
        );
    }
}
