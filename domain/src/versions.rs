//! Per-workspace counters, raised inside the writer's transaction, that key exact in-process
//! caches: a cached figure is reused until the counter it was computed under moves, on every
//! replica, without a cache service.
//!
//! - [`Counter::Inventory`] moves with every recorded change to the workspace's fact sheets.
//!   Every write that can change what an inventory aggregate counts (a fact sheet's type,
//!   status, attributes, tags, external IDs, parent or relations) records a history entry:
//!   that is the product's promise of a history of every change. So the counter is raised
//!   where history is written (history's `record` and the bulk import), and no write
//!   path can forget it. Meta model migrations also re-score and re-index values without
//!   history; they raise the counter themselves (and aggregates are keyed by the meta model
//!   version as well).
//! - [`Counter::Events`] moves with every ingestion that stores at least one new event
//!   (the events' `ingest`), the only way facts are written.
//!
//! Each raise also says what it [`Touched`]: the fact sheets a change wrote, or the event
//! sources an ingestion stored facts for. A cache of results that read only some fact sheets
//! or sources (a relation window, a team's metrics) keeps them across raises that touched
//! none of those ([`TouchLog`]): in a busy workspace, where something changes every second,
//! that is the difference between a cache that helps and one that is always cold.
//!
//! Readers read a counter *before* computing, so a figure is never cached under a version
//! newer than the data it was computed from.

mod touch_log;

pub(crate) use touch_log::{SinceThen, TouchLog};

use sea_orm::{
    ConnectionTrait,
    sea_query::{Alias, Expr, ExprTrait, Func, FunctionCall, OnConflict, Query, SelectStatement},
};
use uuid::Uuid;

use crate::error::Result;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counter {
    Inventory,
    Events,
}

impl Counter {
    fn table(self) -> Alias {
        Alias::new(match self {
            Counter::Inventory => "inventory_versions",
            Counter::Events => "event_versions",
        })
    }

    /// Where what each version touched is kept.
    fn touches_table(self) -> Alias {
        Alias::new(match self {
            Counter::Inventory => "inventory_touches",
            Counter::Events => "event_touches",
        })
    }
}

const WORKSPACE_ID: &str = "workspace_id";
const VERSION: &str = "version";
const SUBJECT: &str = "subject";
/// The ingestion behind an events version, on its touches.
pub(crate) const INGEST_ID: &str = "ingest_id";

/// What one raise of a counter touched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Touched {
    /// Everything the counter keys: bulk writes and meta model migrations.
    Everything,
    /// Only these subjects: fact sheet ids (inventory) or event sources (events).
    Only(Vec<String>),
}

impl Touched {
    /// The fact sheets `ids`.
    pub fn sheets(ids: impl IntoIterator<Item = Uuid>) -> Self {
        Touched::Only(ids.into_iter().map(|id| id.to_string()).collect())
    }
}

/// Subjects recorded one by one at most; a raise touching more is recorded as touching
/// everything (one row instead of thousands, and caches would drop most entries anyway).
const MAX_SUBJECTS_PER_RAISE: usize = 1_000;

/// How many versions of touches are kept behind the counter. A reader whose cache was last
/// brought up to date further back than this drops it (see [`TouchLog`]).
pub(crate) const TOUCHES_KEPT: i64 = 8_192;

/// Touches older than [`TOUCHES_KEPT`] are deleted by every raise to a multiple of this.
const PRUNE_EVERY: i64 = 256;

/// The subject of a touch of everything.
pub(crate) const EVERYTHING: &str = "*";

/// Rows of one insert of touches, well below both backends' bind limits (three binds each).
const TOUCH_ROWS_PER_STATEMENT: usize = 1_000;

/// Raises the workspace's counter inside the caller's transaction and records what the new
/// version `touched`. On PostgreSQL the counter row stays locked until commit, so concurrent
/// writers of one workspace queue here for the rest of their transaction (callers raise it as
/// their last statement, so the wait is the commit), and versions commit in order: a reader
/// that sees a version sees every touch up to it.
pub async fn raise(
    db: &impl ConnectionTrait,
    counter: Counter,
    workspace_id: Uuid,
    touched: Touched,
) -> Result<()> {
    raise_stamped(db, counter, workspace_id, touched, None).await
}

