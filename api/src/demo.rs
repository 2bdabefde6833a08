//! Demo data for `serve --demo`: a small but realistic company, so GraphiQL shows a useful
//! graph right away. Loading is idempotent: an existing `demo` workspace is left as it is.

use std::collections::HashMap;

use domain::{
    Principal, Role, events,
    external_ids::{EVENT_SOURCE_NAMESPACE, ExternalId},
    fact_sheets::{self, NewFactSheet},
    meta_model_versions,
    relations::{self, NewRelation},
    subscriptions::{self, SubscriptionRole},
    workspaces,
};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use uuid::Uuid;

pub const WORKSPACE: &str = "demo";

#[derive(Debug, Default)]
pub struct Loaded {
    pub fact_sheets: usize,
    pub relations: usize,
    pub events: usize,
}

struct Sheet {
    fact_sheet_type: &'static str,
    name: &'static str,
    description: &'static str,
    attributes: Value,
    tags: &'static [&'static str],
}

fn sheet(
    fact_sheet_type: &'static str,
    name: &'static str,
    description: &'static str,
    attributes: Value,
    tags: &'static [&'static str],
) -> Sheet {
    Sheet {
        fact_sheet_type,
        name,
        description,
        attributes,
        tags,
    }
}

fn sheets() -> Vec<Sheet> {
    vec![
        sheet(
            "Team",
            "Payments",
            "Owns everything that moves money.",
            json!({"teamType": "streamAligned", "size": 8, "contactEmail": "payments@demo.example"}),
            &[],
        ),
        sheet(
            "Team",
            "Checkout Experience",
            "The path from basket to order.",
            json!({"teamType": "streamAligned", "size": 6, "chatChannel": "#checkout"}),
            &[],
        ),
        sheet(
            "Team",
            "Platform",
            "Runtime, clusters and paved roads.",
            json!({"teamType": "platform", "size": 10, "contactEmail": "platform@demo.example"}),
            &[],
        ),
        sheet(
            "Team",
            "Search & Discovery",
            "Helps customers find products.",
            json!({"teamType": "streamAligned", "size": 5}),
            &[],
        ),
        sheet(
            "Product",
            "Web Shop",
            "The customer-facing online shop.",
            json!({"businessCriticality": "missionCritical", "lifecycle": {"plan": "2019-01-01", "active": "2019-09-01"}, "productManager": "ana@demo.example"}),
            &["customer-facing"],
        ),
        sheet(
            "Product",
            "Mobile App",
            "iOS and Android shopping app.",
            json!({"businessCriticality": "businessCritical", "lifecycle": {"phaseIn": "2022-03-01", "active": "2022-10-01"}}),
            &["customer-facing"],
        ),
        sheet(
            "Product",
            "Partner Portal",
            "Self-service for marketplace partners.",
            json!({"businessCriticality": "businessOperational", "lifecycle": {"active": "2021-01-01", "phaseOut": "2026-06-01"}}),
            &[],
        ),
        sheet(
            "SoftwareArtifact",
            "checkout-service",
            "Turns baskets into orders.",
            json!({"repositoryUrl": "https://git.demo.example/checkout-service", "language": "kotlin", "artifactType": "service", "businessCriticality": "missionCritical", "lifecycle": {"active": "2020-02-01"}}),
            &["pci", "tier-1"],
        ),
        sheet(
            "SoftwareArtifact",
            "payment-gateway",
            "Talks to card processors.",
            json!({"repositoryUrl": "https://git.demo.example/payment-gateway", "language": "java", "artifactType": "service", "businessCriticality": "missionCritical"}),
            &["pci", "tier-1"],
        ),
        sheet(
            "SoftwareArtifact",
            "fraud-scoring",
            "Scores orders for fraud risk.",
            json!({"repositoryUrl": "https://git.demo.example/fraud-scoring", "language": "python", "artifactType": "service", "businessCriticality": "businessCritical"}),
            &["tier-1"],
        ),
        sheet(
            "SoftwareArtifact",
            "web-frontend",
            "The shop's web front end.",
            json!({"repositoryUrl": "https://git.demo.example/web-frontend", "language": "typescript", "artifactType": "frontend", "businessCriticality": "missionCritical"}),
            &[],
        ),
        sheet(
            "SoftwareArtifact",
            "mobile-bff",
            "Backend for the mobile apps.",
            json!({"repositoryUrl": "https://git.demo.example/mobile-bff", "language": "go", "artifactType": "service"}),
            &[],
        ),
        sheet(
            "SoftwareArtifact",
            "search-api",
            "Product search.",
            json!({"repositoryUrl": "https://git.demo.example/search-api", "language": "rust", "artifactType": "service", "businessCriticality": "businessCritical"}),
            &[],
        ),
        sheet(
            "SoftwareArtifact",
            "catalog-indexer",
            "Feeds the search index.",
            json!({"language": "java", "artifactType": "dataPipeline"}),
            &[],
        ),
        sheet(
            "SoftwareArtifact",
            "partner-portal-ui",
            "The partner portal front end.",
            json!({"repositoryUrl": "https://git.demo.example/partner-portal-ui", "language": "javascript", "artifactType": "frontend", "lifecycle": {"active": "2021-01-01", "phaseOut": "2026-06-01"}}),
            &["legacy"],
        ),
        sheet(
            "SoftwareArtifact",
            "platform-ingress",
            "Edge routing and TLS.",
            json!({"repositoryUrl": "https://git.demo.example/platform-ingress", "language": "go", "artifactType": "service"}),
            &[],
        ),
        sheet(
            "API",
            "Checkout API",
            "Create and query orders.",
            json!({"protocol": "rest", "visibility": "internal", "version": "3.2"}),
            &[],
        ),
        sheet(
            "API",
            "Payments API",
            "Authorize and capture payments.",
            json!({"protocol": "grpc", "visibility": "internal", "version": "1.9"}),
            &["pci"],
        ),
        sheet(
            "API",
            "Search API",
            "Query the product catalogue.",
            json!({"protocol": "graphql", "visibility": "public", "specUrl": "https://api.demo.example/search/schema"}),
            &[],
        ),
        sheet(
            "API",
            "Order Events",
            "Order lifecycle events.",
            json!({"protocol": "event", "visibility": "internal"}),
            &[],
        ),
        sheet(
            "API",
            "Partner API",
            "Listings and stock for partners.",
            json!({"protocol": "rest", "visibility": "partner", "version": "2.0"}),
            &[],
        ),
        sheet(
            "CloudResource",
            "eks-prod-eu",
            "Production Kubernetes cluster.",
            json!({"provider": "aws", "region": "eu-central-1", "environment": "production", "resourceType": "cluster", "monthlyCost": 18400}),
            &[],
        ),
        sheet(
            "CloudResource",
            "rds-orders-prod",
            "Orders database.",
            json!({"provider": "aws", "region": "eu-central-1", "environment": "production", "resourceType": "database", "monthlyCost": 3200}),
            &["pci"],
        ),
        sheet(
            "CloudResource",
            "opensearch-prod",
            "Search cluster.",
            json!({"provider": "aws", "region": "eu-west-1", "environment": "production", "resourceType": "database", "monthlyCost": 5100}),
            &[],
        ),
        sheet(
            "CloudResource",
            "kafka-prod",
            "Event streaming.",
            json!({"provider": "gcp", "region": "europe-west3", "environment": "production", "resourceType": "queue", "monthlyCost": 2700}),
            &[],
        ),
    ]
}

