//! The meta model every new workspace starts with (the public contract names its types and
//! relation types). Attributes follow what EA tools such as LeanIX ship out of the box, reduced
//! to what engineering leaders actually filter by.

use super::model::{
    AttributeDefinition, AttributeType, Cardinality, Constraints, FactSheetType, MetaModel,
    RelationType, RollUp, RollUpDirection, SelectOption,
};

pub fn default_meta_model() -> MetaModel {
    MetaModel {
        fact_sheet_types: vec![
            rolling_up(team(), "teamOwnsArtifact"),
            rolling_up(product(), "productContainsArtifact"),
            software_artifact(),
            api(),
            cloud_resource(),
        ],
        performance_bands: None,
        relation_types: vec![
            relation(
                "teamOwnsArtifact",
                "owns",
                "Team",
                "SoftwareArtifact",
                Cardinality::One,
                Cardinality::Many,
            ),
            relation(
                "productContainsArtifact",
                "contains",
                "Product",
                "SoftwareArtifact",
                Cardinality::Many,
                Cardinality::Many,
            ),
            relation(
                "artifactProvidesApi",
                "provides",
                "SoftwareArtifact",
                "API",
                Cardinality::One,
                Cardinality::Many,
            ),
            RelationType {
                attributes: vec![select(
                    "usage",
                    "Usage",
                    &[
                        ("critical", "Critical path"),
                        ("optional", "Optional"),
                        ("deprecated", "Deprecated"),
                    ],
                    0.0,
                )],
                ..relation(
                    "artifactConsumesApi",
                    "consumes",
                    "SoftwareArtifact",
                    "API",
                    Cardinality::Many,
                    Cardinality::Many,
                )
            },
            relation(
                "artifactRunsOn",
                "runs on",
                "SoftwareArtifact",
                "CloudResource",
                Cardinality::Many,
                Cardinality::Many,
            ),
            // Service catalogs give APIs and resources an owner of their own; types apart from
            // `teamOwnsArtifact` keep its end types, and so the data and queries built on it.
            relation(
                "teamOwnsApi",
                "owns",
                "Team",
                "API",
                Cardinality::One,
                Cardinality::Many,
            ),
            relation(
                "teamOwnsResource",
                "owns",
                "Team",
                "CloudResource",
                Cardinality::One,
                Cardinality::Many,
            ),
        ],
    }
}

fn team() -> FactSheetType {
    fact_sheet_type(
        "Team",
        "Team",
        "A team that owns and runs software.",
        vec![
            select(
                "teamType",
                "Team type",
                &[
                    ("streamAligned", "Stream-aligned"),
                    ("platform", "Platform"),
                    ("enabling", "Enabling"),
                    ("complicatedSubsystem", "Complicated subsystem"),
                ],
                1.0,
            ),
            AttributeDefinition {
                constraints: Constraints {
                    min: Some(0.0),
                    max: Some(500.0),
                    ..Constraints::default()
                },
                ..attribute("size", "Head count", AttributeType::Integer, 1.0)
            },
            attribute("contactEmail", "Contact email", AttributeType::Email, 1.0),
            attribute("chatChannel", "Chat channel", AttributeType::String, 0.5),
            catalog_type(),
            links(),
        ],
    )
}

fn product() -> FactSheetType {
    fact_sheet_type(
        "Product",
        "Product",
        "A product customers use, built from software artifacts.",
        vec![
            business_criticality(),
            attribute("lifecycle", "Lifecycle", AttributeType::Lifecycle, 1.0),
            attribute(
                "productManager",
                "Product manager",
                AttributeType::Email,
                1.0,
            ),
            attribute("homepage", "Homepage", AttributeType::Url, 0.5),
            catalog_type(),
            links(),
        ],
    )
}

