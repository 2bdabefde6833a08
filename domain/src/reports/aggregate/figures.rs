//! Figure measures: a DORA or Flow number per group is the plain average of the figures of the
//! group's distinct measured fact sheets, each computed as that fact sheet's own `metrics`
//! compute it (a Team's from the union of its artifacts' events). Fact sheets whose figure has
//! no value in the window are left out of the average. Metrics are computed per fact sheet, not
//! in one statement, so the number of fact sheets one measure reaches is capped.

use std::collections::HashMap;

use uuid::Uuid;

use super::{plan::Source, sql::Statements};
use crate::{
    db::Siblings,
    error::{Error, Result},
    meta_model::MetaModel,
    metrics::{self, MetricWindow},
    principal::Principal,
    reports::Figure,
};

/// A figure measure reaches at most this many distinct fact sheets; a question reaching more is
/// refused (naming the measure) rather than computing metrics for thousands of fact sheets.
pub const MAX_FIGURE_FACT_SHEETS: usize = 200;

/// (Groups × fact sheets) pairs a figure measure reads at most.
const MAX_FIGURE_PAIRS: u64 = 20_000;

/// The average figure per group, keyed by the groups' key values.
#[allow(clippy::too_many_arguments)]
pub(super) async fn per_group(
    db: &impl Siblings,
    principal: &Principal,
    model: &MetaModel,
    statements: &Statements<'_>,
    measure: usize,
    source: &Source,
    figure: Figure,
    window: &MetricWindow,
) -> Result<Vec<(Vec<Option<String>>, Option<f64>)>> {
    let pairs = read_pairs(db, statements, measure, source, true).await?;
    let figures = compute(db, principal, model, &pairs, measure, figure, window).await?;
    let mut by_group: HashMap<Vec<Option<String>>, Vec<f64>> = HashMap::new();
    for (keys, x) in pairs {
        let values = by_group.entry(keys).or_default();
        if let Some(value) = x.and_then(|x| figures.get(&x).copied().flatten()) {
            values.push(value);
        }
    }
    Ok(by_group
        .into_iter()
        .map(|(keys, values)| (keys, average(&values)))
        .collect())
}

/// The average figure over all distinct measured fact sheets.
#[allow(clippy::too_many_arguments)]
pub(super) async fn total(
    db: &impl Siblings,
    principal: &Principal,
    model: &MetaModel,
    statements: &Statements<'_>,
    measure: usize,
    source: &Source,
    figure: Figure,
    window: &MetricWindow,
) -> Result<Option<f64>> {
    let pairs = read_pairs(db, statements, measure, source, false).await?;
    let figures = compute(db, principal, model, &pairs, measure, figure, window).await?;
    let values: Vec<f64> = figures.values().filter_map(|v| *v).collect();
    Ok(average(&values))
}

async fn read_pairs(
    db: &impl Siblings,
    statements: &Statements<'_>,
    measure: usize,
    source: &Source,
    grouped: bool,
) -> Result<Vec<(Vec<Option<String>>, Option<Uuid>)>> {
    statements
        .pairs(db, source, grouped, MAX_FIGURE_PAIRS)
        .await?
        .ok_or_else(|| too_many(measure))
}

fn too_many(measure: usize) -> Error {
    Error::invalid(
        format!("measures.{measure}"),
        format!(
            "a metric figure is averaged over at most {MAX_FIGURE_FACT_SHEETS} fact sheets; \
             narrow the filter"
        ),
    )
}

/// Each distinct fact sheet's figure, once however many groups it is in.
async fn compute(
    db: &impl Siblings,
    principal: &Principal,
    model: &MetaModel,
    pairs: &[(Vec<Option<String>>, Option<Uuid>)],
    measure: usize,
    figure: Figure,
    window: &MetricWindow,
) -> Result<HashMap<Uuid, Option<f64>>> {
    let mut ids: Vec<Uuid> = pairs.iter().filter_map(|(_, x)| *x).collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.len() > MAX_FIGURE_FACT_SHEETS {
        return Err(too_many(measure));
    }
    let mut figures = HashMap::new();
    for id in ids {
        let metrics =
            metrics::for_fact_sheet(db, principal, model, id, window, figure.needs()).await?;
        figures.insert(id, figure.of(&metrics));
    }
    Ok(figures)
}

fn average(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        None
    } else {
        Some(values.iter().sum::<f64>() / values.len() as f64)
    }
}
