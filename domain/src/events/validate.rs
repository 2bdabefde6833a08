//! Checks incoming events before anything is stored: a request with one bad event is refused as
//! a whole, naming the event (its index and id) and the field.
//!
//! A type outside the vocabulary is not a fault of the event: it is kept (so a sender's new or
//! misspelt type loses nothing and stays visible) but contributes no fact. A type the vocabulary
//! knows must carry the `data` it defines.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Map, Value};

use super::vocabulary::{EventKind, kind_of};
use crate::{limits, supply_chain::Severity};

/// A CloudEvent as the transport delivered it, before any checks.
#[derive(Debug, Clone)]
pub struct IncomingEvent {
    pub source: String,
    pub id: String,
    pub event_type: String,
    pub time: Option<DateTime<Utc>>,
    pub subject: Option<String>,
    pub data: Option<Value>,
}

/// Why one event was refused.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rejection {
    /// Position in the request (0 for a single event).
    pub index: usize,
    pub id: Option<String>,
    pub field: String,
    pub message: String,
}

/// What an accepted event contributes to the metrics.
#[derive(Debug, Clone, PartialEq)]
pub enum Fact {
    Change {
        change_id: String,
    },
    Deployment {
        deployment_id: String,
        environment: String,
        status: String,
        change_ids: Vec<String>,
    },
    Incident {
        incident_id: String,
        opened: bool,
        deployment_id: Option<String>,
        change_ids: Vec<String>,
    },
    WorkItem {
        item_id: String,
        item_type: String,
        state: String,
    },
    /// A scanner's finding; it stays in the event itself, the findings are read from there.
    VulnerabilityOpened {
        vulnerability_id: String,
        severity: Severity,
        advisory_id: Option<String>,
        purl: Option<String>,
        title: Option<String>,
    },
    VulnerabilityResolved {
        vulnerability_id: String,
    },
}

#[derive(Debug, Clone)]
pub struct ValidEvent {
    pub source: String,
    pub id: String,
    pub event_type: String,
    pub time: DateTime<Utc>,
    pub subject: Option<String>,
    pub data: Option<Value>,
    /// `None` for a type outside the vocabulary: the event is stored and listed, and counts
    /// in no metric.
    pub fact: Option<Fact>,
}

const MAX_ID_LENGTH: usize = 500;
const ITEM_TYPES: [&str; 4] = ["feature", "defect", "risk", "debt"];
const ITEM_STATES: [&str; 4] = ["todo", "active", "waiting", "done"];
/// A scanner always rates what it reports: `unknown` is for advisories that state nothing.
const FINDING_SEVERITIES: [Severity; 4] = [
    Severity::Critical,
    Severity::High,
    Severity::Medium,
    Severity::Low,
];

pub fn validate(events: Vec<IncomingEvent>) -> Result<Vec<ValidEvent>, Vec<Rejection>> {
    let mut valid = Vec::with_capacity(events.len());
    let mut rejections = Vec::new();
    for (index, event) in events.into_iter().enumerate() {
        match check(event) {
            Ok(v) => valid.push(v),
            Err((id, field, message)) => rejections.push(Rejection {
                index,
                id,
                field,
                message,
            }),
        }
    }
    if rejections.is_empty() {
        Ok(valid)
    } else {
        Err(rejections)
    }
}

type Refusal = (Option<String>, String, String);

fn check(e: IncomingEvent) -> Result<ValidEvent, Refusal> {
    let id = Some(e.id.clone()).filter(|i| !i.is_empty());
    let refuse = |field: &str, message: &str| -> Refusal {
        (id.clone(), field.to_owned(), message.to_owned())
    };
    let texts = [
        limits::check_text("id", &e.id),
        limits::check_text("source", &e.source),
        limits::check_text("type", &e.event_type),
        e.subject
            .as_deref()
            .and_then(|s| limits::check_text("subject", s)),
        e.data.as_ref().and_then(|d| limits::check_json("data", d)),
    ];
    if let Some(refusal) = texts.into_iter().flatten().next() {
        return Err(refuse(&refusal.path, &refusal.message));
    }
    if e.id.is_empty() || e.id.len() > MAX_ID_LENGTH {
        return Err(refuse("id", "must be 1 to 500 characters"));
    }
    if e.source.is_empty() || e.source.len() > MAX_ID_LENGTH {
        return Err(refuse("source", "must be 1 to 500 characters"));
    }
    if e.event_type.is_empty() || e.event_type.len() > MAX_ID_LENGTH {
        return Err(refuse("type", "must be 1 to 500 characters"));
    }
    let Some(time) = e.time else {
        return Err(refuse(
            "time",
            "is required: metrics use the event time, never the receive time",
        ));
    };
    if let Some(outside) = limits::check_instant("time", &time) {
        return Err(refuse(&outside.path, &outside.message));
    }
    let fact = kind_of(&e.event_type)
        .map(|kind| fact(kind, &e.id, e.data.as_ref()))
        .transpose()
        .map_err(|(field, message)| refuse(&field, &message))?;
    Ok(ValidEvent {
        source: e.source,
        id: e.id,
        event_type: e.event_type,
        time,
        subject: e.subject,
        data: e.data,
        fact,
    })
}

