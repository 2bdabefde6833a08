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

use sea_orm::{ConnectionTrait, DbBackend, IdenStatic, Iterable, QueryResult, Statement};
use uuid::Uuid;

use super::Relation;
use crate::{
    authz::{self, Action},
    db::Binds,
    error::Result,
    fact_sheets::FactSheet,
    principal::Principal,
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
    /// Whether to count all matching relations (`totalCount`); on PostgreSQL that is extra
    /// work for popular nodes, so it is done only when asked for.
    pub with_total: bool,
    /// How much of each far end to read.
    pub far_ends: FarEnds,
}

/// How much of the fact sheet at the other end of each relation a window reads.
///
/// A traversal mostly shows names: reading every column of every far end made decoding them
/// a large share of a depth-3 traversal's CPU (six strings and a JSON document per row, each
/// allocated and dropped; BENCHMARKS.md), so a caller that needs more asks for it, or loads
/// the whole fact sheet for the few far ends that need it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum FarEnds {
    /// Every column.
    #[default]
    Whole,
    /// Identity, type, name, status, revision, completion, parent and timestamps. The rest
    /// hold placeholders: `attributes` an empty object, `description` none, `search_text`,
    /// `created_by` and `updated_by` empty strings.
    Summary,
}

impl FarEnds {
    /// Whether a summary leaves `column` out.
    fn leaves_out(self, column: fact_sheet::Column) -> bool {
        use fact_sheet::Column::*;
        self == FarEnds::Summary
            && matches!(
                column,
                Attributes | Description | SearchText | CreatedBy | UpdatedBy
            )
    }
}

/// One fact sheet's page of relations.
#[derive(Debug, Clone, Default)]
pub struct RelationWindow {
    /// How many relations match the type and direction, ignoring `after` and `limit`; `None`
    /// unless the slice asked for it (SQLite always counts).
    pub total: Option<u64>,
    /// In id order, each with the fact sheet at its other end (shared: a GraphQL response
    /// hands the same rows to many nodes).
    pub items: Vec<(Arc<Relation>, Arc<FactSheet>)>,
}

/// Anchors per statement, well below both backends' bind limits (each anchor is bound once).
const ANCHOR_CHUNK: usize = 5000;

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
    // Popular fact sheets are the far end of many anchors' relations: each is decoded once.
    let mut far_ends: HashMap<Uuid, Arc<FactSheet>> = HashMap::new();
    for chunk in anchors.chunks(ANCHOR_CHUNK) {
        let statement = window_statement(db.get_database_backend(), principal, slice, chunk);
        for row in db.query_all_raw(statement).await? {
            let anchor: Uuid = row.try_get_by_index(ANCHOR_COLUMN)?;
            let other: Uuid = row.try_get_by_index(ANCHOR_COLUMN + 1)?;
            let total: Option<i64> = row.try_get_by_index(ANCHOR_COLUMN + 2)?;
            let far_end = match far_ends.get(&other) {
                Some(known) => known.clone(),
                None => {
                    let decoded = Arc::new(far_end(&row)?);
                    far_ends.insert(other, decoded.clone());
                    decoded
                }
            };
            let window = windows.entry(anchor).or_default();
            window.total = total.map(|n| n as u64);
            window
                .items
                .push((Arc::new(leading_relation(&row)?), far_end));
        }
    }
    // Ordered here rather than in SQL: a page is a handful of relations, while the statement
    // would sort every wide joined row of the level.
    for window in windows.values_mut() {
        window
            .items
            .sort_unstable_by_key(|(relation, _)| relation.id);
    }
    Ok(windows)
}

