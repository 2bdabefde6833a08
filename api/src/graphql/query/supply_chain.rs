use async_graphql::{Context, Object};
use domain::supply_chain::{advisory_reads, component_reads, usage};

use crate::graphql::{
    context::request,
    errors::OrGql,
    types::{advisory::AdvisoryObject, complexity::page_cost, component::ComponentUsageConnection},
};

#[derive(Default)]
pub struct SupplyChainQuery;

#[Object]
impl SupplyChainQuery {
    /// Which artifacts, and whose, use a package: every component of the workspace's SBOMs
    /// with that package, in the order they were stored. A purl without a version matches
    /// every version, with one that version; `versionRange` (vers syntax, such as
    /// `vers:maven/>=2.0.0|<2.15.0`) keeps the versions inside it.
    #[graphql(complexity = "page_cost(first, child_complexity)")]
    async fn component_usage(
        &self,
        ctx: &Context<'_>,
        purl: String,
        version_range: Option<String>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<ComponentUsageConnection> {
        let rc = request(ctx)?;
        let db = rc.db().await?;
        let usage = usage::resolve_usage(db, &rc.principal, &purl, version_range.as_deref())
            .await
            .gql()?;
        let page = component_reads::component_usage(
            db,
            &rc.principal,
            &usage.as_usage(),
            first,
            after.as_deref(),
        )
        .await
        .gql()?;
        Ok(ComponentUsageConnection { page, usage })
    }

    /// The advisory with this OSV id or alias (a CVE id finds it too): the workspace's own
    /// before a shared one.
    async fn advisory(
        &self,
        ctx: &Context<'_>,
        id: String,
    ) -> async_graphql::Result<Option<AdvisoryObject>> {
        let rc = request(ctx)?;
        Ok(
            advisory_reads::find_advisory(rc.db().await?, &rc.principal, &id)
                .await
                .gql()?
                .map(AdvisoryObject),
        )
    }
}