/// The fact a stored event of `event_type` contributes, read back from its `data` as
/// [`validate`] reads it; `None` for a type outside the vocabulary, or for data that does not
/// fit it (stored while its type was not yet in the vocabulary, so never checked).
pub(crate) fn stored_fact(event_type: &str, event_id: &str, data: Option<&Value>) -> Option<Fact> {
    fact(kind_of(event_type)?, event_id, data).ok()
}

/// The fact an event of a known `kind` contributes, read from its `data` as the vocabulary
/// defines it; or the `data` field at fault and why.
fn fact(kind: EventKind, event_id: &str, data: Option<&Value>) -> Result<Fact, (String, String)> {
    let refuse = |field: &str, message: &str| (field.to_owned(), message.to_owned());
    let empty = Map::new();
    let data = match data {
        None | Some(Value::Null) => &empty,
        Some(Value::Object(map)) => map,
        Some(_) => return Err(refuse("data", "must be a JSON object")),
    };
    Ok(match kind {
        EventKind::Change => Fact::Change {
            change_id: event_id.to_owned(),
        },
        EventKind::Deployment | EventKind::Release => {
            let change_ids = string_list(data, "changeIds")
                .map_err(|m| refuse("data.changeIds", &m))?
                .ok_or_else(|| {
                    refuse(
                        "data.changeIds",
                        "is required (a list of change ids, may be empty)",
                    )
                })?;
            let deployment_id = optional_string(data, "deploymentId")
                .map_err(|m| refuse("data.deploymentId", &m))?
                .unwrap_or_else(|| event_id.to_owned());
            let environment = if kind == EventKind::Release {
                "production".to_owned()
            } else {
                optional_string(data, "environment")
                    .map_err(|m| refuse("data.environment", &m))?
                    .unwrap_or_else(|| "production".to_owned())
            };
            let status = optional_string(data, "status")
                .map_err(|m| refuse("data.status", &m))?
                .unwrap_or_else(|| "success".to_owned());
            if status != "success" && status != "failure" {
                return Err(refuse("data.status", "must be `success` or `failure`"));
            }
            Fact::Deployment {
                deployment_id,
                environment,
                status,
                change_ids,
            }
        }
        EventKind::IncidentOpened | EventKind::IncidentResolved => {
            let incident_id =
                required_string(data, "incidentId").map_err(|m| refuse("data.incidentId", &m))?;
            let deployment_id = optional_string(data, "deploymentId")
                .map_err(|m| refuse("data.deploymentId", &m))?;
            let change_ids = string_list(data, "changeIds")
                .map_err(|m| refuse("data.changeIds", &m))?
                .unwrap_or_default();
            Fact::Incident {
                incident_id,
                opened: kind == EventKind::IncidentOpened,
                deployment_id,
                change_ids,
            }
        }
        EventKind::WorkItemTransitioned => {
            let item_id = required_string(data, "itemId").map_err(|m| refuse("data.itemId", &m))?;
            let item_type =
                required_string(data, "itemType").map_err(|m| refuse("data.itemType", &m))?;
            if !ITEM_TYPES.contains(&item_type.as_str()) {
                return Err(refuse(
                    "data.itemType",
                    &format!("must be one of {}", ITEM_TYPES.join(", ")),
                ));
            }
            let state = required_string(data, "state").map_err(|m| refuse("data.state", &m))?;
            if !ITEM_STATES.contains(&state.as_str()) {
                return Err(refuse(
                    "data.state",
                    &format!("must be one of {}", ITEM_STATES.join(", ")),
                ));
            }
            Fact::WorkItem {
                item_id,
                item_type,
                state,
            }
        }
        EventKind::VulnerabilityOpened | EventKind::VulnerabilityResolved => {
            let vulnerability_id = required_string(data, "vulnerabilityId")
                .map_err(|m| refuse("data.vulnerabilityId", &m))?;
            if kind == EventKind::VulnerabilityResolved {
                return Ok(Fact::VulnerabilityResolved { vulnerability_id });
            }
            let severities = || {
                let names: Vec<_> = FINDING_SEVERITIES.iter().map(|s| s.as_str()).collect();
                format!("must be one of {}", names.join(", "))
            };
            let severity =
                required_string(data, "severity").map_err(|m| refuse("data.severity", &m))?;
            let severity = Severity::parse(&severity)
                .filter(|s| FINDING_SEVERITIES.contains(s))
                .ok_or_else(|| refuse("data.severity", &severities()))?;
            let optional = |key: &str| {
                optional_string(data, key).map_err(|m| refuse(&format!("data.{key}"), &m))
            };
            Fact::VulnerabilityOpened {
                vulnerability_id,
                severity,
                advisory_id: optional("advisoryId")?,
                purl: optional("purl")?,
                title: optional("title")?,
            }
        }
    })
}

