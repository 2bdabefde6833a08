//! Lifecycle values: the start date of each phase, in phase order.

use chrono::NaiveDate;
use serde_json::{Map, Value};

use crate::meta_model::LIFECYCLE_PHASES;

pub(super) fn check(value: &Value) -> Result<Value, String> {
    let object = value
        .as_object()
        .ok_or("must be an object of phase start dates, e.g. {\"active\": \"2024-01-01\"}")?;
    let mut normalized = Map::new();
    let mut previous: Option<(&str, NaiveDate)> = None;
    for key in object.keys() {
        if !LIFECYCLE_PHASES.contains(&key.as_str()) {
            return Err(format!(
                "`{key}` is not a lifecycle phase (phases: {})",
                LIFECYCLE_PHASES.join(", ")
            ));
        }
    }
    for phase in LIFECYCLE_PHASES {
        let Some(date) = object.get(phase) else {
            continue;
        };
        if date.is_null() {
            continue;
        }
        let text = date
            .as_str()
            .ok_or_else(|| format!("{phase} must be a date (YYYY-MM-DD)"))?;
        let parsed = NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map_err(|_| format!("{phase} must be a date (YYYY-MM-DD)"))?;
        if let Some((earlier, at)) = previous
            && parsed < at
        {
            return Err(format!("{phase} must not start before {earlier}"));
        }
        previous = Some((phase, parsed));
        normalized.insert(phase.to_owned(), Value::String(text.to_owned()));
    }
    if normalized.is_empty() {
        return Err("needs the start date of at least one phase".into());
    }
    Ok(Value::Object(normalized))
}

/// The phase a lifecycle is in on `today`: the last phase that has started, if any.
pub fn current_phase(value: &Value, today: NaiveDate) -> Option<&'static str> {
    let object = value.as_object()?;
    LIFECYCLE_PHASES
        .iter()
        .rfind(|phase| {
            object
                .get(**phase)
                .and_then(Value::as_str)
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                .is_some_and(|start| start <= today)
        })
        .copied()
}

/// Where a report puts a lifecycle none of whose phases has started yet: apart from the fact
/// sheets without a lifecycle, since "planned for later" and "unknown" are different answers.
pub const NOT_STARTED: &str = "notStarted";

/// The phase a lifecycle is in on `today`, or [`NOT_STARTED`]; `None` without a lifecycle.
pub fn report_phase(value: Option<&Value>, today: NaiveDate) -> Option<&'static str> {
    value
        .filter(|v| !v.is_null())
        .map(|v| current_phase(v, today).unwrap_or(NOT_STARTED))
}

/// What a person reads for a phase: in aggregate groups, exported cells and view rows alike.
pub fn phase_label(phase: &str) -> &str {
    match phase {
        NOT_STARTED => "Not started yet",
        "plan" => "Plan",
        "phaseIn" => "Phase in",
        "active" => "Active",
        "phaseOut" => "Phase out",
        "endOfLife" => "End of life",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_current_phase_is_the_last_started_one() {
        let lifecycle =
            json!({"plan": "2024-01-01", "active": "2024-06-01", "endOfLife": "2030-01-01"});
        let day = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(current_phase(&lifecycle, day("2023-12-31")), None);
        assert_eq!(current_phase(&lifecycle, day("2024-01-01")), Some("plan"));
        assert_eq!(current_phase(&lifecycle, day("2025-01-01")), Some("active"));
        assert_eq!(
            current_phase(&lifecycle, day("2031-01-01")),
            Some("endOfLife")
        );
    }
}
