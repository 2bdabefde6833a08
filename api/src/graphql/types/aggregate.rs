//! The inputs and answer of `factSheetAggregate`, translated to and from the domain's
//! [`domain::reports::AggregateQuery`]; what each key and measure means is said once, here, in
//! the schema's docs.

use async_graphql::{Enum, InputObject, OneofObject, SimpleObject};
use domain::{metrics::WindowLimits, reports};

use crate::graphql::{
    enums::SortDirection,
    errors::bad_input,
    types::{
        metrics::MetricWindowInput,
        report_inputs::{MetricFigure, RelationStepInput, steps},
    },
};

/// One grouping key: give exactly one field. A fact sheet falls into one group per value it
/// has (a fact sheet with two tags of the group is in both), and into the group with a null
/// key when it has none, so none goes missing.
#[derive(OneofObject, Debug)]
pub enum GroupByInput {
    /// `true`: by fact sheet type (key: the type, label: its label).
    Type(bool),
    /// `true`: each fact sheet is its own group (key: its id, label: its name), for a list of
    /// teams with a figure each.
    FactSheet(bool),
    /// By the tags of this tag group (key and label: the tag's name).
    TagGroup(String),
    /// By a single- or multi-select attribute (key: the option, label: its label), or by a
    /// lifecycle attribute's current phase (the last phase that has started today, as the fact
    /// sheet's `lifecycle.phase`; key: `plan`, `phaseIn`, `active`, `phaseOut` or `endOfLife`,
    /// and `notStarted` for a lifecycle whose first phase lies ahead; a fact sheet without a
    /// lifecycle is in the group with a null key).
    Attribute(String),
    /// By the fact sheets reached along these steps (key: the id, label: the name), e.g. the
    /// owning Team of an artifact: `[{type: "teamOwnsArtifact", direction: INCOMING}]`. Only
    /// active fact sheets are walked through and reached.
    Path(Vec<RelationStepInput>),
}

/// What a measure computes.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum AggregateFunction {
    /// How many distinct fact sheets are measured.
    Count,
    /// Sum of a number attribute (`attribute`) over the measured fact sheets that have one.
    Sum,
    /// Average of a number attribute over the measured fact sheets that have one.
    Avg,
    /// Smallest value of a number attribute.
    Min,
    /// Largest value of a number attribute.
    Max,
    /// Average completion, 0 to 1.
    AvgCompletion,
    /// The plain average of each measured fact sheet's own `figure` over `window`, computed as
    /// its `metrics` compute it (a Team's rolls up over its artifacts); fact sheets for which the
    /// figure has no value are left out. At most 200 distinct fact sheets per measure.
    AvgFigure,
}

/// One figure per group, taken over the group's fact sheets or, with `path`, over the fact
/// sheets reached from them along it (the cloud resources its artifacts run on). Either way
/// each fact sheet counts once per group, however many of the group's fact sheets or paths
/// reach it. Null when no measured fact sheet has a value.
#[derive(InputObject)]
pub struct MeasureInput {
    pub function: AggregateFunction,
    /// The number attribute SUM, AVG, MIN and MAX take.
    pub attribute: Option<String>,
    /// The figure AVG_FIGURE takes.
    pub figure: Option<MetricFigure>,
    /// The window AVG_FIGURE takes.
    pub window: Option<MetricWindowInput>,
    /// Measure the fact sheets at the end of these steps instead of the grouped ones.
    #[graphql(default)]
    pub path: Vec<RelationStepInput>,
}

/// The order of the groups: by the measure at index `measure`, by the label of the key at
/// index `key` (both from 0), or, with neither, by the number of fact sheets. Missing values
/// come last in both directions; ties go by the key labels. Without `sort`, groups come by
/// their key labels.
#[derive(InputObject, Debug)]
pub struct AggregateSortInput {
    pub measure: Option<i32>,
    pub key: Option<i32>,
    #[graphql(default_with = "SortDirection::Desc")]
    pub direction: SortDirection,
}

pub fn group_by(input: Vec<GroupByInput>) -> async_graphql::Result<Vec<reports::GroupBy>> {
    input
        .into_iter()
        .enumerate()
        .map(|(i, key)| {
            let must_be_true = |given: bool, field: &str| {
                if given {
                    Ok(())
                } else {
                    Err(bad_input(
                        &format!("groupBy.{i}.{field}"),
                        "give true, or another key",
                    ))
                }
            };
            Ok(match key {
                GroupByInput::Type(on) => {
                    must_be_true(on, "type")?;
                    reports::GroupBy::Type
                }
                GroupByInput::FactSheet(on) => {
                    must_be_true(on, "factSheet")?;
                    reports::GroupBy::FactSheet
                }
                GroupByInput::TagGroup(name) => reports::GroupBy::TagGroup(name),
                GroupByInput::Attribute(key) => reports::GroupBy::Attribute(key),
                GroupByInput::Path(path) => {
                    reports::GroupBy::Related(steps(path, &format!("groupBy.{i}.path"))?)
                }
            })
        })
        .collect()
}

