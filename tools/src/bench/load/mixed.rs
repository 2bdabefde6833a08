//! Scenario (g), the mixed load: the readers of (c) and (e) beside paced writers of every kind,
//! against one server at once, as a busy workspace sees them. The read caches are exact only
//! until something changes, so what they still save under a steady trickle of writes is the
//! question; the server's cache hit ratio over the measured period answers it (the headers of
//! its `debug_sql_statement_header` option, read before and after).
//!
//! Readers send one request after the other; writers are paced (a tick every 1/rate seconds,
//! a late tick delays the next rather than bursting), so their achieved rate shows whether the
//! server kept up.

use std::{
    collections::{BTreeMap, HashSet},
    sync::{Arc, Mutex, PoisonError},
    time::{Duration, Instant},
};

use anyhow::{Context, bail};
use chrono::{SecondsFormat, Utc};
use domain::webhooks::signature_header;
use rand::{Rng, SeedableRng, rngs::StdRng};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::time::{MissedTickBehavior, interval_at, sleep_until};

use crate::bench::{
    client::{Api, CacheTotals},
    supply_chain, team_metrics, webhooks,
};

use super::{
    discovery::{self, Workload},
    runner::{Measurement, Settings},
    scenarios::{Run, TRAVERSAL},
};

/// Events per `POST /events` of the ingesting client (10 a second: 1,000 events a second).
pub const EVENTS_PER_REQUEST: usize = 100;

/// Lines of each `POST /import`, each updating an existing artifact's description.
const IMPORT_LINES: usize = 3;

/// Components of each uploaded SBOM: a small service's, so the upload is one writer among many.
const SBOM_COMPONENTS: usize = 100;

const UPDATE: &str = "mutation($input: UpdateFactSheetInput!) { updateFactSheet(input: $input) { factSheet { id revision } } }";

const CREATE: &str = "mutation($name: String!) { createFactSheet(input: {type: \"SoftwareArtifact\", name: $name}) { factSheet { id } } }";

const SET_SECRET: &str =
    "mutation($secret: String!) { setWebhookSecret(provider: GITHUB, secret: $secret) { path } }";

/// A cheap read whose only purpose is the cache headers of its response.
const PROBE: &str = "{ factSheets(first: 1) { totalCount } }";

/// The groups of the mixed load, each with its clients and, for writers, its pace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum)]
pub enum Group {
    /// The depth-3 traversal of (c), as fast as the server answers.
    Traversal,
    /// `updateFactSheet` of a random artifact's description.
    Updates,
    /// CloudEvents over all artifacts' event sources, [`EVENTS_PER_REQUEST`] a request.
    Events,
    /// A random team's DORA metrics, the query of (e).
    TeamMetrics,
    /// In turn: an NDJSON import, a signed GitHub delivery, an SBOM upload.
    NewerWriters,
}

/// Clients of all groups together.
pub const CLIENTS: usize = 16 + 1 + 1 + 4 + 1;

pub const GROUPS: [Group; 5] = [
    Group::Traversal,
    Group::Updates,
    Group::Events,
    Group::TeamMetrics,
    Group::NewerWriters,
];

impl Group {
    fn clients(self) -> usize {
        match self {
            Group::Traversal => 16,
            Group::TeamMetrics => 4,
            Group::Updates | Group::Events | Group::NewerWriters => 1,
        }
    }

    /// Requests a second of each client; `None` for readers, which do not wait.
    pub fn pace(self) -> Option<f64> {
        match self {
            Group::Traversal | Group::TeamMetrics => None,
            Group::Updates | Group::Events => Some(10.0),
            Group::NewerWriters => Some(1.0),
        }
    }

    pub fn label(self) -> String {
        let what = match self {
            Group::Traversal => "depth-3 traversal (c)",
            Group::Updates => "updateFactSheet",
            Group::Events => "POST /events, 100 each",
            Group::TeamMetrics => "random team's DORA (e)",
            Group::NewerWriters => "import/webhook/SBOM",
        };
        format!("{} × {what}", self.clients())
    }
}

/// What a group measured: all its requests, and per kind for the group that sends several.
pub struct GroupResult {
    pub group: Group,
    pub all: Measurement,
    pub kinds: BTreeMap<&'static str, Measurement>,
}

