//! The abuse tier: each test runs one attack against the real server (spawned on port 0, as in
//! the API tests), bounded in count and time, and asserts that the attack is refused, that
//! nothing is written, and that `/healthz` keeps answering promptly while it runs.
//!
//! A binary of its own, and one test at a time: cargo runs test binaries one after another, so
//! the health check's latency measures the server under attack, not the rest of the suite
//! competing for the same two cores.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use tokio::{
    task::JoinHandle,
    time::{sleep, timeout},
};

use support::Server;

#[allow(dead_code)]
#[path = "../api/support.rs"]
mod support;

mod database_work;
mod metric_windows;
mod slow_bodies;

/// How promptly `/healthz` must answer, as the median of the probes taken while an attack runs.
/// The median and not the slowest: the test client shares the machine's two cores with the
/// server, and one probe delayed while it opens a thousand connections says nothing about the
/// server.
pub const HEALTHZ_WITHIN: Duration = Duration::from_millis(200);

/// What no single probe may exceed. An attack that held the server's workers would hold the
/// probe until the body deadline (one second) cut the attack's connections loose.
pub const HEALTHZ_AT_WORST: Duration = Duration::from_millis(900);

/// Asks `/healthz` on a fresh connection from 127.0.0.1 every 50 ms until stopped, recording
/// how long each answer took.
pub struct HealthProbe {
    stop: Arc<AtomicBool>,
    probe: JoinHandle<Vec<Duration>>,
}

impl HealthProbe {
    pub fn start(server: &Server) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .build()
            .unwrap();
        let url = format!("{}/healthz", server.base);
        let stopped = stop.clone();
        let probe = tokio::spawn(async move {
            let mut answers = Vec::new();
            while !stopped.load(Ordering::Relaxed) {
                let start = Instant::now();
                let response = timeout(Duration::from_secs(2), client.get(&url).send())
                    .await
                    .expect("/healthz did not answer within 2 s")
                    .unwrap();
                assert_eq!(response.status(), 200);
                answers.push(start.elapsed());
                sleep(Duration::from_millis(50)).await;
            }
            answers
        });
        Self { stop, probe }
    }

    /// Stops the probe and asserts that `/healthz` answered every time, promptly as a rule
    /// ([`HEALTHZ_WITHIN`]) and never as late as a held worker would make it
    /// ([`HEALTHZ_AT_WORST`]).
    pub async fn assert_answered_promptly(self) {
        self.stop.store(true, Ordering::Relaxed);
        let mut answers = self.probe.await.unwrap();
        assert!(!answers.is_empty(), "/healthz was never asked");
        answers.sort();
        let median = answers[answers.len() / 2];
        let slowest = answers[answers.len() - 1];
        assert!(
            median < HEALTHZ_WITHIN,
            "/healthz took {median:?} at the median of {} probes",
            answers.len()
        );
        assert!(
            slowest < HEALTHZ_AT_WORST,
            "/healthz took {slowest:?} at worst"
        );
    }
}

/// Held by each test for its whole run, so the attacks of this binary never overlap.
pub async fn one_at_a_time() -> tokio::sync::MutexGuard<'static, ()> {
    static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    TURN.lock().await
}
