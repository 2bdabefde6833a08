//! What a field costs in the complexity limit. A page of `first` items costs `first` times what
//! one item selects, so `first: 500` nested in `first: 500` costs 250,000 times its leaves and
//! is refused before it runs, while the same query with small pages passes.

use chrono::Utc;
use domain::{limits::MAX_PAGE_SIZE, metrics::MetricWindow, paging::DEFAULT_PAGE_SIZE};

use super::metrics::MetricWindowInput;

/// Costs above this are all "far too much"; capping keeps async-graphql's unchecked sums of
/// nested costs from overflowing.
const CEILING: usize = 1 << 32;

/// The items a page is priced at: `first` (50 when absent, at most 500, at least 1 so an empty
/// page still pays for its selection).
pub fn page_size(first: Option<i64>) -> u64 {
    first.map_or(DEFAULT_PAGE_SIZE, |n| {
        u64::try_from(n.max(1)).map_or(MAX_PAGE_SIZE, |n| n.min(MAX_PAGE_SIZE))
    })
}

/// The cost of a page: [`page_size`] times the cost of one item.
pub fn page_cost(first: Option<i32>, child_complexity: usize) -> usize {
    let size = page_size(first.map(i64::from)) as usize;
    size.saturating_mul(child_complexity).min(CEILING)
}

/// Computed metrics read a fact sheet's events (and those it rolls up over): priced like a
/// small page rather than like a plain field.
pub const METRICS_COST: usize = 20;

/// The cost of `metrics(window:)`: [`METRICS_COST`] and its selection, plus one for every bucket
/// the window is cut into, since each metric family computes and keeps a list of them (a `last`
/// window is counted as ending now). A window that does not parse costs the base; its resolver
/// refuses it.
pub fn metrics_cost(window: &MetricWindowInput, child_complexity: usize) -> usize {
    let buckets = window
        .time_zone
        .parse()
        .ok()
        .zip(window.range(Utc::now()).ok())
        .and_then(|(tz, (from, to))| MetricWindow::new(from, to, window.bucket.into(), tz).ok())
        .map_or(0, |w| w.bucket_count());
    (METRICS_COST + child_complexity)
        .saturating_add(usize::try_from(buckets).unwrap_or(usize::MAX))
        .min(CEILING)
}

#[cfg(test)]
mod tests {
    use super::super::metrics::{Bucket, MetricWindowInput};
    use super::{METRICS_COST, metrics_cost, page_cost};

    fn window(last: &str, bucket: Bucket) -> MetricWindowInput {
        MetricWindowInput {
            from: None,
            to: None,
            last: Some(last.into()),
            bucket,
            time_zone: "UTC".into(),
        }
    }

    #[test]
    fn a_last_window_pays_for_its_buckets() {
        // Thirty days ending at a moment past midnight touch 31 days, or 30 at midnight.
        let days = metrics_cost(&window("P30D", Bucket::Day), 1) - METRICS_COST - 1;
        assert!((30..=31).contains(&days), "{days}");
        let weeks = metrics_cost(&window("P30D", Bucket::Week), 1) - METRICS_COST - 1;
        assert!((5..=6).contains(&weeks), "{weeks}");
        // A duration that does not parse costs the base; the resolver refuses it.
        assert_eq!(
            metrics_cost(&window("P1M", Bucket::Day), 1),
            METRICS_COST + 1
        );
    }

    #[test]
    fn a_page_costs_first_times_its_items() {
        assert_eq!(page_cost(Some(10), 3), 30);
        assert_eq!(page_cost(None, 3), 150);
        assert_eq!(page_cost(Some(100_000), 3), 1500);
        assert_eq!(page_cost(Some(0), 3), 3);
        assert_eq!(page_cost(Some(500), usize::MAX), 1 << 32);
    }
}
