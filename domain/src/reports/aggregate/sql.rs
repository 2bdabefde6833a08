//! The statements of an aggregation. Each source of measures is one statement in two layers:
//! the inner one joins the members to their key values and to the measured fact sheets and
//! keeps each (keys, fact sheet) pair once, so a fact sheet reached twice within a group (two
//! artifacts of one team on the same cloud resource) is counted and summed once; the outer
//! one joins each pair to the measured attribute and adds up per group. Joins along a path are
//! `LEFT` joins, so members without a key value or without a fact sheet at the path's end stay
//! in (the group of no value, a count of 0).

use sea_orm::{
    ConnectionTrait, DbBackend, QueryResult,
    sea_query::{
        Alias, Condition, Expr, ExprTrait, Func, JoinType, Query, SelectStatement, SimpleExpr,
    },
};
use uuid::Uuid;

use super::{
    GroupValue,
    plan::{Key, Plan, Source, SqlMeasure, phases_last_first},
};
use crate::{
    attributes::NOT_STARTED,
    error::Result,
    fact_sheets::{FilterPart, RelationDirection, Status},
    principal::Principal,
    reports::RelationPath,
};
use entity::{attribute_value, fact_sheet, fact_sheet_tag, relation, tag};

/// Figures of one group (or of all members, without keys) from one source.
#[derive(Debug)]
pub(super) struct Row {
    pub(super) keys: Vec<GroupValue>,
    /// Distinct fact sheets measured.
    pub(super) count: u64,
    /// The SQL measures of the source, by their index among all measures.
    pub(super) values: Vec<(usize, Option<f64>)>,
}

pub(super) struct Statements<'a> {
    backend: DbBackend,
    workspace_id: Uuid,
    plan: &'a Plan,
}

fn a(name: impl Into<String>) -> Alias {
    Alias::new(name)
}

impl<'a> Statements<'a> {
    pub(super) fn new(backend: DbBackend, principal: &Principal, plan: &'a Plan) -> Self {
        Self {
            backend,
            workspace_id: principal.workspace_id,
            plan,
        }
    }

    /// One row per group (every combination of key values that occurs).
    pub(super) async fn grouped(
        &self,
        db: &impl ConnectionTrait,
        source: &Source,
    ) -> Result<Vec<Row>> {
        let statement = self.measured(source, true);
        let rows = db.query_all_raw(self.backend.build(&statement)).await?;
        rows.iter().map(|row| self.row(row, source, true)).collect()
    }

    /// All members together, each measured fact sheet once.
    pub(super) async fn total(&self, db: &impl ConnectionTrait, source: &Source) -> Result<Row> {
        let statement = self.measured(source, false);
        match db.query_one_raw(self.backend.build(&statement)).await? {
            Some(row) => self.row(&row, source, false),
            None => Ok(Row {
                keys: Vec::new(),
                count: 0,
                values: Vec::new(),
            }),
        }
    }

    /// The distinct (key values, measured fact sheet) pairs, at most `cap` of them (`None` when
    /// there are more). A measured fact sheet is `None` for a member the path leads nowhere.
    pub(super) async fn pairs(
        &self,
        db: &impl ConnectionTrait,
        source: &Source,
        grouped: bool,
        cap: u64,
    ) -> Result<Option<Vec<(Vec<Option<String>>, Option<Uuid>)>>> {
        let mut statement = self.pairs_statement(source, grouped);
        statement.limit(cap + 1);
        let rows = db.query_all_raw(self.backend.build(&statement)).await?;
        if rows.len() as u64 > cap {
            return Ok(None);
        }
        let key_count = if grouped { self.plan.keys.len() } else { 0 };
        rows.iter()
            .map(|row| {
                let keys = (0..key_count)
                    .map(|i| self.key_of(row, i).map(|k| k.key))
                    .collect::<Result<Vec<_>>>()?;
                let x: Option<Uuid> = row.try_get("", "x")?;
                Ok((keys, x))
            })
            .collect::<Result<Vec<_>>>()
            .map(Some)
    }