fn optional_string(data: &Map<String, Value>, key: &str) -> Result<Option<String>, String> {
    match data.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if !s.is_empty() && s.len() <= MAX_ID_LENGTH => Ok(Some(s.clone())),
        Some(_) => Err("must be a string of 1 to 500 characters".into()),
    }
}

fn required_string(data: &Map<String, Value>, key: &str) -> Result<String, String> {
    optional_string(data, key)?.ok_or_else(|| "is required".into())
}

fn string_list(data: &Map<String, Value>, key: &str) -> Result<Option<Vec<String>>, String> {
    match data.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| match i {
                Value::String(s) if !s.is_empty() && s.len() <= MAX_ID_LENGTH => Ok(s.clone()),
                _ => Err("must be a list of non-empty strings".to_string()),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err("must be a list of strings".into()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn event(t: &str, data: Value) -> IncomingEvent {
        IncomingEvent {
            source: "checkout".into(),
            id: "e1".into(),
            event_type: t.into(),
            time: Some(Utc::now()),
            subject: None,
            data: Some(data),
        }
    }

    #[test]
    fn defaults_and_aliases_follow_the_spec() {
        let v = validate(vec![event(
            "dev.wayfinder.deployment",
            json!({"changeIds": ["c1"]}),
        )])
        .unwrap();
        assert_eq!(
            v[0].fact,
            Some(Fact::Deployment {
                deployment_id: "e1".into(),
                environment: "production".into(),
                status: "success".into(),
                change_ids: vec!["c1".into()]
            })
        );
        let v = validate(vec![event(
            "net.leanix.valuestreams.release",
            json!({"changeIds": [], "environment": "staging"}),
        )])
        .unwrap();
        assert!(
            matches!(&v[0].fact, Some(Fact::Deployment { environment, .. }) if environment == "production")
        );
        let v = validate(vec![event("net.leanix.valuestreams.change", json!(null))]).unwrap();
        assert_eq!(
            v[0].fact,
            Some(Fact::Change {
                change_id: "e1".into()
            })
        );
    }

    #[test]
    fn every_bad_event_is_named_by_index_and_field() {
        let mut no_time = event("dev.wayfinder.change", json!({}));
        no_time.time = None;
        let rejections = validate(vec![
            event("dev.wayfinder.change", json!({})),
            no_time,
            event("dev.wayfinder.deployment", json!({})),
            event(
                "dev.wayfinder.workitem.transitioned",
                json!({"itemId": "w", "itemType": "epic", "state": "done"}),
            ),
            event("", json!({})),
            event("dev.wayfinder.incident.opened", json!({"incidentId": 7})),
        ])
        .unwrap_err();
        let named: Vec<_> = rejections
            .iter()
            .map(|r| (r.index, r.field.as_str()))
            .collect();
        assert_eq!(
            named,
            [
                (1, "time"),
                (2, "data.changeIds"),
                (3, "data.itemType"),
                (4, "type"),
                (5, "data.incidentId")
            ]
        );
    }

    #[test]
    fn scanner_findings_need_an_id_and_one_of_four_severities() {
        let opened = |data| event("dev.wayfinder.vulnerability.opened", data);
        let rejections = validate(vec![
            opened(json!({"severity": "high"})),
            opened(json!({"vulnerabilityId": "CVE-2021-44228"})),
            opened(json!({"vulnerabilityId": "CVE-2021-44228", "severity": "unknown"})),
            opened(json!({"vulnerabilityId": "CVE-2021-44228", "severity": "severe"})),
            opened(json!({"vulnerabilityId": "v", "severity": "low", "purl": 7})),
            event(
                "dev.wayfinder.vulnerability.resolved",
                json!({"vulnerabilityId": ""}),
            ),
        ])
        .unwrap_err();
        let named: Vec<_> = rejections
            .iter()
            .map(|r| (r.index, r.field.as_str(), r.message.as_str()))
            .collect();
        let severities = "must be one of critical, high, medium, low";
        assert_eq!(
            named,
            [
                (0, "data.vulnerabilityId", "is required"),
                (1, "data.severity", "is required"),
                (2, "data.severity", severities),
                (3, "data.severity", severities),
                (4, "data.purl", "must be a string of 1 to 500 characters"),
                (
                    5,
                    "data.vulnerabilityId",
                    "must be a string of 1 to 500 characters"
                ),
            ]
        );
        let v = validate(vec![
            opened(
                json!({"vulnerabilityId": "CVE-2021-44228", "severity": "Critical",
                "advisoryId": "GHSA-jfh8-c2jp-5v3q", "title": "Log4Shell"}),
            ),
            event(
                "dev.wayfinder.vulnerability.resolved",
                json!({"vulnerabilityId": "CVE-2021-44228"}),
            ),
        ])
        .unwrap();
        assert_eq!(
            v[0].fact,
            Some(Fact::VulnerabilityOpened {
                vulnerability_id: "CVE-2021-44228".into(),
                severity: Severity::Critical,
                advisory_id: Some("GHSA-jfh8-c2jp-5v3q".into()),
                purl: None,
                title: Some("Log4Shell".into()),
            })
        );
        assert_eq!(
            v[1].fact,
            Some(Fact::VulnerabilityResolved {
                vulnerability_id: "CVE-2021-44228".into()
            })
        );
    }

    #[test]
    fn a_type_outside_the_vocabulary_is_kept_without_a_fact_whatever_its_data() {
        let mut unknown = event("com.example.build.finished", json!(["not", "an", "object"]));
        unknown.id = "b1".into();
        let v = validate(vec![unknown, event("dev.wayfinder.deploymnet", json!({}))]).unwrap();
        assert_eq!((v[0].fact.clone(), v[1].fact.clone()), (None, None));
        assert_eq!(v[1].event_type, "dev.wayfinder.deploymnet");
    }

    #[test]
    fn nul_in_any_field_is_refused_naming_it() {
        let change = || event("dev.wayfinder.change", json!({"note": "fine"}));
        let mut id = change();
        id.id = "e\u{0}".into();
        let mut source = change();
        source.source = "checkout\u{0}".into();
        let mut kind = change();
        kind.event_type = "dev.wayfinder.change\u{0}".into();
        let mut subject = change();
        subject.subject = Some("\u{0}".into());
        let value = event("dev.wayfinder.change", json!({"note": ["a", "b\u{0}"]}));
        let key = event("dev.wayfinder.change", json!({"n\u{0}te": 1}));
        let rejections =
            validate(vec![change(), id, source, kind, subject, value, key]).unwrap_err();
        let named: Vec<_> = rejections
            .iter()
            .map(|r| (r.index, r.field.as_str(), r.message.as_str()))
            .collect();
        assert_eq!(
            named,
            [
                (1, "id", limits::NUL_REFUSED),
                (2, "source", limits::NUL_REFUSED),
                (3, "type", limits::NUL_REFUSED),
                (4, "subject", limits::NUL_REFUSED),
                (5, "data.note.1", limits::NUL_REFUSED),
                (6, "data.n\\u0000te", limits::NUL_REFUSED),
            ]
        );
    }
}
