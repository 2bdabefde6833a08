//! How much one input may hold: caps on the lists and texts a client sends that become SQL, and
//! the one character no text may contain.
//!
//! Every item of a filter list becomes a bound value or a condition of one statement. Unbounded,
//! a filter of a few thousand relation conditions kept a PostgreSQL backend planning for minutes
//! in gigabytes of memory, and SQLite refused inputs of the same kind outright (its expression
//! depth and bound-variable limits). The caps are far above what a screen or an integration
//! sends, and low enough that the largest statement they allow stays well inside both
//! databases' limits; `domain/tests/domain/input_caps.rs` runs every cap at its maximum, all at
//! once, on both. Each service checks its caps before its first statement and refuses with
//! [`Error::Invalid`](crate::error::Error::Invalid) naming the field, so the rules hold for every
//! caller, not only the API.

use chrono::{DateTime, Datelike, Utc};
use serde_json::Value;

use crate::error::FieldError;

/// A most-allowed count of one kind of input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cap {
    pub max: usize,
    /// What is counted, in the plural ("ids", "relation filters").
    pub unit: &'static str,
}

impl Cap {
    /// The refusal of `count` items at `path`, if that is more than the cap.
    pub fn check(self, path: &str, count: usize) -> Option<FieldError> {
        (count > self.max).then(|| {
            FieldError::new(
                path,
                format!("at most {} {} are allowed", self.max, self.unit),
            )
        })
    }
}

/// The largest page of any list (`first` beyond it is capped, as the contract promises).
pub const MAX_PAGE_SIZE: u64 = 500;

/// Fact sheet ids of `filter.ids`: as many as the largest page holds.
pub const IDS: Cap = Cap {
    max: MAX_PAGE_SIZE as usize,
    unit: "ids",
};

/// Type keys of `filter.types` and of a fact sheet's `events(types:)`; more than any meta model
/// or event vocabulary has.
pub const TYPES: Cap = Cap {
    max: 100,
    unit: "types",
};

/// Tag names of `filter.tags`, of a new fact sheet, and of
/// `tagFactSheet`/`untagFactSheet`.
pub const TAGS: Cap = Cap {
    max: 100,
    unit: "tags",
};

/// Conditions of `filter.relations`: the costliest part of a filter, each condition checked
/// once more in its direction's grouped sub-query.
pub const RELATION_FILTERS: Cap = Cap {
    max: 20,
    unit: "relation filters",
};

/// Conditions of `filter.subscriptions`, checked like relation filters in one grouped
/// sub-query.
pub const SUBSCRIPTION_FILTERS: Cap = Cap {
    max: 20,
    unit: "subscription filters",
};

/// Attribute keys of `filter.attributes`, each a condition of the attribute index's grouped
/// sub-query.
pub const ATTRIBUTE_FILTERS: Cap = Cap {
    max: 20,
    unit: "attributes",
};

/// Values of one attribute's any-of condition (`["a", "b"]` or `{"in": […]}`).
pub const ATTRIBUTE_VALUES: Cap = Cap {
    max: 100,
    unit: "values",
};

/// Characters of `filter.search`: a search box, not a document.
pub const SEARCH_CHARACTERS: Cap = Cap {
    max: 200,
    unit: "characters",
};

/// Words of `filter.search`, one `LIKE` condition each.
pub const SEARCH_WORDS: Cap = Cap {
    max: 20,
    unit: "words",
};

/// External IDs of one fact sheet (one lookup each while checking, four values each written).
pub const EXTERNAL_IDS: Cap = Cap {
    max: 100,
    unit: "external ids",
};

/// Attribute definitions sent in one fact sheet or relation type.
pub const ATTRIBUTE_DEFINITIONS: Cap = Cap {
    max: 200,
    unit: "attributes",
};

/// Options of one select attribute (a forced change compares stored values with all of them).
pub const SELECT_OPTIONS: Cap = Cap {
    max: 500,
    unit: "options",
};

/// Roll-up rules of one fact sheet type.
pub const ROLL_UP: Cap = Cap {
    max: 20,
    unit: "roll-up rules",
};

/// Every cap, for the documentation check below.
pub const ALL: [Cap; 13] = [
    IDS,
    TYPES,
    TAGS,
    RELATION_FILTERS,
    SUBSCRIPTION_FILTERS,
    ATTRIBUTE_FILTERS,
    ATTRIBUTE_VALUES,
    SEARCH_CHARACTERS,
    SEARCH_WORDS,
    EXTERNAL_IDS,
    ATTRIBUTE_DEFINITIONS,
    SELECT_OPTIONS,
    ROLL_UP,
];

/// The years of the instants a client may send: PostgreSQL's timestamps start in 4713 BC and
/// fail the statement before that, and SQLite keeps them as text, which sorts by time only with
/// four-digit years.
pub const SUPPORTED_YEARS: std::ops::RangeInclusive<i32> = 1..=9999;

