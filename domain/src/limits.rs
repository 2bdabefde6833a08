//! How much one input may hold: caps on the lists and texts a client sends that become SQL.
//!
//! Every item of a filter list becomes a bound value or a condition of one statement. Unbounded,
//! a filter of a few thousand relation conditions kept a PostgreSQL backend planning for minutes
//! in gigabytes of memory, and SQLite refused inputs of the same kind outright (its expression
//! depth and bound-variable limits). The caps are far above what a screen or an integration
//! sends, and low enough that the largest statement they allow stays well inside both
//! databases' limits; `domain/tests/domain/input_caps.rs` runs every cap at its maximum, all at
//! once, on both. Each service checks its caps before its first statement and refuses with
//! [`Error::Invalid`](crate::Error::Invalid) naming the field, so the rules hold for every
//! caller, not only the API.

use crate::FieldError;

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

/// Fact sheet ids of `filter.ids`: as many as the largest page holds.
pub const IDS: Cap = Cap {
    max: crate::paging::MAX_PAGE_SIZE as usize,
    unit: "ids",
};

/// Type keys of `filter.types` and of a fact sheet's `events(types:)`; more than any meta model
/// or event vocabulary has.
pub const TYPES: Cap = Cap {
    max: 100,
    unit: "types",
};

/// Tag names of `filter.tags` (one sub-query each), of a new fact sheet, and of
/// `tagFactSheet`/`untagFactSheet`.
pub const TAGS: Cap = Cap {
    max: 100,
    unit: "tags",
};

/// Conditions of `filter.relations`, one sub-query each (the costliest part of a filter).
pub const RELATION_FILTERS: Cap = Cap {
    max: 20,
    unit: "relation filters",
};

/// Attribute keys of `filter.attributes`, one sub-query each.
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
pub const ALL: [Cap; 12] = [
    IDS,
    TYPES,
    TAGS,
    RELATION_FILTERS,
    ATTRIBUTE_FILTERS,
    ATTRIBUTE_VALUES,
    SEARCH_CHARACTERS,
    SEARCH_WORDS,
    EXTERNAL_IDS,
    ATTRIBUTE_DEFINITIONS,
    SELECT_OPTIONS,
    ROLL_UP,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cap_refuses_only_above_its_maximum() {
        assert_eq!(RELATION_FILTERS.check("filter.relations", 20), None);
        let refusal = RELATION_FILTERS.check("filter.relations", 21).unwrap();
        assert_eq!(refusal.path, "filter.relations");
        assert_eq!(refusal.message, "at most 20 relation filters are allowed");
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
