use chrono::{NaiveDate, SecondsFormat};
use regex::Regex;
use serde_json::Value;

use super::{Attributes, lifecycle};
use crate::{
    error::FieldError,
    meta_model::{AttributeDefinition, AttributeType},
};

/// Checks every value of `attributes` against `definitions` and returns them normalized
/// (date-times in UTC, empty strings and empty lists dropped). Every bad field is reported,
/// not just the first, each under `path_prefix.<key>`.
pub fn validate_attributes(
    definitions: &[AttributeDefinition],
    attributes: &Attributes,
    owner: &str,
    path_prefix: &str,
) -> Result<Attributes, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut normalized = Attributes::new();
    for (key, value) in attributes {
        let path = format!("{path_prefix}.{key}");
        let Some(definition) = definitions.iter().find(|d| &d.key == key) else {
            errors.push(FieldError::new(
                path,
                format!("`{key}` is not an attribute of {owner}"),
            ));
            continue;
        };
        match check_value(definition, value) {
            Ok(Some(v)) => {
                normalized.insert(key.clone(), v);
            }
            Ok(None) => {}
            Err(message) => errors.push(FieldError::new(path, message)),
        }
    }
    for definition in definitions.iter().filter(|d| d.required) {
        if !normalized.contains_key(&definition.key)
            && !errors
                .iter()
                .any(|e| e.path.ends_with(&format!(".{}", definition.key)))
        {
            errors.push(FieldError::new(
                format!("{path_prefix}.{}", definition.key),
                "is required",
            ));
        }
    }
    if errors.is_empty() {
        Ok(normalized)
    } else {
        Err(errors)
    }
}

/// Checks one value; `Ok(None)` means "no value" (null, empty string, empty list).
pub fn check_value(
    definition: &AttributeDefinition,
    value: &Value,
) -> Result<Option<Value>, String> {
    use AttributeType::*;
    if value.is_null() {
        return Ok(None);
    }
    let c = &definition.constraints;
    let normalized = match definition.kind {
        String | Text | Url | Email => {
            let s = value.as_str().ok_or("must be a string")?;
            if s.is_empty() {
                return Ok(None);
            }
            if let Some(max) = c.max_length
                && s.chars().count() > max as usize
            {
                return Err(format!("must be at most {max} characters"));
            }
            if definition.kind == Url {
                check_url(s)?;
            }
            if definition.kind == Email {
                check_email(s)?;
            }
            if let Some(pattern) = &c.pattern {
                let re = Regex::new(&format!("^(?:{pattern})$"))
                    .map_err(|_| "has an invalid pattern in the meta model")?;
                if !re.is_match(s) {
                    return Err(format!("must match the pattern {pattern}"));
                }
            }
            Value::String(s.to_owned())
        }
        Integer => {
            let n = value.as_f64().ok_or("must be an integer")?;
            if n.fract() != 0.0 || n.abs() > 9_007_199_254_740_991.0 {
                return Err("must be an integer".into());
            }
            check_range(n, c.min, c.max)?;
            Value::from(n as i64)
        }
        Number => {
            let n = value
                .as_f64()
                .filter(|n| n.is_finite())
                .ok_or("must be a number")?;
            check_range(n, c.min, c.max)?;
            value.clone()
        }
        Boolean => Value::Bool(value.as_bool().ok_or("must be true or false")?),
        Date => {
            let s = value.as_str().ok_or("must be a date (YYYY-MM-DD)")?;
            NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| "must be a date (YYYY-MM-DD)")?;
            Value::String(s.to_owned())
        }
        DateTime => {
            let s = value.as_str().ok_or("must be an RFC 3339 date-time")?;
            let t = chrono::DateTime::parse_from_rfc3339(s)
                .map_err(|_| "must be an RFC 3339 date-time")?;
            Value::String(t.to_utc().to_rfc3339_opts(SecondsFormat::AutoSi, true))
        }
        SingleSelect => {
            let s = value.as_str().ok_or("must be one option key (a string)")?;
            check_option(definition, s)?;
            Value::String(s.to_owned())
        }
        MultiSelect => {
            let items = value.as_array().ok_or("must be a list of option keys")?;
            let mut keys: Vec<std::string::String> = Vec::with_capacity(items.len());
            for item in items {
                let s = item.as_str().ok_or("must be a list of option keys")?;
                check_option(definition, s)?;
                if !keys.iter().any(|k| k == s) {
                    keys.push(s.to_owned());
                }
            }
            if keys.is_empty() {
                return Ok(None);
            }
            Value::from(keys)
        }
        Lifecycle => lifecycle::check(value)?,
    };
    Ok(Some(normalized))
}

fn check_range(n: f64, min: Option<f64>, max: Option<f64>) -> Result<(), String> {
    if let Some(min) = min
        && n < min
    {
        return Err(format!("must be at least {min}"));
    }
    if let Some(max) = max
        && n > max
    {
        return Err(format!("must be at most {max}"));
    }
    Ok(())
}

