//! The cap on open client connections of the whole server.
//!
//! Every connection holds a file descriptor. When the process runs out of them, the listener
//! can accept nothing, not even an orchestrator's `/healthz`, and the database pool cannot
//! open a connection either. actix-web stops accepting when a worker holds its maximum of
//! connections (new ones wait in the listen backlog), so the configured total is divided among
//! the workers, and the total is kept under the process's descriptor limit with room for
//! everything else the server opens.

/// Descriptors kept for everything but client connections: the database pools, the SQLite
/// files, the listener, the runtimes' event queues, log files and JWKS fetches.
const RESERVED_DESCRIPTORS: usize = 256;

/// The connections each of `workers` workers may hold: `max_connections` (0: no configured
/// cap) divided among them, lowered to stay under `descriptor_limit` when that is known.
/// `None` when neither applies, leaving actix-web's own default.
pub fn per_worker(
    max_connections: usize,
    workers: usize,
    descriptor_limit: Option<usize>,
) -> Option<usize> {
    let workers = workers.max(1);
    let budget = descriptor_limit.map(|limit| limit.saturating_sub(RESERVED_DESCRIPTORS));
    let total = match (max_connections, budget) {
        (0, None) => return None,
        (0, Some(budget)) => budget,
        (configured, None) => configured,
        (configured, Some(budget)) => {
            if budget < configured {
                tracing::warn!(
                    max_connections = configured,
                    lowered_to = budget,
                    descriptor_limit,
                    "max_connections lowered to stay under the open file limit (raise `ulimit -n` to allow more)"
                );
            }
            configured.min(budget)
        }
    };
    Some((total / workers).max(1))
}

/// The process's soft limit on open files, `None` where it is unlimited or unknown.
#[cfg(unix)]
pub fn descriptor_limit() -> Option<usize> {
    let limit = rustix::process::getrlimit(rustix::process::Resource::Nofile);
    limit.current.and_then(|n| usize::try_from(n).ok())
}

#[cfg(not(unix))]
pub fn descriptor_limit() -> Option<usize> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_total_is_divided_among_the_workers() {
        assert_eq!(per_worker(10_000, 4, None), Some(2_500));
        assert_eq!(per_worker(10_000, 3, None), Some(3_333));
        assert_eq!(per_worker(1, 4, None), Some(1));
        assert_eq!(per_worker(0, 4, None), None);
    }

    #[test]
    fn the_total_stays_under_the_descriptor_limit() {
        assert_eq!(per_worker(10_000, 2, Some(20_000)), Some(5_000));
        assert_eq!(per_worker(10_000, 2, Some(1_024)), Some(384));
        assert_eq!(per_worker(0, 1, Some(1_024)), Some(768));
        assert_eq!(per_worker(10_000, 1, Some(100)), Some(1));
    }

    #[test]
    fn the_limit_of_this_process_is_read() {
        if cfg!(unix) {
            assert!(descriptor_limit().is_some_and(|n| n > 0));
        }
    }
}