const RELATIONS: &[(&str, &str, &str)] = &[
    ("teamOwnsArtifact", "Payments", "payment-gateway"),
    ("teamOwnsArtifact", "Payments", "fraud-scoring"),
    (
        "teamOwnsArtifact",
        "Checkout Experience",
        "checkout-service",
    ),
    ("teamOwnsArtifact", "Checkout Experience", "web-frontend"),
    ("teamOwnsArtifact", "Checkout Experience", "mobile-bff"),
    ("teamOwnsArtifact", "Search & Discovery", "search-api"),
    ("teamOwnsArtifact", "Search & Discovery", "catalog-indexer"),
    ("teamOwnsArtifact", "Platform", "platform-ingress"),
    ("teamOwnsArtifact", "Platform", "partner-portal-ui"),
    ("productContainsArtifact", "Web Shop", "web-frontend"),
    ("productContainsArtifact", "Web Shop", "checkout-service"),
    ("productContainsArtifact", "Web Shop", "payment-gateway"),
    ("productContainsArtifact", "Web Shop", "search-api"),
    ("productContainsArtifact", "Mobile App", "mobile-bff"),
    ("productContainsArtifact", "Mobile App", "checkout-service"),
    ("productContainsArtifact", "Mobile App", "search-api"),
    (
        "productContainsArtifact",
        "Partner Portal",
        "partner-portal-ui",
    ),
    ("artifactProvidesApi", "checkout-service", "Checkout API"),
    ("artifactProvidesApi", "checkout-service", "Order Events"),
    ("artifactProvidesApi", "payment-gateway", "Payments API"),
    ("artifactProvidesApi", "search-api", "Search API"),
    ("artifactProvidesApi", "partner-portal-ui", "Partner API"),
    ("artifactConsumesApi", "web-frontend", "Checkout API"),
    ("artifactConsumesApi", "web-frontend", "Search API"),
    ("artifactConsumesApi", "mobile-bff", "Checkout API"),
    ("artifactConsumesApi", "mobile-bff", "Search API"),
    ("artifactConsumesApi", "checkout-service", "Payments API"),
    ("artifactConsumesApi", "fraud-scoring", "Order Events"),
    ("artifactConsumesApi", "catalog-indexer", "Order Events"),
    ("artifactRunsOn", "checkout-service", "eks-prod-eu"),
    ("artifactRunsOn", "checkout-service", "rds-orders-prod"),
    ("artifactRunsOn", "payment-gateway", "eks-prod-eu"),
    ("artifactRunsOn", "fraud-scoring", "eks-prod-eu"),
    ("artifactRunsOn", "mobile-bff", "eks-prod-eu"),
    ("artifactRunsOn", "search-api", "opensearch-prod"),
    ("artifactRunsOn", "catalog-indexer", "kafka-prod"),
    ("artifactRunsOn", "platform-ingress", "eks-prod-eu"),
];

