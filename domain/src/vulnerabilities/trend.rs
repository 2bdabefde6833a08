//! The vulnerability trend of `metrics(window)` over both sources: scanner findings and
//! advisory matches as one set of intervals.

use std::collections::HashSet;

use uuid::Uuid;

use super::roll_up::rolled_up_fact_sheets;
use crate::{
    db::Siblings,
    error::Result,
    meta_model::MetaModel,
    metrics::{
        FindingInterval, MetricWindow, MetricsCache, VulnerabilityTrend, vulnerability_trend,
    },
    principal::Principal,
    supply_chain::match_reads::match_intervals,
};

/// The trend of `fact_sheet_id` (rolled up as its metrics are) over `window`: its scanner
/// findings, read from the events the metrics keep, and the open intervals of its advisory
/// matches. A finding two rolled-up artifacts share through one event source counts once, as
/// in the metrics.
pub async fn vulnerability_trend_of(
    db: &impl Siblings,
    principal: &Principal,
    cache: &MetricsCache,
    model: &MetaModel,
    fact_sheet_id: Uuid,
    window: &MetricWindow,
) -> Result<VulnerabilityTrend> {
    let members = rolled_up_fact_sheets(db, principal, model, fact_sheet_id).await?;
    let findings = cache
        .scanner_findings(db, principal, &members, window.from, window.to)
        .await?;
    let mut seen = HashSet::new();
    let scanner = findings
        .into_iter()
        .filter(|f| {
            seen.insert((
                f.vulnerability_id.clone(),
                f.purl.clone(),
                f.opened_at,
                f.resolved_at,
            ))
        })
        .map(|f| FindingInterval {
            opened_at: f.opened_at,
            resolved_at: f.resolved_at,
        });
    let advisory = match_intervals(db, principal, &members, window.from, window.to)
        .await?
        .into_iter()
        .map(|(opened_at, resolved_at)| FindingInterval {
            opened_at,
            resolved_at,
        });
    Ok(vulnerability_trend(scanner.chain(advisory), window))
}
