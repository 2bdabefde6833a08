//! Expensive queries take turns; cheap ones never wait behind them.
//!
//! A server has a few cores. Expensive queries running side by side beyond what those cores
//! serve finish no sooner, and every other request shares the cores and the connection pool
//! with all of them: beside 16 clients of depth-3 traversals, a team's DORA tile that takes
//! 2 ms alone took 44 ms at the median and 100 ms at p95, and 9 / 34 ms beside 4 (BENCHMARKS.md).
//! So a request whose estimated cost ([`cost::estimate`], the schema's complexity rule)
//! reaches [`HeavyQueryOptions::cost`] waits for one of a few slots, before it opens its
//! database connection, and every other request passes at once. The wait counts towards the
//! request's timeout, like the rest of its time. Once it has its turn, it runs on the
//! [`lane`], threads of lower priority than the HTTP workers that serve the cheap requests.

mod cost;
mod lane;

use std::{
    future::Future,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
};

use async_graphql::{BatchRequest, Request};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use self::lane::Lane;
use super::{document, limits::count_tokens};

/// When a query counts as expensive, and how many such queries run at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeavyQueryOptions {
    /// The estimated cost from which a query waits for a slot. The default is a tenth of the
    /// default complexity limit: a depth-3 traversal of 100 fact sheets (18,400) waits, a page
    /// of 50 fact sheets with a few fields each or a team's metrics do not.
    pub cost: u64,
    /// Expensive queries running at once; 0 means four per CPU. Two per CPU keep the cores as
    /// busy, but give what they free to the cheap requests, and a dashboard's metrics are
    /// cheap to estimate yet costly while their facts reload: four keep the traversals'
    /// rate under a mixed load (BENCHMARKS.md).
    pub slots: usize,
    /// How much lower than the HTTP workers' the priority of the threads expensive queries
    /// run on is, in niceness (0: the same, 19: the lowest). Higher lets cheap requests through
    /// sooner and takes more from the expensive ones when cheap ones keep the cores busy. In
    /// the load benchmark's mixed load, whose dashboards send their next read as soon as one is
    /// answered, 12 held a team's DORA read at p95 18-19 ms and the depth-3 traversals at
    /// 135-155 a second with p95 under 220 ms; 4 gave the traversals 160-180 a second and the
    /// DORA reads a p95 of 32-34 ms (BENCHMARKS.md).
    pub niceness: u8,
}

impl Default for HeavyQueryOptions {
    fn default() -> Self {
        Self {
            cost: 2_000,
            slots: 0,
            niceness: 12,
        }
    }
}

/// The slots expensive queries take turns on, shared by all requests of a server.
#[derive(Clone)]
pub struct HeavyQueries {
    cost: u64,
    /// The document limit on tokens: a longer document is not parsed here, but left to the
    /// limits, which refuse it before parsing.
    max_tokens: usize,
    slots: Arc<Semaphore>,
    waiting: Arc<AtomicUsize>,
    lane: Arc<Lane>,
}

/// A turn on a slot, held for as long as this lives; no slot for a cheap request.
pub struct Turn {
    _slot: Option<OwnedSemaphorePermit>,
    /// Where an expensive query runs; `None` for a cheap one, which runs where it arrived.
    lane: Option<Arc<Lane>>,
}

impl Turn {
    /// Runs `work` (the request's execution and the writing of its response) where the query
    /// belongs: on the lane when it is expensive, here when it is cheap.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl Future<Output = T> + Send + 'static,
    ) -> T {
        match &self.lane {
            Some(lane) => lane.run(work).await,
            None => work.await,
        }
    }
}

impl HeavyQueries {
    pub fn new(options: HeavyQueryOptions, max_tokens: usize) -> Self {
        let slots = match options.slots {
            0 => 4 * std::thread::available_parallelism().map_or(1, usize::from),
            n => n,
        };
        Self {
            cost: options.cost,
            max_tokens,
            slots: Arc::new(Semaphore::new(slots)),
            waiting: Arc::default(),
            lane: Arc::new(Lane::new(options.niceness)),
        }
    }

    /// Waits for a slot when `batch` is expensive. Its requests run one after the other on one
    /// connection, so their costs add up.
    pub async fn turn(&self, batch: &mut BatchRequest) -> Turn {
        let cost = batch
            .iter_mut()
            .map(|request| self.estimated_cost(request))
            .fold(0, u64::saturating_add);
        if cost < self.cost {
            return Turn {
                _slot: None,
                lane: None,
            };
        }
        let permit = {
            // Counted down however the wait ends: a request cancelled at its timeout stops
            // waiting too.
            let _waiting = Waiting::on(&self.waiting);
            self.slots.clone().acquire_owned().await
        };
        // The semaphore is never closed; a closed one would let the request run unqueued.
        Turn {
            _slot: permit.ok(),
            lane: Some(self.lane.clone()),
        }
    }

    /// Requests waiting for a slot right now.
    pub fn waiting(&self) -> usize {
        self.waiting.load(Ordering::Relaxed)
    }