    fn row(&self, row: &QueryResult, source: &Source, grouped: bool) -> Result<Row> {
        let keys = if grouped {
            (0..self.plan.keys.len())
                .map(|i| self.key_of(row, i))
                .collect::<Result<Vec<_>>>()?
        } else {
            Vec::new()
        };
        let count: i64 = row.try_get("", "c")?;
        let values = self
            .plan
            .sql_measures(source)
            .map(|(i, measure)| {
                let value: Option<f64> = match measure {
                    SqlMeasure::Count => Some(count as f64),
                    _ => row.try_get("", &format!("a{i}"))?,
                };
                Ok((i, value))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Row {
            keys,
            count: count as u64,
            values,
        })
    }

    fn key_of(&self, row: &QueryResult, i: usize) -> Result<GroupValue> {
        let column = format!("k{i}");
        let key = &self.plan.keys[i];
        Ok(match key {
            Key::FactSheet | Key::Related(_) => {
                let id: Option<Uuid> = row.try_get("", &column)?;
                let label: Option<String> = row.try_get("", &format!("l{i}"))?;
                GroupValue {
                    key: id.map(|id| id.to_string()),
                    label,
                }
            }
            _ => {
                let value: Option<String> = row.try_get("", &column)?;
                GroupValue {
                    label: value.as_deref().and_then(|v| key.label_of(v)),
                    key: value,
                }
            }
        })
    }

    /// `SELECT keys…, COUNT(x), measures… FROM (pairs) p LEFT JOIN values … GROUP BY keys…`.
    fn measured(&self, source: &Source, grouped: bool) -> SelectStatement {
        let ws = self.workspace_id;
        let p = a("p");
        let mut q = Query::select();
        q.from_subquery(self.pairs_statement(source, grouped), p.clone());
        let mut group_by: Vec<SimpleExpr> = Vec::new();
        if grouped {
            for (i, key) in self.plan.keys.iter().enumerate() {
                let k = Expr::col((p.clone(), a(format!("k{i}"))));
                q.expr_as(k.clone(), a(format!("k{i}")));
                group_by.push(k);
                if has_label(key) {
                    let l = Expr::col((p.clone(), a(format!("l{i}"))));
                    q.expr_as(l.clone(), a(format!("l{i}")));
                    group_by.push(l);
                }
            }
        }
        let x = Expr::col((p.clone(), a("x")));
        q.expr_as(Func::count(x.clone()), a("c"));
        let mut joined: Vec<(String, Alias)> = Vec::new();
        let mut completion = false;
        for (i, measure) in self.plan.sql_measures(source) {
            let value = match measure.attribute() {
                Some(attribute) => {
                    let alias = match joined.iter().find(|(k, _)| k == attribute) {
                        Some((_, alias)) => alias.clone(),
                        None => {
                            let alias = a(format!("v{}", joined.len()));
                            q.join_as(
                                JoinType::LeftJoin,
                                attribute_value::Entity,
                                alias.clone(),
                                Condition::all()
                                    .add(
                                        Expr::col((
                                            alias.clone(),
                                            attribute_value::Column::WorkspaceId,
                                        ))
                                        .eq(ws),
                                    )
                                    .add(
                                        Expr::col((
                                            alias.clone(),
                                            attribute_value::Column::FactSheetId,
                                        ))
                                        .equals((p.clone(), a("x"))),
                                    )
                                    .add(
                                        Expr::col((alias.clone(), attribute_value::Column::Key))
                                            .eq(literal(attribute)),
                                    ),
                            );
                            joined.push((attribute.to_owned(), alias.clone()));
                            alias
                        }
                    };
                    Some(Expr::col((alias, attribute_value::Column::ValueNumber)))
                }
                None if *measure == SqlMeasure::AvgCompletion => {
                    completion = true;
                    Some(Expr::col((a("cx"), fact_sheet::Column::Completion)))
                }
                None => None,
            };
            let Some(value) = value else { continue };
            let figure = match measure {
                SqlMeasure::Sum(_) => Func::sum(value),
                SqlMeasure::Avg(_) | SqlMeasure::AvgCompletion => Func::avg(value),
                SqlMeasure::Min(_) => Func::min(value),
                SqlMeasure::Max(_) => Func::max(value),
                SqlMeasure::Count => continue,
            };
            q.expr_as(figure, a(format!("a{i}")));
        }
        if completion {
            let cx = a("cx");
            q.join_as(
                JoinType::LeftJoin,
                fact_sheet::Entity,
                cx.clone(),
                Condition::all()
                    .add(Expr::col((cx.clone(), fact_sheet::Column::WorkspaceId)).eq(ws))
                    .add(Expr::col((cx, fact_sheet::Column::Id)).equals((p, a("x")))),
            );
        }
        if !group_by.is_empty() {
            q.add_group_by(group_by);
        }
        q
    }

    /// `SELECT [DISTINCT] keys…, x FROM fact_sheets m LEFT JOIN … WHERE m is a member`.
    fn pairs_statement(&self, source: &Source, grouped: bool) -> SelectStatement {
        let ws = self.workspace_id;
        let m = a("m");
        let mut q = Query::select();
        if self.pairs_may_repeat(source, grouped) {
            q.distinct();
        }
        q.from_as(fact_sheet::Entity, m.clone());
        if grouped {
            for (i, key) in self.plan.keys.iter().enumerate() {
                let (k, l) = self.key_expr(&mut q, i, key);
                q.expr_as(k, a(format!("k{i}")));
                if let Some(l) = l {
                    q.expr_as(l, a(format!("l{i}")));
                }
            }
        }
        let x = match source {
            Source::Members => Expr::col((m.clone(), fact_sheet::Column::Id)),
            Source::Path(path) => {
                let end = self.join_path(&mut q, "p", path);
                Expr::col((end, fact_sheet::Column::Id))
            }
        };
        q.expr_as(x, a("x"));
        match self.plan.filter.columns_of(&m) {
            Some(members) => {
                q.cond_where(members);
            }
            None => {
                q.and_where(Expr::col((m.clone(), fact_sheet::Column::WorkspaceId)).eq(ws));
                q.and_where(
                    Expr::col((m, fact_sheet::Column::Id))
                        .in_subquery(self.plan.filter.ids_query(FilterPart::None)),
                );
            }
        }
        q
    }

    /// Whether two rows of [`Self::pairs_statement`] can hold the same (keys, fact sheet) pair,
    /// so that only `DISTINCT` keeps it once. Its sort or hash over every row was a fifth of
    /// the team × lifecycle matrix's time at `--scale max`, for pairs that cannot repeat:
    /// - a measured fact sheet at the end of a path can be reached from two members;
    /// - a member is read once, so its own pairs repeat only when a key has one value twice
    ///   for it: along a path of two or more steps (two artifacts of one team), or from the
    ///   attribute index (not unique per value). One relation step cannot repeat an end, as
    ///   a relation is unique per type and ends, nor can the type, the fact sheet itself, its
    ///   lifecycle phase, or a tag group (tags are unique per fact sheet and by name).
    fn pairs_may_repeat(&self, source: &Source, grouped: bool) -> bool {
        match source {
            Source::Path(_) => true,
            Source::Members => {
                grouped
                    && self.plan.keys.iter().any(|key| match key {
                        Key::Type { .. }
                        | Key::FactSheet
                        | Key::Lifecycle(_)
                        | Key::TagGroup(_) => false,
                        Key::Related(path) => path.steps().len() > 1,
                        Key::Select { .. } => true,
                    })
            }
        }
    }

    /// The key's value (and label, for fact sheets) for member `m`, joining what it needs.
    fn key_expr(&self, q: &mut SelectStatement, i: usize, key: &Key) -> (Expr, Option<Expr>) {
        let ws = self.workspace_id;
        let m = a("m");
        match key {
            Key::Type { .. } => (Expr::col((m, fact_sheet::Column::FactSheetType)), None),
            Key::FactSheet => (
                Expr::col((m.clone(), fact_sheet::Column::Id)),
                Some(Expr::col((m, fact_sheet::Column::Name))),
            ),
            Key::TagGroup(group) => {
                let g = a(format!("g{i}"));
                let tags = Query::select()
                    .expr_as(
                        Expr::col((a("ft"), fact_sheet_tag::Column::FactSheetId)),
                        a("fact_sheet_id"),
                    )
                    .expr_as(Expr::col((a("t"), tag::Column::Name)), a("name"))
                    .from_as(fact_sheet_tag::Entity, a("ft"))
                    .join_as(
                        JoinType::InnerJoin,
                        tag::Entity,
                        a("t"),
                        Condition::all()
                            .add(Expr::col((a("t"), tag::Column::WorkspaceId)).eq(ws))
                            .add(
                                Expr::col((a("t"), tag::Column::Id))
                                    .equals((a("ft"), fact_sheet_tag::Column::TagId)),
                            ),
                    )
                    .and_where(Expr::col((a("ft"), fact_sheet_tag::Column::WorkspaceId)).eq(ws))
                    .and_where(Expr::col((a("t"), tag::Column::GroupId)).eq(*group))
                    .to_owned();
                q.join_subquery(
                    JoinType::LeftJoin,
                    tags,
                    g.clone(),
                    Expr::col((g.clone(), a("fact_sheet_id"))).equals((m, fact_sheet::Column::Id)),
                );
                (Expr::col((g, a("name"))), None)
            }
            Key::Select { attribute, .. } => {
                let g = a(format!("g{i}"));
                q.join_as(
                    JoinType::LeftJoin,
                    attribute_value::Entity,
                    g.clone(),
                    Condition::all()
                        .add(Expr::col((g.clone(), attribute_value::Column::WorkspaceId)).eq(ws))
                        .add(
                            Expr::col((g.clone(), attribute_value::Column::FactSheetId))
                                .equals((m, fact_sheet::Column::Id)),
                        )
                        .add(
                            Expr::col((g.clone(), attribute_value::Column::Key))
                                .eq(literal(attribute)),
                        ),
                );
                (Expr::col((g, attribute_value::Column::ValueText)), None)
            }
            Key::Lifecycle(attribute) => (self.current_phase(attribute), None),
            Key::Related(path) => {
                let end = self.join_path(q, &format!("g{i}"), path);
                (
                    Expr::col((end.clone(), fact_sheet::Column::Id)),
                    Some(Expr::col((end, fact_sheet::Column::Name))),
                )
            }
        }
    }

    /// `CASE WHEN <endOfLife start> <= today THEN 'endOfLife' WHEN … END` over member `m`'s
    /// lifecycle: the last phase that has started, as the fact sheet's `lifecycle.phase` says,
    /// else [`NOT_STARTED`] for a lifecycle whose first phase lies ahead, so that a planned
    /// fact sheet is told from one without a lifecycle (the group of no value).
    /// Dates are stored as `YYYY-MM-DD`, so comparing the texts compares the days.
    fn current_phase(&self, attribute: &str) -> Expr {
        let today = self.plan.today.clone();
        let mut sql = String::from("CASE");
        let mut values: Vec<sea_orm::Value> = Vec::new();
        for phase in phases_last_first() {
            match self.backend {
                DbBackend::Postgres => {
                    sql.push_str(&format!(
                        " WHEN (\"m\".\"attributes\" -> $1 ->> '{phase}') <= $2 THEN '{phase}'"
                    ));
                }
                _ => {
                    sql.push_str(&format!(
                        " WHEN json_extract(\"m\".\"attributes\", ?) <= ? THEN '{phase}'"
                    ));
                    values.push(format!("$.\"{attribute}\".\"{phase}\"").into());
                    values.push(today.clone().into());
                }
            }
        }
        match self.backend {
            DbBackend::Postgres => sql.push_str(&format!(
                " WHEN (\"m\".\"attributes\" -> $1) IS NOT NULL THEN '{NOT_STARTED}'"
            )),
            _ => {
                sql.push_str(&format!(
                    " WHEN json_extract(\"m\".\"attributes\", ?) IS NOT NULL THEN '{NOT_STARTED}'"
                ));
                values.push(format!("$.\"{attribute}\"").into());
            }
        }
        sql.push_str(" END");
        if self.backend == DbBackend::Postgres {
            values = vec![attribute.to_owned().into(), today.into()];
        }
        Expr::cust_with_values(sql, values)
    }

    /// Left-joins the steps of `path` from member `m` (aliases `{prefix}r0`, `{prefix}n0`, …)
    /// and returns the alias of the fact sheet at its end. Only active fact sheets are walked
    /// through or reached. Each step's fact sheets are named by type as well as by id: then
    /// PostgreSQL reads the few fact sheets of that type from the type-and-status index
    /// instead of hashing every active fact sheet of the workspace.
    fn join_path(&self, q: &mut SelectStatement, prefix: &str, path: &RelationPath) -> Alias {
        let ws = self.workspace_id;
        let mut at = a("m");
        for (j, step) in path.steps().iter().enumerate() {
            let r = a(format!("{prefix}r{j}"));
            let n = a(format!("{prefix}n{j}"));
            let (near, far) = match step.direction {
                RelationDirection::Outgoing => (relation::Column::FromId, relation::Column::ToId),
                RelationDirection::Incoming => (relation::Column::ToId, relation::Column::FromId),
            };
            q.join_as(
                JoinType::LeftJoin,
                relation::Entity,
                r.clone(),
                Condition::all()
                    .add(Expr::col((r.clone(), relation::Column::WorkspaceId)).eq(ws))
                    .add(Expr::col((r.clone(), near)).equals((at.clone(), fact_sheet::Column::Id)))
                    .add(
                        Expr::col((r.clone(), relation::Column::RelationType))
                            .eq(literal(&step.relation_type)),
                    ),
            );
            q.join_as(
                JoinType::LeftJoin,
                fact_sheet::Entity,
                n.clone(),
                Condition::all()
                    .add(Expr::col((n.clone(), fact_sheet::Column::WorkspaceId)).eq(ws))
                    .add(Expr::col((n.clone(), fact_sheet::Column::Id)).equals((r, far)))
                    .add(
                        Expr::col((n.clone(), fact_sheet::Column::FactSheetType))
                            .eq(literal(path.far_type(j))),
                    )
                    .add(
                        Expr::col((n.clone(), fact_sheet::Column::Status))
                            .eq(literal(Status::Active.as_str())),
                    ),
            );
            at = n;
        }
        at
    }
}

/// A value written into the statement instead of bound to it, for the columns whose values
/// are far from equally common: types, relation types, statuses, attribute keys. Once a
/// connection has run a statement five times PostgreSQL may plan it once for any parameters,
/// taking each to be as common as the average value of its column; a value in the text is
/// looked up in the column's statistics instead. Bound, PostgreSQL expected half the artifacts
/// there were and looked up the cloud resources each runs on one artifact at a time.
fn literal(value: &str) -> Expr {
    Expr::Constant(value.into())
}

/// Whether the key's statement column comes with a label column (a fact sheet's name).
fn has_label(key: &Key) -> bool {
    matches!(key, Key::FactSheet | Key::Related(_))
}