pub struct MixedResult {
    pub groups: Vec<GroupResult>,
    /// The server's hit ratio over the measured period, when it reports its cache totals.
    pub cache: Option<(CacheTotals, CacheTotals)>,
    /// Why a writer of the light group was left out, if one was.
    pub skipped: Vec<String>,
    /// How many teams the metrics readers picked from.
    pub metric_teams: usize,
    /// How many event sources the ingesting client sent events for.
    pub event_sources: usize,
}

/// What the writers need set up before the run.
struct Setup {
    run: Run,
    /// The artifact the SBOM uploads replace the components of: created for the run, so the
    /// seeded artifacts keep theirs.
    sbom_target: String,
    sbom: Vec<u8>,
    /// The delivery path and secret, when an admin token could set one.
    webhook: Option<(String, String)>,
    /// The teams whose metrics the readers ask for.
    metric_teams: Vec<String>,
    /// The event sources the ingesting client sends events for.
    event_sources: Vec<String>,
    /// The teams whose metrics were asked for in this run, so a read is told apart as its
    /// team's first (nothing of it kept by the server yet) or a later one.
    teams_read: Mutex<HashSet<String>>,
}

/// What of the mixed load runs.
#[derive(Debug, Clone, Default)]
pub struct MixedOptions {
    /// Groups left out, to see what one costs the others.
    pub left_out: Vec<Group>,
    /// The metrics readers pick from this many teams (the first ones listed) instead of all.
    /// Over all 1,400 teams of `max` nearly every read of a run is its team's first.
    pub metric_teams: Option<usize>,
    pub events_into: EventsInto,
}

/// Whose event sources the ingesting client sends events for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum EventsInto {
    /// Every artifact's: the teams whose metrics are read get events all the time.
    #[default]
    All,
    /// Only those of artifacts no team whose metrics are read owns: what a team's metrics
    /// cost while the rest of the workspace is busy.
    OtherTeams,
}