fn software_artifact() -> FactSheetType {
    fact_sheet_type(
        "SoftwareArtifact",
        "Software artifact",
        "A deployable or reusable piece of software: a service, library, front end or job.",
        vec![
            attribute("repositoryUrl", "Repository", AttributeType::Url, 2.0),
            select(
                "language",
                "Language",
                &[
                    ("java", "Java"),
                    ("kotlin", "Kotlin"),
                    ("go", "Go"),
                    ("rust", "Rust"),
                    ("python", "Python"),
                    ("typescript", "TypeScript"),
                    ("javascript", "JavaScript"),
                    ("csharp", "C#"),
                    ("ruby", "Ruby"),
                    ("php", "PHP"),
                    ("other", "Other"),
                ],
                1.0,
            ),
            select(
                "artifactType",
                "Artifact type",
                &[
                    ("service", "Service"),
                    ("frontend", "Front end"),
                    ("library", "Library"),
                    ("job", "Job"),
                    ("dataPipeline", "Data pipeline"),
                ],
                1.0,
            ),
            attribute("lifecycle", "Lifecycle", AttributeType::Lifecycle, 1.0),
            business_criticality(),
            catalog_type(),
            catalog_lifecycle(),
            links(),
        ],
    )
}

fn api() -> FactSheetType {
    fact_sheet_type(
        "API",
        "API",
        "An interface a software artifact provides to others.",
        vec![
            select(
                "protocol",
                "Protocol",
                &[
                    ("rest", "REST"),
                    ("graphql", "GraphQL"),
                    ("grpc", "gRPC"),
                    ("event", "Events"),
                    ("soap", "SOAP"),
                ],
                1.0,
            ),
            select(
                "visibility",
                "Visibility",
                &[
                    ("public", "Public"),
                    ("partner", "Partner"),
                    ("internal", "Internal"),
                ],
                1.0,
            ),
            attribute("specUrl", "Specification", AttributeType::Url, 1.0),
            attribute("version", "Version", AttributeType::String, 0.5),
            catalog_type(),
            catalog_lifecycle(),
            links(),
            // Read from the API's OpenAPI description by an import, so they weigh nothing in
            // completion: no one is asked to fill them in.
            attribute("title", "Title", AttributeType::String, 0.0),
            attribute(
                "specVersion",
                "Specification version",
                AttributeType::String,
                0.0,
            ),
            attribute("apiVersion", "API version", AttributeType::String, 0.0),
            attribute("servers", "Servers", AttributeType::Text, 0.0),
            attribute("operationCount", "Operations", AttributeType::Integer, 0.0),
        ],
    )
}

fn cloud_resource() -> FactSheetType {
    fact_sheet_type(
        "CloudResource",
        "Cloud resource",
        "Infrastructure software runs on.",
        vec![
            select(
                "provider",
                "Provider",
                &[
                    ("aws", "AWS"),
                    ("azure", "Azure"),
                    ("gcp", "Google Cloud"),
                    ("onPremise", "On premise"),
                    ("other", "Other"),
                ],
                1.0,
            ),
            attribute("region", "Region", AttributeType::String, 1.0),
            select(
                "environment",
                "Environment",
                &[
                    ("production", "Production"),
                    ("staging", "Staging"),
                    ("development", "Development"),
                    ("test", "Test"),
                ],
                1.0,
            ),
            select(
                "resourceType",
                "Resource type",
                &[
                    ("compute", "Compute"),
                    ("cluster", "Container cluster"),
                    ("serverless", "Serverless"),
                    ("database", "Database"),
                    ("storage", "Storage"),
                    ("queue", "Queue"),
                    ("network", "Network"),
                ],
                0.5,
            ),
            AttributeDefinition {
                constraints: Constraints {
                    min: Some(0.0),
                    ..Constraints::default()
                },
                ..attribute(
                    "monthlyCost",
                    "Monthly cost (USD)",
                    AttributeType::Number,
                    0.5,
                )
            },
            catalog_type(),
            links(),
        ],
    )
}

