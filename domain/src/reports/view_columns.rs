//! The columns of a saved view or an export: a field of the fact sheet, one of its attributes,
//! the names of the fact sheets reached along a relation path, or a metric figure over a
//! trailing window. A column is stored as the user chose it and checked against the current
//! meta model each time it is used ([`check`]), so a view whose attribute was removed is refused
//! naming the column rather than exporting an empty one.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::{Figure, RelationPath, RelationStep};
use crate::{
    error::{Error, FieldError, Result},
    limits,
    meta_model::{AttributeType, MetaModel},
    metrics::{BucketSize, MetricWindow, WindowLimits, parse_lookback},
};

/// Most columns a view has: a wide spreadsheet, well short of one that no one reads.
pub const MAX_COLUMNS: usize = 50;

/// The longest label a column may carry.
const MAX_LABEL_CHARACTERS: usize = 200;

/// A field every fact sheet has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ViewField {
    Id,
    Name,
    Type,
    Status,
    Description,
    Completion,
    CreatedAt,
    UpdatedAt,
}

impl ViewField {
    fn label(self) -> &'static str {
        match self {
            ViewField::Id => "Id",
            ViewField::Name => "Name",
            ViewField::Type => "Type",
            ViewField::Status => "Status",
            ViewField::Description => "Description",
            ViewField::Completion => "Completion",
            ViewField::CreatedAt => "Created at",
            ViewField::UpdatedAt => "Updated at",
        }
    }
}

/// Where a column's values come from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ColumnSource {
    Field {
        field: ViewField,
    },
    Attribute {
        key: String,
    },
    /// The names of the active fact sheets at the end of the path, in name order.
    Related {
        path: Vec<RelationStep>,
    },
    /// A figure over the window ending when the view is run, `last` long (`P30D`, `P6W`).
    Metric {
        figure: Figure,
        last: String,
    },
}

/// One column as stored: its source and, when the user named it, its header.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ViewColumn {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    pub source: ColumnSource,
}

/// A column checked against the meta model, ready to be read.
#[derive(Debug, Clone)]
pub struct CheckedColumn {
    pub label: String,
    pub source: CheckedSource,
}

#[derive(Debug, Clone)]
pub enum CheckedSource {
    Field(ViewField),
    /// An attribute, and the types whose attribute of that key is a lifecycle: their cell is
    /// the label of the phase current on the day the rows are read, or "Not started yet" (what
    /// a reader of the file asks of a lifecycle, named as the aggregate's groups name it), not
    /// the start dates.
    Attribute {
        key: String,
        lifecycle_in: HashSet<String>,
    },
    Related(RelationPath),
    Metric(Figure, MetricWindow),
}

/// Checks `columns` for fact sheets of `types` (any type when `None`) at `now`, naming
/// `field` (`columns`) and each column's index in every refusal.
pub fn check(
    model: &MetaModel,
    types: Option<&[String]>,
    columns: &[ViewColumn],
    now: DateTime<Utc>,
    field: &str,
) -> Result<Vec<CheckedColumn>> {
    if columns.is_empty() {
        return Err(Error::invalid(field, "a view needs at least one column"));
    }
    if columns.len() > MAX_COLUMNS {
        return Err(Error::invalid(
            field,
            format!("a view has at most {MAX_COLUMNS} columns"),
        ));
    }
    let mut errors = Vec::new();
    let mut checked = Vec::with_capacity(columns.len());
    for (i, column) in columns.iter().enumerate() {
        let at = format!("{field}.{i}");
        if let Some(label) = &column.label {
            if let Some(refusal) = limits::check_text(&format!("{at}.label"), label) {
                errors.push(refusal);
                continue;
            }
            if label.trim().is_empty() || label.chars().count() > MAX_LABEL_CHARACTERS {
                errors.push(FieldError::new(
                    format!("{at}.label"),
                    format!("must be 1 to {MAX_LABEL_CHARACTERS} characters, not only spaces"),
                ));
                continue;
            }
        }
        match check_source(model, types, &column.source, now, &at) {
            Ok((default_label, source)) => checked.push(CheckedColumn {
                label: column.label.clone().unwrap_or(default_label),
                source,
            }),
            Err(Error::Invalid(mut found)) => errors.append(&mut found),
            Err(other) => return Err(other),
        }
    }
    if errors.is_empty() {
        Ok(checked)
    } else {
        Err(Error::Invalid(errors))
    }
}

fn check_source(
    model: &MetaModel,
    types: Option<&[String]>,
    source: &ColumnSource,
    now: DateTime<Utc>,
    at: &str,
) -> Result<(String, CheckedSource)> {
    match source {
        ColumnSource::Field { field } => {
            Ok((field.label().to_owned(), CheckedSource::Field(*field)))
        }
        ColumnSource::Attribute { key } => {
            let in_scope = || {
                model
                    .attribute_definitions(key)
                    .filter(|(t, _)| types.is_none_or(|types| types.contains(&t.key)))
            };
            let label = in_scope()
                .next()
                .map(|(_, definition)| definition.label.clone())
                .ok_or_else(|| {
                    Error::invalid(
                        format!("{at}.attribute"),
                        format!("`{key}` is not an attribute of the listed types"),
                    )
                })?;
            let lifecycle_in = in_scope()
                .filter(|(_, definition)| definition.kind == AttributeType::Lifecycle)
                .map(|(t, _)| t.key.clone())
                .collect();
            Ok((
                label,
                CheckedSource::Attribute {
                    key: key.clone(),
                    lifecycle_in,
                },
            ))
        }
        ColumnSource::Related { path } => {
            let path = RelationPath::new(model, types, path.clone(), &format!("{at}.related"))?;
            let via: Vec<&str> = path
                .steps()
                .iter()
                .map(|s| s.relation_type.as_str())
                .collect();
            let label = format!("{} ({})", path.end_type(), via.join(" › "));
            Ok((label, CheckedSource::Related(path)))
        }
        ColumnSource::Metric { figure, last } => {
            let field = format!("{at}.metric.last");
            let length = parse_lookback(last).map_err(|_| {
                Error::invalid(&field, "is not a duration such as P30D, P6W or PT12H")
            })?;
            let window = now
                .checked_sub_signed(length)
                .and_then(|from| MetricWindow::new(from, now, BucketSize::Week, Tz::UTC).ok())
                .filter(|w| w.check(&WindowLimits::default()).is_ok())
                .ok_or_else(|| Error::invalid(&field, "is not a window metrics are kept for"))?;
            let label = format!("{} {last}", figure_label(*figure));
            Ok((label, CheckedSource::Metric(*figure, window)))
        }
    }
}

fn figure_label(figure: Figure) -> &'static str {
    match figure {
        Figure::DeploymentFrequency => "Deployment frequency",
        Figure::LeadTime => "Lead time",
        Figure::ChangeFailureRate => "Change failure rate",
        Figure::TimeToRestore => "Time to restore",
        Figure::FailedDeploymentRecoveryTime => "Failed deployment recovery time",
        Figure::FlowVelocity => "Flow velocity",
        Figure::FlowTime => "Flow time",
        Figure::FlowEfficiency => "Flow efficiency",
        Figure::FlowLoad => "Flow load",
    }
}
