//! A set of artifacts' vulnerabilities as one list: advisory matches (with the advisory's
//! summary as title and the component that matched) and scanner findings, in the order they
//! were opened.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    authz::{self, Action},
    error::Result,
    metrics::{self, ScannerFinding},
    paging::{Page, decode_cursor, encode_cursor, page_size},
    principal::Principal,
    supply_chain::{
        SHARED_WORKSPACE, Severity,
        component_reads::{Component, components_by_id},
        ecosystem::osv_package,
        match_reads::{MatchStatus, VulnerabilityMatch},
        purl,
    },
};
use entity::{advisory, component, vulnerability_match};

/// Where a vulnerability was learnt of. Advisories sort before scanners among vulnerabilities
/// opened at the same instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum VulnerabilitySource {
    /// A stored advisory matched a component of the artifact's SBOM.
    Advisory,
    /// A scanner reported it through `vulnerability.opened` events.
    Scanner,
}

/// One vulnerability of one artifact, whichever source reported it.
#[derive(Debug, Clone, PartialEq)]
pub struct Vulnerability {
    pub fact_sheet_id: Uuid,
    /// The advisory's id (`GHSA-…`), or the id the scanner gave.
    pub id: String,
    pub source: VulnerabilitySource,
    pub severity: Severity,
    /// The advisory's summary, or the scanner's title.
    pub title: Option<String>,
    /// The component it is in: the match's, or the one of the artifact's SBOM with the purl
    /// the scanner named (made from the purl when the SBOM has none). `None` when a newer
    /// SBOM replaced the matched component, or the scanner named no purl.
    pub component: Option<Component>,
    /// The first fixed version above the affected one, when known.
    pub fixed_in: Option<String>,
    /// The component's version could not be ordered, so whether it is affected is not known.
    pub unknown_version: bool,
    pub opened_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
}

/// Which vulnerabilities of which artifacts to list; every condition holds together.
#[derive(Debug, Clone, Copy)]
pub struct VulnerabilityFilter<'a> {
    pub fact_sheet_ids: &'a [Uuid],
    /// Open or resolved ones only; `None` for both.
    pub status: Option<MatchStatus>,
    /// Of any of these severities; all when empty.
    pub severities: &'a [Severity],
}

/// Where a page ends: the list is ordered by opening time, then source, then a key unique
/// within the source (the match id; the artifact, vulnerability id and opening of a finding).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
struct Position {
    opened_at: DateTime<Utc>,
    source: VulnerabilitySource,
    key: String,
}

/// The vulnerabilities of `filter`, oldest opening first. A page reads its matches by keyset
/// (three statements: matches, their advisories, their components) and the scanner findings
/// of the artifacts' event sources (two more, and one for the components they name).
pub async fn vulnerabilities_of(
    db: &impl ConnectionTrait,
    principal: &Principal,
    filter: &VulnerabilityFilter<'_>,
    first: Option<i32>,
    after: Option<&str>,
) -> Result<Page<Vulnerability>> {
    authz::require(principal, Action::Read)?;
    let size = page_size(first)?;
    let after: Option<Position> = after.map(decode_cursor).transpose()?;
    let mut query = matches_query(principal, filter);
    if let Some(after) = &after {
        query = query.filter(after_position(after));
    }
    let matches = query
        .order_by_asc(vulnerability_match::Column::OpenedAt)
        .order_by_asc(vulnerability_match::Column::Id)
        .limit(size + 1)
        .all(db)
        .await?;
    let findings: Vec<ScannerFinding> = scanner_findings(db, principal, filter)
        .await?
        .into_iter()
        .filter(|f| after.as_ref().is_none_or(|a| finding_position(f) > *a))
        .collect();
    let mut merged: Vec<(Position, Row)> = matches
        .into_iter()
        .map(|m| (match_position(&m), Row::Match(m)))
        .chain(
            findings
                .into_iter()
                .map(|f| (finding_position(&f), Row::Finding(f))),
        )
        .collect();
    merged.sort_by(|a, b| a.0.cmp(&b.0));
    merged.truncate(size as usize + 1);
    let page = Page::from_rows(merged, size, |(position, _)| encode_cursor(position));
    let rows: Vec<&Row> = page.items.iter().map(|(_, (_, row))| row).collect();
    let details = Details::read(db, principal, &rows).await?;
    Ok(Page {
        has_next_page: page.has_next_page,
        items: page
            .items
            .into_iter()
            .map(|(cursor, (_, row))| (cursor, details.vulnerability(row)))
            .collect(),
    })
}

