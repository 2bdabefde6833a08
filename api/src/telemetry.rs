//! Structured logs through `tracing`: readable locally, JSON in production so log pipelines
//! can index workspace, subject and reason fields.

mod escaped_fields;

use tracing_subscriber::{EnvFilter, fmt, prelude::*};

use self::escaped_fields::EscapedFields;

use crate::config::{Config, LogFormat};

pub fn init(config: &Config) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&config.log_level));
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
