//! `wayfinder-tools seed`: a realistic workspace for demos and benchmarks, written through the
//! domain's bulk import (validated like any write), each software artifact's SBOM components
//! (`--components`, written in bulk, then Log4Shell imported as a shared advisory so some are
//! matched) and, with `--events`, a year of events through the domain's ingestion. Shows
//! progress as it goes.
//!
//! ```sh
//! wayfinder-tools seed --workspace big --scale max --events 1000000
//! ```

use std::{sync::Arc, time::Instant};

use anyhow::{Context, bail};
use chrono::Utc;
use clap::Args;
use domain::{
    Principal,
    db::Store,
    events::{self, IncomingEvent},
};
use futures::StreamExt;
use serde_json::Value;

use api::{bootstrap::open_store, config::Config};

use crate::dataset::{Scale, events::EventStream, generate, write};

#[derive(Args)]
pub struct SeedArgs {
    /// The workspace to create and fill (it must not exist yet).
    #[arg(long)]
    workspace: String,
    /// `average` (~6,700 fact sheets), `max` (~70,000 fact sheets, ~215,000 relations) or a
    /// number of fact sheets.
    #[arg(long, default_value = "average")]
    scale: Scale,
    /// Events to add, spread over the last year across the software artifacts.
    #[arg(long, default_value_t = 0)]
    events: u64,
    /// Components per software artifact (±10 %), drawn from real Maven, npm and PyPI packages;
    /// a few percent of artifacts run a log4j-core version Log4Shell affects, and Log4Shell is
    /// imported as a shared advisory afterwards. 0 seeds no components.
    #[arg(long, default_value_t = 150)]
    components: usize,
    /// Random seed: the same seed and scale give the same graph.
    #[arg(long, default_value_t = 42)]
    seed: u64,
}

const EVENTS_PER_STEP: u64 = 5_000;

