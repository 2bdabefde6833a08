//! `wayfinder-tools bench load`: drives a running server from a second process at fixed concurrency
//! and prints req/s and latency percentiles per scenario, plus the SQL statements
//! one request of each read scenario costs. A pure HTTP client: it never opens the database,
//! so it measures what a real client sees. `scripts/bench-load` starts a seeded server for it.
//!
//! ```sh
//! wayfinder-tools bench load --url http://127.0.0.1:8080 --token "$TOKEN" --scenarios a,b,c --clients 16
//! ```

mod discovery;
mod runner;
mod scenarios;

use std::{sync::Arc, time::Duration};

use anyhow::bail;
use clap::Args;

use self::{
    discovery::discover,
    runner::{Settings, measure},
    scenarios::{ALL, EVENT_BATCH, Request, Run, Scenario},
};
use super::client::Api;

/// The depth-3 traversal of scenario (c), timed alone by `bench after-write` too.
pub(super) use self::scenarios::TRAVERSAL;

#[derive(Args)]
pub struct LoadArgs {
    /// The server's base URL.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
    /// A bearer token (member role or above) of the seeded workspace.
    #[arg(long, env = "WAYFINDER_BENCH_TOKEN", hide_env_values = true)]
    token: String,
    /// Scenarios to run, by letter: (a) fact sheet, (b) filtered page with facets, (c) depth-3
    /// traversal, (d) search, (e) team DORA metrics, (f) event ingestion.
    #[arg(long, value_delimiter = ',', default_value = "a,b,c,d,e,f")]
    scenarios: Vec<Scenario>,
    /// Concurrent clients, each sending one request after the other.
    #[arg(long, default_value_t = 16)]
    clients: usize,
    /// Measured seconds per scenario.
    #[arg(long, default_value_t = 20)]
    seconds: u64,
    /// Seconds per scenario before measuring starts (requests checked, not measured).
    #[arg(long, default_value_t = 3)]
    warmup_seconds: u64,
}

pub async fn run(args: LoadArgs) -> anyhow::Result<()> {
    if args.clients == 0 || args.seconds == 0 || args.scenarios.is_empty() {
        bail!("--clients, --seconds and --scenarios must not be zero or empty");
    }
    let api = Api::new(&args.url, &args.token, args.clients)?;
    let workload = Arc::new(discover(&api).await?);
    eprintln!(
        "workload: {} fact sheet ids, {} search terms, team `{}` owning {} artifacts, {} event sources",
        workload.fact_sheet_ids.len(),
        workload.search_terms.len(),
        workload.team_name,
        workload.team_artifacts,
        workload.event_sources.len()
    );
    if args.scenarios.contains(&Scenario::Ingestion) && workload.event_sources.is_empty() {
        bail!("scenario (f) needs software artifacts with `eventSource` external ids");
    }
    let run = Arc::new(Run::new());

    let mut statements = Vec::new();
    for scenario in args.scenarios.iter().filter(|s| **s != Scenario::Ingestion) {
        statements.push((
            *scenario,
            sql_statements(&api, &workload, &run, *scenario).await?,
        ));
    }

    let settings = Settings {
        clients: args.clients,
        warmup: Duration::from_secs(args.warmup_seconds),
        duration: Duration::from_secs(args.seconds),
    };
    println!(
        "\nWayfinder load benchmark: {} clients, {} s per scenario after {} s warm-up, {}",
        args.clients, args.seconds, args.warmup_seconds, args.url
    );
    println!(
        "{:<28} {:>9} {:>9} {:>9} {:>9} {:>9} {:>7} {:>12}",
        "scenario", "req/s", "p50 ms", "p95 ms", "p99 ms", "requests", "errors", "events/s"
    );
    for scenario in ALL.into_iter().filter(|s| args.scenarios.contains(s)) {
        let m = measure(&api, &workload, &run, scenario, &settings).await?;
        let events = if scenario == Scenario::Ingestion {
            format!("{:.0}", m.events_per_second())
        } else {
            "-".into()
        };
        // Any failed request has aborted the run, so a printed line always has 0 errors.
        println!(
            "{:<28} {:>9.1} {:>9.1} {:>9.1} {:>9.1} {:>9} {:>7} {:>12}",
            scenario.to_string(),
            m.requests_per_second(),
            m.percentile(0.50),
            m.percentile(0.95),
            m.percentile(0.99),
            m.latencies.len(),
            0,
            events
        );
    }
    if !statements.is_empty() {
        println!("\nSQL statements per request (x-wayfinder-sql-statements, one request each)");
        for (scenario, count) in statements {
            let count = count.map_or_else(
                || "n/a (start the server with WAYFINDER_DEBUG_SQL_STATEMENT_HEADER=true)".into(),
                |n| n.to_string(),
            );
            println!("  {:<28} {count}", scenario.to_string());
        }
    }
    println!("\n(f) sends {EVENT_BATCH} new events per request.");
    Ok(())
}

/// One request of a read scenario, for the statement count the server reports.
async fn sql_statements(
    api: &Api,
    workload: &discovery::Workload,
    run: &Run,
    scenario: Scenario,
) -> anyhow::Result<Option<usize>> {
    match scenario.request(workload, run, 0) {
        Request::GraphQl { query, variables } => {
            Ok(api.graphql(query, &variables).await?.sql_statements)
        }
        Request::Events(_) => Ok(None),
    }
}
