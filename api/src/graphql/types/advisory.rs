//! An advisory, private to the workspace or shared, and the artifacts it affects.

use async_graphql::{Context, Object};
use domain::{
    fact_sheets,
    paging::Page,
    supply_chain::{
        Severity as DomainSeverity,
        advisory_reads::{self, Advisory},
    },
};
use uuid::Uuid;

use super::{
    complexity::page_cost, connection::FactSheetEdge, connection::PageInfo,
    fact_sheet::FactSheetNode,
};
use crate::graphql::{context::request, enums::Severity, errors::OrGql};

/// An OSV advisory.
pub struct AdvisoryObject(pub Advisory);

#[Object(name = "Advisory")]
impl AdvisoryObject {
    /// The OSV id (`GHSA-jfh8-c2jp-5v3q`).
    async fn id(&self) -> &str {
        &self.0.id
    }

    /// Other names of it, such as its CVE id.
    async fn aliases(&self) -> Vec<String> {
        serde_json::from_value(self.0.aliases.clone()).unwrap_or_default()
    }

    async fn summary(&self) -> Option<&str> {
        self.0.summary.as_deref()
    }

    async fn severity(&self) -> Severity {
        DomainSeverity::parse(&self.0.severity)
            .unwrap_or(DomainSeverity::Unknown)
            .into()
    }

    /// Whether every workspace sees it (imported by the platform operator) rather than this
    /// workspace alone.
    async fn shared(&self) -> bool {
        self.0.workspace_id == domain::supply_chain::SHARED_WORKSPACE
    }

    /// The workspace's artifacts with an open match of it, in id order.
    #[graphql(complexity = "page_cost(first, child_complexity)")]
    async fn affected_fact_sheets(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<AffectedFactSheetConnection> {
        let rc = request(ctx)?;
        let db = rc.db().await?;
        let ids = advisory_reads::affected_fact_sheets(
            db,
            &rc.principal,
            &self.0,
            first,
            after.as_deref(),
        )
        .await
        .gql()?;
        let wanted: Vec<Uuid> = ids.items.iter().map(|(_, id)| *id).collect();
        let mut sheets: std::collections::HashMap<Uuid, _> =
            fact_sheets::get_many(db, &rc.principal, &wanted)
                .await
                .gql()?
                .into_iter()
                .map(|fs| (fs.id, fs))
                .collect();
        let page = Page {
            has_next_page: ids.has_next_page,
            items: ids
                .items
                .into_iter()
                .filter_map(|(cursor, id)| sheets.remove(&id).map(|fs| (cursor, fs)))
                .collect(),
        };
        Ok(AffectedFactSheetConnection {
            page,
            advisory: self.0.clone(),
        })
    }
}

pub struct AffectedFactSheetConnection {
    page: Page<fact_sheets::FactSheet>,
    advisory: Advisory,
}

#[Object]
impl AffectedFactSheetConnection {
    async fn edges(&self) -> Vec<FactSheetEdge> {
        self.page
            .items
            .iter()
            .map(|(cursor, fs)| FactSheetEdge {
                cursor: cursor.clone(),
                node: FactSheetNode::new(fs.clone()),
            })
            .collect()
    }

    async fn page_info(&self) -> PageInfo {
        PageInfo::of(&self.page)
    }

    /// How many of the workspace's artifacts it affects, across all pages.
    async fn total_count(&self, ctx: &Context<'_>) -> async_graphql::Result<u64> {
        let rc = request(ctx)?;
        advisory_reads::affected_fact_sheet_count(rc.db().await?, &rc.principal, &self.advisory)
            .await
            .gql()
    }
}
