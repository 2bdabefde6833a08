//! The scanner findings of a set of fact sheets, for listing them beside advisory matches:
//! each fact sheet's own findings (no roll-up), from the events of its `eventSource` external
//! IDs, read with the same statement the vulnerability trend loads them with. Two reads for any
//! number of fact sheets: their external IDs, then the events of all their sources; with
//! [`MetricsCache::scanner_findings`](super::MetricsCache::scanner_findings) the events come
//! from the facts the metrics keep, read once per events version.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::{facts::VulnerabilityEvent, findings::findings, load::scanner_events};
use crate::{
    error::Result,
    external_ids::{self, EVENT_SOURCE_NAMESPACE},
    principal::Principal,
    supply_chain::Severity,
};

/// One finding of one fact sheet, as its scanner last described it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScannerFinding {
    pub fact_sheet_id: Uuid,
    pub vulnerability_id: String,
    pub severity: Severity,
    pub advisory_id: Option<String>,
    pub purl: Option<String>,
    pub title: Option<String>,
    pub opened_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
}

/// The findings of `fact_sheet_ids` that are open just before `until`, or were resolved in
/// `[from, until)`, from the events before `until` (as the trend of a window ending there
/// sees them). Ordered by fact sheet (as given), vulnerability id and opening. Fact sheets the
/// caller cannot read, or without an event source, have none.
pub async fn scanner_findings(
    db: &impl ConnectionTrait,
    principal: &Principal,
    fact_sheet_ids: &[Uuid],
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<ScannerFinding>> {
    let sources = SheetsBySource::read(db, principal, fact_sheet_ids).await?;
    let events = scanner_events(db, principal.workspace_id, &sources.sources(), until).await?;
    Ok(sources.findings(&events, from, until))
}

/// Which of the asked-for fact sheets each event source belongs to.
pub(super) struct SheetsBySource {
    sheets_of: HashMap<String, Vec<Uuid>>,
    position: HashMap<Uuid, usize>,
}

impl SheetsBySource {
    pub(super) async fn read(
        db: &impl ConnectionTrait,
        principal: &Principal,
        fact_sheet_ids: &[Uuid],
    ) -> Result<Self> {
        let external = external_ids::for_fact_sheets(db, principal, fact_sheet_ids).await?;
        let mut sheets_of: HashMap<String, Vec<Uuid>> = HashMap::new();
        for &id in fact_sheet_ids {
            let sources = external.get(&id).into_iter().flatten();
            for source in sources.filter(|e| e.namespace == EVENT_SOURCE_NAMESPACE) {
                let sheets = sheets_of.entry(source.value.clone()).or_default();
                if !sheets.contains(&id) {
                    sheets.push(id);
                }
            }
        }
        let position = fact_sheet_ids
            .iter()
            .enumerate()
            .rev()
            .map(|(i, id)| (*id, i))
            .collect();
        Ok(Self {
            sheets_of,
            position,
        })
    }

    /// The sources, sorted.
    pub(super) fn sources(&self) -> Vec<String> {
        let mut sources: Vec<String> = self.sheets_of.keys().cloned().collect();
        sources.sort_unstable();
        sources
    }

    /// The findings of `events` (any before `until` may be given) per fact sheet.
    pub(super) fn findings(
        &self,
        events: &[VulnerabilityEvent],
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Vec<ScannerFinding> {
        let before = events
            .iter()
            .filter(|e| e.time < until && self.sheets_of.contains_key(&e.source));
        let mut list: Vec<ScannerFinding> = findings(before)
            .into_iter()
            .filter(|f| f.resolved_at.is_none_or(|r| r >= from))
            .flat_map(|f| {
                self.sheets_of
                    .get(&f.source)
                    .into_iter()
                    .flatten()
                    .map(move |&fact_sheet_id| ScannerFinding {
                        fact_sheet_id,
                        vulnerability_id: f.vulnerability_id.clone(),
                        severity: f.report.severity,
                        advisory_id: f.report.advisory_id.clone(),
                        purl: f.report.purl.clone(),
                        title: f.report.title.clone(),
                        opened_at: f.opened_at,
                        resolved_at: f.resolved_at,
                    })
            })
            .collect();
        let place = |f: &ScannerFinding| self.position.get(&f.fact_sheet_id).copied();
        list.sort_by(|a, b| {
            (place(a), &a.vulnerability_id, a.opened_at).cmp(&(
                place(b),
                &b.vulnerability_id,
                b.opened_at,
            ))
        });
        list
    }
}
