//! One page of relations for each of many fact sheets, together with the fact sheet at the
//! other end of every relation, in one statement.
//!
//! This is what a traversal level costs. Loading every relation of every fact sheet of a level
//! and paging in memory reads whole neighbourhoods of the popular nodes (a team that owns 500
//! artifacts, an API with 300 consumers) only to throw most of them away, and resolving the
//! far ends takes a second statement per level. Here the database numbers each fact sheet's
//! matching relations with a window function, keeps one page of them, and joins their far
//! ends: a depth-n traversal costs n + 1 statements and reads only what it returns.

use std::{collections::HashMap, sync::Arc};

use sea_orm::{
    ConnectionTrait, DbBackend, FromQueryResult, IdenStatic, Iterable, Statement, Value,
};
use uuid::Uuid;

use super::Relation;
use crate::{
    Principal, Result,
    authz::{self, Action},
    fact_sheets::FactSheet,
};
use entity::{fact_sheet, relation};

/// Which end of a relation the fact sheet being asked about is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Direction {
    /// The fact sheet is the relation's `from`.
    Outgoing,
    /// The fact sheet is the relation's `to`.
    Incoming,
    #[default]
    Both,
}

/// The part of a fact sheet's relations one `relations(...)` field asks for.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RelationSlice {
    pub relation_type: Option<String>,
    pub direction: Direction,
    /// Only relations with a greater id (the cursor of the previous page).
    pub after: Option<Uuid>,
    /// At most this many relations per fact sheet; ask for one more than the page size to
    /// learn whether a next page exists.
    pub limit: u64,
}

/// One fact sheet's page of relations.
#[derive(Debug, Clone, Default)]
pub struct RelationWindow {
    /// How many relations match the type and direction, ignoring `after` and `limit`.
    pub total: u64,
    /// In id order, each with the fact sheet at its other end (shared: a GraphQL response
    /// hands the same rows to many nodes).
    pub items: Vec<(Arc<Relation>, Arc<FactSheet>)>,
}

/// Anchors per statement: each appears twice among the bind values (once per direction).
const ANCHOR_CHUNK: usize = 1000;

/// The window of `slice` for each of `anchors` (fact sheets without matching relations are
/// absent from the map).
pub async fn windows_for(
    db: &impl ConnectionTrait,
    principal: &Principal,
    slice: &RelationSlice,
    anchors: &[Uuid],
) -> Result<HashMap<Uuid, RelationWindow>> {
    authz::require(principal, Action::Read)?;
    let mut windows: HashMap<Uuid, RelationWindow> = HashMap::new();
    for chunk in anchors.chunks(ANCHOR_CHUNK) {
        let statement = window_statement(db.get_database_backend(), principal, slice, chunk);
        for row in db.query_all_raw(statement).await? {
            let anchor: Uuid = row.try_get("", "anchor")?;
            let total: i64 = row.try_get("", "total")?;
            let window = windows.entry(anchor).or_default();
            window.total = total as u64;
            window.items.push((
                Arc::new(relation::Model::from_query_result(&row, "r_")?),
                Arc::new(fact_sheet::Model::from_query_result(&row, "f_")?),
            ));
        }
    }
    Ok(windows)
}

/// Collects bind values and writes numbered placeholders for them (`$n` on PostgreSQL, `?n` on
/// SQLite), so values can be pushed in any order relative to where the SQL text uses them.
struct Binds {
    backend: DbBackend,
    values: Vec<Value>,
}

impl Binds {
    fn push(&mut self, value: impl Into<Value>) -> String {
        self.values.push(value.into());
        match self.backend {
            DbBackend::Postgres => format!("${}", self.values.len()),
            _ => format!("?{}", self.values.len()),
        }
    }

    fn list(&mut self, ids: &[Uuid]) -> String {
        ids.iter()
            .map(|id| self.push(*id))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn window_statement(
    backend: DbBackend,
    principal: &Principal,
    slice: &RelationSlice,
    anchors: &[Uuid],
) -> Statement {
    let mut binds = Binds {
        backend,
        values: Vec::new(),
    };
    let relation_columns = relation::Column::iter()
        .map(|c| format!("r.{0} AS r_{0}", c.as_str()))
        .collect::<Vec<_>>()
        .join(", ");
    let branch = |anchor: &str, other: &str, skip_self: bool, binds: &mut Binds| {
        let workspace = binds.push(principal.workspace_id);
        let ids = binds.list(anchors);
        let of_type = match &slice.relation_type {
            Some(t) => format!(" AND r.type = {}", binds.push(t.clone())),
            None => String::new(),
        };
        let not_self = if skip_self {
            " AND r.from_id <> r.to_id"
        } else {
            ""
        };
        format!(
            "SELECT {relation_columns}, r.{anchor} AS anchor, r.{other} AS other \
             FROM relations r WHERE r.workspace_id = {workspace} \
             AND r.{anchor} IN ({ids}){of_type}{not_self}"
        )
    };
    let edges = match slice.direction {
        Direction::Outgoing => branch("from_id", "to_id", false, &mut binds),
        Direction::Incoming => branch("to_id", "from_id", false, &mut binds),
        // A relation from a fact sheet to itself is listed once.
        Direction::Both => {
            let outgoing = branch("from_id", "to_id", false, &mut binds);
            let incoming = branch("to_id", "from_id", true, &mut binds);
            format!("{outgoing} UNION ALL {incoming}")
        }
    };
    // Without a cursor, a relation's position is its row number; with one, it counts only the
    // relations past the cursor, so `position <= limit` keeps the next page.
    let (position, past_cursor) = match slice.after {
        None => (
            "ROW_NUMBER() OVER (PARTITION BY e.anchor ORDER BY e.r_id)".to_owned(),
            String::new(),
        ),
        Some(after) => {
            let cursor = binds.push(after);
            let again = binds.push(after);
            (
                format!(
                    "SUM(CASE WHEN e.r_id > {cursor} THEN 1 ELSE 0 END) OVER \
                     (PARTITION BY e.anchor ORDER BY e.r_id ROWS UNBOUNDED PRECEDING)"
                ),
                format!(" AND w.r_id > {again}"),
            )
        }
    };
    let limit = binds.push(slice.limit as i64);
    let workspace = binds.push(principal.workspace_id);
    let fact_sheet_columns = fact_sheet::Column::iter()
        .map(|c| format!("f.{0} AS f_{0}", c.as_str()))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT w.*, {fact_sheet_columns} FROM (\
           SELECT e.*, COUNT(*) OVER (PARTITION BY e.anchor) AS total, {position} AS position \
           FROM ({edges}) e\
         ) w \
         JOIN fact_sheets f ON f.workspace_id = {workspace} AND f.id = w.other \
         WHERE w.position <= {limit}{past_cursor} \
         ORDER BY w.anchor, w.r_id"
    );
    Statement::from_sql_and_values(backend, sql, binds.values)
}
