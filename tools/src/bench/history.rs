//! `wayfinder-tools bench history`: the change feed's first page, and the first page of
//! `factSheets(asOf:)` with its total and facets, in a workspace of its own where the bench
//! makes `--changes` updates after the asOf instant; the asOf list is asked twice, as is and
//! through a relation filter in another order (the fact sheets rebuilt from their history are
//! then checked against their relations then, and sorted with the stored ones). Timed over
//! HTTP as a client asks them, against the server started in process.
//!
//! ```sh
//! cargo run --release -p wayfinder-tools -- bench history --fact-sheets 2000 --changes 2000
//! ```

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::{SecondsFormat, Utc};
use clap::Args;
use domain::{
    Principal, Role,
    fact_sheets::{self, FactSheetPatch, NewFactSheet},
    meta_model_versions, workspaces,
};
use serde_json::{Value, json};

use api::{
    bootstrap::{jwt_keys, open_store, redact},
    config::Config,
};

use super::{client::Api, events::percentile, in_process::InProcess};

const CHANGES: &str = r#"{ changes(first: 50) {
  edges { cursor node { kind actor at revision factSheet { id name } } }
  pageInfo { hasNextPage endCursor } } }"#;

const LIST_AS_OF: &str = r#"query($asOf: DateTime, $filter: FactSheetFilter, $orderBy: FactSheetOrderInput) {
  factSheets(asOf: $asOf, filter: $filter, orderBy: $orderBy, first: 50) {
  totalCount
  edges { cursor node { id name revision attributes tags { name } } }
  facets { types { key count } tags { key count } attributes { key counts { key count } } } } }"#;

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

pub async fn run(mut config: Config, args: HistoryArgs) -> anyhow::Result<()> {
    api::telemetry::init(&config);
    // The only client of its own server.
    config.rate_limit_per_token_per_minute = 0;
    config.rate_limit_per_workspace_per_minute = 0;
    if args.fact_sheets == 0 || args.runs == 0 {
        bail!("--fact-sheets and --runs must be positive");
    }
    let store = open_store(&config).await?;
    let keys = jwt_keys(&config)?;
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

    let server = InProcess::start(&config, &store, keys).await?;
    let api = server.client(&slug, Role::Viewer, 1)?;
    let as_of = as_of.to_rfc3339_opts(SecondsFormat::Micros, true);
    let variables = json!({"asOf": as_of});
    // The same fact sheets (none has an owner), through the relation filter and an order
    // other than by name: the rebuilt fact sheets' relations then are read as well.
    let unowned = json!({
        "asOf": as_of,
        "filter": {"relations": [{"type": "teamOwnsArtifact", "direction": "INCOMING", "exists": false}]},
        "orderBy": {"field": "UPDATED_AT", "direction": "DESC"},
    });
    for asked in [&variables, &unowned] {
        let past = api.graphql(LIST_AS_OF, asked).await?.data()?;
        let total = past["factSheets"]["totalCount"].as_u64().unwrap_or(0);
        if total != args.fact_sheets as u64 {
            bail!(
                "factSheets(asOf:) counted {total} fact sheets, not {}",
                args.fact_sheets
            );
        }
    }
    let feed = api.graphql(CHANGES, &json!({})).await?.data()?;
    let entries = feed["changes"]["edges"].as_array().map_or(0, Vec::len);
    if entries != 50.min(args.fact_sheets + args.changes) {
        bail!("the change feed's first page has {entries} entries");
    }

    let mut feed = Vec::with_capacity(args.runs);
    let mut past = Vec::with_capacity(args.runs);
    let mut past_unowned = Vec::with_capacity(args.runs);
    for _ in 0..args.runs {
        feed.push(timed(&api, CHANGES, &json!({})).await?);
        past.push(timed(&api, LIST_AS_OF, &variables).await?);
        past_unowned.push(timed(&api, LIST_AS_OF, &unowned).await?);
    }
    server.stop().await;
    println!(
        "\nWayfinder history benchmark over HTTP ({} fact sheets, {} changes after asOf)",
        args.fact_sheets, args.changes
    );
    report("changes, first page of 50", &feed);
    report(
        "factSheets(asOf:) first page of 50 + totalCount + facets",
        &past,
    );
    report(
        "the same without an owning team, newest change first",
        &past_unowned,
    );
    Ok(())
}

/// Milliseconds one request took, its answer checked for errors.
async fn timed(api: &Api, query: &str, variables: &Value) -> anyhow::Result<f64> {
    let began = Instant::now();
    api.graphql(query, variables)
        .await?
        .data()
        .with_context(|| format!("answering {query}"))?;
    Ok(began.elapsed().as_secs_f64() * 1000.0)
}

fn report(what: &str, ms: &[f64]) {
    println!(
        "  {what}: p50 {:.1} ms  p95 {:.1} ms  max {:.1} ms",
        percentile(ms, 0.50),
        percentile(ms, 0.95),
        percentile(ms, 1.0)
    );
}