/// [`raise`] for an ingestion that stamped the fact rows it stored with `ingest_id`: each touch
/// names it, so a reader can read just what the versions after its own stored for its sources
/// ([`ingestions`]).
pub async fn raise_for_ingestion(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
    touched: Touched,
    ingest_id: Uuid,
) -> Result<()> {
    raise_stamped(db, Counter::Events, workspace_id, touched, Some(ingest_id)).await
}

async fn raise_stamped(
    db: &impl ConnectionTrait,
    counter: Counter,
    workspace_id: Uuid,
    touched: Touched,
    ingest_id: Option<Uuid>,
) -> Result<()> {
    let table = counter.table();
    let statement = Query::insert()
        .into_table(table.clone())
        .columns([Alias::new(WORKSPACE_ID), Alias::new(VERSION)])
        .values_panic([workspace_id.into(), 1_i64.into()])
        .on_conflict(
            OnConflict::column(Alias::new(WORKSPACE_ID))
                .value(
                    Alias::new(VERSION),
                    Expr::col((table, Alias::new(VERSION))).add(1),
                )
                .to_owned(),
        )
        .returning_col(Alias::new(VERSION))
        .to_owned();
    let version: i64 = db
        .query_one(&statement)
        .await?
        .ok_or_else(|| crate::error::Error::Internal("raising a counter returned no row".into()))?
        .try_get_by_index(0)?;
    let mut subjects = match touched {
        Touched::Only(subjects) if subjects.len() <= MAX_SUBJECTS_PER_RAISE => subjects,
        _ => vec![EVERYTHING.to_owned()],
    };
    subjects.sort_unstable();
    subjects.dedup();
    let touches = counter.touches_table();
    for chunk in subjects.chunks(TOUCH_ROWS_PER_STATEMENT) {
        let mut columns = vec![
            Alias::new(WORKSPACE_ID),
            Alias::new(VERSION),
            Alias::new(SUBJECT),
        ];
        columns.extend(ingest_id.map(|_| Alias::new(INGEST_ID)));
        let mut insert = Query::insert()
            .into_table(touches.clone())
            .columns(columns)
            .to_owned();
        for subject in chunk {
            let mut values = vec![workspace_id.into(), version.into(), subject.clone().into()];
            values.extend(ingest_id.map(Into::into));
            insert.values_panic(values);
        }
        db.execute(&insert).await?;
    }
    if version % PRUNE_EVERY == 0 {
        let prune = Query::delete()
            .from_table(touches)
            .and_where(Expr::col(Alias::new(WORKSPACE_ID)).eq(workspace_id))
            .and_where(Expr::col(Alias::new(VERSION)).lte(version - TOUCHES_KEPT))
            .to_owned();
        db.execute(&prune).await?;
    }
    Ok(())
}

/// The ingestions behind the events versions in `(after, through]` that touched one of
/// `sources`, as a subquery: the rows a fact table holds from exactly those versions are those
/// whose `ingest_id` is in it. Versions whose touches name no ingestion are not in it; the
/// [`TouchLog`] tells callers when there are any.
pub(crate) fn ingestions(
    workspace_id: Uuid,
    after: i64,
    through: i64,
    sources: &[String],
) -> SelectStatement {
    Query::select()
        .column(Alias::new(INGEST_ID))
        .from(Counter::Events.touches_table())
        .and_where(Expr::col(Alias::new(WORKSPACE_ID)).eq(workspace_id))
        .and_where(Expr::col(Alias::new(VERSION)).gt(after))
        .and_where(Expr::col(Alias::new(VERSION)).lte(through))
        .and_where(Expr::col(Alias::new(SUBJECT)).is_in(sources.iter().cloned()))
        .to_owned()
}

