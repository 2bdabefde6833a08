//! Attribute maps held as their JSON text. An import keeps every sheet line of its body, and
//! the rows it plans from them, until it is done. Parsed, a fact sheet's handful of attributes
//! take a B-tree node, a boxed key and a value each: about 1.5 KB for the seed's typical sheet,
//! four times its text, and at 70,000 sheets most of the server's memory while an import ran.
//! Held as text, a map is parsed again where it is used, which is a few times per line.

use serde::{Deserialize, Serialize};

use crate::{attributes::Attributes, fact_sheets::Patch};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct HeldAttributes(Box<str>);

impl HeldAttributes {
    pub(super) fn hold(attributes: &Attributes) -> Self {
        let text = serde_json::to_string(attributes).expect("a map of JSON values serialises");
        Self(text.into_boxed_str())
    }

    /// The map, parsed again.
    pub(super) fn get(&self) -> Attributes {
        serde_json::from_str(&self.0).expect("held text is a serialised map")
    }
}

/// The patch with its map parsed again.
pub(super) fn parsed(patch: &Patch<HeldAttributes>) -> Patch<Attributes> {
    match patch {
        Patch::Keep => Patch::Keep,
        Patch::Clear => Patch::Clear,
        Patch::Set(held) => Patch::Set(held.get()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_held_map_comes_back_as_it_was_given() {
        let Some(given) = json!({
            "cost": 1234.5,
            "big": 18446744073709551615u64,
            "tiny": -9223372036854775808i64,
            "lifecycle": { "plan": "2026-01-01", "active": null },
            "tags": ["a", "ü", "\"quoted\""],
        })
        .as_object()
        .cloned() else {
            unreachable!()
        };
        assert_eq!(HeldAttributes::hold(&given).get(), given);
        assert_eq!(
            parsed(&Patch::Set(HeldAttributes::hold(&given))),
            Patch::Set(given)
        );
        assert_eq!(parsed(&Patch::Clear), Patch::Clear);
    }
}
