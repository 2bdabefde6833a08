//! `wayfinder-tools bench events`: loads an events dataset through the real HTTP endpoint in batch
//! mode and times the team DORA query over it. Speed is measured here, never asserted in tests.
//!
//! ```sh
//! cargo run --release -p wayfinder-tools -- bench events --events 1000000
//! DATABASE_URL=postgres://postgres@127.0.0.1:5432/wayfinder_bench cargo run --release -p wayfinder-tools -- bench events
//! ```

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use anyhow::{Context, bail};
use chrono::{Duration as Span, Utc};
use clap::Args;
use domain::{Principal, Role, fact_sheets, meta_model_versions, workspaces};
use serde_json::Value;

use api::{
    bootstrap::{jwt_keys, open_store, redact},
    config::Config,
};

use super::{client::Api, in_process::InProcess, team_metrics};
use crate::dataset::{events::EventStream, measured_team, write};

#[derive(Args)]
pub struct EventsArgs {
    /// Events to ingest, spread over `--days` days.
    #[arg(long, default_value_t = 1_000_000)]
    events: u64,
    /// Software artifacts in the workspace (events are spread over all of them).
    #[arg(long, default_value_t = 500)]
    artifacts: usize,
    /// Artifacts owned by the measured team.
    #[arg(long, default_value_t = 50)]
    team_artifacts: usize,
    /// Days of history the events are spread over, ending now.
    #[arg(long, default_value_t = 365)]
    days: i64,
    /// Events per request (CloudEvents batch mode).
    #[arg(long, default_value_t = 500)]
    batch: usize,
    /// Concurrent ingesting clients. Each batch is one transaction whose work runs in order,
    /// so it takes several clients to keep every core busy, as the senders of a busy
    /// enterprise do.
    #[arg(long, default_value_t = 8)]
    clients: usize,
    /// Team metrics queries to time (90-day window, weekly buckets).
    #[arg(long, default_value_t = 100)]
    queries: usize,
    /// Reuse a workspace loaded by an earlier run: skip seeding and ingestion, time queries only.
    #[arg(long)]
    workspace: Option<String>,
}

pub async fn run(mut config: Config, args: EventsArgs) -> anyhow::Result<()> {
    api::telemetry::init(&config);
    // The benchmark is the only client of its own in-process server and means to saturate it;
    // the default per-token budget (600 requests a minute) would refuse it within seconds.
    config.rate_limit_per_token_per_minute = 0;
    config.rate_limit_per_workspace_per_minute = 0;
    if args.team_artifacts > args.artifacts || args.batch == 0 || args.clients == 0 {
        bail!(
            "--team-artifacts must not exceed --artifacts; --batch and --clients must be positive"
        );
    }
    let store = open_store(&config).await?;
    let keys = jwt_keys(&config)?;
    let slug = args
        .workspace
        .clone()
        .unwrap_or_else(|| format!("bench-{}", Utc::now().timestamp()));
    let backend = if config.database_url().starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    eprintln!(
        "database: {} ({backend}); workspace `{slug}`",
        redact(&config.database_url())
    );

    let (team, sources) = match &args.workspace {
        Some(slug) => (find_team(&store, slug).await?, Vec::new()),
        None => seed_inventory(&store, &slug, &args).await?,
    };
    let server = InProcess::start(&config, &store, keys).await?;
    let api = server.client(&slug, Role::Member, args.clients)?;

    let rate = if args.workspace.is_some() {
        f64::NAN
    } else {
        ingest(&api, &sources, &args).await?
    };
    // As after any bulk load, so the queries are timed with the plans a database with
    // autovacuum on would pick (the events went in faster than it would have caught up).
    eprintln!("updating planner statistics (ANALYZE, with VACUUM on PostgreSQL)");
    store.refresh_statistics().await?;
    let cold = team_queries(&api, &team, args.queries, Windows::Cold).await?;
    let sliding = team_queries(&api, &team, args.queries, Windows::Sliding).await?;
    let warm = team_queries(&api, &team, args.queries, Windows::Same).await?;
    server.stop().await;

    println!("\nWayfinder events benchmark ({backend})");
    println!(
        "  dataset          {} events over {} days, {} artifacts, team of {}",
        args.events, args.days, args.artifacts, args.team_artifacts
    );
    println!(
        "  ingestion        {rate:.0} events/s (batches of {}, {} clients, over HTTP)",
        args.batch, args.clients
    );
    for (label, latencies) in [
        ("cold (computed)", &cold),
        ("sliding (facts cached)", &sliding),
        ("warm (cached)", &warm),
    ] {
        let p = |q: f64| percentile(latencies, q);
        println!(
            "  team DORA query, {label:<22}  p50 {:.1} ms  p95 {:.1} ms  p99 {:.1} ms  ({} queries, 90-day window, weekly buckets)",
            p(0.5),
            p(0.95),
            p(0.99),
            latencies.len()
        );
    }
    Ok(())
}

