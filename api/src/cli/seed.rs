//! `wayfinder seed`: a realistic workspace for demos and benchmarks, written through the
//! domain's bulk import (validated like any write) and, with `--events`, a year of events
//! through the domain's ingestion. Shows progress as it goes.
//!
//! ```sh
//! wayfinder seed --workspace big --scale max --events 1000000
//! ```

use std::{sync::Arc, time::Instant};

use anyhow::{Context, bail};
use chrono::Utc;
use clap::Args;
use domain::{
    Principal, Role,
    db::Store,
    events::{self, IncomingEvent},
    import::{self, ImportFactSheet, ImportRelation},
    meta_model_versions, workspaces,
};
use futures::StreamExt;
use serde_json::Value;

use crate::{
    bootstrap::open_store,
    config::Config,
    seed::{Scale, events::EventStream, generate},
};

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
    /// Random seed: the same seed and scale give the same graph.
    #[arg(long, default_value_t = 42)]
    seed: u64,
}

const EVENTS_PER_STEP: u64 = 5_000;

pub async fn run(config: Config, args: SeedArgs) -> anyhow::Result<()> {
    crate::telemetry::init(&config);
    let store = open_store(&config).await?;
    let started = Instant::now();
    let tx = store.begin_platform_write().await?;
    let ws = workspaces::create(&*tx, &args.workspace, None, "seed")
        .await
        .with_context(|| format!("creating workspace {}", args.workspace))?;
    tx.commit().await?;
    let admin = Principal {
        workspace_id: ws.id,
        workspace_slug: ws.slug.clone(),
        subject: "seed".into(),
        role: Role::Admin,
    };
    let model = meta_model_versions::current(&store.tenant(ws.id).await?, &admin)
        .await?
        .model;
    let graph = generate(&model, args.scale, args.seed);
    eprintln!(
        "seeding `{}`: {} fact sheets, {} relations",
        ws.slug,
        graph.fact_sheets.len(),
        graph.relations.len()
    );
    let sources = graph.event_sources();
    import_all(&store, &admin, &model, graph.fact_sheets, graph.relations).await?;
    eprintln!("inventory done in {:.1} s", started.elapsed().as_secs_f64());
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
        ws.slug,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// One transaction: the import is all or nothing, and relations may join any two fact sheets.
async fn import_all(
    store: &Store,
    admin: &Principal,
    model: &domain::meta_model::MetaModel,
    sheets: Vec<ImportFactSheet>,
    relations: Vec<ImportRelation>,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut shown = 0;
    let mut progress = |written: usize, total: usize| {
        let percent = 100 * written / total.max(1);
        if percent >= shown + 10 || written == total {
            shown = percent;
            eprintln!(
                "  rows {written}/{total} ({percent}%, {:.1} s)",
                started.elapsed().as_secs_f64()
            );
        }
    };
    let tx = store.begin_write(admin.workspace_id).await?;
    import::import_graph(&*tx, admin, model, sheets, relations, &mut progress).await?;
    tx.commit().await?;
    Ok(())
}

/// Writes the stream in steps of [`EVENTS_PER_STEP`], several at once: each step is one
/// transaction, and while PostgreSQL stores one the others are generated and validated.
/// Sequentially the seed reached ~11,500 events/s, under half of what the same database takes
/// over HTTP from 8 clients. The events are independent and metrics do not depend on arrival
/// order, so the steps may commit in any order.
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