    /// The estimated cost of the operation `request` runs; 0 when it is longer than the
    /// token limit, does not parse or names no operation to run (refused without reading
    /// anything).
    fn estimated_cost(&self, request: &mut Request) -> u64 {
        if count_tokens(&request.query, self.max_tokens).is_none() {
            return 0;
        }
        // Set aside while the document is borrowed (it is parsed into the request), not
        // copied: variables may be most of a megabyte of mutation input.
        let variables = std::mem::take(&mut request.variables);
        let name = request.operation_name.take();
        let cost = match request.parsed_query() {
            Ok(doc) => document::operation_to_run(&doc.operations, name.as_deref())
                .map_or(0, |op| cost::estimate(&doc.fragments, &op.node, &variables)),
            Err(_) => 0,
        };
        request.variables = variables;
        request.operation_name = name;
        cost
    }
}

/// One request counted in [`HeavyQueries::waiting`] while this lives.
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn on(count: &'a AtomicUsize) -> Self {
        count.fetch_add(1, Ordering::Relaxed);
        Self(count)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use futures::FutureExt;

    use super::*;

    const HEAVY: &str = "{ factSheets(first: 100) { nodes { id name } } }";
    const CHEAP: &str = "{ viewer { subject } }";

    fn batch(query: &str) -> BatchRequest {
        BatchRequest::Single(Request::new(query))
    }

    /// A gate of one slot for queries costing `cost` or more, under the token limit `max_tokens`.
    fn one_slot(cost: u64, max_tokens: usize) -> HeavyQueries {
        HeavyQueries::new(
            HeavyQueryOptions {
                cost,
                slots: 1,
                ..HeavyQueryOptions::default()
            },
            max_tokens,
        )
    }

    #[tokio::test]
    async fn expensive_queries_wait_for_a_slot_and_cheap_ones_pass() {
        let gate = one_slot(200, 10_000);
        let first = gate.turn(&mut batch(HEAVY)).await;
        let mut second = Box::pin(async {
            let mut heavy = batch(HEAVY);
            gate.turn(&mut heavy).await
        });
        assert!(
            (&mut second).now_or_never().is_none(),
            "the only slot is taken"
        );
        assert_eq!(gate.waiting(), 1);
        let cheap = gate.turn(&mut batch(CHEAP)).now_or_never();
        assert!(
            cheap.is_some_and(|turn| turn._slot.is_none()),
            "a cheap query never waits"
        );
        drop(first);
        assert!(
            second
                .now_or_never()
                .is_some_and(|turn| turn._slot.is_some())
        );
        assert_eq!(gate.waiting(), 0);
    }

    #[tokio::test]
    async fn an_expensive_query_runs_on_the_lane_and_a_cheap_one_where_it_arrived() {
        let gate = one_slot(200, 10_000);
        let thread = || async { std::thread::current().name().map(str::to_owned) };
        let heavy = gate.turn(&mut batch(HEAVY)).await;
        assert_eq!(
            heavy.run(thread()).await.as_deref(),
            Some(lane::THREAD_NAME)
        );
        let cheap = gate.turn(&mut batch(CHEAP)).await;
        assert_ne!(
            cheap.run(thread()).await.as_deref(),
            Some(lane::THREAD_NAME)
        );
    }

    #[tokio::test]
    async fn a_request_that_stops_waiting_is_no_longer_counted() {
        let gate = one_slot(200, 10_000);
        let _first = gate.turn(&mut batch(HEAVY)).await;
        let mut heavy = batch(HEAVY);
        let mut waiting = Box::pin(gate.turn(&mut heavy));
        assert!((&mut waiting).now_or_never().is_none());
        assert_eq!(gate.waiting(), 1);
        // As when the request's timeout cancels it.
        drop(waiting);
        assert_eq!(gate.waiting(), 0);
    }

    #[tokio::test]
    async fn a_batch_costs_what_its_requests_cost_together() {
        // One such request costs 200 (100 items of `nodes { id }`).
        let gate = one_slot(300, 10_000);
        let one = || Request::new("{ factSheets(first: 100) { nodes { id } } }");
        let alone = gate.turn(&mut BatchRequest::Single(one())).now_or_never();
        assert!(alone.is_some_and(|turn| turn._slot.is_none()));
        let two = gate
            .turn(&mut BatchRequest::Batch(vec![one(), one()]))
            .now_or_never();
        assert!(two.as_ref().is_some_and(|turn| turn._slot.is_some()));
        let mut three = BatchRequest::Batch(vec![one(), one(), one()]);
        assert!(gate.turn(&mut three).now_or_never().is_none());
    }

    #[tokio::test]
    async fn a_document_over_the_token_limit_is_left_to_the_limits_unparsed() {
        let gate = one_slot(200, 12);
        // 10 tokens, costing 300: it takes the only slot.
        let held = gate
            .turn(&mut batch("{ a(first: 300) { b } }"))
            .now_or_never();
        assert!(held.as_ref().is_some_and(|turn| turn._slot.is_some()));
        // HEAVY has 15 tokens: not estimated, so not kept waiting for the refusal.
        assert!(
            gate.turn(&mut batch(HEAVY))
                .now_or_never()
                .is_some_and(|turn| turn._slot.is_none())
        );
    }
}
