//! Backstage entity references, `[kind:][namespace/]name`, read as Backstage reads them: the
//! kind comes from the field when the reference leaves it out, the namespace is `default`, and
//! case does not matter (so a reference is kept lower-cased).

use std::fmt;

pub(super) const DEFAULT_NAMESPACE: &str = "default";

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct EntityRef {
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

impl EntityRef {
    pub fn new(kind: &str, namespace: &str, name: &str) -> Self {
        EntityRef {
            kind: kind.to_lowercase(),
            namespace: namespace.to_lowercase(),
            name: name.to_lowercase(),
        }
    }

    /// The fact sheet type entities of this kind become; `None` for a kind not imported.
    pub fn fact_sheet_type(&self) -> Option<&'static str> {
        Some(match self.kind.as_str() {
            "component" => "SoftwareArtifact",
            "api" => "API",
            "resource" => "CloudResource",
            "group" => "Team",
            "system" | "domain" => "Product",
            _ => return None,
        })
    }

    /// Reads `text`, taking `default_kind` when it names none; the message says what is wrong.
    pub fn parse(text: &str, default_kind: Option<&str>) -> Result<Self, String> {
        let text = text.trim();
        let (kind, rest) = match text.split_once(':') {
            Some((kind, rest)) => (Some(kind), rest),
            None => (default_kind, text),
        };
        let (namespace, name) = rest.split_once('/').unwrap_or((DEFAULT_NAMESPACE, rest));
        match kind {
            None => Err(format!(
                "`{text}` names no kind; write it as kind:[namespace/]name"
            )),
            Some(kind) if kind.is_empty() || namespace.is_empty() || name.is_empty() => Err(
                format!("`{text}` is not an entity reference [kind:][namespace/]name"),
            ),
            Some(kind) => Ok(EntityRef::new(kind, namespace, name)),
        }
    }
}

/// `kind:namespace/name`, the value of the fact sheet's `backstage` external ID.
impl fmt::Display for EntityRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}/{}", self.kind, self.namespace, self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reference_takes_the_kind_of_its_field_and_the_default_namespace() {
        let owner = EntityRef::parse("Team-A", Some("group")).unwrap();
        assert_eq!(owner.to_string(), "group:default/team-a");
        let user = EntityRef::parse("User:Dev/Guest", Some("group")).unwrap();
        assert_eq!(user.to_string(), "user:dev/guest");
        assert!(EntityRef::parse("artists-db", None).is_err());
        assert!(EntityRef::parse("resource:", None).is_err());
    }
}
