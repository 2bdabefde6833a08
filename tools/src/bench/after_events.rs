//! The team metrics half of `bench after-write`: a team's DORA query (the load benchmark's
//! (e)) timed alone right after one event arrived for another team's artifact, warm, and
//! right after one arrived for the team's own. CI sends events all day, so the first read after
//! some event is the everyday one; only an event of the team's own sources should cost a
//! recomputation.

use std::time::Instant;

use anyhow::Context;
use chrono::{Duration, Utc};
use serde_json::{Value, json};

use super::{client::Api, events::percentile, team_metrics};

/// Teams with the event sources of up to 200 owned artifacts each.
const TEAMS: &str = r#"query { factSheets(first: 100, filter: {types: ["Team"]}) { edges { node { id name relations(type: "teamOwnsArtifact", direction: OUTGOING, first: 200) { edges { node { to { externalIds { namespace value } } } } } } } } }"#;

/// The team the load benchmark's (e) measures is the one closest to this many artifacts.
const TEAM_SIZE: usize = 50;

struct Team {
    id: String,
    name: String,
    sources: Vec<String>,
}

fn teams(data: &Value) -> Vec<Team> {
    data["factSheets"]["edges"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            let node = &e["node"];
            let sources = node["relations"]["edges"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|r| {
                    r["node"]["to"]["externalIds"]
                        .as_array()
                        .into_iter()
                        .flatten()
                })
                .filter(|x| x["namespace"] == "eventSource")
                .filter_map(|x| x["value"].as_str().map(str::to_owned))
                .collect();
            Team {
                id: node["id"].as_str().unwrap_or_default().to_owned(),
                name: node["name"].as_str().unwrap_or_default().to_owned(),
                sources,
            }
        })
        .collect()
}

/// One successful production deployment of `source`, an hour ago, with an id of this run.
fn deployment(source: &str, id: &str) -> Value {
    json!({
        "specversion": "1.0",
        "id": id,
        "source": source,
        "type": "dev.wayfinder.deployment",
        "time": (Utc::now() - Duration::hours(1)).to_rfc3339(),
        "data": { "changeIds": [] },
    })
}

pub(super) async fn run(api: &Api, rounds: usize) -> anyhow::Result<()> {
    let teams = teams(&api.graphql(TEAMS, &json!({})).await?.data()?);
    let team = teams
        .iter()
        .filter(|t| !t.sources.is_empty())
        .min_by_key(|t| t.sources.len().abs_diff(TEAM_SIZE))
        .context("no team owns an artifact with an event source")?;
    let other = teams
        .iter()
        .find(|t| {
            t.id != team.id
                && !t.sources.is_empty()
                && t.sources.iter().all(|s| !team.sources.contains(s))
        })
        .context("no second team with event sources of its own")?;
    println!(
        "team metrics of {} ({} sources); other events go to {}",
        team.name,
        team.sources.len(),
        other.name
    );
    let run = uuid::Uuid::new_v4().simple().to_string();
    let time = async || -> anyhow::Result<f64> {
        let started = Instant::now();
        api.graphql(
            team_metrics::QUERY,
            &team_metrics::variables(&team.id, Utc::now()),
        )
        .await?;
        Ok(started.elapsed().as_secs_f64() * 1e3)
    };
    let (mut elsewhere, mut warm, mut own) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds {
        time().await?;
        let source = &other.sources[round % other.sources.len()];
        api.ingest(&[deployment(source, &format!("after-{run}-o{round}"))])
            .await?;
        elsewhere.push(time().await?);
        warm.push(time().await?);
        let source = &team.sources[round % team.sources.len()];
        api.ingest(&[deployment(source, &format!("after-{run}-t{round}"))])
            .await?;
        own.push(time().await?);
    }
    let report = |label: &str, ms: &[f64]| {
        println!(
            "{label:<34} p50 {:>7.1} ms   p95 {:>7.1} ms",
            percentile(ms, 0.5),
            percentile(ms, 0.95)
        );
    };
    report("after an event of another team", &elsewhere);
    report("warm", &warm);
    report("after an event of its own", &own);
    Ok(())
}
