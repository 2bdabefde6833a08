//! `wayfinder-tools bench load`: drives a running server from a second process at fixed concurrency
//! and prints req/s and latency percentiles per scenario, plus the SQL statements
//! one request of each read scenario costs. The mixed load (g) runs readers and paced writers at
//! once and adds the server's cache hit ratio over its measured period. A pure HTTP client: it never opens the database,
//! so it measures what a real client sees. `scripts/bench-load` starts a seeded server for it.
//!
//! ```sh
//! wayfinder-tools bench load --url http://127.0.0.1:8080 --token "$TOKEN" --scenarios a,b,c --clients 16
//! ```

mod discovery;
mod mixed;
mod runner;
mod scenarios;

use std::{sync::Arc, time::Duration};

use anyhow::bail;
use clap::{Args, ValueEnum};

use self::{
    discovery::{Reach, discover},
    mixed::MixedResult,
    runner::{Measurement, Settings, measure},
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
    /// An admin token of the same workspace, for (g) to set the webhook secret its GitHub
    /// deliveries are signed with; without it, (g) sends no deliveries.
    #[arg(long, env = "WAYFINDER_BENCH_ADMIN_TOKEN", hide_env_values = true)]
    admin_token: Option<String>,
    /// Scenarios to run, by letter: (a) fact sheet, (b) filtered page with facets, (c) depth-3
    /// traversal, (d) search, (e) team DORA metrics, (f) event ingestion, (g) mixed load
    /// (readers of (c) and (e) beside paced writers of every kind, at once).
    #[arg(long, value_delimiter = ',', default_value = "a,b,c,d,e,f")]
    scenarios: Vec<Scenario>,
    /// Concurrent clients, each sending one request after the other ((g) has its own groups).
    #[arg(long, default_value_t = 16)]
    clients: usize,
    /// Measured seconds per scenario.
    #[arg(long, default_value_t = 20)]
    seconds: u64,
    /// Seconds per scenario before measuring starts (requests checked, not measured).
    #[arg(long, default_value_t = 3)]
    warmup_seconds: u64,
    /// Groups of (g) left out, to see what one group costs the others (say, team metrics
    /// without events flowing: what its kept facts save when no ingestion touches them).
    #[arg(long, value_delimiter = ',')]
    without: Vec<mixed::Group>,
    /// The metrics readers of (g) pick from this many teams instead of all, so that teams are
    /// read again within a run.
    #[arg(long)]
    metric_teams: Option<usize>,
    /// Whose event sources (g)'s events go to: every artifact's, or only those of artifacts
    /// no team read by its metrics readers owns.
    #[arg(long, value_enum, default_value_t)]
    events_into: mixed::EventsInto,
}

