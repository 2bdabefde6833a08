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
//!   incident's change blame?). One linked by no incident and left with no such change cannot
//!   change any figure and is dropped. Their lists are checked as borrowed text, so a year of
//!   change ids is never turned into strings. (Cutting them in SQL was tried: PostgreSQL
//!   unpacks every list row by row and took 30 s for a team's year.)
//! - **Changes**: only those named by the window's deployments, the only ones lead time reads.
//!
//! Flow reads every work-item transition before the window end: work in progress reaches back
//! arbitrarily far.

use std::{borrow::Cow, collections::HashSet};

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QuerySelect,
    sea_query::{Expr, SimpleExpr},
};
use uuid::Uuid;

use super::facts::{
    FAILURE, Needs, SOURCES_PER_STATEMENT, as_text, change_ids, changes, incidents, work_items,
};
use crate::{
    Error, Result,
    metrics::{Deployment, DeploymentStatus, Facts, PRODUCTION},
};
use entity::deployment_fact;

/// See the module documentation. Families the caller does not need are not read at all.
pub async fn load_window_facts(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
    sources: &[String],
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    needs: Needs,
) -> Result<Facts> {
    let mut facts = Facts::default();
    let chunks = || sources.chunks(SOURCES_PER_STATEMENT);
    if needs.flow {
        for chunk in chunks() {
            facts
                .work_items
                .extend(work_items(db, workspace_id, chunk, until).await?);
        }
    }
    if !needs.dora {
        return Ok(facts);
    }
    let backend = db.get_database_backend();
    for chunk in chunks() {
        facts
            .incidents
            .extend(incidents(db, workspace_id, chunk, until).await?);
    }

    // Deployment ids with an event in the window, then every event of theirs, also earlier
    // ones (over all chunks first, as one id may be deployed from several sources).
    let mut window = Vec::new();
    for chunk in chunks() {
        let rows = counting_deployments(db, workspace_id, chunk, until, Some(from)).await?;
        window.extend(
            rows.into_iter()
                .map(Row::with_all_changes)
                .collect::<Result<Vec<_>>>()?,
        );
    }
    let window_ids: HashSet<String> = window.iter().map(|d| d.deployment_id.clone()).collect();
    let mut others = Vec::new();
    for chunk in chunks() {
        for row in counting_deployments(db, workspace_id, chunk, from, None).await? {
            if window_ids.contains(&row.deployment_id) {
                window.push(row.with_all_changes()?);
            } else {
                others.push(row);
            }
        }
    }

    let named = distinct(window.iter().flat_map(change_id_strs));
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
    let linked: HashSet<&str> = facts
        .incidents
        .iter()
        .filter_map(|i| i.deployment_id.as_deref())
        .collect();
    let mut earlier = Vec::new();
    for row in &others {
        if let Some(d) = row.cut_to(&relevant, &linked)? {
            earlier.push(d);
        }
    }

    if !named.is_empty() {
        let named_list = JsonList::new(&named)?;
        for chunk in chunks() {
            let only = Condition::all().add(named_list.contains(backend, "change_id"));
            facts
                .changes
                .extend(changes(db, workspace_id, chunk, until, only).await?);
        }
    }
    facts.deployments = window;
    facts.deployments.append(&mut earlier);
    Ok(facts)
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

    /// The deployment with only its `relevant` change ids, or `None` when it keeps none and no
    /// incident links it: then it cannot change any figure of the window.
    fn cut_to(
        &self,
        relevant: &HashSet<&str>,
        linked: &HashSet<&str>,
    ) -> Result<Option<Deployment>> {
        let kept: Vec<String> = borrowed_change_ids(&self.change_ids)?
            .into_iter()
            .filter(|c| relevant.contains(c.as_ref()))
            .map(Cow::into_owned)
            .collect();
        if kept.is_empty() && !linked.contains(self.deployment_id.as_str()) {
            return Ok(None);
        }
        Ok(Some(Self::deployment(
            self.deployment_id.clone(),
            self.time,
            kept,
        )))
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

/// Successful production deployment events of `sources` before `until`, from `since` on when
/// given.
async fn counting_deployments(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
    sources: &[String],
    until: DateTime<Utc>,
    since: Option<DateTime<Utc>>,
) -> Result<Vec<Row>> {
    let mut query = deployment_fact::Entity::find()
        .select_only()
        .columns([
            deployment_fact::Column::DeploymentId,
            deployment_fact::Column::Time,
        ])
        .column_as(as_text(deployment_fact::Column::ChangeIds), "change_ids")
        .filter(deployment_fact::Column::WorkspaceId.eq(workspace_id))
        .filter(deployment_fact::Column::Source.is_in(sources.to_vec()))
        .filter(deployment_fact::Column::Time.lt(until))
        .filter(deployment_fact::Column::Environment.eq(PRODUCTION))
        .filter(deployment_fact::Column::Status.ne(FAILURE));
    if let Some(since) = since {
        query = query.filter(deployment_fact::Column::Time.gte(since));
    }
    let rows: Vec<(String, DateTime<Utc>, String)> = query.into_tuple().all(db).await?;
    Ok(rows
        .into_iter()
        .map(|(deployment_id, time, change_ids)| Row {
            deployment_id,
            time,
            change_ids,
        })
        .collect())
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
