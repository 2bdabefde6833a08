//! The facts one metric window can depend on, so a 90-day window over a year of events hands
//! the engine little more than the window's own facts. Exact, not sampled: a property test
//! checks the metrics of every pruned load against [`super::load_facts`].
//!
//! What the engine needs, and so what is read (DORA families):
//! - **Incidents**: all of them before the window end. An incident opened long ago may resolve
//!   in the window, stay open past it, or link a deployment of the window.
//! - **Deployments of the window**: every successful production event of each deployment id
//!   that has such an event in the window, with all its change ids. Events that count in no
//!   metric are not read (the engine drops them before merging).
//! - **Earlier deployments**: the other successful production events before the window, with
//!   their change ids cut down to the ones that matter here: those named by the window's
//!   deployments (was the change already deployed?) and by incidents (which deployment does the
//!   incident's change blame?). A deployment linked by no incident and left with no such change
//!   cannot change any figure and is dropped; of the others every event is kept, since the
//!   latest one sets the deployment's time even when it names none of those changes. Their
//!   lists are checked as borrowed text, so a year of change ids is never turned into strings.
//!   (Cutting them in SQL was tried: PostgreSQL unpacks every list row by row, far slower.)
//! - **Changes**: only those named by the window's deployments, the only ones lead time reads.
//!
//! Flow reads every work-item transition before the window end: work in progress reaches back
//! arbitrarily far. So does the vulnerability trend with every scanner event: a finding opened
//! long ago may still be open.

use std::{borrow::Cow, sync::Arc};

// Seeded per process like std's, several times faster on short ids: the sets below hold
// every change id of a team's window and year (SipHash was 7–11 % of a cold query's CPU).
use foldhash::{HashSet, HashSetExt};

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QuerySelect,
    sea_query::{Expr, ExprTrait, Func, Query, SelectStatement, SimpleExpr},
};
use uuid::Uuid;

use super::{
    every_fact::{
        FAILURE, Needs, SOURCES_PER_STATEMENT, change_ids, changes, incidents, scanner_events,
        work_items,
    },
    json_text::JsonText,
    left_out::LeftOut,
};
use crate::{
    db::{Beside, Siblings, beside_or},
    error::{Error, Result},
    metrics::facts::{Change, Deployment, DeploymentStatus, Facts, IncidentEvent, PRODUCTION},
};
use entity::{change_fact, deployment_fact};

/// See the module documentation. Families the caller does not need are not read at all. The
/// incidents, the deployments before the window and, for a request running alone, the
/// window's changes are read on [`Siblings`] of `db` when free, side by side with the window's
/// own deployments.
pub async fn load_window_facts(
    db: &impl Siblings,
    workspace_id: Uuid,
    sources: &[String],
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    needs: Needs,
) -> Result<Facts> {
    let load = load_window_facts_and_left_out(db, workspace_id, sources, from, until, needs);
    Ok(load.await?.0)
}