/// Runs every group at once for `settings.warmup` then `settings.duration` (its
/// `clients` is not used: each group has its own). `admin` is an admin's client of the same
/// workspace, needed to set the webhook secret the GitHub deliveries are signed with.
pub async fn run(
    api: &Api,
    admin: Option<&Api>,
    workload: &Arc<Workload>,
    settings: &Settings,
    options: &MixedOptions,
) -> anyhow::Result<MixedResult> {
    if workload.artifact_ids.len() < IMPORT_LINES || workload.team_ids.is_empty() {
        bail!("scenario (g) needs software artifacts and teams in the workspace");
    }
    let run = Run::new();
    let created = api
        .graphql(
            CREATE,
            &json!({ "name": format!("bench-mixed-sbom-{}", run.id) }),
        )
        .await?
        .data()?;
    let sbom_target = created["createFactSheet"]["factSheet"]["id"]
        .as_str()
        .context("createFactSheet answered without an id")?
        .to_owned();
    let mut skipped = Vec::new();
    let webhook = match admin {
        Some(admin) => {
            let secret = format!("bench-{}", uuid::Uuid::now_v7().simple());
            let set = admin
                .graphql(SET_SECRET, &json!({ "secret": secret }))
                .await?
                .data()?;
            let path = set["setWebhookSecret"]["path"]
                .as_str()
                .context("setWebhookSecret answered without a path")?;
            Some((path.to_owned(), secret))
        }
        None => {
            skipped.push(
                "GitHub deliveries: setting the webhook secret takes an admin token \
                 (--admin-token)"
                    .to_owned(),
            );
            None
        }
    };
    let metric_teams = metric_teams(&workload.team_ids, options.metric_teams);
    let event_sources = match options.events_into {
        EventsInto::All => workload.event_sources.clone(),
        EventsInto::OtherTeams => {
            let read = discovery::sources_owned_by(api, &metric_teams).await?;
            let others: Vec<String> = (workload.event_sources.iter())
                .filter(|s| !read.contains(*s))
                .cloned()
                .collect();
            if others.is_empty() {
                bail!("every event source belongs to a team whose metrics are read");
            }
            others
        }
    };
    let setup = Arc::new(Setup {
        run,
        sbom_target,
        sbom: serde_json::to_vec(&supply_chain::sbom(SBOM_COMPONENTS))?,
        webhook,
        metric_teams,
        event_sources,
        teams_read: Mutex::new(HashSet::new()),
    });

    let started = tokio::time::Instant::now();
    let measured_from = started + settings.warmup;
    let until = measured_from + settings.duration;
    let mut clients = tokio::task::JoinSet::new();
    for group in GROUPS.into_iter().filter(|g| !options.left_out.contains(g)) {
        for client in 0..group.clients() {
            let (api, workload, setup) = (api.clone(), workload.clone(), setup.clone());
            clients.spawn(async move {
                let mut rng = StdRng::seed_from_u64((group as u64) << 32 | client as u64);
                let mut ticks = group.pace().map(|rate| {
                    let mut ticks = interval_at(started, Duration::from_secs_f64(1.0 / rate));
                    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
                    ticks
                });
                let mut measured = Vec::new();
                let mut events = 0;
                let mut last_end = Instant::now();
                for n in 0.. {
                    if let Some(ticks) = &mut ticks {
                        ticks.tick().await;
                    }
                    let sent = tokio::time::Instant::now();
                    if sent >= until {
                        break;
                    }
                    let (kind, stored) = send(&api, &workload, &setup, group, n, &mut rng).await?;
                    last_end = Instant::now();
                    if sent >= measured_from {
                        measured.push((kind, sent.elapsed().as_secs_f64() * 1000.0));
                        events += stored;
                    }
                }
                Ok::<_, anyhow::Error>((group, measured, events, last_end))
            });
        }
    }

    let probe = {
        let api = api.clone();
        tokio::spawn(async move {
            sleep_until(measured_from).await;
            let before = api.graphql(PROBE, &json!({})).await?.cache;
            sleep_until(until).await;
            let after = api.graphql(PROBE, &json!({})).await?.cache;
            Ok::<_, anyhow::Error>(before.zip(after))
        })
    };

    let measured_from = measured_from.into_std();
    let mut per_group: BTreeMap<Group, Collected> = BTreeMap::new();
    while let Some(client) = clients.join_next().await {
        let (group, measured, events, last_end) =
            client.context("a benchmark client panicked")??;
        let entry = per_group.entry(group).or_insert_with(|| Collected {
            measured: Vec::new(),
            events: 0,
            last_end: measured_from,
        });
        entry.measured.extend(measured);
        entry.events += events;
        entry.last_end = entry.last_end.max(last_end);
    }
    let cache = probe.await.context("the cache probe panicked")??;

    let groups = per_group
        .into_iter()
        .map(
            |(
                group,
                Collected {
                    measured,
                    events,
                    last_end,
                },
            )| {
                // Up to the end of the group's last request, which may finish after the period.
                let elapsed = last_end.saturating_duration_since(measured_from);
                let measurement = |latencies: Vec<f64>, events| {
                    let mut latencies = latencies;
                    latencies.sort_by(f64::total_cmp);
                    Measurement {
                        latencies,
                        elapsed,
                        events,
                    }
                };
                let mut kinds: BTreeMap<&'static str, Vec<f64>> = BTreeMap::new();
                for &(kind, ms) in &measured {
                    kinds.entry(kind).or_default().push(ms);
                }
                GroupResult {
                    group,
                    all: measurement(measured.iter().map(|(_, ms)| *ms).collect(), events),
                    kinds: kinds
                        .into_iter()
                        .map(|(kind, latencies)| (kind, measurement(latencies, 0)))
                        .collect(),
                }
            },
        )
        .collect();
    Ok(MixedResult {
        groups,
        cache,
        skipped,
        metric_teams: setup.metric_teams.len(),
        event_sources: setup.event_sources.len(),
    })
}

