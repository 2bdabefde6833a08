//! Reading an OSV record, naming the JSON path of the first thing wrong with it
//! (`affected.0.ranges.1.events.0`).

use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::{Advisory, AffectedPackage, AffectedRange, RangeEvent, RangeKind};
use crate::FieldError;
use crate::supply_chain::{Ecosystem, Severity};

/// Reads one OSV record. Fields matching doesn't use are not checked; an `affected` entry
/// without a `package` (one that names only a repository's commits) is left out.
pub fn parse_advisory(value: &Value) -> Result<Advisory, FieldError> {
    let record = value
        .as_object()
        .ok_or_else(|| FieldError::new("", "an OSV advisory is a JSON object"))?;
    let id = required_string(record, "id", "")?;
    if id.trim().is_empty() {
        return Err(FieldError::new("id", "the advisory id is empty"));
    }
    let aliases = string_list(record, "aliases", "")?;
    let summary = optional_string(record, "summary", "")?;
    let modified = timestamp(record, "modified")?;
    let published = timestamp(record, "published")?;
    let (cvss_vector, cvss_severity) = cvss(record)?;
    let severity = record
        .get("database_specific")
        .and_then(|d| d.get("severity"))
        .and_then(Value::as_str)
        .and_then(Severity::parse)
        .or(cvss_severity)
        .unwrap_or(Severity::Unknown);

    let mut affected = Vec::new();
    for (index, entry) in array(record, "affected", "")?.iter().enumerate() {
        let path = format!("affected.{index}");
        if let Some(package) = affected_package(entry, &path)? {
            affected.push(package);
        }
    }
    Ok(Advisory {
        id,
        aliases,
        summary,
        severity,
        cvss_vector,
        modified,
        published,
        affected,
    })
}

fn affected_package(entry: &Value, path: &str) -> Result<Option<AffectedPackage>, FieldError> {
    let entry = entry
        .as_object()
        .ok_or_else(|| FieldError::new(path, "an affected entry is a JSON object"))?;
    let Some(package) = entry.get("package") else {
        return Ok(None);
    };
    let package_path = format!("{path}.package");
    let package = package
        .as_object()
        .ok_or_else(|| FieldError::new(&package_path, "a package is a JSON object"))?;
    let ecosystem = required_string(package, "ecosystem", &package_path)?;
    let name = required_string(package, "name", &package_path)?;
    let mut ranges = Vec::new();
    for (index, range) in array(entry, "ranges", path)?.iter().enumerate() {
        ranges.push(affected_range(range, &format!("{path}.ranges.{index}"))?);
    }
    Ok(Some(AffectedPackage {
        ecosystem: Ecosystem::from_osv(&ecosystem),
        name,
        ranges,
        versions: string_list(entry, "versions", path)?,
    }))
}

fn affected_range(range: &Value, path: &str) -> Result<AffectedRange, FieldError> {
    let range = range
        .as_object()
        .ok_or_else(|| FieldError::new(path, "a range is a JSON object"))?;
    let kind = match required_string(range, "type", path)?.as_str() {
        "SEMVER" => RangeKind::Semver,
        "ECOSYSTEM" => RangeKind::Ecosystem,
        "GIT" => RangeKind::Git,
        other => {
            return Err(FieldError::new(
                format!("{path}.type"),
                format!("\"{other}\" is not a range type; OSV has SEMVER, ECOSYSTEM and GIT"),
            ));
        }
    };
    let events_path = format!("{path}.events");
    let listed = array(range, "events", path)?;
    if listed.is_empty() {
        return Err(FieldError::new(
            events_path,
            "a range has at least one event",
        ));
    }
    let mut events = Vec::with_capacity(listed.len());
    for (index, event) in listed.iter().enumerate() {
        events.push(range_event(event, &format!("{events_path}.{index}"))?);
    }
    if !events
        .iter()
        .any(|e| matches!(e, RangeEvent::Introduced(_)))
    {
        return Err(FieldError::new(
            events_path,
            "a range has an \"introduced\" event",
        ));
    }
    Ok(AffectedRange { kind, events })
}

fn range_event(event: &Value, path: &str) -> Result<RangeEvent, FieldError> {
    const KINDS: &str = "introduced, fixed, last_affected or limit";
    let event = event.as_object().filter(|e| e.len() == 1).ok_or_else(|| {
        FieldError::new(path, format!("an event is an object with one of {KINDS}"))
    })?;
    let (kind, version) = event.iter().next().expect("one entry");
    let version = version
        .as_str()
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| FieldError::new(format!("{path}.{kind}"), "a version string"))?
        .trim()
        .to_owned();
    match kind.as_str() {
        "introduced" => Ok(RangeEvent::Introduced(version)),
        "fixed" => Ok(RangeEvent::Fixed(version)),
        "last_affected" => Ok(RangeEvent::LastAffected(version)),
        "limit" => Ok(RangeEvent::Limit(version)),
        other => Err(FieldError::new(
            format!("{path}.{other}"),
            format!("not an event; OSV has {KINDS}"),
        )),
    }
}

/// The record's CVSS vector (the newest CVSS version it states) and its rating.
fn cvss(record: &Map<String, Value>) -> Result<(Option<String>, Option<Severity>), FieldError> {
    let mut best: Option<(u8, String, usize)> = None;
    for (index, entry) in array(record, "severity", "")?.iter().enumerate() {
        let path = format!("severity.{index}");
        let entry = entry
            .as_object()
            .ok_or_else(|| FieldError::new(&path, "a severity is a JSON object"))?;
        let rank = match required_string(entry, "type", &path)?.as_str() {
            "CVSS_V4" => 4,
            "CVSS_V3" => 3,
            "CVSS_V2" => 2,
            _ => continue,
        };
        let vector = required_string(entry, "score", &path)?;
        if best
            .as_ref()
            .is_none_or(|(best_rank, _, _)| rank > *best_rank)
        {
            best = Some((rank, vector, index));
        }
    }
    let Some((_, vector, index)) = best else {
        return Ok((None, None));
    };
    let score = cvss::Cvss::from_str(&vector)
        .map_err(|e| {
            FieldError::new(
                format!("severity.{index}.score"),
                format!("not a CVSS vector: {e}"),
            )
        })?
        .score();
    Ok((Some(vector), Some(Severity::of_cvss_score(score))))
}

