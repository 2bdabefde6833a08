//! What an artifact is made of: its components (from its newest SBOM), their licences, and
//! which artifacts use a package.

use std::{collections::HashMap, sync::Arc};

use async_graphql::{Context, InputObject, Object, SimpleObject};
use domain::{
    fact_sheets::FactSheet,
    paging::Page,
    supply_chain::{
        component_reads::{self, Component, ComponentFilter, LicenseCount},
        usage::UsageQuery,
    },
    vulnerabilities,
};
use uuid::Uuid;

use super::{connection::PageInfo, fact_sheet::FactSheetNode};
use crate::graphql::{
    context::request,
    errors::{OrGql, internal},
    loader::load_error,
};

/// One component of an artifact's newest SBOM.
pub struct ComponentObject(pub Component);

#[Object(name = "Component")]
impl ComponentObject {
    /// The package URL in its canonical form; absent when the SBOM gave none.
    async fn purl(&self) -> Option<&str> {
        self.0.purl.as_deref()
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The namespace (Maven group, npm scope) as the SBOM gave it.
    async fn group(&self) -> Option<&str> {
        self.0.group_name.as_deref()
    }

    async fn version(&self) -> Option<&str> {
        self.0.version.as_deref()
    }

    /// The SBOM's component type: library, framework, application…
    #[graphql(name = "type")]
    async fn kind(&self) -> &str {
        &self.0.kind
    }

    /// required, optional or excluded, when the SBOM says.
    async fn scope(&self) -> Option<&str> {
        self.0.scope.as_deref()
    }

    /// SPDX license expressions.
    async fn licenses(&self) -> Vec<String> {
        serde_json::from_value(self.0.licenses.clone()).unwrap_or_default()
    }

    /// A dependency of the artifact itself rather than of another component (every component
    /// is direct when the SBOM has no dependency graph).
    async fn direct(&self) -> bool {
        self.0.direct
    }
}

/// Which of an artifact's components to list; every condition holds together.
#[derive(InputObject, Default)]
#[graphql(name = "ComponentFilter")]
pub struct ComponentFilterInput {
    /// Words in the name, group or purl, any case.
    pub search: Option<String>,
    /// A purl: with a version, that exact component; without, every version of the package.
    pub purl: Option<String>,
    pub direct: Option<bool>,
}

impl From<ComponentFilterInput> for ComponentFilter {
    fn from(f: ComponentFilterInput) -> Self {
        Self {
            search: f.search,
            purl: f.purl,
            direct: f.direct,
        }
    }
}

#[derive(SimpleObject)]
pub struct ComponentEdge {
    pub cursor: String,
    pub node: ComponentObject,
}

pub struct ComponentConnection {
    pub page: Page<Component>,
    pub fact_sheet_id: Uuid,
    pub filter: ComponentFilter,
}

#[Object]
impl ComponentConnection {
    async fn edges(&self) -> Vec<ComponentEdge> {
        self.page
            .items
            .iter()
            .map(|(cursor, c)| ComponentEdge {
                cursor: cursor.clone(),
                node: ComponentObject(c.clone()),
            })
            .collect()
    }

    async fn page_info(&self) -> PageInfo {
        PageInfo::of(&self.page)
    }

    /// How many components match the filter, across all pages.
    async fn total_count(&self, ctx: &Context<'_>) -> async_graphql::Result<u64> {
        let rc = request(ctx)?;
        component_reads::component_count(
            rc.db().await?,
            &rc.principal,
            self.fact_sheet_id,
            &self.filter,
        )
        .await
        .gql()
    }
}

/// An SPDX expression and how many of the artifact's components carry it.
#[derive(SimpleObject)]
#[graphql(name = "LicenseCount")]
pub struct LicenseCountObject {
    pub expression: String,
    pub count: u64,
}

impl From<LicenseCount> for LicenseCountObject {
    fn from(l: LicenseCount) -> Self {
        Self {
            expression: l.expression,
            count: l.count,
        }
    }
}

/// An artifact using a package: the component, the artifact, and the Teams that own it.
pub struct ComponentUsageObject {
    component: Component,
    owners: Vec<Arc<FactSheet>>,
}

#[Object(name = "ComponentUsage")]
impl ComponentUsageObject {
    /// The software artifact whose SBOM has the component.
    async fn fact_sheet(&self, ctx: &Context<'_>) -> async_graphql::Result<FactSheetNode> {
        let id = self.component.fact_sheet_id;
        request(ctx)?
            .loaders
            .fact_sheets
            .load(id)
            .await
            .map_err(load_error)?
            .map(FactSheetNode::new)
            .ok_or_else(|| internal(&format!("fact sheet {id} of a component vanished")))
    }

    async fn component(&self) -> ComponentObject {
        ComponentObject(self.component.clone())
    }

    /// The Teams that own the artifact along the meta model's roll-up relations
    /// (`teamOwnsArtifact` in the default model), by name.
    async fn owners(&self) -> Vec<FactSheetNode> {
        self.owners
            .iter()
            .cloned()
            .map(FactSheetNode::new)
            .collect()
    }
}

#[derive(SimpleObject)]
pub struct ComponentUsageEdge {
    pub cursor: String,
    pub node: ComponentUsageObject,
}

pub struct ComponentUsageConnection {
    pub page: Page<Component>,
    pub usage: UsageQuery,
}

#[Object]
impl ComponentUsageConnection {
    // The page's owners are read together, in one batch for all its artifacts (a comment: a
    // doc comment would become the field's description).
    async fn edges(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ComponentUsageEdge>> {
        let wants_owners = ctx.look_ahead().field("node").field("owners").exists();
        let mut owners: HashMap<Uuid, Vec<Arc<FactSheet>>> = HashMap::new();
        if wants_owners {
            let rc = request(ctx)?;
            let model = rc.meta_model().await?;
            let mut artifacts: Vec<Uuid> = self
                .page
                .items
                .iter()
                .map(|(_, c)| c.fact_sheet_id)
                .collect();
            artifacts.sort_unstable();
            artifacts.dedup();
            owners = vulnerabilities::owning_teams(
                rc.db().await?,
                &rc.principal,
                &model.model,
                &artifacts,
            )
            .await
            .gql()?
            .into_iter()
            .map(|(id, teams)| (id, teams.into_iter().map(Arc::new).collect()))
            .collect();
        }
        Ok(self
            .page
            .items
            .iter()
            .map(|(cursor, c)| ComponentUsageEdge {
                cursor: cursor.clone(),
                node: ComponentUsageObject {
                    owners: owners.get(&c.fact_sheet_id).cloned().unwrap_or_default(),
                    component: c.clone(),
                },
            })
            .collect())
    }

    async fn page_info(&self) -> PageInfo {
        PageInfo::of(&self.page)
    }

    /// How many components of the package (in the versions asked for) the workspace's artifacts
    /// have, across all pages.
    async fn total_count(&self, ctx: &Context<'_>) -> async_graphql::Result<u64> {
        let rc = request(ctx)?;
        component_reads::component_usage_count(
            rc.db().await?,
            &rc.principal,
            &self.usage.as_usage(),
        )
        .await
        .gql()
    }
}
