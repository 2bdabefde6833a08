//! Open vulnerabilities counted by severity over both sources, each artifact counted once.

use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::list::{VulnerabilityFilter, scanner_findings};
use crate::{
    error::Result,
    principal::Principal,
    supply_chain::{
        Severity,
        match_reads::{MatchStatus, SeverityCounts, open_match_counts},
    },
};

/// The open advisory matches and open scanner findings of `fact_sheet_ids` by severity;
/// `affected_artifacts` counts an artifact with either once.
pub async fn vulnerability_summary(
    db: &impl ConnectionTrait,
    principal: &Principal,
    fact_sheet_ids: &[Uuid],
) -> Result<SeverityCounts> {
    let (mut counts, mut affected) = open_match_counts(db, principal, fact_sheet_ids).await?;
    let open = VulnerabilityFilter {
        fact_sheet_ids,
        status: Some(MatchStatus::Open),
        severities: &[],
    };
    for finding in scanner_findings(db, principal, &open).await? {
        affected.insert(finding.fact_sheet_id);
        counts.total += 1;
        *match finding.severity {
            Severity::Critical => &mut counts.critical,
            Severity::High => &mut counts.high,
            Severity::Medium => &mut counts.medium,
            Severity::Low => &mut counts.low,
            Severity::Unknown => &mut counts.unknown,
        } += 1;
    }
    counts.affected_artifacts = affected.len() as u64;
    Ok(counts)
}
