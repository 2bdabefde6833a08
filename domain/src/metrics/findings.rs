//! Scanner findings: the intervals during which a scanner reported a vulnerability in an
//! artifact, derived from its `vulnerability.opened` and `.resolved` events.
//!
//! Events are grouped by source and vulnerability id and read in time order (an `opened`
//! before a `resolved` of the same instant, then by event id, so arrival order never matters):
//! - an `opened` while none is open starts a finding; further `opened` events while it is open
//!   only bring its description up to date (the latest report describes it);
//! - a `resolved` closes the open finding, and a later `resolved` with no `opened` between
//!   moves the close to its time: the latest resolve counts;
//! - an `opened` after a resolve starts a new finding, so a vulnerability that comes back is a
//!   second interval, not a longer first one;
//! - a `resolved` with nothing opened before it has no start and is left out.
//!
//! Repeated identical events change nothing.

use chrono::{DateTime, Utc};

use super::facts::{FindingReport, VulnerabilityEvent};

/// One finding of one source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub source: String,
    pub vulnerability_id: String,
    pub report: FindingReport,
    pub opened_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
}

/// Every finding of `events`, ordered by source, vulnerability id and opening time.
pub fn findings<'a>(events: impl IntoIterator<Item = &'a VulnerabilityEvent>) -> Vec<Finding> {
    let mut ordered: Vec<&VulnerabilityEvent> = events.into_iter().collect();
    ordered.sort_unstable_by(|a, b| {
        (&a.source, &a.vulnerability_id, a.time, a.opened.is_none())
            .cmp(&(&b.source, &b.vulnerability_id, b.time, b.opened.is_none()))
            .then_with(|| a.event_id.cmp(&b.event_id))
    });
    let mut list: Vec<Finding> = Vec::new();
    for group in
        ordered.chunk_by(|a, b| a.source == b.source && a.vulnerability_id == b.vulnerability_id)
    {
        let mut current: Option<Finding> = None;
        for event in group {
            match (&event.opened, &mut current) {
                (Some(report), Some(open)) if open.resolved_at.is_none() => {
                    open.report = report.clone();
                }
                (Some(report), _) => {
                    list.extend(current.take());
                    current = Some(Finding {
                        source: event.source.clone(),
                        vulnerability_id: event.vulnerability_id.clone(),
                        report: report.clone(),
                        opened_at: event.time,
                        resolved_at: None,
                    });
                }
                (None, Some(finding)) => finding.resolved_at = Some(event.time),
                (None, None) => {}
            }
        }
        list.extend(current);
    }
    list
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::at;
    use super::*;
    use crate::supply_chain::Severity;

    fn opened(id: &str, time: &str, severity: Severity) -> VulnerabilityEvent {
        VulnerabilityEvent {
            source: "checkout".into(),
            event_id: format!("{id}-opened-{time}-{severity}"),
            vulnerability_id: id.into(),
            time: at(time),
            opened: Some(FindingReport {
                severity,
                advisory_id: Some("GHSA-jfh8-c2jp-5v3q".into()),
                purl: Some("pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1".into()),
                title: Some("Log4Shell".into()),
            }),
        }
    }

    fn resolved(id: &str, time: &str) -> VulnerabilityEvent {
        VulnerabilityEvent {
            source: "checkout".into(),
            event_id: format!("{id}-resolved-{time}"),
            vulnerability_id: id.into(),
            time: at(time),
            opened: None,
        }
    }

    type Interval<'a> = (&'a str, DateTime<Utc>, Option<DateTime<Utc>>);

    fn intervals(list: &[Finding]) -> Vec<Interval<'_>> {
        list.iter()
            .map(|f| (f.vulnerability_id.as_str(), f.opened_at, f.resolved_at))
            .collect()
    }

    #[test]
    fn the_latest_resolve_closes_a_finding_and_a_reopen_starts_another() {
        use Severity::*;
        let events = [
            resolved("v", "2024-03-06T00:00:00Z"),
            opened("v", "2024-03-04T00:00:00Z", High),
            opened("v", "2024-03-08T00:00:00Z", Critical),
            resolved("v", "2024-03-05T00:00:00Z"),
        ];
        assert_eq!(
            intervals(&findings(&events)),
            [
                (
                    "v",
                    at("2024-03-04T00:00:00Z"),
                    Some(at("2024-03-06T00:00:00Z"))
                ),
                ("v", at("2024-03-08T00:00:00Z"), None),
            ]
        );
        assert_eq!(findings(&events)[1].report.severity, Critical);
    }

    #[test]
    fn repeated_reports_and_arrival_order_change_nothing() {
        use Severity::*;
        let events = vec![
            opened("v", "2024-03-04T00:00:00Z", Low),
            opened("v", "2024-03-05T00:00:00Z", High),
            resolved("v", "2024-03-07T00:00:00Z"),
            resolved("w", "2024-03-04T00:00:00Z"),
            opened("w", "2024-03-06T00:00:00Z", Medium),
        ];
        let expected = findings(&events);
        assert_eq!(
            intervals(&expected),
            [
                (
                    "v",
                    at("2024-03-04T00:00:00Z"),
                    Some(at("2024-03-07T00:00:00Z"))
                ),
                ("w", at("2024-03-06T00:00:00Z"), None),
            ]
        );
        // The latest report of an open finding describes it.
        assert_eq!(expected[0].report.severity, High);
        let mut doubled: Vec<_> = events.iter().rev().cloned().collect();
        doubled.extend(events.iter().cloned());
        assert_eq!(findings(&doubled), expected);
    }

    #[test]
    fn a_resolve_wins_a_tie_and_each_source_has_its_own_findings() {
        let mut other = opened("v", "2024-03-04T00:00:00Z", Severity::Low);
        other.source = "billing".into();
        let events = [
            resolved("v", "2024-03-04T00:00:00Z"),
            opened("v", "2024-03-04T00:00:00Z", Severity::Low),
            other,
        ];
        let list = findings(&events);
        assert_eq!(
            list.iter()
                .map(|f| (f.source.as_str(), f.resolved_at))
                .collect::<Vec<_>>(),
            [
                ("billing", None),
                ("checkout", Some(at("2024-03-04T00:00:00Z")))
            ]
        );
    }
}