/// Creates the demo workspace and its data unless the workspace already exists.
pub async fn load(db: &impl ConnectionTrait) -> anyhow::Result<Loaded> {
    if workspaces::find_by_slug(db, WORKSPACE).await?.is_some() {
        return Ok(Loaded::default());
    }
    let ws = workspaces::create(db, WORKSPACE, Some("Demo Inc."), "demo-loader").await?;
    let admin = Principal {
        workspace_id: ws.id,
        workspace_slug: ws.slug,
        subject: "demo-loader".into(),
        role: Role::Admin,
    };
    let model = meta_model_versions::current(db, &admin).await?.model;
    let mut ids: HashMap<&str, Uuid> = HashMap::new();
    let all = sheets();
    for s in &all {
        let external_ids = if s.fact_sheet_type == "SoftwareArtifact" {
            vec![ExternalId {
                namespace: EVENT_SOURCE_NAMESPACE.into(),
                value: s.name.into(),
            }]
        } else {
            Vec::new()
        };
        let fs = fact_sheets::create(
            db,
            &admin,
            &model,
            NewFactSheet {
                fact_sheet_type: s.fact_sheet_type.into(),
                name: s.name.into(),
                description: Some(s.description.into()),
                attributes: s.attributes.as_object().cloned().unwrap_or_default(),
                external_ids,
                tags: s.tags.iter().map(|t| t.to_string()).collect(),
                parent_id: None,
            },
        )
        .await?;
        ids.insert(s.name, fs.id);
    }
    for (relation_type, from, to) in RELATIONS {
        let attributes = if *relation_type == "artifactConsumesApi" {
            json!({"usage": "critical"})
        } else {
            json!({})
        };
        relations::create(
            db,
            &admin,
            &model,
            NewRelation {
                relation_type: (*relation_type).into(),
                from_id: ids[from],
                to_id: ids[to],
                attributes: attributes.as_object().cloned().unwrap_or_default(),
                ..Default::default()
            },
        )
        .await?;
    }
    for (name, user, role) in [
        (
            "checkout-service",
            "maria@demo.example",
            SubscriptionRole::Accountable,
        ),
        (
            "checkout-service",
            "jon@demo.example",
            SubscriptionRole::Responsible,
        ),
        (
            "payment-gateway",
            "li@demo.example",
            SubscriptionRole::Accountable,
        ),
        (
            "Web Shop",
            "ana@demo.example",
            SubscriptionRole::Accountable,
        ),
        ("Web Shop", "cto@demo.example", SubscriptionRole::Observer),
    ] {
        subscriptions::subscribe(db, &admin, ids[name], user, role).await?;
    }
    let now = chrono::Utc::now();
    let mut history = Vec::new();
    for (i, s) in all
        .iter()
        .filter(|s| s.fact_sheet_type == "SoftwareArtifact")
        .enumerate()
    {
        history.extend(crate::demo_events::history(
            s.name,
            1 + (i as u64 % 4),
            now,
            i as u64 + 1,
        ));
    }
    let valid =
        events::validate(history).map_err(|r| anyhow::anyhow!("demo events are invalid: {r:?}"))?;
    let stored = events::ingest(db, &admin, valid).await?;
    Ok(Loaded {
        fact_sheets: all.len(),
        relations: RELATIONS.len(),
        events: stored.accepted as usize,
    })
}