/// Refuses an instant outside [`SUPPORTED_YEARS`], naming `path`.
pub fn check_instant(path: &str, instant: &DateTime<Utc>) -> Option<FieldError> {
    (!SUPPORTED_YEARS.contains(&instant.year())).then(|| {
        FieldError::new(
            path,
            format!(
                "must be in the years {} to {}",
                SUPPORTED_YEARS.start(),
                SUPPORTED_YEARS.end()
            ),
        )
    })
}

/// Why a text with U+0000 is refused. PostgreSQL cannot store the character in `text` or
/// `jsonb` at all (the statement fails), and SQLite's text functions stop at it; refusing it
/// wherever text enters (GraphQL arguments, events, imports) keeps both databases alike.
pub const NUL_REFUSED: &str = "must not contain the NUL character (U+0000)";

/// The refusal of `text` at `path` if it contains U+0000.
pub fn check_text(path: &str, text: &str) -> Option<FieldError> {
    text.contains('\0')
        .then(|| FieldError::new(path, NUL_REFUSED))
}

/// The refusal of `value` at `path` if any string in it, or any object key, contains U+0000,
/// naming where (`data.items.2.title`). Walks with its own stack: a value may be nested deeper
/// than a thread's stack allows recursion.
pub fn check_json(path: &str, value: &Value) -> Option<FieldError> {
    let mut stack: Vec<(usize, Step, &Value)> = vec![(0, Step::Root, value)];
    let mut at: Vec<Step> = Vec::new();
    while let Some((depth, step, value)) = stack.pop() {
        at.truncate(depth);
        at.push(step);
        match value {
            Value::String(s) if s.contains('\0') => return Some(refusal(path, &at)),
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate().rev() {
                    stack.push((depth + 1, Step::Index(i), item));
                }
            }
            Value::Object(map) => {
                if let Some(key) = map.keys().find(|k| k.contains('\0')) {
                    at.push(Step::Key(key));
                    return Some(refusal(path, &at));
                }
                for (key, item) in map.iter().rev() {
                    stack.push((depth + 1, Step::Key(key), item));
                }
            }
            _ => {}
        }
    }
    None
}

/// One step from a JSON value to a part of it.
#[derive(Debug, Clone, Copy)]
enum Step<'a> {
    Root,
    Index(usize),
    Key(&'a str),
}

fn refusal(path: &str, at: &[Step]) -> FieldError {
    let mut full = path.to_owned();
    for step in at {
        let segment = match step {
            Step::Root => continue,
            Step::Index(i) => i.to_string(),
            Step::Key(key) => key.replace('\0', "\\u0000"),
        };
        if !full.is_empty() {
            full.push('.');
        }
        full.push_str(&segment);
    }
    FieldError::new(full, NUL_REFUSED)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_cap_refuses_only_above_its_maximum() {
        assert_eq!(RELATION_FILTERS.check("filter.relations", 20), None);
        let refusal = RELATION_FILTERS.check("filter.relations", 21).unwrap();
        assert_eq!(refusal.path, "filter.relations");
        assert_eq!(refusal.message, "at most 20 relation filters are allowed");
    }

    #[test]
    fn instants_are_refused_outside_the_years_1_to_9999() {
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        assert_eq!(check_instant("t", &at("0001-01-01T00:00:00Z")), None);
        assert_eq!(check_instant("t", &at("9999-12-31T23:59:59.999Z")), None);
        for outside in [
            "0000-12-31T23:59:59Z",
            "+10000-01-01T00:00:00Z",
            "-4714-11-24T00:00:00Z",
        ] {
            assert_eq!(check_instant("t", &at(outside)).unwrap().path, "t");
        }
    }

    #[test]
    fn nul_is_found_in_text_values_and_keys_with_its_path() {
        assert_eq!(check_text("name", "plain"), None);
        assert_eq!(check_text("name", "a\0b").unwrap().path, "name");
        assert_eq!(
            check_json("data", &json!({"a": [1, "x", {"b": "ok"}]})),
            None
        );
        let nested = json!({"a": [1, "x", {"b": "n\u{0}"}], "c": "fine"});
        assert_eq!(check_json("data", &nested).unwrap().path, "data.a.2.b");
        let key = json!({"ok": {"k\u{0}": 1}});
        assert_eq!(check_json("data", &key).unwrap().path, "data.ok.k\\u0000");
        assert_eq!(check_json("", &json!("\u{0}")).unwrap().path, "");
    }

    #[test]
    fn deep_values_are_walked_without_recursion() {
        let mut deep = json!("\u{0}");
        for _ in 0..100_000 {
            deep = Value::Array(vec![deep]);
        }
        let refusal = check_json("data", &deep).unwrap();
        assert!(refusal.path.starts_with("data.0.0."));
        // Dropping a value this deep recurses in serde_json; leak it instead.
        std::mem::forget(deep);
    }

    #[test]
    fn security_md_states_every_cap() {
        let security = include_str!("../../SECURITY.md");
        for cap in ALL {
            let stated = format!("{} {}", thousands(cap.max), cap.unit);
            assert!(
                security.contains(&stated),
                "SECURITY.md does not state the cap `{stated}`"
            );
        }
    }

    fn thousands(n: usize) -> String {
        let digits = n.to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        out
    }
}