/// [`load_window_facts`], and what it left out of the deployments before the window: what
/// facts appended later are checked against.
pub(crate) async fn load_window_facts_and_left_out(
    db: &impl Siblings,
    workspace_id: Uuid,
    sources: &[String],
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    needs: Needs,
) -> Result<(Facts, LeftOut)> {
    let mut facts = Facts::default();
    let read = Arc::new(Reads {
        workspace_id,
        sources: sources.to_vec(),
        from,
        until,
    });
    if needs.flow {
        for chunk in read.chunks() {
            let every = Condition::all();
            facts
                .work_items
                .extend(work_items(db, workspace_id, chunk, until, every).await?);
        }
    }
    if needs.vulnerabilities {
        facts.vulnerabilities = scanner_events(db, workspace_id, sources, until).await?;
    }
    if !needs.dora {
        return Ok((facts, LeftOut::default()));
    }
    // Independent reads, as many beside this connection as siblings are free, the longest
    // first: the window's changes (only when they need no ids from this side, see
    // `Reads::window_and_changes`), the earlier deployments, the incidents. Whatever finds no
    // sibling runs here after the window's deployments.
    let changes = read.named_by_window_beside(db);
    let earlier = db.beside({
        let read = read.clone();
        move |c| async move { read.counting(&c, read.from, None).await }
    });
    let incidents = db.beside({
        let read = read.clone();
        move |c| async move { read.incidents(&c).await }
    });
    let (incidents, (mut window, mut changes), before) = tokio::try_join!(
        beside_or(incidents, read.incidents(db)),
        read.window_and_changes(db, changes),
        beside_or(earlier, read.counting(db, from, None)),
    )?;
    facts.incidents = incidents;

    // Earlier events of the window's deployment ids belong to them, with every change id
    // (one id may be deployed from several sources, so only now are all window ids known).
    let window_ids: HashSet<&str> = window.iter().map(|d| d.deployment_id.as_str()).collect();
    let (mut late, mut others) = (Vec::new(), Vec::new());
    for row in before {
        if window_ids.contains(row.deployment_id.as_str()) {
            late.push(row.with_all_changes()?);
        } else {
            others.push(row);
        }
    }
    let named: HashSet<&str> = window.iter().flat_map(change_id_strs).collect();
    let missing = distinct(
        late.iter()
            .flat_map(change_id_strs)
            .filter(|id| !named.contains(id)),
    );
    changes.extend(read.named_changes(db, &missing).await?);
    facts.changes = changes;
    window.append(&mut late);

    let relevant: HashSet<&str> = window
        .iter()
        .flat_map(change_id_strs)
        .chain(
            facts
                .incidents
                .iter()
                .flat_map(|i| i.change_ids.iter().map(String::as_str)),
        )
        .collect();
    // An earlier deployment matters when an incident links it or one of its events names a
    // relevant change. Then *all* its events are kept, each cut to its relevant changes: the
    // deployment's time is that of its latest event, which may name none of them.
    let mut kept: HashSet<&str> = facts
        .incidents
        .iter()
        .filter_map(|i| i.deployment_id.as_deref())
        .collect();
    let mut cuts = Vec::with_capacity(others.len());
    let mut left_out = LeftOut::with_capacity(others.len());
    for row in &others {
        let cut = row.relevant_changes(&relevant, &mut left_out)?;
        if !cut.is_empty() {
            kept.insert(row.deployment_id.as_str());
        }
        cuts.push(cut);
    }
    facts.deployments = window;
    facts.deployments.extend(
        others
            .iter()
            .zip(cuts)
            .filter(|(row, _)| kept.contains(row.deployment_id.as_str()))
            .map(|(row, cut)| Row::deployment(row.deployment_id.clone(), row.time, cut)),
    );
    Ok((facts, left_out))
}

/// The window's reads, each over every chunk of sources.
struct Reads {
    workspace_id: Uuid,
    sources: Vec<String>,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
}

