//! Reading advisory matches back: a set of artifacts' findings and their counts by severity.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::Severity;
use crate::{
    authz::{self, Action},
    db::INSERT_CHUNK,
    error::Result,
    paging::{Page, decode_cursor, encode_cursor, page_size},
    principal::Principal,
};
use entity::vulnerability_match;

/// A stored match of an advisory with a component of an artifact.
pub type VulnerabilityMatch = vulnerability_match::Model;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchStatus {
    Open,
    Resolved,
}

/// Open matches of a set of artifacts, counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SeverityCounts {
    pub critical: u64,
    pub high: u64,
    pub medium: u64,
    pub low: u64,
    /// Matches of advisories that state no severity.
    pub unknown: u64,
    pub total: u64,
    /// Matches whose version could not be ordered (counted in their severity too).
    pub unknown_versions: u64,
    /// Artifacts with at least one open match, each counted once.
    pub affected_artifacts: u64,
}

/// The matches of `fact_sheet_ids` with `status`, of any of `severities` (all when empty), in
/// id order (the order they were opened in).
pub async fn matches_of(
    db: &impl ConnectionTrait,
    principal: &Principal,
    fact_sheet_ids: &[Uuid],
    status: MatchStatus,
    severities: &[Severity],
    first: Option<i32>,
    after: Option<&str>,
) -> Result<Page<VulnerabilityMatch>> {
    authz::require(principal, Action::Read)?;
    let size = page_size(first)?;
    let mut query = vulnerability_match::Entity::find()
        .filter(vulnerability_match::Column::WorkspaceId.eq(principal.workspace_id))
        .filter(vulnerability_match::Column::FactSheetId.is_in(fact_sheet_ids.iter().copied()));
    query = match status {
        MatchStatus::Open => query.filter(vulnerability_match::Column::ResolvedAt.is_null()),
        MatchStatus::Resolved => {
            query.filter(vulnerability_match::Column::ResolvedAt.is_not_null())
        }
    };
    if !severities.is_empty() {
        query = query.filter(
            vulnerability_match::Column::Severity.is_in(severities.iter().map(|s| s.as_str())),
        );
    }
    if let Some(after) = after {
        let id: Uuid = decode_cursor(after)?;
        query = query.filter(vulnerability_match::Column::Id.gt(id));
    }
    let rows = query
        .order_by_asc(vulnerability_match::Column::Id)
        .limit(size + 1)
        .all(db)
        .await?;
    Ok(Page::from_rows(rows, size, |m| encode_cursor(&m.id)))
}

/// The open matches of `fact_sheet_ids`, counted by severity (each artifact's own; rolling a
/// Team up over its artifacts is the caller's choice of ids).
pub async fn severity_counts(
    db: &impl ConnectionTrait,
    principal: &Principal,
    fact_sheet_ids: &[Uuid],
) -> Result<SeverityCounts> {
    Ok(open_match_counts(db, principal, fact_sheet_ids).await?.0)
}

/// [`severity_counts`], with the artifacts that have an open match: for a caller that adds
/// another source's findings and counts each artifact once over both.
pub async fn open_match_counts(
    db: &impl ConnectionTrait,
    principal: &Principal,
    fact_sheet_ids: &[Uuid],
) -> Result<(SeverityCounts, HashSet<Uuid>)> {
    authz::require(principal, Action::Read)?;
    let mut counts = SeverityCounts::default();
    let mut affected = HashSet::new();
    for chunk in fact_sheet_ids.chunks(INSERT_CHUNK) {
        let columns = [
            vulnerability_match::Column::FactSheetId,
            vulnerability_match::Column::Severity,
            vulnerability_match::Column::Unknown,
        ];
        let rows: Vec<(Uuid, String, bool, i64)> = vulnerability_match::Entity::find()
            .select_only()
            .columns(columns)
            .column_as(vulnerability_match::Column::Id.count(), "matches")
            .filter(vulnerability_match::Column::WorkspaceId.eq(principal.workspace_id))
            .filter(vulnerability_match::Column::FactSheetId.is_in(chunk.iter().copied()))
            .filter(vulnerability_match::Column::ResolvedAt.is_null())
            .group_by(columns[0])
            .group_by(columns[1])
            .group_by(columns[2])
            .into_tuple()
            .all(db)
            .await?;
        for (fact_sheet_id, severity, unknown, matches) in rows {
            let matches = matches as u64;
            affected.insert(fact_sheet_id);
            counts.total += matches;
            if unknown {
                counts.unknown_versions += matches;
            }
            *match Severity::parse(&severity).unwrap_or(Severity::Unknown) {
                Severity::Critical => &mut counts.critical,
                Severity::High => &mut counts.high,
                Severity::Medium => &mut counts.medium,
                Severity::Low => &mut counts.low,
                Severity::Unknown => &mut counts.unknown,
            } += matches;
        }
    }
    counts.affected_artifacts = affected.len() as u64;
    Ok((counts, affected))
}

/// When each match of `fact_sheet_ids` that touches `[from, until)` was open: opened before
/// `until` and not resolved before `from`. The advisory side of the vulnerability trend.
pub async fn match_intervals(
    db: &impl ConnectionTrait,
    principal: &Principal,
    fact_sheet_ids: &[Uuid],
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<MatchInterval>> {
    authz::require(principal, Action::Read)?;
    let mut intervals = Vec::new();
    for chunk in fact_sheet_ids.chunks(INSERT_CHUNK) {
        let rows: Vec<MatchInterval> = vulnerability_match::Entity::find()
            .select_only()
            .columns([
                vulnerability_match::Column::OpenedAt,
                vulnerability_match::Column::ResolvedAt,
            ])
            .filter(vulnerability_match::Column::WorkspaceId.eq(principal.workspace_id))
            .filter(vulnerability_match::Column::FactSheetId.is_in(chunk.iter().copied()))
            .filter(vulnerability_match::Column::OpenedAt.lt(until))
            .filter(
                Condition::any()
                    .add(vulnerability_match::Column::ResolvedAt.is_null())
                    .add(vulnerability_match::Column::ResolvedAt.gte(from)),
            )
            .into_tuple()
            .all(db)
            .await?;
        intervals.extend(rows);
    }
    Ok(intervals)
}

/// When a match opened and, if it did, when it was resolved.
pub type MatchInterval = (DateTime<Utc>, Option<DateTime<Utc>>);