async fn find_team(store: &domain::db::Store, slug: &str) -> anyhow::Result<String> {
    let ws = workspaces::find_by_slug(store.connection(), slug)
        .await?
        .with_context(|| format!("no workspace `{slug}`"))?;
    let reader = Principal {
        workspace_id: ws.id,
        workspace_slug: ws.slug,
        subject: "bench".into(),
        role: Role::Viewer,
    };
    let db = store.tenant(ws.id).await?;
    let model = meta_model_versions::current(&db, &reader).await?.model;
    let filter = fact_sheets::FactSheetFilter {
        types: Some(vec!["Team".into()]),
        ..Default::default()
    };
    let page = fact_sheets::list(
        &db,
        &reader,
        &model,
        &filter,
        Default::default(),
        Some(1),
        None,
    )
    .await?;
    let (_, team) = page
        .items
        .into_iter()
        .next()
        .context("the workspace has no team")?;
    Ok(team.id.to_string())
}

/// A new workspace `slug` with the measured team and its artifacts; returns the team's id and
/// the artifacts' event sources.
async fn seed_inventory(
    store: &domain::db::Store,
    slug: &str,
    args: &EventsArgs,
) -> anyhow::Result<(String, Vec<String>)> {
    let (admin, model) = write::create_workspace(store, slug, "bench").await?;
    let graph = measured_team(args.artifacts, args.team_artifacts);
    let team = graph.fact_sheets[0].id.to_string();
    let sources = graph.event_sources();
    write::import(store, &admin, &model, graph, &mut |_, _| {}).await?;
    eprintln!(
        "inventory: {} artifacts, team owns {}",
        args.artifacts, args.team_artifacts
    );
    Ok((team, sources))
}

async fn ingest(api: &Api, sources: &[String], args: &EventsArgs) -> anyhow::Result<f64> {
    let sources = Arc::new(sources.to_vec());
    let next = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..args.clients {
        let (api, sources, next, done) = (api.clone(), sources.clone(), next.clone(), done.clone());
        let (total, batch, days, end) = (args.events, args.batch as u64, args.days, Utc::now());
        workers.push(tokio::spawn(async move {
            loop {
                let from = next.fetch_add(batch, Ordering::SeqCst);
                if from >= total {
                    return Ok::<_, anyhow::Error>(());
                }
                let stream = EventStream {
                    sources: &sources,
                    total,
                    days,
                    end,
                };
                let body: Vec<Value> = (from..(from + batch).min(total))
                    .map(|n| stream.event(n))
                    .collect();
                api.ingest(&body).await?;
                done.fetch_add(body.len() as u64, Ordering::SeqCst);
            }
        }));
    }
    let progress = {
        let done = done.clone();
        let total = args.events;
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(2)).await;
                let n = done.load(Ordering::SeqCst);
                eprintln!(
                    "ingested {n}/{total} ({:.0}%, {:.0} events/s)",
                    100.0 * n as f64 / total as f64,
                    n as f64 / started.elapsed().as_secs_f64()
                );
            }
        })
    };
    for w in workers {
        w.await.context("an ingestion client panicked")??;
    }
    progress.abort();
    Ok(args.events as f64 / started.elapsed().as_secs_f64())
}

/// The windows a run of team queries asks for, each 90 days long.
#[derive(Clone, Copy)]
enum Windows {
    /// Each an hour earlier than the last: each one misses the metrics cache and the facts
    /// cache alike, so it reads the stored facts and computes.
    Cold,
    /// Each ending a second earlier, as a dashboard of "the last 90 days" reloaded: each misses
    /// the metrics cache and computes from the facts the first one loaded.
    Sliding,
    /// One window again and again, as a dashboard reopened between two ingestions.
    Same,
}

async fn team_queries(
    api: &Api,
    team: &str,
    count: usize,
    windows: Windows,
) -> anyhow::Result<Vec<f64>> {
    let end = Utc::now();
    let mut latencies = Vec::with_capacity(count);
    for i in 0..count {
        let to = match windows {
            Windows::Cold => end - Span::hours(i as i64) - Span::seconds(1),
            Windows::Sliding => end - Span::seconds(i as i64),
            Windows::Same => end,
        };
        let variables = team_metrics::variables(team, to);
        let started = Instant::now();
        let answer = api.graphql(team_metrics::QUERY, &variables).await?;
        latencies.push(started.elapsed().as_secs_f64() * 1000.0);
        if i == 0 {
            let data = answer.data()?;
            let deployments = &data["factSheet"]["metrics"]["deploymentFrequency"]["deployments"];
            eprintln!("team metrics: {deployments} deployments in the last 90 days");
        }
    }
    Ok(latencies)
}

/// The `q` quantile of `values`, interpolated between the two nearest ranks.
pub(super) fn percentile(values: &[f64], q: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(|a, b| a.total_cmp(b));
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (rank.floor() as usize, rank.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo as f64)
}