impl Reads {
    fn chunks(&self) -> std::slice::Chunks<'_, String> {
        self.sources.chunks(SOURCES_PER_STATEMENT)
    }

    async fn incidents(&self, db: &impl ConnectionTrait) -> Result<Vec<IncidentEvent>> {
        let mut all = Vec::new();
        for chunk in self.chunks() {
            let every = Condition::all();
            all.extend(incidents(db, self.workspace_id, chunk, self.until, every).await?);
        }
        Ok(all)
    }

    /// Successful production deployment events before `until`, from `since` on when given.
    async fn counting(
        &self,
        db: &impl ConnectionTrait,
        until: DateTime<Utc>,
        since: Option<DateTime<Utc>>,
    ) -> Result<Vec<Row>> {
        let mut all = Vec::new();
        for chunk in self.chunks() {
            let only = counting(self.workspace_id, chunk, until, since);
            all.extend(counting_deployments(db, only).await?);
        }
        Ok(all)
    }

    /// The window's deployment events with all their change ids, and the changes they name
    /// (`beside`: read by a sibling already).
    ///
    /// A request running alone lets the database find the named changes itself, from the same
    /// deployment rows: the changes' statement needs nothing from the deployments' rows, and
    /// the 12,500 ids of a team's 90 days are neither collected, sent back as a parameter nor
    /// folded into a plan. That costs PostgreSQL a second pass over the lists, so under load,
    /// with no core idle, the ids go back as a list (both ways are measured in BENCHMARKS.md,
    /// alone and under 16 clients). They do too over
    /// more sources than one statement holds, where a change may be named from another chunk.
    async fn window_and_changes(
        &self,
        db: &impl Siblings,
        beside: Option<Beside<Vec<Change>>>,
    ) -> Result<(Vec<Deployment>, Vec<Change>)> {
        let window = async {
            self.counting(db, self.until, Some(self.from))
                .await?
                .into_iter()
                .map(Row::with_all_changes)
                .collect::<Result<Vec<_>>>()
        };
        if let Some(changes) = beside {
            return tokio::try_join!(window, changes);
        }
        if !self.database_finds_named(db) {
            let window = window.await?;
            let named = distinct(window.iter().flat_map(change_id_strs));
            let changes = self.named_changes(db, &named).await?;
            return Ok((window, changes));
        }
        // In PostgreSQL's one transaction the two statements run one after the other (over
        // SQLite's pool, side by side): only when no sibling was free.
        tokio::try_join!(window, self.named_by_window(db))
    }

    /// Whether the database finds the window's changes itself (see [`Self::window_and_changes`]).
    fn database_finds_named(&self, db: &impl Siblings) -> bool {
        db.runs_alone() && self.sources.len() <= SOURCES_PER_STATEMENT
    }

    /// [`Self::named_by_window`] on a sibling, when the database finds the named changes and
    /// one is free: on PostgreSQL the changes' statement, the longest of a cold team query,
    /// then runs side by side with the window's deployments instead of after them (measured
    /// in this function's commit).
    fn named_by_window_beside(self: &Arc<Self>, db: &impl Siblings) -> Option<Beside<Vec<Change>>> {
        if !self.database_finds_named(db) {
            return None;
        }
        let read = self.clone();
        db.beside(move |c| async move { read.named_by_window(&c).await })
    }

    /// The changes the window's deployment events name, found by the database from those rows.
    async fn named_by_window(&self, db: &impl ConnectionTrait) -> Result<Vec<Change>> {
        let named = named_by_window(
            db.get_database_backend(),
            counting(
                self.workspace_id,
                &self.sources,
                self.until,
                Some(self.from),
            ),
        );
        let only =
            Condition::all().add(Expr::col(change_fact::Column::ChangeId).in_subquery(named));
        changes(db, self.workspace_id, &self.sources, self.until, only).await
    }

    /// The changes among `ids`.
    async fn named_changes(&self, db: &impl ConnectionTrait, ids: &[&str]) -> Result<Vec<Change>> {
        changes_named(db, self.workspace_id, &self.sources, self.until, ids).await
    }
}

/// The changes of `sources` before `until` among `ids`, filtered by the database.
pub(crate) async fn changes_named(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
    sources: &[String],
    until: DateTime<Utc>,
    ids: &[&str],
) -> Result<Vec<Change>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list = JsonList::new(ids)?;
    let backend = db.get_database_backend();
    let mut all = Vec::new();
    for chunk in sources.chunks(SOURCES_PER_STATEMENT) {
        let only = Condition::all().add(list.contains(backend, "change_id"));
        all.extend(changes(db, workspace_id, chunk, until, only).await?);
    }
    Ok(all)
}

/// A successful production deployment event as stored: id, time and its change ids as JSON
/// text, parsed only once it is known to matter.
struct Row {
    deployment_id: String,
    time: DateTime<Utc>,
    change_ids: String,
}

impl Row {
    fn deployment(
        deployment_id: String,
        time: DateTime<Utc>,
        change_ids: Vec<String>,
    ) -> Deployment {
        Deployment {
            deployment_id,
            time,
            change_ids,
            environment: PRODUCTION.to_owned(),
            status: DeploymentStatus::Success,
        }
    }

    fn with_all_changes(self) -> Result<Deployment> {
        let ids = change_ids(&self.change_ids)?;
        Ok(Self::deployment(self.deployment_id, self.time, ids))
    }

    /// Its change ids that are in `relevant`; its id and all its change ids are noted in
    /// `left_out`.
    fn relevant_changes(
        &self,
        relevant: &HashSet<&str>,
        left_out: &mut LeftOut,
    ) -> Result<Vec<String>> {
        left_out.note_deployment(&self.deployment_id);
        Ok(borrowed_change_ids(&self.change_ids)?
            .into_iter()
            .inspect(|c| left_out.note_change(c))
            .filter(|c| relevant.contains(c.as_ref()))
            .map(Cow::into_owned)
            .collect())
    }
}