/// The relation a window row starts with. [`edge_columns`] puts its columns first, in the
/// entity's field order, so they are read by position: by name, sea-orm formats the prefixed
/// name of every column of every row, a cost `perf` showed in every traversal.
fn leading_relation(row: &QueryResult) -> Result<Relation> {
    Ok(relation::Model {
        workspace_id: row.try_get_by_index(0)?,
        id: row.try_get_by_index(1)?,
        relation_type: row.try_get_by_index(2)?,
        from_id: row.try_get_by_index(3)?,
        to_id: row.try_get_by_index(4)?,
        attributes: row.try_get_by_index(5)?,
        active_from: row.try_get_by_index(6)?,
        active_until: row.try_get_by_index(7)?,
        revision: row.try_get_by_index(8)?,
        created_at: row.try_get_by_index(9)?,
        updated_at: row.try_get_by_index(10)?,
    })
}

/// Where `anchor`, `other` and `total` are in a window row: after the relation's columns.
const ANCHOR_COLUMN: usize = 11;
/// Where the far end's columns start: after those three and `position`.
const FAR_END_COLUMN: usize = ANCHOR_COLUMN + 4;

/// The far end of a window row, read by position like [`leading_relation`]: by name, each
/// column of each row was looked up among the row's thirty by comparing names.
fn far_end(row: &QueryResult) -> Result<FactSheet> {
    let at = |i: usize| FAR_END_COLUMN + i;
    Ok(fact_sheet::Model {
        workspace_id: row.try_get_by_index(at(0))?,
        id: row.try_get_by_index(at(1))?,
        fact_sheet_type: row.try_get_by_index(at(2))?,
        name: row.try_get_by_index(at(3))?,
        description: row.try_get_by_index(at(4))?,
        attributes: row.try_get_by_index(at(5))?,
        status: row.try_get_by_index(at(6))?,
        revision: row.try_get_by_index(at(7))?,
        completion: row.try_get_by_index(at(8))?,
        parent_id: row.try_get_by_index(at(9))?,
        search_text: row.try_get_by_index(at(10))?,
        created_by: row.try_get_by_index(at(11))?,
        updated_by: row.try_get_by_index(at(12))?,
        created_at: row.try_get_by_index(at(13))?,
        updated_at: row.try_get_by_index(at(14))?,
    })
}

fn window_statement(
    backend: DbBackend,
    principal: &Principal,
    slice: &RelationSlice,
    anchors: &[Uuid],
) -> Statement {
    let mut binds = Binds::new(backend);
    let sql = match backend {
        DbBackend::Postgres => per_anchor_limit(&mut binds, principal, slice, anchors),
        _ => ranked(&mut binds, principal, slice, anchors),
    };
    binds.statement(sql)
}

/// The relation columns prefixed `r_` in the entity's order, then which end is the anchor and
/// which the far end (all read by position, see [`leading_relation`] and [`ANCHOR_COLUMN`]).
fn edge_columns(anchor: &str, other: &str) -> String {
    let relation_columns = prefixed("r", relation::Column::iter());
    format!("{relation_columns}, r.{anchor} AS anchor, r.{other} AS other")
}