pub async fn run(args: LoadArgs) -> anyhow::Result<()> {
    if args.clients == 0 || args.seconds == 0 || args.scenarios.is_empty() {
        bail!("--clients, --seconds and --scenarios must not be zero or empty");
    }
    let mixed = args.scenarios.contains(&Scenario::Mixed);
    // Idle connections kept: one per client, and for (g) one per client of all its groups.
    let pool = if mixed {
        args.clients.max(mixed::CLIENTS)
    } else {
        args.clients
    };
    let api = Api::new(&args.url, &args.token, pool)?;
    let admin = match &args.admin_token {
        Some(token) if mixed => Some(Api::new(&args.url, token, 1)?),
        _ => None,
    };
    let reach = if mixed { Reach::All } else { Reach::FirstPages };
    let workload = Arc::new(discover(&api, reach).await?);
    eprintln!(
        "workload: {} fact sheet ids, {} search terms, team `{}` owning {} artifacts, {} event sources",
        workload.fact_sheet_ids.len(),
        workload.search_terms.len(),
        workload.team_name,
        workload.team_artifacts,
        workload.event_sources.len()
    );
    if (args.scenarios.contains(&Scenario::Ingestion) || mixed) && workload.event_sources.is_empty()
    {
        bail!("scenarios (f) and (g) need software artifacts with `eventSource` external ids");
    }
    let run = Arc::new(Run::new());

    let mut statements = Vec::new();
    for scenario in args.scenarios.iter().filter(|s| s.reads()) {
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
    let mut mixed_result = None;
    for scenario in ALL.into_iter().filter(|s| args.scenarios.contains(s)) {
        if scenario == Scenario::Mixed {
            let options = mixed::MixedOptions {
                left_out: args.without.clone(),
                metric_teams: args.metric_teams,
                events_into: args.events_into,
            };
            mixed_result =
                Some(mixed::run(&api, admin.as_ref(), &workload, &settings, &options).await?);
            continue;
        }
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
    if args.scenarios.contains(&Scenario::Ingestion) {
        println!("\n(f) sends {EVENT_BATCH} new events per request.");
    }
    if let Some(result) = mixed_result {
        print_mixed(&result, &workload, &args);
    }
    Ok(())
}

/// The mixed load's table: a line per group (and per kind of the light group's writers), the
/// rate each paced writer achieved, and the cache hit ratio over the measured period.
fn print_mixed(result: &MixedResult, workload: &discovery::Workload, args: &LoadArgs) {
    let left_out: Vec<String> = args
        .without
        .iter()
        .filter_map(|g| g.to_possible_value().map(|v| v.get_name().to_owned()))
        .collect();
    let but = if left_out.is_empty() {
        String::new()
    } else {
        format!(" but {}", left_out.join(", "))
    };
    println!(
        "\n(g) mixed load: all groups at once{}, {} s after {} s warm-up; updates and imports over {} artifacts, \
         events over {} event sources{}, metrics of {} teams",
        but,
        args.seconds,
        args.warmup_seconds,
        workload.artifact_ids.len(),
        result.event_sources,
        match args.events_into {
            mixed::EventsInto::All => "",
            mixed::EventsInto::OtherTeams => " (only other teams' artifacts')",
        },
        result.metric_teams
    );
    println!(
        "{:<34} {:>9} {:>9} {:>9} {:>9} {:>9} {:>18}",
        "group", "req/s", "p50 ms", "p95 ms", "p99 ms", "requests", "paced: target"
    );
    let line = |label: &str, m: &Measurement, target: String| {
        println!(
            "{:<34} {:>9.1} {:>9.1} {:>9.1} {:>9.1} {:>9} {:>18}",
            label,
            m.requests_per_second(),
            m.percentile(0.50),
            m.percentile(0.95),
            m.percentile(0.99),
            m.latencies.len(),
            target
        );
    };
    for g in &result.groups {
        let target = g
            .group
            .pace()
            .map_or_else(|| "-".into(), |rate| format!("{rate:.0} req/s"));
        line(&g.group.label(), &g.all, target);
        if g.kinds.len() > 1 {
            for (kind, m) in &g.kinds {
                line(&format!("  {kind}"), m, "-".into());
            }
        }
        if g.all.events > 0 {
            println!(
                "{:<34} {:>9.0} events/s achieved (target {})",
                "",
                g.all.events_per_second(),
                g.group
                    .pace()
                    .map_or(0.0, |rate| rate * mixed::EVENTS_PER_REQUEST as f64)
            );
        }
    }
    for skipped in &result.skipped {
        println!("skipped: {skipped}");
    }
    match result.cache {
        Some((before, after)) => {
            let ratio = after.hit_ratio_since(&before).map_or_else(
                || "n/a (no look-ups)".into(),
                |r| format!("{:.1} %", r * 100.0),
            );
            println!(
                "server cache hit ratio over the measured period: {ratio} ({} hits, {} misses)",
                after.hits.saturating_sub(before.hits),
                after.misses.saturating_sub(before.misses)
            );
        }
        None => println!(
            "server cache hit ratio: n/a (start the server with WAYFINDER_DEBUG_SQL_STATEMENT_HEADER=true)"
        ),
    }
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
