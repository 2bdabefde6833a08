//! `wayfinder-tools bench history`: the change feed's first page, and the first page of
//! `factSheets(asOf:)` with its total and facets, in a workspace of its own where the bench
//! makes `--changes` updates after the asOf instant. Timed on the domain services in process
//! (the statements the GraphQL resolvers run), not over HTTP.
//!
//! ```sh
//! cargo run --release -p wayfinder-tools -- bench history --fact-sheets 2000 --changes 2000
//! ```

use std::time::{Duration, Instant};

use anyhow::bail;
use chrono::Utc;
use clap::Args;
use domain::{
    Principal, Role,
    fact_sheets::{self, FactSheetFilter, FactSheetPatch, NewFactSheet},
    meta_model_versions,
    reports::{
        as_of_list::{self, PastLandscape},
        change_feed::{self, ChangeFeedFilter},
    },
    workspaces,
};
use serde_json::json;

use api::{
    bootstrap::{open_store, redact},
    config::Config,
};

#[derive(Args)]
pub struct HistoryArgs {
    /// Fact sheets the bench creates before the asOf instant.
    #[arg(long, default_value_t = 2000)]
    fact_sheets: usize,
    /// Updates the bench makes after the asOf instant (spread over the fact sheets).
    #[arg(long, default_value_t = 2000)]
    changes: usize,
    /// Timed runs of each question.
    #[arg(long, default_value_t = 50)]
    runs: usize,
}

pub async fn run(config: Config, args: HistoryArgs) -> anyhow::Result<()> {
    if args.fact_sheets == 0 || args.runs == 0 {
        bail!("--fact-sheets and --runs must be positive");
    }
    let store = open_store(&config).await?;
    let db = store.connection();
    let slug = format!("bench-history-{}", Utc::now().timestamp());
    eprintln!(
        "database: {}; workspace `{slug}`",
        redact(&config.database_url())
    );
    let workspace = workspaces::create(db, &slug, None, "bench").await?;
    let admin = Principal {
        workspace_id: workspace.id,
        workspace_slug: slug.clone(),
        subject: "bench".into(),
        role: Role::Admin,
    };
    let model = meta_model_versions::current(db, &admin).await?.model;
    let languages = ["go", "rust", "java", "kotlin"];
    let mut ids = Vec::with_capacity(args.fact_sheets);
    for n in 0..args.fact_sheets {
        let sheet = fact_sheets::create(
            db,
            &admin,
            &model,
            NewFactSheet {
                fact_sheet_type: "SoftwareArtifact".into(),
                name: format!("artifact {n:06}"),
                attributes: json!({"language": languages[n % 4]})
                    .as_object()
                    .cloned()
                    .unwrap_or_default(),
                ..Default::default()
            },
        )
        .await?;
        ids.push(sheet.id);
    }
    tokio::time::sleep(Duration::from_millis(5)).await;
    let as_of = Utc::now();
    tokio::time::sleep(Duration::from_millis(5)).await;
    for n in 0..args.changes {
        fact_sheets::update(
            db,
            &admin,
            &model,
            FactSheetPatch {
                id: ids[n % ids.len()],
                name: Some(format!("renamed {n:06}")),
                attributes: json!({"language": languages[(n + 1) % 4]})
                    .as_object()
                    .cloned(),
                ..Default::default()
            },
        )
        .await?;
    }

    // The planner's figures do not know this workspace yet until autovacuum runs, which may
    // be off; the timings should not depend on when it last ran.
    eprintln!("updating planner statistics (ANALYZE, with VACUUM on PostgreSQL)");
    store.refresh_statistics().await?;

    let mut feed = Vec::with_capacity(args.runs);
    let mut past = Vec::with_capacity(args.runs);
    let filter = FactSheetFilter::default();
    for _ in 0..args.runs {
        let began = Instant::now();
        change_feed::feed(
            db,
            &admin,
            &model,
            &ChangeFeedFilter::default(),
            Some(50),
            None,
        )
        .await?;
        feed.push(began.elapsed());
        let began = Instant::now();
        let landscape = PastLandscape::load(db, &admin, &model, as_of).await?;
        as_of_list::list(
            db,
            &admin,
            &model,
            &landscape,
            &filter,
            Default::default(),
            Some(50),
            None,
        )
        .await?;
        as_of_list::count(db, &admin, &model, &landscape, &filter).await?;
        as_of_list::facets(db, &admin, &model, &landscape, &filter).await?;
        past.push(began.elapsed());
    }
    println!(
        "\nWayfinder history benchmark ({} fact sheets, {} changes after asOf)",
        args.fact_sheets, args.changes
    );
    report("changes, first page of 50", feed);
    report(
        "factSheets(asOf:) first page of 50 + totalCount + facets",
        past,
    );
    Ok(())
}

fn report(what: &str, mut latencies: Vec<Duration>) {
    latencies.sort();
    let p = |q: f64| {
        let index = ((latencies.len() - 1) as f64 * q).round() as usize;
        latencies[index].as_secs_f64() * 1000.0
    };
    println!(
        "  {what}: p50 {:.1} ms  p95 {:.1} ms  max {:.1} ms",
        p(0.5),
        p(0.95),
        p(1.0)
    );
}