pub async fn run(config: Config, args: SeedArgs) -> anyhow::Result<()> {
    api::telemetry::init(&config);
    let store = open_store(&config).await?;
    let started = Instant::now();
    let (admin, sources) = seed_inventory(
        &store,
        &args.workspace,
        args.scale,
        args.seed,
        args.components,
    )
    .await?;
    if args.events > 0 {
        if sources.is_empty() {
            bail!("the graph has no software artifacts to send events for");
        }
        seed_events(&store, &admin, &sources, args.events).await?;
    }
    // Planner statistics: right after a bulk load they still describe empty tables, and
    // PostgreSQL then picks plans for a handful of rows (sorts spilling to disk, nested loops)
    // until autovacuum catches up.
    eprintln!("updating planner statistics (ANALYZE, with VACUUM on PostgreSQL)");
    store.refresh_statistics().await?;
    println!(
        "seeded workspace {} in {:.1} s",
        admin.workspace_slug,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Creates workspace `slug` (it must not exist yet) with the graph of `scale` and, unless
/// `components` is 0, about that many components per software artifact, then Log4Shell matched
/// against them. Returns an admin of the workspace and the artifacts' event sources.
pub async fn seed_inventory(
    store: &Store,
    slug: &str,
    scale: Scale,
    seed: u64,
    components: usize,
) -> anyhow::Result<(Principal, Vec<String>)> {
    let started = Instant::now();
    let (admin, model) = write::create_workspace(store, slug, "seed").await?;
    let graph = generate(&model, scale, seed);
    eprintln!(
        "seeding `{}`: {} fact sheets, {} relations",
        admin.workspace_slug,
        graph.fact_sheets.len(),
        graph.relations.len()
    );
    let sources = graph.event_sources();
    let artifacts = graph.software_artifacts();
    write::import(store, &admin, &model, graph, &mut import_progress()).await?;
    eprintln!("inventory done in {:.1} s", started.elapsed().as_secs_f64());
    if components > 0 && !artifacts.is_empty() {
        seed_components(store, &admin, &artifacts, components, seed).await?;
    }
    Ok((admin, sources))
}

/// Prints the import's progress every 10 % of its rows, with the seconds since it started.
fn import_progress() -> impl FnMut(usize, usize) + Send {
    let started = Instant::now();
    let mut shown = 0;
    move |written: usize, total: usize| {
        let percent = 100 * written / total.max(1);
        if percent >= shown + 10 || written == total {
            shown = percent;
            eprintln!(
                "  rows {written}/{total} ({percent}%, {:.1} s)",
                started.elapsed().as_secs_f64()
            );
        }
    }
}

/// Components for every artifact, then Log4Shell matched against them.
async fn seed_components(
    store: &Store,
    admin: &Principal,
    artifacts: &[uuid::Uuid],
    per_artifact: usize,
    seed: u64,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut shown = 0;
    let mut progress = |written: u64, done: usize, total: usize| {
        let percent = 100 * done / total.max(1);
        if percent >= shown + 10 || done == total {
            shown = percent;
            eprintln!(
                "  components {written} for {done}/{total} artifacts ({percent}%, {:.1} s)",
                started.elapsed().as_secs_f64()
            );
        }
    };
    write::components(store, admin, artifacts, per_artifact, seed, &mut progress).await?;
    let matched = write::log4shell(store).await?;
    eprintln!(
        "  Log4Shell imported as a shared advisory: {} matches opened ({:.1} s)",
        matched.opened,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Writes the stream in steps of [`EVENTS_PER_STEP`], several at once: each step is one
/// transaction, and while PostgreSQL stores one the others are generated and validated.
/// Written one after the other, the steps reached under half of what the same database takes
/// over HTTP from 8 clients (BENCHMARKS.md). The events are independent and metrics do not
/// depend on arrival order, so the steps may commit in any order.
async fn seed_events(
    store: &Store,
    admin: &Principal,
    sources: &[String],
    total: u64,
) -> anyhow::Result<()> {
    let end = Utc::now();
    let sources: Arc<[String]> = sources.into();
    let writers = 2 * std::thread::available_parallelism().map_or(1, usize::from);
    let steps = (0..total).step_by(EVENTS_PER_STEP as usize).map(|from| {
        let (store, admin, sources) = (store.clone(), admin.clone(), sources.clone());
        let to = (from + EVENTS_PER_STEP).min(total);
        tokio::spawn(async move {
            let stream = EventStream {
                sources: &sources,
                total,
                days: 365,
                end,
            };
            let incoming: Vec<IncomingEvent> =
                (from..to).map(|n| incoming(stream.event(n))).collect();
            let valid = events::validate(incoming).map_err(|r| {
                anyhow::anyhow!("generated event {} invalid: {}", r[0].index, r[0].message)
            })?;
            let tx = store.begin_write(admin.workspace_id).await?;
            events::ingest(&*tx, &admin, valid).await?;
            tx.commit().await?;
            anyhow::Ok(to - from)
        })
    });
    let mut written = futures::stream::iter(steps).buffer_unordered(writers);
    let started = Instant::now();
    let mut done = 0;
    while let Some(step) = written.next().await {
        done += step.context("an event writer failed")??;
        if done % (EVENTS_PER_STEP * 20) == 0 || done == total {
            eprintln!(
                "  events {done}/{total} ({:.0}%, {:.0} events/s)",
                100.0 * done as f64 / total as f64,
                done as f64 / started.elapsed().as_secs_f64()
            );
        }
    }
    Ok(())
}

fn incoming(event: Value) -> IncomingEvent {
    let text = |key: &str| event[key].as_str().unwrap_or_default().to_owned();
    IncomingEvent {
        source: text("source"),
        id: text("id"),
        event_type: text("type"),
        time: chrono::DateTime::parse_from_rfc3339(&text("time"))
            .ok()
            .map(|t| t.with_timezone(&Utc)),
        subject: None,
        data: Some(event["data"].clone()),
    }
}
