//! The abuse tier: each test runs one attack against the real server (spawned on port 0, as in
//! the API tests), bounded in count and time, and asserts that the attack is refused, that
//! nothing is written, and that `/healthz` keeps answering within 200 ms while it runs.
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

/// How promptly `/healthz` must answer while an attack runs.
pub const HEALTHZ_WITHIN: Duration = Duration::from_millis(200);

/// Asks `/healthz` on a fresh connection from 127.0.0.1 every 50 ms until stopped; yields the
/// slowest answer.
pub fn probe_healthz(server: &Server) -> (Arc<AtomicBool>, JoinHandle<Duration>) {
    let stop = Arc::new(AtomicBool::new(false));
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let url = format!("{}/healthz", server.base);
    let stopped = stop.clone();
    let probe = tokio::spawn(async move {
        let mut slowest = Duration::ZERO;
        while !stopped.load(Ordering::Relaxed) {
            let start = Instant::now();
            let response = timeout(Duration::from_secs(2), client.get(&url).send())
                .await
                .expect("/healthz did not answer within 2 s")
                .unwrap();
            assert_eq!(response.status(), 200);
            slowest = slowest.max(start.elapsed());
            sleep(Duration::from_millis(50)).await;
        }
        slowest
    });
    (stop, probe)
}

pub async fn slowest_healthz(probe: (Arc<AtomicBool>, JoinHandle<Duration>)) -> Duration {
    probe.0.store(true, Ordering::Relaxed);
    probe.1.await.unwrap()
}

/// Held by each test for its whole run, so the attacks of this binary never overlap.
pub async fn one_at_a_time() -> tokio::sync::MutexGuard<'static, ()> {
    static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    TURN.lock().await
}
