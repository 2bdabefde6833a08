//! Descriptors turned into import lines: each entity a fact sheet named by its `backstage`
//! external ID, each reference a relation or a parent. A reference is followed only when the
//! entity it names is in the body or already in the workspace, and only into relation types the
//! workspace's meta model has with those end types; anything else is a warning naming the
//! reference, and the rest of the descriptor still imports.

use std::collections::HashSet;

use sea_orm::DatabaseTransaction;
use serde_json::Value;

use super::{documents::Descriptor, entity_ref::EntityRef};
use crate::{
    attributes::Attributes,
    error::Result,
    exchange::{
        held_attributes::HeldAttributes,
        line::Ref,
        openapi::{self, ApiSummary},
        parse::{Line, RelationLine, SheetLine},
        report::LineWarning,
    },
    external_ids::{self, ExternalId},
    fact_sheets::Patch,
    meta_model::MetaModel,
    principal::Principal,
};

/// The external ID namespace of imported entities.
pub(super) const NAMESPACE: &str = "backstage";

/// What the references of a body can lead to.
pub(super) struct Catalog<'a> {
    pub tx: &'a DatabaseTransaction,
    pub principal: &'a Principal,
    pub model: &'a MetaModel,
    /// The entities of the body that become fact sheets.
    pub in_body: HashSet<EntityRef>,
}

/// A descriptor's lines and warnings.
#[derive(Default)]
pub(super) struct Mapped {
    pub lines: Vec<Line>,
    pub warnings: Vec<LineWarning>,
}

impl Catalog<'_> {
    fn defines(&self, fact_sheet_type: &str, attribute: &str) -> bool {
        self.model
            .fact_sheet_type(fact_sheet_type)
            .is_some_and(|t| t.attribute(attribute).is_some())
    }

    pub async fn map(&self, d: &Descriptor) -> Result<Mapped> {
        let fact_sheet_type = d
            .entity
            .fact_sheet_type()
            .expect("only imported kinds are mapped");
        let mut mapped = Mapped::default();
        let warn = |mapped: &mut Mapped, message: String| {
            mapped.warnings.push(LineWarning {
                line: d.index,
                message,
            })
        };

        let mut attributes = Attributes::new();
        let links = d.links.as_ref().map(|links| {
            links
                .iter()
                .map(|(title, url)| match title {
                    Some(title) => format!("{title} <{url}>"),
                    None => url.clone(),
                })
                .collect::<Vec<_>>()
                .join("\n")
        });
        for (field, key, value) in [
            ("spec.type", "catalogType", &d.spec_type),
            ("spec.lifecycle", "catalogLifecycle", &d.lifecycle),
            ("metadata.links", "links", &links),
        ] {
            let Some(value) = value else { continue };
            if self.defines(fact_sheet_type, key) {
                attributes.insert(key.to_owned(), Value::String(value.clone()));
            } else {
                warn(
                    &mut mapped,
                    format!(
                        "{field} is not imported: {fact_sheet_type} has no attribute `{key}` in this meta model"
                    ),
                );
            }
        }

        let mut description = d.description.clone();
        if let Some(definition) = &d.definition {
            match read_definition(definition) {
                Ok(summary) => {
                    for (key, value) in openapi::attributes_of(&summary) {
                        if value.is_null() {
                            continue;
                        }
                        if self.defines(fact_sheet_type, &key) {
                            attributes.insert(key, value);
                        } else {
                            warn(
                                &mut mapped,
                                format!(
                                    "spec.definition's {key} is not imported: {fact_sheet_type} has no attribute `{key}` in this meta model"
                                ),
                            );
                        }
                    }
                    description = description.or(summary.description);
                }
                Err(message) => warn(
                    &mut mapped,
                    format!("spec.definition is not read: {message}"),
                ),
            }
        }

        let parent_field = match d.entity.kind.as_str() {
            "group" => d.parent.as_ref().map(|p| ("spec.parent", p)),
            "system" => d.domain.as_ref().map(|p| ("spec.domain", p)),
            _ => None,
        };
        let mut parent = Patch::Keep;
        if let Some((field, reference)) = parent_field {
            match self.check(field, reference).await? {
                Ok(()) => parent = Patch::Set(backstage_ref(reference)),
                Err(message) => warn(&mut mapped, message),
            }
        }

        mapped.lines.push(Line::FactSheet(Box::new(SheetLine {
            line: d.index,
            reference: backstage_ref(&d.entity),
            fact_sheet_type: Some(fact_sheet_type.to_owned()),
            name: Patch::Set(d.title.clone().unwrap_or_else(|| d.name.clone())),
            description: description.map_or(Patch::Keep, Patch::Set),
            status: None,
            attributes: if attributes.is_empty() {
                Patch::Keep
            } else {
                Patch::Set(HeldAttributes::hold(&attributes))
            },
            tags: d.tags.clone().map_or(Patch::Keep, Patch::Set),
            external_ids: Patch::Keep,
            parent,
            subscriptions: Patch::Keep,
        })));

        let owns = match d.entity.kind.as_str() {
            "component" => Some("teamOwnsArtifact"),
            "api" => Some("teamOwnsApi"),
            "resource" => Some("teamOwnsResource"),
            _ => None,
        };
        let Some(owns) = owns else {
            return Ok(mapped);
        };
        let mut wanted = Vec::new();
        if let Some(owner) = &d.owner {
            wanted.push(Wanted::from(owner, "spec.owner", owns));
        }
        if let Some(system) = &d.system {
            wanted.push(Wanted::from(
                system,
                "spec.system",
                "productContainsArtifact",
            ));
        }
        for api in &d.provides_apis {
            wanted.push(Wanted::to(api, "spec.providesApis", "artifactProvidesApi"));
        }
        for api in &d.consumes_apis {
            wanted.push(Wanted::to(api, "spec.consumesApis", "artifactConsumesApi"));
        }
        let depends_on: Vec<_> = d
            .depends_on
            .iter()
            .map(|text| (text, EntityRef::parse(text, None)))
            .collect();
        for (text, dependency) in &depends_on {
            match dependency {
                Ok(r) if r.kind == "resource" => {
                    wanted.push(Wanted::to(r, "spec.dependsOn", "artifactRunsOn"))
                }
                Ok(r) => warn(
                    &mut mapped,
                    format!(
                        "spec.dependsOn {r} is not imported: only dependencies on Resources become relations"
                    ),
                ),
                Err(message) => warn(
                    &mut mapped,
                    format!("spec.dependsOn {text} is not imported: {message}"),
                ),
            }
        }
        for w in wanted {
            let (from, to) = if w.outgoing {
                (&d.entity, w.other)
            } else {
                (w.other, &d.entity)
            };
            if let Err(message) = self.relation_fits(&w, from, to) {
                warn(&mut mapped, message);
                continue;
            }
            match self.check(w.field, w.other).await? {
                Ok(()) => mapped.lines.push(Line::Relation(RelationLine {
                    line: d.index,
                    relation_type: w.relation_type.to_owned(),
                    from: backstage_ref(from),
                    to: backstage_ref(to),
                    attributes: Patch::Keep,
                    active_from: Patch::Keep,
                    active_until: Patch::Keep,
                })),
                Err(message) => warn(&mut mapped, message),
            }
        }
        Ok(mapped)
    }

    /// Whether the meta model has the relation type between the types `from` and `to` become;
    /// `Err` is the warning.
    fn relation_fits(
        &self,
        w: &Wanted<'_>,
        from: &EntityRef,
        to: &EntityRef,
    ) -> std::result::Result<(), String> {
        let (field, relation_type, other) = (w.field, w.relation_type, w.other);
        let (Some(from_type), Some(to_type)) = (from.fact_sheet_type(), to.fact_sheet_type())
        else {
            return Err(not_imported_kind(field, other));
        };
        match self.model.relation_type(relation_type) {
            Some(t) if t.from_type == from_type && t.to_type == to_type => Ok(()),
            _ => Err(format!(
                "{field} {other} is not imported: the meta model has no `{relation_type}` from {from_type} to {to_type}"
            )),
        }
    }

    /// Whether `reference` leads to a fact sheet: its kind is imported, and the entity is in
    /// the body or was imported before. `Err` is the warning.
    async fn check(
        &self,
        field: &str,
        reference: &EntityRef,
    ) -> Result<std::result::Result<(), String>> {
        if reference.fact_sheet_type().is_none() {
            return Ok(Err(not_imported_kind(field, reference)));
        }
        if self.in_body.contains(reference) {
            return Ok(Ok(()));
        }
        let value = reference.to_string();
        let stored =
            external_ids::find(self.tx, self.principal.workspace_id, NAMESPACE, &value).await?;
        Ok(match stored {
            Some(_) => Ok(()),
            None => Err(format!(
                "{field} {reference} is neither in this import nor in the workspace"
            )),
        })
    }
}

