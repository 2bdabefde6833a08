//! `wayfinder-tools bench aggregate`: the two report questions of `factSheetAggregate` over
//! HTTP against a seeded workspace, as a report builder asks them:
//!
//! - the team × lifecycle phase count matrix of all software artifacts;
//! - the monthly cost per team along team → artifact → cloud resource, most expensive first.
//!
//! ```sh
//! cargo run --release -p wayfinder-tools -- seed --workspace big --scale max
//! cargo run --release -p wayfinder-tools -- bench aggregate --workspace big
//! ```

use std::time::Instant;

use anyhow::{Context, bail};
use chrono::Utc;
use clap::Args;
use domain::{Role, workspaces};
use serde_json::json;

use api::{
    bootstrap::{jwt_keys, open_store, redact},
    config::Config,
};

use super::{events::percentile, in_process::InProcess};
use crate::{dataset::Scale, seed::seed_inventory};

#[derive(Args)]
pub struct AggregateArgs {
    /// A workspace seeded earlier (`seed --workspace W --scale max`); without it, a new one is
    /// seeded at `--scale` first.
    #[arg(long)]
    workspace: Option<String>,
    /// Size of the workspace seeded when no `--workspace` is given: `average`, `max` or a
    /// number of fact sheets.
    #[arg(long, default_value = "average")]
    scale: Scale,
    /// Timed requests of each question.
    #[arg(long, default_value_t = 100)]
    queries: usize,
}

const TEAM_BY_LIFECYCLE: &str = r#"{ factSheetAggregate(filter: {types: ["SoftwareArtifact"]},
  groupBy: [{path: [{type: "teamOwnsArtifact", direction: INCOMING}]}, {attribute: "lifecycle"}],
  measures: [], limit: 1000) { groupCount groups { keys { key label } count } } }"#;

const COST_PER_TEAM: &str = r#"{ factSheetAggregate(filter: {types: ["SoftwareArtifact"]},
  groupBy: [{path: [{type: "teamOwnsArtifact", direction: INCOMING}]}],
  measures: [{function: SUM, attribute: "monthlyCost", path: [{type: "artifactRunsOn"}]}],
  sort: {measure: 0}, limit: 1000) { groupCount groups { keys { key label } count values } } }"#;

pub async fn run(mut config: Config, args: AggregateArgs) -> anyhow::Result<()> {
    api::telemetry::init(&config);
    // The only client of its own server.
    config.rate_limit_per_token_per_minute = 0;
    config.rate_limit_per_workspace_per_minute = 0;
    if args.queries == 0 {
        bail!("--queries must be positive");
    }
    let store = open_store(&config).await?;
    let keys = jwt_keys(&config)?;
    let backend = if config.database_url().starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let slug = match &args.workspace {
        Some(slug) => slug.clone(),
        None => {
            let slug = format!("bench-aggregate-{}", Utc::now().timestamp());
            seed_inventory(&store, &slug, args.scale, 42, 0).await?;
            slug
        }
    };
    // Also for a workspace seeded earlier: bulk writes since then (an import into another
    // workspace) leave the planner's figures stale until autovacuum runs, which may be off.
    // Stale figures took the cost question from ~150-185 to ~280 ms p50 in one measurement;
    // the timings should not depend on when autovacuum last ran.
    eprintln!("updating planner statistics (ANALYZE, with VACUUM on PostgreSQL)");
    store.refresh_statistics().await?;
    eprintln!(
        "database: {} ({backend}); workspace `{slug}`",
        redact(&config.database_url())
    );
    workspaces::find_by_slug(store.connection(), &slug)
        .await?
        .with_context(|| format!("no workspace `{slug}`"))?;
    let server = InProcess::start(&config, &store, keys).await?;
    // Reading is all the questions need.
    let api = server.client(&slug, Role::Viewer, 1)?;

    for (name, query) in [
        ("team × lifecycle count matrix", TEAM_BY_LIFECYCLE),
        (
            "monthly cost per team (team → artifact → cloud resource)",
            COST_PER_TEAM,
        ),
    ] {
        let first = api.graphql(query, &json!({})).await?.data()?;
        let answer = &first["factSheetAggregate"];
        let groups = answer["groups"].as_array().map_or(0, Vec::len);
        let with_values = answer["groups"].as_array().map_or(0, |g| {
            g.iter().filter(|g| !g["values"][0].is_null()).count()
        });
        let mut ms = Vec::with_capacity(args.queries);
        for _ in 0..args.queries {
            let started = Instant::now();
            api.graphql(query, &json!({})).await?.data()?;
            ms.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        println!(
            "{name}: {} groups ({groups} returned, {with_values} with a value); p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms over {} requests",
            answer["groupCount"],
            percentile(&ms, 0.50),
            percentile(&ms, 0.95),
            percentile(&ms, 0.99),
            args.queries
        );
    }
    server.stop().await;
    Ok(())
}