/// `t.col AS t_col, …`: the names `FromQueryResult` reads back with the prefix `t_`.
fn prefixed<C: IdenStatic>(table: &str, columns: impl Iterator<Item = C>) -> String {
    columns
        .map(|c| format!("{table}.{0} AS {table}_{0}", c.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The anchor end, the far end and whether to skip self relations, for each direction read.
fn ends(direction: Direction) -> &'static [(&'static str, &'static str, bool)] {
    match direction {
        Direction::Outgoing => &[("from_id", "to_id", false)],
        Direction::Incoming => &[("to_id", "from_id", false)],
        // A relation from a fact sheet to itself is listed once.
        Direction::Both => &[("from_id", "to_id", false), ("to_id", "from_id", true)],
    }
}

/// `AND …` conditions on `r` shared by both shapes: workspace, type, self relations.
fn conditions(
    binds: &mut Binds,
    principal: &Principal,
    slice: &RelationSlice,
    skip_self: bool,
) -> String {
    let mut sql = format!("r.workspace_id = {}", binds.push(principal.workspace_id));
    if let Some(t) = &slice.relation_type {
        sql += &format!(" AND r.type = {}", binds.push(t.clone()));
    }
    if skip_self {
        sql += " AND r.from_id <> r.to_id";
    }
    sql
}

/// Ranked relations `w` (columns `r_*`, `anchor`, `other`, `total`, `position`) joined to their
/// far ends (columns under their own names) and cut to the page, in no particular order.
///
/// On PostgreSQL each far end is a primary-key lookup (`LATERAL … LIMIT 1`, which the planner
/// cannot turn back into a join). As a join, it merge-joined the page over a 34,000-row range of
/// the fact sheet index, or, once the rows were narrower without attributes, hashed every fact
/// sheet of the workspace: several times slower than the lookups (BENCHMARKS.md).
fn finish(binds: &mut Binds, principal: &Principal, slice: &RelationSlice, ranked: &str) -> String {
    let workspace = binds.push(principal.workspace_id);
    let limit = binds.push(slice.limit as i64);
    let fact_sheet_columns = fact_sheet::Column::iter()
        .map(|c| match slice.far_ends.leaves_out(c) {
            true => format!("{} AS {}", placeholder(binds.backend(), c), c.as_str()),
            false => format!("f.{}", c.as_str()),
        })
        .collect::<Vec<_>>()
        .join(", ");
    match binds.backend() {
        DbBackend::Postgres => format!(
            "SELECT w.*, f.* FROM ({ranked}) w CROSS JOIN LATERAL (\
               SELECT {fact_sheet_columns} FROM fact_sheets f \
               WHERE f.workspace_id = {workspace} AND f.id = w.other LIMIT 1) f \
             WHERE w.position <= {limit}"
        ),
        _ => format!(
            "SELECT w.*, {fact_sheet_columns} FROM ({ranked}) w \
             JOIN fact_sheets f ON f.workspace_id = {workspace} AND f.id = w.other \
             WHERE w.position <= {limit}"
        ),
    }
}

/// What a summary reads instead of a column it leaves out (see [`FarEnds::Summary`]), typed
/// as the column is read.
fn placeholder(backend: DbBackend, column: fact_sheet::Column) -> &'static str {
    let postgres = backend == DbBackend::Postgres;
    match column {
        fact_sheet::Column::Attributes if postgres => "'{}'::jsonb",
        fact_sheet::Column::Attributes => "'{}'",
        fact_sheet::Column::Description if postgres => "NULL::text",
        fact_sheet::Column::Description => "NULL",
        _ => "''",
    }
}

/// PostgreSQL: for each anchor and direction, an `ORDER BY id LIMIT n` index range (a
/// `LATERAL` subquery), so a node with thousands of relations costs what one with ten does.
/// The two directions are merged and cut to `n` again; totals are counted only when asked for.
fn per_anchor_limit(
    binds: &mut Binds,
    principal: &Principal,
    slice: &RelationSlice,
    anchors: &[Uuid],
) -> String {
    let values = anchors
        .iter()
        .map(|id| format!("({}::uuid)", binds.push(*id)))
        .collect::<Vec<_>>()
        .join(", ");
    let limit = binds.push(slice.limit as i64);
    let past_cursor = match slice.after {
        Some(after) => format!(" AND r.id > {}", binds.push(after)),
        None => String::new(),
    };
    let mut branches = Vec::new();
    let mut counts = Vec::new();
    for (anchor, other, skip_self) in ends(slice.direction) {
        let wher = conditions(binds, principal, slice, *skip_self);
        branches.push(format!(
            "SELECT e.* FROM anchors a CROSS JOIN LATERAL (\
               SELECT {} FROM relations r WHERE {wher} AND r.{anchor} = a.id{past_cursor} \
               ORDER BY r.id LIMIT {limit}) e",
            edge_columns(anchor, other)
        ));
        counts.push(format!(
            "(SELECT COUNT(*) FROM relations r WHERE {wher} AND r.{anchor} = a.id)"
        ));
    }
    let position = "ROW_NUMBER() OVER (PARTITION BY e.anchor ORDER BY e.r_id) AS position";
    let branches = branches.join(" UNION ALL ");
    // Without totals there is nothing to join: the join only made the planner expect three
    // times the rows there are (18,630 for 6,400 on the depth-3 benchmark's second level).
    let (totals, ranked) = if slice.with_total {
        (
            format!(
                ", totals AS (SELECT a.id AS anchor, {} AS total FROM anchors a)",
                counts.join(" + ")
            ),
            format!(
                "SELECT e.*, t.total, {position} FROM ({branches}) e \
                 JOIN totals t ON t.anchor = e.anchor"
            ),
        )
    } else {
        (
            String::new(),
            format!("SELECT e.*, NULL::bigint AS total, {position} FROM ({branches}) e"),
        )
    };
    format!(
        "WITH anchors(id) AS (VALUES {values}){totals} {}",
        finish(binds, principal, slice, &ranked)
    )
}

/// SQLite (no `LATERAL`): every matching relation of the anchors, numbered per anchor by a
/// window function. Without a cursor a relation's position is its row number; with one, it
/// counts only the relations past the cursor, so `position <= limit` keeps the next page.
fn ranked(
    binds: &mut Binds,
    principal: &Principal,
    slice: &RelationSlice,
    anchors: &[Uuid],
) -> String {
    // Numbered placeholders: both directions use the one list of bound anchors.
    let ids = binds.list(anchors);
    let mut branches = Vec::new();
    for (anchor, other, skip_self) in ends(slice.direction) {
        let wher = conditions(binds, principal, slice, *skip_self);
        branches.push(format!(
            "SELECT {} FROM relations r WHERE {wher} AND r.{anchor} IN ({ids})",
            edge_columns(anchor, other)
        ));
    }
    let (position, past_cursor) = match slice.after {
        None => (
            "ROW_NUMBER() OVER (PARTITION BY e.anchor ORDER BY e.r_id)".to_owned(),
            String::new(),
        ),
        Some(after) => {
            let cursor = binds.push(after);
            (
                format!(
                    "SUM(CASE WHEN e.r_id > {cursor} THEN 1 ELSE 0 END) OVER \
                     (PARTITION BY e.anchor ORDER BY e.r_id ROWS UNBOUNDED PRECEDING)"
                ),
                format!(" WHERE e.r_id > {cursor}"),
            )
        }
    };
    // The cursor filter must come after the window functions: the count and the running
    // position see every matching relation.
    let ranked = format!(
        "SELECT * FROM (SELECT e.*, COUNT(*) OVER (PARTITION BY e.anchor) AS total, \
           {position} AS position FROM ({}) e) e{past_cursor}",
        branches.join(" UNION ALL ")
    );
    finish(binds, principal, slice, &ranked)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`far_end`] reads the far end by position: this fails when the entity's columns are
    /// reordered, renamed or added, before a traversal could mix them up.
    #[test]
    fn fact_sheet_columns_are_in_the_order_they_are_read() {
        let columns: Vec<&str> = fact_sheet::Column::iter().map(|c| c.as_str()).collect();
        assert_eq!(
            columns,
            [
                "workspace_id",
                "id",
                "type",
                "name",
                "description",
                "attributes",
                "status",
                "revision",
                "completion",
                "parent_id",
                "search_text",
                "created_by",
                "updated_by",
                "created_at",
                "updated_at",
            ]
        );
    }

    /// [`leading_relation`] reads the relation by position: this fails when the entity's
    /// columns are reordered, renamed or added, before a traversal could mix them up.
    #[test]
    fn relation_columns_are_in_the_order_they_are_read() {
        let columns: Vec<&str> = relation::Column::iter().map(|c| c.as_str()).collect();
        assert_eq!(
            columns,
            [
                "workspace_id",
                "id",
                "type",
                "from_id",
                "to_id",
                "attributes",
                "active_from",
                "active_until",
                "revision",
                "created_at",
                "updated_at",
            ]
        );
    }
}