/// A relation a descriptor asks for: of `relation_type`, between the descriptor's entity and
/// `other`, which its field `field` names.
struct Wanted<'d> {
    other: &'d EntityRef,
    field: &'static str,
    relation_type: &'static str,
    /// Whether the descriptor's entity is the relation's `from` end.
    outgoing: bool,
}

impl<'d> Wanted<'d> {
    fn from(other: &'d EntityRef, field: &'static str, relation_type: &'static str) -> Self {
        Wanted {
            other,
            field,
            relation_type,
            outgoing: false,
        }
    }

    fn to(other: &'d EntityRef, field: &'static str, relation_type: &'static str) -> Self {
        Wanted {
            other,
            field,
            relation_type,
            outgoing: true,
        }
    }
}

fn not_imported_kind(field: &str, reference: &EntityRef) -> String {
    let why = match reference.kind.as_str() {
        "user" => "a User is not imported, only Groups become owners".to_owned(),
        kind => format!("entities of kind {kind} are not imported"),
    };
    format!("{field} {reference} is not followed: {why}")
}

fn backstage_ref(entity: &EntityRef) -> Ref {
    Ref::from(ExternalId {
        namespace: NAMESPACE.to_owned(),
        value: entity.to_string(),
    })
}

/// An inline OpenAPI or Swagger description, read as `format=openapi` reads one. A placeholder
/// such as `$text: ./openapi.yaml` names a file beside the descriptor, which only Backstage
/// itself can fetch.
fn read_definition(definition: &Value) -> std::result::Result<ApiSummary, String> {
    let Value::String(text) = definition else {
        return Err("it is not the description's text (a `$text` placeholder names a file only Backstage can read)".into());
    };
    openapi::parse_document(text)
        .and_then(|document| openapi::summarize(&document))
        .map_err(|e| match e {
            crate::error::Error::Invalid(fields) => fields
                .iter()
                .map(|f| {
                    if f.path.is_empty() {
                        f.message.clone()
                    } else {
                        format!("{} {}", f.path, f.message)
                    }
                })
                .collect::<Vec<_>>()
                .join("; "),
            other => other.to_string(),
        })
}
