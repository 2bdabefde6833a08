//! Checks a meta model on its own, before any stored data is considered: a model that
//! contradicts itself is never saved.

use std::collections::HashSet;

use regex::Regex;

use super::model::{AttributeDefinition, AttributeType, MetaModel, RollUpDirection};
use crate::error::FieldError;

/// What [`is_valid_key`] asks of a key, as refusals say it.
pub(crate) const KEY_RULE: &str =
    "must start with a letter and contain only letters, digits and `_` (at most 64)";

/// Keys become GraphQL-visible identifiers and JSON keys, so they stay plain.
pub(crate) fn is_valid_key(key: &str) -> bool {
    let mut chars = key.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && key.len() <= 64
}

pub fn check_consistency(model: &MetaModel) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let mut type_keys = HashSet::new();
    for t in &model.fact_sheet_types {
        let path = format!("factSheetTypes.{}", t.key);
        check_key(&t.key, &path, &mut errors);
        if !type_keys.insert(t.key.as_str()) {
            errors.push(FieldError::new(
                &path,
                "a fact sheet type with this key already exists",
            ));
        }
        check_label(&t.label, &path, &mut errors);
        check_attributes(&t.attributes, &path, &mut errors);
        for (i, rule) in t.roll_up.iter().enumerate() {
            let rule_path = format!("{path}.rollUp.{i}.relationType");
            match model.relation_type(&rule.relation_type) {
                None => errors.push(FieldError::new(
                    rule_path,
                    format!("unknown relation type `{}`", rule.relation_type),
                )),
                Some(r) => {
                    let this_end = match rule.direction {
                        RollUpDirection::Outgoing => &r.from_type,
                        RollUpDirection::Incoming => &r.to_type,
                    };
                    if this_end != &t.key {
                        errors.push(FieldError::new(
                            rule_path,
                            format!(
                                "`{}` does not start or end at {} in that direction",
                                r.key, t.key
                            ),
                        ));
                    }
                }
            }
        }
    }
    let mut relation_keys = HashSet::new();
    for r in &model.relation_types {
        let path = format!("relationTypes.{}", r.key);
        check_key(&r.key, &path, &mut errors);
        if !relation_keys.insert(r.key.as_str()) {
            errors.push(FieldError::new(
                &path,
                "a relation type with this key already exists",
            ));
        }
        check_label(&r.label, &path, &mut errors);
        for (side, key) in [("fromType", &r.from_type), ("toType", &r.to_type)] {
            if model.fact_sheet_type(key).is_none() {
                errors.push(FieldError::new(
                    format!("{path}.{side}"),
                    format!("unknown fact sheet type `{key}`"),
                ));
            }
        }
        check_attributes(&r.attributes, &path, &mut errors);
    }
    errors
}

fn check_key(key: &str, path: &str, errors: &mut Vec<FieldError>) {
    if !is_valid_key(key) {
        errors.push(FieldError::new(format!("{path}.key"), KEY_RULE));
    }
}

fn check_label(label: &str, path: &str, errors: &mut Vec<FieldError>) {
    if label.trim().is_empty() {
        errors.push(FieldError::new(
            format!("{path}.label"),
            "must not be empty",
        ));
    }
}

fn check_attributes(attributes: &[AttributeDefinition], owner: &str, errors: &mut Vec<FieldError>) {
    let mut keys = HashSet::new();
    for a in attributes {
        let path = format!("{owner}.attributes.{}", a.key);
        check_key(&a.key, &path, errors);
        if !keys.insert(a.key.as_str()) {
            errors.push(FieldError::new(
                &path,
                "an attribute with this key already exists",
            ));
        }
        check_label(&a.label, &path, errors);
        check_attribute(a, &path, errors);
    }
}

/// The largest weight: a type's weights are summed for its completion score, and a sum that
/// overflows to infinity makes the score NaN, which no column stores.
const MAX_WEIGHT: f64 = 1_000_000.0;

fn check_attribute(a: &AttributeDefinition, path: &str, errors: &mut Vec<FieldError>) {
    if !(0.0..=MAX_WEIGHT).contains(&a.weight) {
        errors.push(FieldError::new(
            format!("{path}.weight"),
            "must be a number from 0 to 1,000,000",
        ));
    }
    if a.kind.is_select() {
        if a.options.is_empty() {
            errors.push(FieldError::new(
                format!("{path}.options"),
                "a select attribute needs at least one option",
            ));
        }
        let mut option_keys = HashSet::new();
        for o in &a.options {
            check_key(&o.key, &format!("{path}.options.{}", o.key), errors);
            if !option_keys.insert(o.key.as_str()) {
                errors.push(FieldError::new(
                    format!("{path}.options.{}", o.key),
                    "duplicate option key",
                ));
            }
        }
    } else if !a.options.is_empty() {
        errors.push(FieldError::new(
            format!("{path}.options"),
            "only select attributes have options",
        ));
    }
    let c = &a.constraints;
    if (c.min.is_some() || c.max.is_some()) && !a.kind.is_numeric() {
        errors.push(FieldError::new(
            format!("{path}.constraints"),
            "min and max apply to integer and number attributes only",
        ));
    }
    if let (Some(min), Some(max)) = (c.min, c.max)
        && min > max
    {
        errors.push(FieldError::new(
            format!("{path}.constraints.min"),
            "must not be greater than max",
        ));
    }
    let string_like = matches!(
        a.kind,
        AttributeType::String | AttributeType::Text | AttributeType::Url | AttributeType::Email
    );
    if (c.max_length.is_some() || c.pattern.is_some()) && !string_like {
        errors.push(FieldError::new(
            format!("{path}.constraints"),
            "maxLength and pattern apply to string, text, url and email attributes only",
        ));
    }
    if let Some(pattern) = &c.pattern
        && Regex::new(pattern).is_err()
    {
        errors.push(FieldError::new(
            format!("{path}.constraints.pattern"),
            "is not a valid regular expression",
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::super::default_meta_model;
    use super::*;

    #[test]
    fn contradictions_are_named_by_path() {
        let mut model = default_meta_model();
        model.relation_types[0].to_type = "Nope".into();
        let team = model.fact_sheet_type_mut("Team").unwrap();
        team.attributes[0].options.clear();
        team.attributes[1].constraints.pattern = Some("(".into());
        let paths: Vec<_> = check_consistency(&model)
            .into_iter()
            .map(|e| e.path)
            .collect();
        assert_eq!(
            paths,
            [
                "factSheetTypes.Team.attributes.teamType.options",
                "factSheetTypes.Team.attributes.size.constraints",
                "factSheetTypes.Team.attributes.size.constraints.pattern",
                "relationTypes.teamOwnsArtifact.toType",
            ]
        );
    }

    #[test]
    fn keys_must_be_identifiers() {
        assert!(is_valid_key("SoftwareArtifact"));
        assert!(is_valid_key("a_1"));
        assert!(!is_valid_key("1a"));
        assert!(!is_valid_key("with space"));
        assert!(!is_valid_key(""));
    }
}
