//! `wayfinder-tools bench after-write`: the depth-3 traversal of the load benchmark's (c),
//! timed alone right after a write, as a busy workspace serves it. A real workspace is never
//! quiet, so the request that matters is not the warm one but the first after some unrelated
//! edit elsewhere. Each round times three lone requests:
//!
//! - **after an unrelated write**: a team the traversal never shows got a new description;
//! - **warm**: the same request again, nothing changed;
//! - **after a write it shows**: a fact sheet at the traversal's second level got a new
//!   description, so the windows that anchor at it or show it are read again;
//! - **after a write touching everything** (with `--admin-token`): a tag renamed, which
//!   changes what every cached aggregate may count, so every cache is cold: the cold path.
//!
//! With `--metrics`, a team's DORA query is timed the same way after events (see
//! `after_events`). A pure HTTP client; the token needs the member role (it writes
//! descriptions and sends events).
//!
//! ```sh
//! wayfinder-tools bench after-write --url http://127.0.0.1:8080 --token "$TOKEN" --rounds 30 --metrics
//! ```

use std::{collections::HashSet, time::Instant};

use anyhow::{Context, bail};
use clap::Args;
use serde_json::{Value, json};

use super::{client::Api, events::percentile, load::TRAVERSAL};

#[derive(Args)]
pub struct AfterWriteArgs {
    /// The server's base URL.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
    /// A bearer token with the member role of the seeded workspace.
    #[arg(long, env = "WAYFINDER_BENCH_TOKEN", hide_env_values = true)]
    token: String,
    /// An admin token of the same workspace: also time the request after a tag rename, which
    /// makes every cache cold.
    #[arg(long, env = "WAYFINDER_BENCH_ADMIN_TOKEN", hide_env_values = true)]
    admin_token: Option<String>,
    /// Rounds of the timed requests.
    #[arg(long, default_value_t = 30)]
    rounds: usize,
    /// Also time a team's DORA metrics after an event of another team and of its own (the
    /// workspace needs events and an event source per artifact, as the seed makes).
    #[arg(long)]
    metrics: bool,
}

const TEAMS: &str =
    r#"query { factSheets(first: 200, filter: {types: ["Team"]}) { edges { node { id } } } }"#;

const CREATE_TAG: &str = "mutation($n: String!) { createTag(input: {name: $n}) { tag { id } } }";

const RENAME_TAG: &str =
    "mutation($n: String!, $m: String!) { renameTag(name: $n, newName: $m) { tag { id } } }";

const DESCRIBE: &str = "mutation($id: ID!, $d: String!) { updateFactSheet(input: {id: $id, description: $d}) { factSheet { id } } }";

/// Latencies (ms) and SQL statement counts of one kind of request.
#[derive(Default)]
struct Samples {
    ms: Vec<f64>,
    statements: Vec<usize>,
}

impl Samples {
    async fn time(&mut self, api: &Api) -> anyhow::Result<()> {
        let started = Instant::now();
        let answer = api.graphql(TRAVERSAL, &json!({})).await?;
        self.ms.push(started.elapsed().as_secs_f64() * 1e3);
        self.statements.extend(answer.sql_statements);
        Ok(())
    }

    fn report(&self, label: &str) {
        let mut statements = self.statements.clone();
        statements.sort_unstable();
        let median_statements = statements
            .get(statements.len() / 2)
            .map_or("n/a".to_owned(), |n| n.to_string());
        println!(
            "{label:<28} p50 {:>7.1} ms   p95 {:>7.1} ms   max {:>7.1} ms   statements (median) {median_statements}",
            percentile(&self.ms, 0.5),
            percentile(&self.ms, 0.95),
            self.ms.iter().copied().fold(0.0, f64::max),
        );
    }
}

pub async fn run(args: AfterWriteArgs) -> anyhow::Result<()> {
    let api = Api::new(&args.url, &args.token, 1)?;
    let answer = api.graphql(TRAVERSAL, &json!({})).await?.data()?;
    let mut shown = HashSet::new();
    collect_ids(&answer, &mut shown);
    let second_level = answer["factSheets"]["edges"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|e| {
            e["node"]["relations"]["edges"]
                .as_array()
                .into_iter()
                .flatten()
        })
        .find_map(|r| r["node"]["to"]["id"].as_str())
        .context("the traversal shows no relation: seed the workspace first")?
        .to_owned();
    let teams = api.graphql(TEAMS, &json!({})).await?.data()?;
    let unrelated = teams["factSheets"]["edges"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["node"]["id"].as_str())
        .find(|id| !shown.contains(*id))
        .map(str::to_owned);
    let Some(unrelated) = unrelated else {
        bail!("every team is in the traversal's answer: no unrelated write to make");
    };
    println!(
        "traversal shows {} fact sheets; unrelated write to team {unrelated}, shown write to {second_level}",
        shown.len()
    );
    let describe = async |id: &str, round: usize| -> anyhow::Result<()> {
        let text = format!("edited by the after-write benchmark, round {round}");
        api.graphql(DESCRIBE, &json!({ "id": id, "d": text }))
            .await
            .map(drop)
    };
    // A tag of this run, renamed back and forth between two names.
    let run = uuid::Uuid::new_v4().simple().to_string();
    let tag_names = [
        format!("after-write-{run}-a"),
        format!("after-write-{run}-b"),
    ];
    let admin = match &args.admin_token {
        Some(token) => {
            let admin = Api::new(&args.url, token, 1)?;
            admin
                .graphql(CREATE_TAG, &json!({ "n": tag_names[0] }))
                .await?;
            Some(admin)
        }
        None => None,
    };
    let (mut unrelated_write, mut warm, mut shown_write, mut everything) = (
        Samples::default(),
        Samples::default(),
        Samples::default(),
        Samples::default(),
    );
    for round in 0..args.rounds {
        api.graphql(TRAVERSAL, &json!({})).await?;
        describe(&unrelated, round).await?;
        unrelated_write.time(&api).await?;
        warm.time(&api).await?;
        describe(&second_level, round).await?;
        shown_write.time(&api).await?;
        if let Some(admin) = &admin {
            let (from, to) = (&tag_names[round % 2], &tag_names[(round + 1) % 2]);
            admin
                .graphql(RENAME_TAG, &json!({ "n": from, "m": to }))
                .await?;
            everything.time(&api).await?;
        }
    }
    println!("{} rounds, each request alone:", args.rounds);
    unrelated_write.report("after an unrelated write");
    warm.report("warm");
    shown_write.report("after a write it shows");
    if admin.is_some() {
        everything.report("after touching everything");
    }
    if args.metrics {
        super::after_events::run(&api, args.rounds).await?;
    }
    Ok(())
}

/// Every `id` string anywhere in `value`.
fn collect_ids(value: &Value, ids: &mut HashSet<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                match (key.as_str(), v) {
                    ("id", Value::String(id)) => {
                        ids.insert(id.clone());
                    }
                    _ => collect_ids(v, ids),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_ids(v, ids)),
        _ => {}
    }
}