/// The one-row (or no-row) read of the workspace's `counter`, on its own or as a subquery.
fn select_version(counter: Counter, workspace_id: Uuid) -> SelectStatement {
    Query::select()
        .column(Alias::new(VERSION))
        .from(counter.table())
        .and_where(Expr::col(Alias::new(WORKSPACE_ID)).eq(workspace_id))
        .to_owned()
}

/// The workspace's counter as the caller's transaction sees it (0 before the first raise).
pub async fn current(
    db: &impl ConnectionTrait,
    counter: Counter,
    workspace_id: Uuid,
) -> Result<i64> {
    Ok(
        match db.query_one(&select_version(counter, workspace_id)).await? {
            Some(row) => row.try_get_by_index::<i64>(0)?,
            None => 0,
        },
    )
}

/// The workspace's `counter` as a column of another statement (0 before the first raise), so
/// reading it beside something else costs no round trip of its own.
pub(crate) fn column(counter: Counter, workspace_id: Uuid) -> FunctionCall {
    Func::coalesce([
        Expr::SubQuery(None, Box::new(select_version(counter, workspace_id).into())),
        Expr::val(0_i64),
    ])
}

/// Both of the workspace's counters, read in one statement: caches keyed by both (metrics)
/// would otherwise pay two round trips on every hit.
pub async fn both(db: &impl ConnectionTrait, workspace_id: Uuid) -> Result<Both> {
    let of = |counter: Counter| column(counter, workspace_id);
    let statement = Query::select()
        .expr(of(Counter::Inventory))
        .expr(of(Counter::Events))
        .to_owned();
    let row = db.query_one(&statement).await?.ok_or_else(|| {
        crate::error::Error::Internal("a select without FROM returned no row".into())
    })?;
    Ok(Both {
        inventory: row.try_get_by_index::<i64>(0)?,
        events: row.try_get_by_index::<i64>(1)?,
    })
}

/// The counters' values at one read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Both {
    pub inventory: i64,
    pub events: i64,
}

/// A counter read at most once per request, at its first use. Figures of one request keyed by
/// it (a page's total and its facets, resolved side by side) share one read instead of a
/// round trip each, and each is still computed after the read, so none is keyed by a version
/// newer than its data.
#[derive(Debug)]
pub struct ReadOnce {
    counter: Counter,
    workspace_id: Uuid,
    value: tokio::sync::OnceCell<i64>,
}

impl ReadOnce {
    pub fn new(counter: Counter, workspace_id: Uuid) -> Self {
        Self {
            counter,
            workspace_id,
            value: tokio::sync::OnceCell::new(),
        }
    }

    pub fn counter(&self) -> Counter {
        self.counter
    }

    pub fn workspace_id(&self) -> Uuid {
        self.workspace_id
    }

    /// Whether `counter` of `workspace_id` is to be read here and was not read yet.
    pub(crate) fn unread(&self, counter: Counter, workspace_id: Uuid) -> bool {
        self.counter == counter && self.workspace_id == workspace_id && self.value.get().is_none()
    }

    /// Takes the counter's value from another statement of this request, which read it with
    /// [`column`] before any figure it keys was computed; a value read already stays.
    pub(crate) fn prime(&self, value: i64) {
        let _ = self.value.set(value);
    }

    /// The inventory and events counters as first read in this request: from another statement
    /// that primed them, or read together in one statement.
    pub async fn both(db: &impl ConnectionTrait, inventory: &Self, events: &Self) -> Result<Both> {
        let (i, e) = (inventory.value.get(), events.value.get());
        if i.is_none() && e.is_none() {
            let read = both(db, inventory.workspace_id).await?;
            inventory.prime(read.inventory);
            events.prime(read.events);
        }
        Ok(Both {
            inventory: inventory.get(db).await?,
            events: events.get(db).await?,
        })
    }

    /// The counter as first read through `db` in this request.
    pub async fn get(&self, db: &impl ConnectionTrait) -> Result<i64> {
        self.value
            .get_or_try_init(|| current(db, self.counter, self.workspace_id))
            .await
            .copied()
    }
}