/// How many vulnerabilities [`vulnerabilities_of`] pages through (`totalCount`).
pub async fn vulnerability_count(
    db: &impl ConnectionTrait,
    principal: &Principal,
    filter: &VulnerabilityFilter<'_>,
) -> Result<u64> {
    authz::require(principal, Action::Read)?;
    let matches = matches_query(principal, filter).count(db).await?;
    let findings = scanner_findings(db, principal, filter).await?.len() as u64;
    Ok(matches + findings)
}

/// The scanner findings of `filter`'s artifacts up to now, filtered as it says. A finding that
/// two of the artifacts share through one event source is listed for each.
pub(super) async fn scanner_findings(
    db: &impl ConnectionTrait,
    principal: &Principal,
    filter: &VulnerabilityFilter<'_>,
) -> Result<Vec<ScannerFinding>> {
    let all = metrics::scanner_findings(
        db,
        principal,
        filter.fact_sheet_ids,
        DateTime::<Utc>::MIN_UTC,
        Utc::now(),
    )
    .await?;
    Ok(all
        .into_iter()
        .filter(|f| match filter.status {
            Some(MatchStatus::Open) => f.resolved_at.is_none(),
            Some(MatchStatus::Resolved) => f.resolved_at.is_some(),
            None => true,
        })
        .filter(|f| filter.severities.is_empty() || filter.severities.contains(&f.severity))
        .collect())
}

enum Row {
    Match(VulnerabilityMatch),
    Finding(ScannerFinding),
}

fn match_position(m: &VulnerabilityMatch) -> Position {
    Position {
        opened_at: m.opened_at,
        source: VulnerabilitySource::Advisory,
        key: m.id.to_string(),
    }
}

fn finding_position(f: &ScannerFinding) -> Position {
    Position {
        opened_at: f.opened_at,
        source: VulnerabilitySource::Scanner,
        key: format!("{}/{}", f.fact_sheet_id, f.vulnerability_id),
    }
}

/// Matches after `after` in the list's order.
fn after_position(after: &Position) -> Condition {
    let later = vulnerability_match::Column::OpenedAt.gt(after.opened_at);
    match (after.source, Uuid::parse_str(&after.key)) {
        (VulnerabilitySource::Advisory, Ok(id)) => Condition::any().add(later).add(
            Condition::all()
                .add(vulnerability_match::Column::OpenedAt.eq(after.opened_at))
                .add(vulnerability_match::Column::Id.gt(id)),
        ),
        _ => Condition::all().add(later),
    }
}

fn matches_query(
    principal: &Principal,
    filter: &VulnerabilityFilter<'_>,
) -> sea_orm::Select<vulnerability_match::Entity> {
    let mut query = vulnerability_match::Entity::find()
        .filter(vulnerability_match::Column::WorkspaceId.eq(principal.workspace_id))
        .filter(
            vulnerability_match::Column::FactSheetId.is_in(filter.fact_sheet_ids.iter().copied()),
        );
    query = match filter.status {
        Some(MatchStatus::Open) => query.filter(vulnerability_match::Column::ResolvedAt.is_null()),
        Some(MatchStatus::Resolved) => {
            query.filter(vulnerability_match::Column::ResolvedAt.is_not_null())
        }
        None => query,
    };
    if !filter.severities.is_empty() {
        query = query.filter(
            vulnerability_match::Column::Severity
                .is_in(filter.severities.iter().map(|s| s.as_str())),
        );
    }
    query
}

/// What a page's rows name, read for the whole page at once.
struct Details {
    titles: HashMap<(Uuid, String), Option<String>>,
    components: HashMap<Uuid, Component>,
    /// The artifact's component with a purl, keyed by artifact and normalised purl.
    by_purl: HashMap<(Uuid, String), Component>,
}

impl Details {
    async fn read(db: &impl ConnectionTrait, principal: &Principal, rows: &[&Row]) -> Result<Self> {
        let matches: Vec<&VulnerabilityMatch> = rows
            .iter()
            .filter_map(|r| match r {
                Row::Match(m) => Some(m),
                Row::Finding(_) => None,
            })
            .collect();
        let named: Vec<(Uuid, String)> = rows
            .iter()
            .filter_map(|r| match r {
                Row::Finding(f) => f
                    .purl
                    .as_deref()
                    .and_then(|p| purl::normalize(p).ok())
                    .map(|p| (f.fact_sheet_id, p)),
                Row::Match(_) => None,
            })
            .collect();
        Ok(Self {
            titles: advisory_titles(db, principal, &matches).await?,
            components: components_by_id(
                db,
                principal,
                matches.iter().map(|m| m.component_id).collect(),
            )
            .await?,
            by_purl: components_by_purl(db, principal, &named).await?,
        })
    }

