//! Fixed concurrency for a fixed time: each client is a task sending one request after the
//! other. Requests that start during the warm-up are sent and checked but not measured.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use anyhow::Context;

use crate::bench::client::Api;

use super::{
    discovery::Workload,
    scenarios::{Request, Run, Scenario},
};

pub struct Measurement {
    /// Latencies in milliseconds of the measured requests, sorted.
    pub latencies: Vec<f64>,
    pub elapsed: Duration,
    /// Events stored by the measured requests (ingestion only).
    pub events: u64,
}

impl Measurement {
    pub fn requests_per_second(&self) -> f64 {
        self.latencies.len() as f64 / self.elapsed.as_secs_f64()
    }

    pub fn events_per_second(&self) -> f64 {
        self.events as f64 / self.elapsed.as_secs_f64()
    }

    /// Nearest-rank percentile: a latency some request really had.
    pub fn percentile(&self, q: f64) -> f64 {
        if self.latencies.is_empty() {
            return f64::NAN;
        }
        let rank = (q * self.latencies.len() as f64).ceil() as usize;
        self.latencies[rank.clamp(1, self.latencies.len()) - 1]
    }
}

pub struct Settings {
    pub clients: usize,
    pub warmup: Duration,
    pub duration: Duration,
}

/// Runs `scenario` from `settings.clients` tasks; the first failing request aborts the run.
pub async fn measure(
    api: &Api,
    workload: &Arc<Workload>,
    run: &Arc<Run>,
    scenario: Scenario,
    settings: &Settings,
) -> anyhow::Result<Measurement> {
    let started = Instant::now();
    let measured_from = started + settings.warmup;
    let until = measured_from + settings.duration;
    let sequence = Arc::new(AtomicU64::new(0));
    let mut clients = tokio::task::JoinSet::new();
    for _ in 0..settings.clients {
        let (api, workload, run, sequence) =
            (api.clone(), workload.clone(), run.clone(), sequence.clone());
        clients.spawn(async move {
            let mut latencies = Vec::new();
            let mut events = 0;
            loop {
                let sent = Instant::now();
                if sent >= until {
                    return Ok::<_, anyhow::Error>((latencies, events));
                }
                let n = sequence.fetch_add(1, Ordering::Relaxed);
                let stored = match scenario.request(&workload, &run, n) {
                    Request::GraphQl { query, variables } => {
                        api.graphql(query, &variables).await?;
                        0
                    }
                    Request::Events(batch) => {
                        api.ingest(&batch).await?;
                        batch.len() as u64
                    }
                };
                if sent >= measured_from {
                    latencies.push(sent.elapsed().as_secs_f64() * 1000.0);
                    events += stored;
                }
            }
        });
    }
    let mut latencies = Vec::new();
    let mut events = 0;
    while let Some(client) = clients.join_next().await {
        let (mine, stored) = client.context("a benchmark client panicked")??;
        latencies.extend(mine);
        events += stored;
    }
    // The last requests may finish after `until`: measure up to the end of the slowest.
    let elapsed = Instant::now().saturating_duration_since(measured_from);
    latencies.sort_by(f64::total_cmp);
    Ok(Measurement {
        latencies,
        elapsed,
        events,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_latencies_that_occurred() {
        let m = Measurement {
            latencies: (1..=100).map(f64::from).collect(),
            elapsed: Duration::from_secs(10),
            events: 0,
        };
        assert_eq!(m.percentile(0.5), 50.0);
        assert_eq!(m.percentile(0.95), 95.0);
        assert_eq!(m.percentile(0.99), 99.0);
        assert_eq!(m.percentile(1.0), 100.0);
        assert_eq!(m.requests_per_second(), 10.0);
    }
}