pub fn measures(
    input: Vec<MeasureInput>,
    limits: &WindowLimits,
) -> async_graphql::Result<Vec<reports::Measure>> {
    input
        .into_iter()
        .enumerate()
        .map(|(i, m)| {
            let field = |name: &str| format!("measures.{i}.{name}");
            let attribute = |a: Option<String>| {
                a.ok_or_else(|| {
                    bad_input(&field("attribute"), "is required for SUM, AVG, MIN and MAX")
                })
            };
            if m.function != AggregateFunction::AvgFigure {
                if m.figure.is_some() {
                    return Err(bad_input(
                        &field("figure"),
                        "only AVG_FIGURE takes a figure",
                    ));
                }
                if m.window.is_some() {
                    return Err(bad_input(
                        &field("window"),
                        "only AVG_FIGURE takes a window",
                    ));
                }
            }
            let takes_attribute = matches!(
                m.function,
                AggregateFunction::Sum
                    | AggregateFunction::Avg
                    | AggregateFunction::Min
                    | AggregateFunction::Max
            );
            if !takes_attribute && m.attribute.is_some() {
                return Err(bad_input(
                    &field("attribute"),
                    "only SUM, AVG, MIN and MAX take an attribute",
                ));
            }
            let kind = match m.function {
                AggregateFunction::Count => reports::MeasureKind::Count,
                AggregateFunction::Sum => reports::MeasureKind::Sum(attribute(m.attribute)?),
                AggregateFunction::Avg => reports::MeasureKind::Avg(attribute(m.attribute)?),
                AggregateFunction::Min => reports::MeasureKind::Min(attribute(m.attribute)?),
                AggregateFunction::Max => reports::MeasureKind::Max(attribute(m.attribute)?),
                AggregateFunction::AvgCompletion => reports::MeasureKind::AvgCompletion,
                AggregateFunction::AvgFigure => {
                    let figure = m
                        .figure
                        .ok_or_else(|| bad_input(&field("figure"), "is required for AVG_FIGURE"))?;
                    let window = m
                        .window
                        .ok_or_else(|| bad_input(&field("window"), "is required for AVG_FIGURE"))?
                        .checked(limits)
                        .map_err(|e| bad_input(&field("window"), &e.message))?;
                    reports::MeasureKind::AvgFigure {
                        figure: figure.into(),
                        window,
                    }
                }
            };
            Ok(reports::Measure {
                kind,
                path: steps(m.path, &field("path"))?,
            })
        })
        .collect()
}

impl TryFrom<AggregateSortInput> for reports::AggregateSort {
    type Error = async_graphql::Error;

    fn try_from(input: AggregateSortInput) -> async_graphql::Result<Self> {
        let index =
            |n: i32, field: &str| usize::try_from(n).map_err(|_| bad_input(field, "counts from 0"));
        let by = match (input.measure, input.key) {
            (Some(_), Some(_)) => {
                return Err(bad_input(
                    "sort.key",
                    "sort by a measure or by a key, not both",
                ));
            }
            (Some(m), None) => reports::SortBy::Measure(index(m, "sort.measure")?),
            (None, Some(k)) => reports::SortBy::Key(index(k, "sort.key")?),
            (None, None) => reports::SortBy::Count,
        };
        Ok(Self {
            by,
            descending: input.direction == SortDirection::Desc,
        })
    }
}

/// Groups with their figures.
#[derive(SimpleObject)]
pub struct FactSheetAggregate {
    /// The groups after sorting, at most `limit` of them.
    pub groups: Vec<AggregateGroup>,
    /// How many groups there are before the limit.
    pub group_count: u64,
    /// All the filtered fact sheets measured together, each measured fact sheet once (so
    /// not the sum of the groups' figures when a fact sheet is in several groups).
    pub totals: Option<AggregateTotals>,
}

/// One group: its value of each key, in the order of `groupBy`, and one value per measure.
#[derive(SimpleObject)]
pub struct AggregateGroup {
    pub keys: Vec<AggregateKey>,
    /// How many distinct filtered fact sheets are in the group.
    pub count: u64,
    /// One per measure, in the order of `measures`.
    pub values: Vec<Option<f64>>,
}

/// A group's value of one key; `key: null` is the group of fact sheets without a value.
#[derive(SimpleObject)]
pub struct AggregateKey {
    /// The type, tag name, option, phase, or id of the related fact sheet.
    pub key: Option<String>,
    /// What a person reads: the type's, option's or phase's label, the tag's or fact sheet's
    /// name.
    pub label: Option<String>,
}

#[derive(SimpleObject)]
pub struct AggregateTotals {
    /// How many fact sheets the filter selects.
    pub count: u64,
    pub values: Vec<Option<f64>>,
}

impl From<reports::Aggregate> for FactSheetAggregate {
    fn from(a: reports::Aggregate) -> Self {
        Self {
            groups: a
                .groups
                .into_iter()
                .map(|g| AggregateGroup {
                    keys: g
                        .keys
                        .into_iter()
                        .map(|k| AggregateKey {
                            key: k.key,
                            label: k.label,
                        })
                        .collect(),
                    count: g.count,
                    values: g.values,
                })
                .collect(),
            group_count: a.group_count,
            totals: a.totals.map(|t| AggregateTotals {
                count: t.count,
                values: t.values,
            }),
        }
    }
}