fn check_option(definition: &AttributeDefinition, key: &str) -> Result<(), String> {
    if definition.option(key).is_some() {
        return Ok(());
    }
    let allowed: Vec<&str> = definition.options.iter().map(|o| o.key.as_str()).collect();
    Err(format!(
        "`{key}` is not an option (allowed: {})",
        allowed.join(", ")
    ))
}

fn check_url(s: &str) -> Result<(), String> {
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))
        .ok_or("must be an http(s) URL")?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if host.is_empty() || s.chars().any(char::is_whitespace) {
        return Err("must be an http(s) URL".into());
    }
    Ok(())
}

fn check_email(s: &str) -> Result<(), String> {
    let valid = match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
                && !s.chars().any(char::is_whitespace)
        }
        None => false,
    };
    if valid {
        Ok(())
    } else {
        Err("must be an email address".into())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::meta_model::{Constraints, SelectOption};

    fn def(kind: AttributeType) -> AttributeDefinition {
        AttributeDefinition {
            key: "a".into(),
            label: "A".into(),
            description: None,
            kind,
            required: false,
            constraints: Constraints::default(),
            weight: 1.0,
            options: vec![
                SelectOption {
                    key: "x".into(),
                    label: "X".into(),
                    order: 0,
                },
                SelectOption {
                    key: "y".into(),
                    label: "Y".into(),
                    order: 1,
                },
            ],
        }
    }

    #[test]
    fn values_are_checked_by_type() {
        use AttributeType::*;
        let ok = [
            (String, json!("hello")),
            (Integer, json!(3)),
            (Integer, json!(3.0)),
            (Number, json!(2.5)),
            (Boolean, json!(false)),
            (Date, json!("2024-02-29")),
            (Url, json!("https://example.com/x")),
            (Email, json!("a@example.com")),
            (SingleSelect, json!("x")),
            (MultiSelect, json!(["x", "y"])),
            (
                Lifecycle,
                json!({"plan": "2024-01-01", "active": "2024-06-01"}),
            ),
        ];
        for (kind, value) in ok {
            assert!(check_value(&def(kind), &value).is_ok(), "{kind:?} {value}");
        }
        let bad = [
            (String, json!(1)),
            (Integer, json!(3.5)),
            (Integer, json!("3")),
            (Number, json!("x")),
            (Boolean, json!("true")),
            (Date, json!("2023-02-29")),
            (DateTime, json!("yesterday")),
            (Url, json!("ftp://x")),
            (Url, json!("https://")),
            (Email, json!("not-an-email")),
            (SingleSelect, json!("z")),
            (MultiSelect, json!("x")),
            (
                Lifecycle,
                json!({"active": "2024-06-01", "plan": "2024-07-01"}),
            ),
            (Lifecycle, json!({"retired": "2024-06-01"})),
        ];
        for (kind, value) in bad {
            assert!(check_value(&def(kind), &value).is_err(), "{kind:?} {value}");
        }
    }

    #[test]
    fn values_are_normalized() {
        let t = check_value(
            &def(AttributeType::DateTime),
            &json!("2024-03-04T10:00:00+02:00"),
        )
        .unwrap();
        assert_eq!(t, Some(json!("2024-03-04T08:00:00Z")));
        assert_eq!(
            check_value(&def(AttributeType::String), &json!("")).unwrap(),
            None
        );
        assert_eq!(
            check_value(&def(AttributeType::MultiSelect), &json!(["x", "x"])).unwrap(),
            Some(json!(["x"]))
        );
    }

    #[test]
    fn constraints_are_enforced() {
        let mut d = def(AttributeType::Integer);
        d.constraints = Constraints {
            min: Some(1.0),
            max: Some(10.0),
            ..Constraints::default()
        };
        assert_eq!(
            check_value(&d, &json!(0)).unwrap_err(),
            "must be at least 1"
        );
        assert_eq!(
            check_value(&d, &json!(11)).unwrap_err(),
            "must be at most 10"
        );
        let mut s = def(AttributeType::String);
        s.constraints = Constraints {
            max_length: Some(3),
            pattern: Some("[a-z]+".into()),
            ..Constraints::default()
        };
        assert!(check_value(&s, &json!("abcd")).is_err());
        assert!(check_value(&s, &json!("ab1")).is_err());
        assert!(check_value(&s, &json!("abc")).is_ok());
    }

    #[test]
    fn every_bad_field_is_reported_with_its_path() {
        let mut required = def(AttributeType::String);
        required.key = "name2".into();
        required.required = true;
        let defs = vec![def(AttributeType::Integer), required];
        let input = json!({"a": "nope", "unknown": 1})
            .as_object()
            .unwrap()
            .clone();
        let errors = validate_attributes(&defs, &input, "Team", "attributes").unwrap_err();
        let paths: Vec<_> = errors.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(
            paths,
            ["attributes.a", "attributes.unknown", "attributes.name2"]
        );
    }
}
