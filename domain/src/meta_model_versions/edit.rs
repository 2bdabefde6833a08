//! One admin change to the meta model, applied as a pure function to a model value. Whether the
//! result is acceptable for the stored data is decided afterwards by `impact`.

use crate::{
    error::{Error, FieldError, Result},
    limits,
    meta_model::{
        AttributeDefinition, Bands, FactSheetType, KEY_RULE, MetaModel, RelationType, RollUp,
        is_valid_key,
    },
};

/// Where an attribute definition lives.
#[derive(Debug, Clone, PartialEq)]
pub enum AttributeOwner {
    FactSheetType(String),
    RelationType(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum MetaModelEdit {
    AddFactSheetType(FactSheetType),
    UpdateFactSheetType {
        key: String,
        label: Option<String>,
        description: Option<Option<String>>,
    },
    RemoveFactSheetType {
        key: String,
    },
    AddAttribute {
        owner: AttributeOwner,
        definition: AttributeDefinition,
    },
    /// Replaces the definition with the same key.
    UpdateAttribute {
        owner: AttributeOwner,
        definition: AttributeDefinition,
    },
    RemoveAttribute {
        owner: AttributeOwner,
        key: String,
    },
    /// Gives a select option of a fact sheet type's attribute a new key (and label); the
    /// stored values follow, each with history.
    RenameAttributeOption(OptionRename),
    AddRelationType(RelationType),
    /// Replaces the relation type with the same key.
    UpdateRelationType(RelationType),
    RemoveRelationType {
        key: String,
    },
    /// What a fact sheet type's metrics roll up over: the relation types they follow (the
    /// list replaced) and whether they count the type's children. A part left `None` stays.
    SetRollUp {
        fact_sheet_type: String,
        roll_up: Option<Vec<RollUp>>,
        children: Option<bool>,
    },
    /// The DORA performance bands (`None`: the published defaults).
    SetPerformanceBands(Option<Bands>),
}

/// A select option's key changing from `from` to `to`.
#[derive(Debug, Clone, PartialEq)]
pub struct OptionRename {
    pub fact_sheet_type: String,
    pub attribute: String,
    pub from: String,
    pub to: String,
    /// The option's new label; `None` keeps it.
    pub label: Option<String>,
}

impl MetaModelEdit {
    /// A one-line description for the version history.
    pub fn summary(&self) -> String {
        match self {
            Self::AddFactSheetType(t) => format!("added fact sheet type {}", t.key),
            Self::UpdateFactSheetType { key, .. } => format!("changed fact sheet type {key}"),
            Self::RemoveFactSheetType { key } => format!("removed fact sheet type {key}"),
            Self::AddAttribute { owner, definition } => {
                format!("added attribute {}.{}", owner.key(), definition.key)
            }
            Self::UpdateAttribute { owner, definition } => {
                format!("changed attribute {}.{}", owner.key(), definition.key)
            }
            Self::RemoveAttribute { owner, key } => {
                format!("removed attribute {}.{key}", owner.key())
            }
            Self::RenameAttributeOption(r) => format!(
                "renamed option {}.{}.{} to {}",
                r.fact_sheet_type, r.attribute, r.from, r.to
            ),
            Self::AddRelationType(r) => format!("added relation type {}", r.key),
            Self::UpdateRelationType(r) => format!("changed relation type {}", r.key),
            Self::RemoveRelationType { key } => format!("removed relation type {key}"),
            Self::SetRollUp {
                fact_sheet_type, ..
            } => format!("changed the metric roll-up of {fact_sheet_type}"),
            Self::SetPerformanceBands(Some(b)) => format!("set performance bands {}", b.version),
            Self::SetPerformanceBands(None) => "reset performance bands to the defaults".into(),
        }
    }

    /// The lists of the edit over their [caps](crate::limits), named by the field that was sent.
    fn oversized(&self) -> Vec<FieldError> {
        let attributes = |path: &str, list: &[AttributeDefinition]| {
            let options = list.iter().enumerate().filter_map(move |(i, a)| {
                limits::SELECT_OPTIONS.check(&format!("{path}.{i}.options"), a.options.len())
            });
            limits::ATTRIBUTE_DEFINITIONS
                .check(path, list.len())
                .into_iter()
                .chain(options)
                .collect::<Vec<_>>()
        };
        match self {
            Self::AddFactSheetType(t) => {
                let mut errors = attributes("input.attributes", &t.attributes);
                errors.extend(limits::ROLL_UP.check("input.rollUp", t.roll_up.len()));
                errors
            }
            Self::AddRelationType(r) | Self::UpdateRelationType(r) => {
                attributes("input.attributes", &r.attributes)
            }
            Self::AddAttribute { definition, .. } | Self::UpdateAttribute { definition, .. } => {
                limits::SELECT_OPTIONS
                    .check("definition.options", definition.options.len())
                    .into_iter()
                    .collect()
            }
            Self::SetRollUp { roll_up, .. } => roll_up
                .as_ref()
                .and_then(|list| limits::ROLL_UP.check("rollUp", list.len()))
                .into_iter()
                .collect(),
            Self::UpdateFactSheetType { .. }
            | Self::RemoveFactSheetType { .. }
            | Self::RemoveAttribute { .. }
            | Self::RenameAttributeOption(_)
            | Self::RemoveRelationType { .. }
            | Self::SetPerformanceBands(_) => Vec::new(),
        }
    }

    pub fn apply(&self, model: &MetaModel) -> Result<MetaModel> {
        Error::check(self.oversized())?;
        let mut next = model.clone();
        match self {
            Self::AddFactSheetType(t) => {
                if model.fact_sheet_type(&t.key).is_some() {
                    return Err(Error::invalid(
                        "key",
                        format!("fact sheet type `{}` already exists", t.key),
                    ));
                }
                next.fact_sheet_types.push(t.clone());
            }
            Self::UpdateFactSheetType {
                key,
                label,
                description,
            } => {
                let t = next
                    .fact_sheet_type_mut(key)
                    .ok_or_else(|| unknown_fact_sheet_type(key))?;
                if let Some(label) = label {
                    t.label = label.clone();
                }
                if let Some(description) = description {
                    t.description = description.clone();
                }
            }
            Self::RemoveFactSheetType { key } => {
                model
                    .fact_sheet_type(key)
                    .ok_or_else(|| unknown_fact_sheet_type(key))?;
                if let Some(r) = model
                    .relation_types
                    .iter()
                    .find(|r| &r.from_type == key || &r.to_type == key)
                {
                    return Err(Error::invalid(
                        "key",
                        format!(
                            "relation type `{}` still connects `{key}`; remove it first",
                            r.key
                        ),
                    ));
                }
                next.fact_sheet_types.retain(|t| &t.key != key);
            }
            Self::AddAttribute { owner, definition } => {
                let attributes = owner.attributes_mut(&mut next)?;
                if attributes.iter().any(|a| a.key == definition.key) {
                    return Err(Error::invalid(
                        "definition.key",
                        format!(
                            "attribute `{}` already exists on `{}`",
                            definition.key,
                            owner.key()
                        ),
                    ));
                }
                attributes.push(definition.clone());
            }
            Self::UpdateAttribute { owner, definition } => {
                let attributes = owner.attributes_mut(&mut next)?;
                let slot = attributes
                    .iter_mut()
                    .find(|a| a.key == definition.key)
                    .ok_or_else(|| unknown_attribute(owner, &definition.key))?;
                *slot = definition.clone();
            }
            Self::RemoveAttribute { owner, key } => {
                let attributes = owner.attributes_mut(&mut next)?;
                let before = attributes.len();
                attributes.retain(|a| &a.key != key);
                if attributes.len() == before {
                    return Err(unknown_attribute(owner, key));
                }
            }
            Self::RenameAttributeOption(rename) => rename.apply(&mut next)?,
            Self::AddRelationType(r) => {
                if model.relation_type(&r.key).is_some() {
                    return Err(Error::invalid(
                        "key",
                        format!("relation type `{}` already exists", r.key),
                    ));
                }
                next.relation_types.push(r.clone());
            }
            Self::UpdateRelationType(r) => {
                let slot = next
                    .relation_type_mut(&r.key)
                    .ok_or_else(|| unknown_relation_type(&r.key))?;
                *slot = r.clone();
            }
            Self::RemoveRelationType { key } => {
                model
                    .relation_type(key)
                    .ok_or_else(|| unknown_relation_type(key))?;
                next.relation_types.retain(|r| &r.key != key);
            }
            Self::SetRollUp {
                fact_sheet_type,
                roll_up,
                children,
            } => {
                let t = next
                    .fact_sheet_type_mut(fact_sheet_type)
                    .ok_or_else(|| unknown_fact_sheet_type(fact_sheet_type))?;
                if let Some(roll_up) = roll_up {
                    t.roll_up = roll_up.clone();
                }
                if let Some(children) = children {
                    t.roll_up_children = *children;
                }
            }
            Self::SetPerformanceBands(bands) => next.performance_bands = bands.clone(),
        }
        Ok(next)
    }
}

impl OptionRename {
    /// Renames the option in `model`, refusing names that do not fit: each refusal names the
    /// argument at fault.
    fn apply(&self, model: &mut MetaModel) -> Result<()> {
        let Self {
            fact_sheet_type,
            attribute,
            from,
            to,
            label,
        } = self;
        let definition = model
            .fact_sheet_type_mut(fact_sheet_type)
            .ok_or_else(|| {
                Error::invalid(
                    "factSheetType",
                    format!("unknown fact sheet type `{fact_sheet_type}`"),
                )
            })?
            .attributes
            .iter_mut()
            .find(|a| &a.key == attribute)
            .ok_or_else(|| {
                Error::invalid(
                    "attribute",
                    format!("`{fact_sheet_type}` has no attribute `{attribute}`"),
                )
            })?;
        if !definition.kind.is_select() {
            return Err(Error::invalid(
                "attribute",
                format!("`{attribute}` is not a select attribute"),
            ));
        }
        if definition.option(from).is_none() {
            return Err(Error::invalid(
                "from",
                format!("`{attribute}` has no option `{from}`"),
            ));
        }
        if !is_valid_key(to) {
            return Err(Error::invalid("to", KEY_RULE));
        }
        if definition.option(to).is_some() {
            return Err(Error::invalid(
                "to",
                format!("`{attribute}` already has an option `{to}`"),
            ));
        }
        let option = definition
            .options
            .iter_mut()
            .find(|o| &o.key == from)
            .expect("checked above");
        option.key = to.clone();
        if let Some(label) = label {
            option.label = label.clone();
        }
        Ok(())
    }
}

impl AttributeOwner {
    pub fn key(&self) -> &str {
        match self {
            Self::FactSheetType(k) | Self::RelationType(k) => k,
        }
    }

    fn attributes_mut<'a>(
        &self,
        model: &'a mut MetaModel,
    ) -> Result<&'a mut Vec<AttributeDefinition>> {
        match self {
            Self::FactSheetType(key) => model
                .fact_sheet_type_mut(key)
                .map(|t| &mut t.attributes)
                .ok_or_else(|| unknown_fact_sheet_type(key)),
            Self::RelationType(key) => model
                .relation_type_mut(key)
                .map(|t| &mut t.attributes)
                .ok_or_else(|| unknown_relation_type(key)),
        }
    }
}

fn unknown_fact_sheet_type(key: &str) -> Error {
    Error::not_found("fact sheet type", key)
}

fn unknown_relation_type(key: &str) -> Error {
    Error::not_found("relation type", key)
}

fn unknown_attribute(owner: &AttributeOwner, key: &str) -> Error {
    Error::not_found("attribute", format!("{}.{key}", owner.key()))
}