fn business_criticality() -> AttributeDefinition {
    select(
        "businessCriticality",
        "Business criticality",
        &[
            ("missionCritical", "Mission critical"),
            ("businessCritical", "Business critical"),
            ("businessOperational", "Business operational"),
            ("administrativeService", "Administrative service"),
        ],
        1.0,
    )
}

/// The type a service catalog (such as Backstage's `spec.type`) gives a fact sheet, kept as the
/// catalog spells it: catalogs define their own types, so a select list would refuse some. Of no
/// weight, so fact sheets kept by hand are not counted less complete for lacking it.
fn catalog_type() -> AttributeDefinition {
    attribute("catalogType", "Catalog type", AttributeType::String, 0.0)
}

/// A service catalog's lifecycle stage (`experimental`, `production`, …). The `lifecycle`
/// attribute holds phase dates, which catalogs do not have.
fn catalog_lifecycle() -> AttributeDefinition {
    attribute(
        "catalogLifecycle",
        "Catalog lifecycle",
        AttributeType::String,
        0.0,
    )
}

/// Links to dashboards, runbooks and the like, one per line.
fn links() -> AttributeDefinition {
    attribute("links", "Links", AttributeType::Text, 0.0)
}

fn fact_sheet_type(
    key: &str,
    label: &str,
    description: &str,
    attributes: Vec<AttributeDefinition>,
) -> FactSheetType {
    FactSheetType {
        key: key.into(),
        label: label.into(),
        description: Some(description.into()),
        attributes,
        roll_up: Vec::new(),
        roll_up_children: false,
    }
}

/// Metrics of this type are computed over the fact sheets its `relation_type` relations lead to,
/// and over its children: a team of teams or a product family is measured as a whole, which is
/// what people expect of a parent before they know roll-ups exist.
fn rolling_up(t: FactSheetType, relation_type: &str) -> FactSheetType {
    FactSheetType {
        roll_up: vec![RollUp {
            relation_type: relation_type.into(),
            direction: RollUpDirection::Outgoing,
        }],
        roll_up_children: true,
        ..t
    }
}

fn attribute(key: &str, label: &str, kind: AttributeType, weight: f64) -> AttributeDefinition {
    AttributeDefinition {
        key: key.into(),
        label: label.into(),
        description: None,
        kind,
        required: false,
        constraints: Constraints::default(),
        weight,
        options: Vec::new(),
    }
}

fn select(key: &str, label: &str, options: &[(&str, &str)], weight: f64) -> AttributeDefinition {
    AttributeDefinition {
        options: options
            .iter()
            .zip(0..)
            .map(|((key, label), order)| SelectOption {
                key: (*key).into(),
                label: (*label).into(),
                order,
            })
            .collect(),
        ..attribute(key, label, AttributeType::SingleSelect, weight)
    }
}

fn relation(
    key: &str,
    label: &str,
    from_type: &str,
    to_type: &str,
    from_cardinality: Cardinality,
    to_cardinality: Cardinality,
) -> RelationType {
    RelationType {
        key: key.into(),
        label: label.into(),
        description: None,
        from_type: from_type.into(),
        to_type: to_type.into(),
        from_cardinality,
        to_cardinality,
        attributes: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_model_is_consistent_and_has_the_contract_names() {
        let model = default_meta_model();
        assert_eq!(super::super::check_consistency(&model), vec![]);
        let types: Vec<_> = model
            .fact_sheet_types
            .iter()
            .map(|t| t.key.as_str())
            .collect();
        assert_eq!(
            types,
            [
                "Team",
                "Product",
                "SoftwareArtifact",
                "API",
                "CloudResource"
            ]
        );
        let relations: Vec<_> = model
            .relation_types
            .iter()
            .map(|t| t.key.as_str())
            .collect();
        assert_eq!(
            relations,
            [
                "teamOwnsArtifact",
                "productContainsArtifact",
                "artifactProvidesApi",
                "artifactConsumesApi",
                "artifactRunsOn",
                "teamOwnsApi",
                "teamOwnsResource"
            ]
        );
    }
}
