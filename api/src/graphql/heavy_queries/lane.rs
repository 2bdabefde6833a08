//! Where expensive queries run: threads of their own, at a lower CPU priority than the HTTP
//! workers.
//!
//! Why: the slots bound how many expensive queries run at once, but those that run shared the
//! HTTP workers with every cheap request. A worker runs its requests cooperatively, so a team's
//! DORA tile whose statement had just come back waited for its worker to finish building a
//! traversal's response (milliseconds of CPU without a pause), and did so at each of its round
//! trips: under 16 traversal clients on two cores, a read that takes 2 ms alone took 20 ms at
//! the median (BENCHMARKS.md). On threads of their own and a higher niceness, the operating
//! system gives the cores to the workers whenever a cheap request has work, and everything
//! else to the expensive queries, which lose nothing while the server has nothing else to do.
//!
//! The lane's threads start at the first expensive query, so a server or test that never runs
//! one never starts them.

use std::{future::Future, panic::resume_unwind, sync::OnceLock};

use tokio::{
    runtime::{Builder, Runtime},
    task::JoinHandle,
};
use tracing::Instrument;

/// The threads expensive queries run on, and how much lower their priority is.
pub struct Lane {
    /// Added to the threads' niceness (0: the workers' priority, 19: the lowest).
    niceness: u8,
    /// `None` when the threads could not be started: expensive queries then run where they
    /// arrive, as cheap ones do.
    runtime: OnceLock<Option<Runtime>>,
}

impl Lane {
    pub fn new(niceness: u8) -> Self {
        Self {
            niceness,
            runtime: OnceLock::new(),
        }
    }

    /// Runs `work` to its end on the lane, in the caller's tracing span. Dropping the returned
    /// future (the request timed out, or its client went away) drops `work` on the lane too.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl Future<Output = T> + Send + 'static,
    ) -> T {
        let work = work.in_current_span();
        let Some(runtime) = self.runtime() else {
            return work.await;
        };
        let mut task = AbortOnDrop(runtime.spawn(work));
        match (&mut task.0).await {
            Ok(done) => done,
            // As if it had panicked here: the lane's thread lives on, the request does not.
            Err(e) => match e.try_into_panic() {
                Ok(panic) => resume_unwind(panic),
                Err(e) => resume_unwind(Box::new(e.to_string())),
            },
        }
    }

    fn runtime(&self) -> Option<&Runtime> {
        self.runtime
            .get_or_init(|| {
                let niceness = self.niceness;
                let started = Builder::new_multi_thread()
                    .worker_threads(std::thread::available_parallelism().map_or(1, usize::from))
                    .thread_name(THREAD_NAME)
                    .on_thread_start(move || lower_priority(niceness))
                    .enable_all()
                    .build();
                started
                    .inspect_err(|e| {
                        tracing::warn!(
                            error = %e,
                            "expensive queries run on the HTTP workers: their threads did not start"
                        );
                    })
                    .ok()
            })
            .as_ref()
    }
}

impl Drop for Lane {
    /// Without waiting: the lane goes when its schema goes, which may be inside a request's
    /// task, where waiting for threads is not allowed.
    fn drop(&mut self) {
        if let Some(Some(runtime)) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// The name of the lane's threads, as `top -H` and profilers show them.
pub const THREAD_NAME: &str = "wayfinder-heavy";

/// Aborts the task when the future awaiting it is dropped.
struct AbortOnDrop<T>(JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Raises the calling thread's niceness by `niceness` (to at most 19, the lowest priority).
/// On Linux, priorities belong to threads, and the process id 0 names the calling one;
/// elsewhere the same call would lower the whole process, so it is not made.
fn lower_priority(niceness: u8) {
    #[cfg(target_os = "linux")]
    {
        use rustix::process::{getpriority_process, setpriority_process};
        let lowered = getpriority_process(None).and_then(|now| {
            setpriority_process(None, now.saturating_add(i32::from(niceness)).min(19))
        });
        if let Err(e) = lowered {
            tracing::warn!(error = %e, "a thread of expensive queries kept the workers' priority");
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = niceness;
}

#[cfg(test)]
mod tests {
    use std::{
        sync::{
            Arc,
            atomic::{AtomicBool, Ordering},
        },
        time::Duration,
    };

    use super::*;

    /// The calling thread's niceness.
    #[cfg(target_os = "linux")]
    fn niceness() -> i32 {
        rustix::process::getpriority_process(None).expect("a thread reads its own niceness")
    }

    #[tokio::test]
    async fn work_runs_on_the_lanes_threads_at_a_lower_priority() {
        let lane = Lane::new(7);
        let (name, _nice) = lane
            .run(async {
                #[cfg(target_os = "linux")]
                let nice = niceness();
                #[cfg(not(target_os = "linux"))]
                let nice = 0;
                (std::thread::current().name().map(str::to_owned), nice)
            })
            .await;
        assert_eq!(name.as_deref(), Some(THREAD_NAME));
        #[cfg(target_os = "linux")]
        assert_eq!(_nice, (niceness() + 7).min(19));
    }

    #[tokio::test]
    async fn dropping_the_caller_drops_the_work() {
        struct SetOnDrop(Arc<AtomicBool>);
        impl Drop for SetOnDrop {
            fn drop(&mut self) {
                self.0.store(true, Ordering::SeqCst);
            }
        }
        let lane = Lane::new(0);
        let dropped = Arc::new(AtomicBool::new(false));
        let guard = SetOnDrop(dropped.clone());
        let forever = async move {
            let _guard = guard;
            std::future::pending::<()>().await
        };
        // As a request's timeout does.
        let timed_out = tokio::time::timeout(Duration::from_millis(20), lane.run(forever)).await;
        assert!(timed_out.is_err());
        for _ in 0..200 {
            if dropped.load(Ordering::SeqCst) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        panic!("the work still runs on the lane after its caller went away");
    }

    #[tokio::test]
    #[should_panic(expected = "boom")]
    async fn a_panic_on_the_lane_reaches_the_caller() {
        Lane::new(0).run(async { panic!("boom") }).await
    }
}