/// What the clients of one group measured together: each request's kind and latency (ms),
/// the events they stored, and when the last of their requests ended.
struct Collected {
    measured: Vec<(&'static str, f64)>,
    events: u64,
    last_end: Instant,
}

/// Sends request `n` of a client of `group`; returns its kind and the events it stored.
async fn send(
    api: &Api,
    workload: &Workload,
    setup: &Setup,
    group: Group,
    n: u64,
    rng: &mut StdRng,
) -> anyhow::Result<(&'static str, u64)> {
    match group {
        Group::Traversal => {
            api.graphql(TRAVERSAL, &json!({})).await?;
            Ok(("traversal", 0))
        }
        Group::TeamMetrics => {
            let team = pick(&setup.metric_teams, rng);
            let first = setup
                .teams_read
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(team.clone());
            api.graphql(
                team_metrics::QUERY,
                &team_metrics::variables(&team, Utc::now()),
            )
            .await?;
            Ok((
                if first {
                    "first read of its team"
                } else {
                    "team read before"
                },
                0,
            ))
        }
        Group::Updates => {
            let input = json!({
                "id": pick(&workload.artifact_ids, rng),
                "description": format!("Changed by the mixed load {} ({n})", setup.run.id),
            });
            api.graphql(UPDATE, &json!({ "input": input })).await?;
            Ok(("update", 0))
        }
        Group::Events => {
            let batch = setup
                .run
                .event_batch(&setup.event_sources, n, EVENTS_PER_REQUEST);
            api.ingest(&batch).await?;
            Ok(("events", batch.len() as u64))
        }
        Group::NewerWriters => {
            // The turn goes to the next writer when one was skipped.
            let writers: &[&'static str] = if setup.webhook.is_some() {
                &["import", "webhook", "sbom"]
            } else {
                &["import", "sbom"]
            };
            let kind = writers[(n % writers.len() as u64) as usize];
            match kind {
                "import" => import(api, workload, setup, n, rng).await?,
                "webhook" => deliver(api, setup, n).await?,
                _ => upload(api, setup).await?,
            }
            Ok((kind, 0))
        }
    }
}

/// The teams the metrics readers pick from: the first `n` listed (at least one), or all.
fn metric_teams(all: &[String], n: Option<usize>) -> Vec<String> {
    all.iter()
        .take(n.map_or(all.len(), |n| n.max(1)))
        .cloned()
        .collect()
}

fn pick(list: &[String], rng: &mut StdRng) -> String {
    list[rng.random_range(0..list.len())].clone()
}

/// A small NDJSON import: new descriptions for a few artifacts in a row from a random one.
async fn import(
    api: &Api,
    workload: &Workload,
    setup: &Setup,
    n: u64,
    rng: &mut StdRng,
) -> anyhow::Result<()> {
    let ids = &workload.artifact_ids;
    let first = rng.random_range(0..ids.len());
    let body: String = (0..IMPORT_LINES)
        .map(|i| {
            let line = json!({
                "kind": "factSheet",
                "ref": { "id": ids[(first + i) % ids.len()] },
                "description": format!("Imported by the mixed load {} ({n}.{i})", setup.run.id),
            });
            format!("{line}\n")
        })
        .collect();
    let request = api
        .post("/import")
        .header("content-type", "application/x-ndjson")
        .body(body);
    api.expect(request, StatusCode::OK, "POST /import").await
}

/// A signed GitHub push of one new commit.
async fn deliver(api: &Api, setup: &Setup, n: u64) -> anyhow::Result<()> {
    let Some((path, secret)) = &setup.webhook else {
        return Ok(());
    };
    let mut push: Value = serde_json::from_str(webhooks::PUSH)?;
    // A commit id of 40 hex digits, new in every run: the run id (32) and `n` (8).
    push["commits"][0]["id"] = json!(format!("{}{:08x}", setup.run.id, n));
    push["commits"][0]["timestamp"] = json!(Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true));
    let body = serde_json::to_vec(&push)?;
    let request = api
        .post_unauthenticated(path)
        .header("content-type", "application/json")
        .header("x-github-event", "push")
        .header("x-github-delivery", format!("mixed-{}-{n}", setup.run.id))
        .header(
            "x-hub-signature-256",
            signature_header(secret.as_bytes(), &body),
        )
        .body(body);
    api.expect(request, StatusCode::ACCEPTED, "a GitHub delivery")
        .await
}

/// The SBOM of the run's own artifact, uploaded again: its components replaced and matched.
async fn upload(api: &Api, setup: &Setup) -> anyhow::Result<()> {
    let request = api
        .post(&format!("/sbom?factSheet={}", setup.sbom_target))
        .header("content-type", "application/vnd.cyclonedx+json")
        .body(setup.sbom.clone());
    api.expect(request, StatusCode::OK, "POST /sbom").await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_readers_pick_from_the_first_teams_listed_or_all() {
        let teams: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
        assert_eq!(metric_teams(&teams, None), teams);
        assert_eq!(metric_teams(&teams, Some(2)), ["a", "b"]);
        assert_eq!(
            metric_teams(&teams, Some(0)),
            ["a"],
            "never none to pick from"
        );
        assert_eq!(metric_teams(&teams, Some(10)), teams);
    }
}