    fn vulnerability(&self, row: Row) -> Vulnerability {
        match row {
            Row::Match(m) => Vulnerability {
                title: self
                    .titles
                    .get(&(m.advisory_workspace_id, m.advisory_id.clone()))
                    .cloned()
                    .flatten(),
                component: self.components.get(&m.component_id).cloned(),
                fact_sheet_id: m.fact_sheet_id,
                id: m.advisory_id,
                source: VulnerabilitySource::Advisory,
                severity: Severity::parse(&m.severity).unwrap_or(Severity::Unknown),
                fixed_in: m.fixed_in,
                unknown_version: m.unknown,
                opened_at: m.opened_at,
                resolved_at: m.resolved_at,
            },
            Row::Finding(f) => Vulnerability {
                component: f.purl.as_deref().and_then(|p| {
                    let normal = purl::normalize(p).ok()?;
                    self.by_purl
                        .get(&(f.fact_sheet_id, normal.clone()))
                        .cloned()
                        .or_else(|| component_of_purl(f.fact_sheet_id, &normal))
                }),
                fact_sheet_id: f.fact_sheet_id,
                id: f.vulnerability_id,
                source: VulnerabilitySource::Scanner,
                severity: f.severity,
                title: f.title,
                fixed_in: None,
                unknown_version: false,
                opened_at: f.opened_at,
                resolved_at: f.resolved_at,
            },
        }
    }
}

/// A component as a scanner's purl describes it, for a finding in a package the artifact's
/// SBOM does not list (or before any SBOM): not stored, so its id is nil.
fn component_of_purl(fact_sheet_id: Uuid, normal: &str) -> Option<Component> {
    let parsed: packageurl::PackageUrl = normal.parse().ok()?;
    let package = osv_package(normal);
    Some(Component {
        workspace_id: Uuid::nil(),
        id: Uuid::nil(),
        fact_sheet_id,
        purl: Some(normal.to_owned()),
        ecosystem: package.as_ref().map(|(e, _, _)| e.as_osv().to_owned()),
        package: package.map(|(_, name, _)| name),
        name: parsed.name().to_owned(),
        group_name: parsed.namespace().map(str::to_owned),
        version: parsed.version().map(str::to_owned),
        kind: "library".into(),
        scope: None,
        licenses: serde_json::json!([]),
        direct: false,
        hashes: serde_json::json!([]),
    })
}

/// The summaries of the advisories `matches` name, keyed by the advisory's workspace and id:
/// one statement.
async fn advisory_titles(
    db: &impl ConnectionTrait,
    principal: &Principal,
    matches: &[&VulnerabilityMatch],
) -> Result<HashMap<(Uuid, String), Option<String>>> {
    if matches.is_empty() {
        return Ok(HashMap::new());
    }
    let mut ids: Vec<&str> = matches.iter().map(|m| m.advisory_id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    let rows: Vec<(Uuid, String, Option<String>)> = advisory::Entity::find()
        .select_only()
        .columns([
            advisory::Column::WorkspaceId,
            advisory::Column::Id,
            advisory::Column::Summary,
        ])
        .filter(advisory::Column::WorkspaceId.is_in([principal.workspace_id, SHARED_WORKSPACE]))
        .filter(advisory::Column::Id.is_in(ids))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(workspace, id, summary)| ((workspace, id), summary))
        .collect())
}

/// The components of the named artifacts with the named purls: one statement.
async fn components_by_purl(
    db: &impl ConnectionTrait,
    principal: &Principal,
    named: &[(Uuid, String)],
) -> Result<HashMap<(Uuid, String), Component>> {
    if named.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = component::Entity::find()
        .filter(component::Column::WorkspaceId.eq(principal.workspace_id))
        .filter(component::Column::FactSheetId.is_in(named.iter().map(|(id, _)| *id)))
        .filter(component::Column::Purl.is_in(named.iter().map(|(_, p)| p.as_str())))
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|c| Some(((c.fact_sheet_id, c.purl.clone()?), c)))
        .collect())
}

#[cfg(test)]
mod tests {
    use std::cmp::Ordering;

    use super::*;

    #[test]
    fn the_list_runs_by_opening_then_advisories_before_findings() {
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        let position = |t: &str, source, key: &str| Position {
            opened_at: at(t),
            source,
            key: key.into(),
        };
        let mut list = [
            position("2024-01-02T00:00:00Z", VulnerabilitySource::Advisory, "a"),
            position("2024-01-01T00:00:00Z", VulnerabilitySource::Scanner, "b"),
            position("2024-01-01T00:00:00Z", VulnerabilitySource::Advisory, "c"),
        ];
        list.sort();
        let keys: Vec<&str> = list.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(keys, ["c", "b", "a"]);
        assert_eq!(list[0].cmp(&list[1]), Ordering::Less);
    }
}