/// The change ids of a stored list without allocating the ones that are dropped.
fn borrowed_change_ids(json: &str) -> Result<Vec<Cow<'_, str>>> {
    match serde_json::from_str::<Vec<&str>>(json) {
        Ok(ids) => Ok(ids.into_iter().map(Cow::Borrowed).collect()),
        // An id with escapes cannot be borrowed from the text.
        Err(_) => Ok(change_ids(json)?.into_iter().map(Cow::Owned).collect()),
    }
}

/// The deployment events matching `only`, a [`counting`] condition.
async fn counting_deployments(db: &impl ConnectionTrait, only: Condition) -> Result<Vec<Row>> {
    let rows: Vec<(String, DateTime<Utc>, JsonText)> = deployment_fact::Entity::find()
        .select_only()
        .columns([
            deployment_fact::Column::DeploymentId,
            deployment_fact::Column::Time,
            deployment_fact::Column::ChangeIds,
        ])
        .filter(only)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(deployment_id, time, change_ids)| Row {
            deployment_id,
            time,
            change_ids: change_ids.0,
        })
        .collect())
}

/// The successful production deployment events of `sources` before `until`, from `since` on
/// when given: the only ones any metric counts (the rule of [`Deployment::counts`], in SQL).
pub(super) fn counting(
    workspace_id: Uuid,
    sources: &[String],
    until: DateTime<Utc>,
    since: Option<DateTime<Utc>>,
) -> Condition {
    let mut only = Condition::all()
        .add(deployment_fact::Column::WorkspaceId.eq(workspace_id))
        .add(deployment_fact::Column::Source.is_in(sources.to_vec()))
        .add(deployment_fact::Column::Time.lt(until))
        .add(deployment_fact::Column::Environment.eq(PRODUCTION))
        .add(deployment_fact::Column::Status.ne(FAILURE));
    if let Some(since) = since {
        only = only.add(deployment_fact::Column::Time.gte(since));
    }
    only
}

/// Every change id named by the deployment events matching `deployments`, unpacked by the
/// database from the stored lists.
fn named_by_window(backend: DbBackend, deployments: Condition) -> SelectStatement {
    let mut select = Query::select();
    // SQLite's `json_each` reads a column of a table to its left: the table comes first.
    select.from(deployment_fact::Entity);
    match backend {
        DbBackend::Postgres => select.expr(Expr::cust(
            r#"json_array_elements_text("deployment_facts"."change_ids")"#,
        )),
        _ => select.expr(Expr::cust(r#""named"."value""#)).from_function(
            Func::cust("json_each").arg(Expr::col((
                deployment_fact::Entity,
                deployment_fact::Column::ChangeIds,
            ))),
            "named",
        ),
    };
    select.cond_where(deployments).to_owned()
}

fn change_id_strs(d: &Deployment) -> impl Iterator<Item = &str> {
    d.change_ids.iter().map(String::as_str)
}

fn distinct<'a>(items: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut seen: HashSet<&str> = HashSet::new();
    items.filter(|i| seen.insert(i)).collect()
}

/// A set of ids bound as one JSON array parameter and unpacked by the database: thousands of
/// separately bound ids made statements slower than reading every row (measured on
/// PostgreSQL), while one parameter costs a single hash built once per statement.
struct JsonList(String);

impl JsonList {
    fn new(ids: &[impl AsRef<str>]) -> Result<Self> {
        let ids: Vec<&str> = ids.iter().map(AsRef::as_ref).collect();
        serde_json::to_string(&ids)
            .map(Self)
            .map_err(|e| Error::Internal(e.to_string()))
    }

    /// The list as a relation of text values.
    fn elements(backend: DbBackend) -> &'static str {
        match backend {
            DbBackend::Postgres => "SELECT jsonb_array_elements_text(CAST($1 AS jsonb))",
            _ => "SELECT value FROM json_each(?)",
        }
    }

    /// `column` (text) is in the list.
    fn contains(&self, backend: DbBackend, column: &str) -> SimpleExpr {
        let sql = format!("{column} IN ({})", Self::elements(backend));
        Expr::cust_with_values(sql, [self.0.clone()])
    }
}
