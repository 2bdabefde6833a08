//! Event sources no fact sheet claims: events whose `source` is no fact sheet's `eventSource`
//! external ID are stored but reach no metric and no fact sheet's listing, so this list is
//! where a workspace finds what is left to link, and events of a type outside the vocabulary
//! (often a typo in a sender's configuration).
//!
//! One grouped statement over the workspace's events answers a page: the covering index on
//! `(workspace_id, source, time, received_at, type)` lets it read no table rows, and the
//! external IDs are probed once per source, not per event.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, QueryResult};
use serde::{Deserialize, Serialize};

use super::vocabulary::known_types;
use crate::{
    authz::{self, Action},
    db::Binds,
    error::{Error, Result},
    external_ids::EVENT_SOURCE_NAMESPACE,
    limits,
    paging::{Page, decode_cursor, encode_cursor, page_size},
    principal::Principal,
};

/// What a workspace has received from one source that no fact sheet links.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnlinkedSource {
    pub source: String,
    pub event_count: u64,
    /// Events of a type outside the vocabulary (counted in `event_count` too).
    pub unrecognized_count: u64,
    pub first_event_time: DateTime<Utc>,
    pub last_event_time: DateTime<Utc>,
    pub last_received_at: DateTime<Utc>,
}

#[derive(Serialize, Deserialize)]
struct Position {
    t: DateTime<Utc>,
    s: String,
}

/// The sources with the most recent events first (ties by source), so a sender just wired up
/// is at the top.
pub async fn list_unlinked_sources(
    db: &impl ConnectionTrait,
    principal: &Principal,
    first: Option<i32>,
    after: Option<&str>,
) -> Result<Page<UnlinkedSource>> {
    authz::require(principal, Action::Read)?;
    let size = page_size(first)?;
    let after: Option<Position> = after.map(decode_cursor).transpose()?;
    if let Some(outside) = after
        .as_ref()
        .and_then(|p| limits::check_instant("after", &p.t))
    {
        return Err(Error::Invalid(vec![outside]));
    }
    let mut binds = Binds::new(db.get_database_backend());
    let unlinked = unlinked(&mut binds, principal);
    let past_cursor = match after {
        Some(p) => {
            let (t, s) = (binds.push(p.t), binds.push(p.s));
            format!("AND (u.last_event_time < {t} OR (u.last_event_time = {t} AND u.source > {s}))")
        }
        None => String::new(),
    };
    let limit = binds.push(size as i64 + 1);
    let sql = format!(
        "SELECT u.source, u.event_count, u.unrecognized_count, u.first_event_time, \
         u.last_event_time, u.last_received_at FROM ({unlinked}) u WHERE TRUE {past_cursor} \
         ORDER BY u.last_event_time DESC, u.source ASC LIMIT {limit}"
    );
    let rows = db
        .query_all_raw(binds.statement(sql))
        .await?
        .iter()
        .map(source_of)
        .collect::<Result<Vec<_>>>()?;
    Ok(Page::from_rows(rows, size, |u| {
        encode_cursor(&Position {
            t: u.last_event_time,
            s: u.source.clone(),
        })
    }))
}

/// How many sources [`list_unlinked_sources`] lists across all its pages.
pub async fn count_unlinked_sources(
    db: &impl ConnectionTrait,
    principal: &Principal,
) -> Result<u64> {
    authz::require(principal, Action::Read)?;
    let mut binds = Binds::new(db.get_database_backend());
    let unlinked = unlinked(&mut binds, principal);
    let sql = format!("SELECT COUNT(*) FROM ({unlinked}) u");
    let row = db.query_one_raw(binds.statement(sql)).await?;
    let count: i64 = match row {
        Some(row) => row.try_get_by_index(0)?,
        None => 0,
    };
    Ok(count as u64)
}

/// The workspace's events grouped by source, without the sources an `eventSource` external ID
/// names (archived fact sheets keep their links, as they do for metrics).
fn unlinked(binds: &mut Binds, principal: &Principal) -> String {
    let workspace = binds.push(principal.workspace_id);
    let namespace = binds.push(EVENT_SOURCE_NAMESPACE);
    let known = known_types()
        .map(|t| binds.push(t))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "SELECT g.* FROM (SELECT e.source, COUNT(*) AS event_count, \
         COUNT(CASE WHEN e.type NOT IN ({known}) THEN 1 END) AS unrecognized_count, \
         MIN(e.time) AS first_event_time, MAX(e.time) AS last_event_time, \
         MAX(e.received_at) AS last_received_at \
         FROM events e WHERE e.workspace_id = {workspace} GROUP BY e.source) g \
         WHERE NOT EXISTS (SELECT 1 FROM external_ids x WHERE x.workspace_id = {workspace} \
         AND x.namespace = {namespace} AND x.value = g.source)"
    )
}

fn source_of(row: &QueryResult) -> Result<UnlinkedSource> {
    let count = |i: usize| row.try_get_by_index::<i64>(i).map(|n| n as u64);
    Ok(UnlinkedSource {
        source: row.try_get_by_index(0)?,
        event_count: count(1)?,
        unrecognized_count: count(2)?,
        first_event_time: row.try_get_by_index(3)?,
        last_event_time: row.try_get_by_index(4)?,
        last_received_at: row.try_get_by_index(5)?,
    })
}