fn field_path(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_owned()
    } else {
        format!("{parent}.{key}")
    }
}

fn required_string(
    object: &Map<String, Value>,
    key: &str,
    parent: &str,
) -> Result<String, FieldError> {
    optional_string(object, key, parent)?
        .ok_or_else(|| FieldError::new(field_path(parent, key), "required"))
}

fn optional_string(
    object: &Map<String, Value>,
    key: &str,
    parent: &str,
) -> Result<Option<String>, FieldError> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(_) => Err(FieldError::new(field_path(parent, key), "a string")),
    }
}

fn array<'a>(
    object: &'a Map<String, Value>,
    key: &str,
    parent: &str,
) -> Result<&'a [Value], FieldError> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(_) => Err(FieldError::new(field_path(parent, key), "a JSON array")),
    }
}

fn string_list(
    object: &Map<String, Value>,
    key: &str,
    parent: &str,
) -> Result<Vec<String>, FieldError> {
    let path = field_path(parent, key);
    array(object, key, parent)?
        .iter()
        .enumerate()
        .map(|(index, item)| {
            item.as_str()
                .map(str::to_owned)
                .ok_or_else(|| FieldError::new(format!("{path}.{index}"), "a string"))
        })
        .collect()
}

fn timestamp(record: &Map<String, Value>, key: &str) -> Result<Option<DateTime<Utc>>, FieldError> {
    optional_string(record, key, "")?
        .map(|text| {
            DateTime::parse_from_rfc3339(&text)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|_| FieldError::new(key, "an RFC 3339 timestamp, as 2021-12-10T00:40:56Z"))
        })
        .transpose()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn error_of(value: Value) -> FieldError {
        parse_advisory(&value).expect_err("refused")
    }

    #[test]
    fn a_bad_event_is_named_by_its_json_path() {
        let error = error_of(json!({
            "id": "OSV-1",
            "affected": [
                {"package": {"ecosystem": "npm", "name": "a"}, "ranges": [
                    {"type": "SEMVER", "events": [{"introduced": "0"}]},
                    {"type": "SEMVER", "events": [{"fixd": "1.0.0"}, {"introduced": "0"}]}
                ]}
            ]
        }));
        assert_eq!(error.path, "affected.0.ranges.1.events.0.fixd");
    }

    #[test]
    fn missing_and_mistyped_fields_are_named() {
        assert_eq!(error_of(json!({"summary": "x"})).path, "id");
        assert_eq!(error_of(json!([])).path, "");
        assert_eq!(
            error_of(json!({"id": "X", "aliases": "CVE-1"})).path,
            "aliases"
        );
        assert_eq!(
            error_of(json!({"id": "X", "aliases": [1]})).path,
            "aliases.0"
        );
        assert_eq!(
            error_of(json!({"id": "X", "modified": "yesterday"})).path,
            "modified"
        );
        assert_eq!(
            error_of(json!({"id": "X", "affected": [{"package": {"name": "a"}}]})).path,
            "affected.0.package.ecosystem"
        );
        assert_eq!(
            error_of(
                json!({"id": "X", "affected": [{"package": {"ecosystem": "npm", "name": "a"},
                "ranges": [{"type": "SOMETIMES", "events": [{"introduced": "0"}]}]}]})
            )
            .path,
            "affected.0.ranges.0.type"
        );
        assert_eq!(
            error_of(
                json!({"id": "X", "affected": [{"package": {"ecosystem": "npm", "name": "a"},
                "ranges": [{"type": "SEMVER", "events": [{"fixed": "1.0.0"}]}]}]})
            )
            .path,
            "affected.0.ranges.0.events"
        );
        assert_eq!(
            error_of(
                json!({"id": "X", "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:Q"}]})
            )
            .path,
            "severity.0.score"
        );
    }

    #[test]
    fn severity_comes_from_the_database_then_the_cvss_vector() {
        let stated = parse_advisory(&json!({
            "id": "X",
            "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"}],
            "database_specific": {"severity": "MODERATE"}
        }))
        .unwrap();
        assert_eq!(stated.severity, Severity::Medium);
        let computed = parse_advisory(&json!({
            "id": "X",
            "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"}]
        }))
        .unwrap();
        assert_eq!(computed.severity, Severity::Critical);
        assert_eq!(
            computed.cvss_vector.as_deref(),
            Some("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H")
        );
        let v4 = parse_advisory(&json!({
            "id": "X",
            "severity": [{"type": "CVSS_V4", "score": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N"}]
        }))
        .unwrap();
        assert_eq!(v4.severity, Severity::Medium);
        let none = parse_advisory(&json!({"id": "X"})).unwrap();
        assert_eq!(none.severity, Severity::Unknown);
        assert_eq!(none.cvss_vector, None);
    }

    #[test]
    fn entries_without_a_package_are_left_out() {
        let advisory = parse_advisory(&json!({
            "id": "X",
            "affected": [{"ranges": [{"type": "GIT", "repo": "https://example.test/r", "events": [{"introduced": "0"}]}]}]
        }))
        .unwrap();
        assert!(advisory.affected.is_empty());
    }
}
