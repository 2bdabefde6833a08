//! Bounds on the columns a fact sheet list filters by directly: completion and the time of the
//! last change. Both are stored on the fact sheet, so each bound is one comparison (the last
//! change by type is indexed, `m20261201_000100`).

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, Condition, sea_query::Expr};

use crate::{error::FieldError, limits};
use entity::fact_sheet;

/// Bounds on a number; absent ones do not apply.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct NumberBounds {
    pub gt: Option<f64>,
    pub gte: Option<f64>,
    pub lt: Option<f64>,
    pub lte: Option<f64>,
}

/// One bound's comparison of completion with its value.
type Comparison = fn(f64) -> Expr;

/// The completion bounds as a condition; a bound outside 0 to 1 (where no completion lies, so
/// probably a percentage) is refused naming it.
pub(super) fn completion(bounds: &NumberBounds, errors: &mut Vec<FieldError>) -> Condition {
    use fact_sheet::Column::Completion;
    let comparisons: [(&str, Option<f64>, Comparison); 4] = [
        ("gt", bounds.gt, |v| Completion.gt(v)),
        ("gte", bounds.gte, |v| Completion.gte(v)),
        ("lt", bounds.lt, |v| Completion.lt(v)),
        ("lte", bounds.lte, |v| Completion.lte(v)),
    ];
    let mut all = Condition::all();
    for (name, bound, compare) in comparisons {
        let Some(value) = bound else { continue };
        if (0.0..=1.0).contains(&value) {
            all = all.add(compare(value));
        } else {
            errors.push(FieldError::new(
                format!("filter.completion.{name}"),
                "must be between 0 and 1 (completion is a fraction, not a percentage)",
            ));
        }
    }
    all
}

/// Fact sheets last changed in `[after, before)`: half-open, so consecutive windows share no
/// fact sheet and miss none.
pub(super) fn updated(
    after: Option<DateTime<Utc>>,
    before: Option<DateTime<Utc>>,
    errors: &mut Vec<FieldError>,
) -> Condition {
    let column = fact_sheet::Column::UpdatedAt;
    let mut all = Condition::all();
    if let Some(after) = after {
        match limits::check_instant("filter.updatedAfter", &after) {
            Some(refusal) => errors.push(refusal),
            None => all = all.add(column.gte(after)),
        }
    }
    if let Some(before) = before {
        match limits::check_instant("filter.updatedBefore", &before) {
            Some(refusal) => errors.push(refusal),
            None => all = all.add(column.lt(before)),
        }
    }
    all
}
