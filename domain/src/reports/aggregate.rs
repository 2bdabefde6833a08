//! Fact sheets grouped and measured in the database: how many artifacts each team owns per
//! lifecycle phase, the monthly cost of the cloud resources under each team, the average
//! deployment frequency of a group of teams. A report builder asks one question and gets the
//! figures, instead of paging through thousands of fact sheets to add them up itself.
//!
//! The grouped fact sheets are those the [`FactSheetFilter`] selects (the *members*). Each
//! member falls into one group per value of each key (a fact sheet with two tags of a group is
//! in both tags' groups); a member without a value falls into the group whose key is `None`,
//! so no member goes missing from the totals. A measure is taken over the members of a group,
//! or over the fact sheets reached from them along a [`RelationPath`]; either way each fact
//! sheet counts once per group, however many members or paths reach it (the statements take
//! `DISTINCT` (group, fact sheet) pairs before they add anything up).

mod figures;
mod plan;
mod sql;

use std::collections::HashMap;

use crate::{
    authz::{self, Action},
    db::Siblings,
    error::Result,
    fact_sheets::FactSheetFilter,
    meta_model::MetaModel,
    metrics::MetricWindow,
    principal::Principal,
};

use super::{Figure, RelationStep};

pub use figures::MAX_FIGURE_FACT_SHEETS;
use plan::{Plan, Source};

/// At most this many keys: one for a list, two for a matrix.
pub const MAX_GROUP_KEYS: usize = 2;
/// At most this many measures in one question.
pub const MAX_MEASURES: usize = 10;
/// Groups returned when the question sets no limit.
pub const DEFAULT_GROUP_LIMIT: u32 = 100;
/// The most groups one answer returns (the group count still counts them all).
pub const MAX_GROUP_LIMIT: u32 = 1000;

/// What to group, by what, and what to measure.
#[derive(Debug, Clone)]
pub struct AggregateQuery {
    /// Selects the grouped fact sheets (the members).
    pub filter: FactSheetFilter,
    /// One or two keys; two make a matrix (every pair of values that occurs).
    pub group_by: Vec<GroupBy>,
    pub measures: Vec<Measure>,
    /// By the key labels when `None`.
    pub sort: Option<AggregateSort>,
    /// [`DEFAULT_GROUP_LIMIT`] when `None`, at most [`MAX_GROUP_LIMIT`].
    pub limit: Option<u32>,
    /// Whether to measure all members together as well (one more statement per source).
    pub totals: bool,
}

/// One grouping key.
#[derive(Debug, Clone)]
pub enum GroupBy {
    /// The member's fact sheet type.
    Type,
    /// Each member its own group (a list of teams with a figure each).
    FactSheet,
    /// The member's tags of the tag group of this name.
    TagGroup(String),
    /// The option of a single- or multi-select attribute, or the current phase of a lifecycle
    /// attribute (the last phase that has started today, as a fact sheet's `lifecycle` shows;
    /// [`NOT_STARTED`](crate::attributes::NOT_STARTED) before its first phase).
    Attribute(String),
    /// The fact sheets reached from the member along these steps (its owning Team).
    Related(Vec<RelationStep>),
}

/// One figure per group, taken over the group's members or, with a `path`, over the fact
/// sheets reached from them along it.
#[derive(Debug, Clone)]
pub struct Measure {
    pub kind: MeasureKind,
    /// Empty: the members themselves.
    pub path: Vec<RelationStep>,
}

