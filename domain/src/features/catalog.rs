//! The features Wayfinder gates or meters, and what each edition grants by default.

use std::{fmt, str::FromStr};

use crate::error::{Error, Result};

/// Each feature has a stable id (what the CLI, GraphQL and error extensions say).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Feature {
    /// Fact sheets in the inventory; quota: fact sheets per workspace.
    FactSheets,
    /// The Events API; quota: events accepted per UTC day.
    Events,
    /// DORA and Flow metric resolvers.
    Metrics,
    /// Changing the meta model (custom types, attributes, relation types).
    MetaModelCustomization,
    /// Technical users: API tokens exchanged for access tokens.
    ApiTokens,
}

impl Feature {
    pub const ALL: [Feature; 5] = [
        Feature::FactSheets,
        Feature::Events,
        Feature::Metrics,
        Feature::MetaModelCustomization,
        Feature::ApiTokens,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Feature::FactSheets => "inventory.factSheets",
            Feature::Events => "events.ingestion",
            Feature::Metrics => "metrics.dora",
            Feature::MetaModelCustomization => "metaModel.customization",
            Feature::ApiTokens => "integration.apiTokens",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Feature::FactSheets => {
                "Fact sheets in the inventory (quota: fact sheets per workspace)"
            }
            Feature::Events => "Events API ingestion (quota: events accepted per UTC day)",
            Feature::Metrics => "DORA and Flow metrics",
            Feature::MetaModelCustomization => "Changing the meta model",
            Feature::ApiTokens => "API tokens for technical users",
        }
    }

    /// What a quota of this feature counts, or `None` when it has no quota.
    pub fn quota_unit(self) -> Option<&'static str> {
        match self {
            Feature::FactSheets => Some("fact sheets"),
            Feature::Events => Some("events per day"),
            _ => None,
        }
    }
}

impl fmt::Display for Feature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl FromStr for Feature {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Feature::ALL
            .into_iter()
            .find(|f| f.id() == s)
            .ok_or_else(|| {
                let known: Vec<&str> = Feature::ALL.iter().map(|f| f.id()).collect();
                Error::invalid(
                    "feature",
                    format!("unknown feature; one of {}", known.join(", ")),
                )
            })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeatureStatus {
    Enabled,
    Disabled,
}

impl FeatureStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            FeatureStatus::Enabled => "enabled",
            FeatureStatus::Disabled => "disabled",
        }
    }
}

impl FromStr for FeatureStatus {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "enabled" => Ok(FeatureStatus::Enabled),
            "disabled" => Ok(FeatureStatus::Disabled),
            _ => Err(Error::invalid("status", "must be ENABLED or DISABLED")),
        }
    }
}

/// A bundle of feature defaults. New workspaces get [`Edition::Enterprise`], which gates
/// nothing: a self-hosted installation should not have to unlock its own features; operators
/// who sell tiers set editions with the CLI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Edition {
    Essentials,
    Professional,
    #[default]
    Enterprise,
}

impl Edition {
    pub const ALL: [Edition; 3] = [
        Edition::Essentials,
        Edition::Professional,
        Edition::Enterprise,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Edition::Essentials => "essentials",
            Edition::Professional => "professional",
            Edition::Enterprise => "enterprise",
        }
    }

    /// The edition's default for `feature`: status and quota (`None` = unlimited).
    pub fn grants(self, feature: Feature) -> (FeatureStatus, Option<i64>) {
        use {Edition::*, Feature::*, FeatureStatus::*};
        match (self, feature) {
            (Essentials, FactSheets) => (Enabled, Some(1_000)),
            (Essentials, Events | Metrics | ApiTokens) => (Disabled, None),
            (Essentials, MetaModelCustomization) => (Disabled, None),
            (Professional, FactSheets) => (Enabled, Some(20_000)),
            (Professional, Events) => (Enabled, Some(100_000)),
            (Professional, _) => (Enabled, None),
            (Enterprise, _) => (Enabled, None),
        }
    }
}

impl FromStr for Edition {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Edition::ALL
            .into_iter()
            .find(|e| e.id() == s.to_ascii_lowercase())
            .ok_or_else(|| {
                Error::invalid("edition", "must be essentials, professional or enterprise")
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_editions_grow_monotonically() {
        for feature in Feature::ALL {
            assert_eq!(feature.id().parse::<Feature>().unwrap(), feature);
            let open = |e: Edition| e.grants(feature).0 == FeatureStatus::Enabled;
            // A higher edition never takes away what a lower one grants.
            assert!(!open(Edition::Essentials) || open(Edition::Professional));
            assert!(!open(Edition::Professional) || open(Edition::Enterprise));
            assert_eq!(Edition::Enterprise.grants(feature).1, None);
        }
        assert!("nope".parse::<Feature>().is_err());
        assert_eq!(
            "Professional".parse::<Edition>().unwrap(),
            Edition::Professional
        );
    }
}