#[derive(Debug, Clone)]
pub enum MeasureKind {
    /// How many distinct fact sheets are measured.
    Count,
    /// Sum, average, minimum or maximum of a numeric attribute over the fact sheets that have a
    /// value; `None` when none has.
    Sum(String),
    Avg(String),
    Min(String),
    Max(String),
    /// Average completion, 0 to 1.
    AvgCompletion,
    /// The average of each measured fact sheet's own figure over the window, as its `metrics`
    /// compute it (a Team's rolls up over its artifacts); fact sheets for which the figure has
    /// no value (no deployment to rate) are left out, and `None` means none had one.
    AvgFigure {
        figure: Figure,
        window: MetricWindow,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortBy {
    /// The number of members.
    Count,
    /// The measure at this index.
    Measure(usize),
    /// The label (else the key) of the key at this index.
    Key(usize),
}

/// Missing values sort last in both directions; ties go by the key labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AggregateSort {
    pub by: SortBy,
    pub descending: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Aggregate {
    /// After sorting and the limit.
    pub groups: Vec<AggregateGroup>,
    /// How many groups there are before the limit.
    pub group_count: u64,
    /// All members measured together, when asked for: each fact sheet once, so these are not
    /// the sums of the groups' figures.
    pub totals: Option<AggregateTotals>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AggregateGroup {
    /// One per grouping key, in the order asked.
    pub keys: Vec<GroupValue>,
    /// Distinct members in the group.
    pub count: u64,
    /// One per measure, in the order asked.
    pub values: Vec<Option<f64>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AggregateTotals {
    pub count: u64,
    pub values: Vec<Option<f64>>,
}

/// A group's value of one key: a type key, tag name, option key or phase, or the id of a
/// related fact sheet; `key: None` is the group of members without a value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GroupValue {
    pub key: Option<String>,
    /// What a person reads: the type's, option's or phase's label, the tag's or fact sheet's
    /// name.
    pub label: Option<String>,
}

/// Groups `query.filter`'s fact sheets by `query.group_by` and measures each group. One
/// statement per source of measures (the members, and each distinct path), one more each for
/// totals, plus the metrics of each fact sheet a figure measure reaches (at most
/// [`MAX_FIGURE_FACT_SHEETS`] per measure).
pub async fn aggregate(
    db: &impl Siblings,
    principal: &Principal,
    model: &MetaModel,
    query: &AggregateQuery,
) -> Result<Aggregate> {
    authz::require(principal, Action::Read)?;
    let plan = Plan::new(db, principal, model, query).await?;
    let statements = sql::Statements::new(db.get_database_backend(), principal, &plan);

    let mut groups: Vec<AggregateGroup> = Vec::new();
    let mut index: HashMap<Vec<Option<String>>, usize> = HashMap::new();
    for row in statements.grouped(db, &Source::Members).await? {
        let mut values = vec![None; plan.measures.len()];
        for (measure, value) in row.values {
            values[measure] = value;
        }
        index.insert(
            row.keys.iter().map(|k| k.key.clone()).collect(),
            groups.len(),
        );
        groups.push(AggregateGroup {
            keys: row.keys,
            count: row.count,
            values,
        });
    }
    for source in plan.sources() {
        for row in statements.grouped(db, source).await? {
            let key: Vec<Option<String>> = row.keys.iter().map(|k| k.key.clone()).collect();
            if let Some(&at) = index.get(&key) {
                for (measure, value) in &row.values {
                    groups[at].values[*measure] = *value;
                }
            }
        }
    }
    for (measure, source, figure, window) in plan.figures() {
        let by_group = figures::per_group(
            db,
            principal,
            model,
            &statements,
            measure,
            source,
            figure,
            window,
        )
        .await?;
        for (key, value) in by_group {
            if let Some(&at) = index.get(&key) {
                groups[at].values[measure] = value;
            }
        }
    }

    let totals = if query.totals {
        Some(totals(db, principal, model, &statements, &plan).await?)
    } else {
        None
    };
    let group_count = groups.len() as u64;
    sort(&mut groups, query.sort);
    groups.truncate(plan.limit as usize);
    Ok(Aggregate {
        groups,
        group_count,
        totals,
    })
}

async fn totals(
    db: &impl Siblings,
    principal: &Principal,
    model: &MetaModel,
    statements: &sql::Statements<'_>,
    plan: &Plan,
) -> Result<AggregateTotals> {
    let mut values = vec![None; plan.measures.len()];
    let members = statements.total(db, &Source::Members).await?;
    for (measure, value) in members.values {
        values[measure] = value;
    }
    let count = members.count;
    for source in plan.sources() {
        for (measure, value) in statements.total(db, source).await?.values {
            values[measure] = value;
        }
    }
    for (measure, source, figure, window) in plan.figures() {
        values[measure] = figures::total(
            db, principal, model, statements, measure, source, figure, window,
        )
        .await?;
    }
    Ok(AggregateTotals { count, values })
}

fn sort(groups: &mut [AggregateGroup], sort: Option<AggregateSort>) {
    use std::cmp::Ordering;
    let labels = |g: &AggregateGroup| -> Vec<(bool, Option<String>)> {
        g.keys
            .iter()
            .map(|k| (k.key.is_none(), k.label.clone().or_else(|| k.key.clone())))
            .collect()
    };
    // Missing last whatever the direction, so a descending list starts with real figures.
    fn missing_last<T: PartialOrd>(a: Option<T>, b: Option<T>, descending: bool) -> Ordering {
        match (a, b) {
            (Some(a), Some(b)) => {
                let o = a.partial_cmp(&b).unwrap_or(Ordering::Equal);
                if descending { o.reverse() } else { o }
            }
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        }
    }
    groups.sort_by(|a, b| {
        let first = match sort {
            None => Ordering::Equal,
            Some(AggregateSort { by, descending }) => match by {
                SortBy::Count => missing_last(Some(a.count), Some(b.count), descending),
                SortBy::Measure(i) => missing_last(
                    a.values.get(i).copied().flatten(),
                    b.values.get(i).copied().flatten(),
                    descending,
                ),
                SortBy::Key(i) => {
                    let key = |g: &AggregateGroup| {
                        g.keys
                            .get(i)
                            .and_then(|k| k.label.clone().or_else(|| k.key.clone()))
                    };
                    missing_last(key(a), key(b), descending)
                }
            },
        };
        first.then_with(|| labels(a).cmp(&labels(b)))
    });
}
