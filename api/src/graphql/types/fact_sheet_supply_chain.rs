//! The supply-chain fields of `FactSheet`: an artifact's components and licences, and the
//! vulnerabilities of an artifact or of what a Team or Product rolls up over.

use async_graphql::Context;
use domain::{
    supply_chain::{
        component_reads::{self, ComponentFilter},
        match_reads,
    },
    vulnerabilities::{self, VulnerabilityFilter},
};
use uuid::Uuid;

use super::{
    component::{ComponentConnection, ComponentFilterInput, LicenseCountObject},
    fact_sheet::FactSheetNode,
    vulnerability::{VulnerabilityConnection, VulnerabilitySummary},
};
use crate::graphql::{
    context::request,
    enums::{Severity, VulnerabilityStatus},
    errors::OrGql,
};

impl FactSheetNode {
    pub(super) async fn components_boxed(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<ComponentFilterInput>,
    ) -> async_graphql::Result<ComponentConnection> {
        let rc = request(ctx)?;
        let filter: ComponentFilter = filter.unwrap_or_default().into();
        let page = component_reads::components(
            rc.db().await?,
            &rc.principal,
            self.sheet().id,
            &filter,
            first,
            after.as_deref(),
        )
        .await
        .gql()?;
        Ok(ComponentConnection {
            page,
            fact_sheet_id: self.sheet().id,
            filter,
        })
    }

    pub(super) async fn licenses_boxed(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<LicenseCountObject>> {
        let rc = request(ctx)?;
        let counts =
            component_reads::license_counts(rc.db().await?, &rc.principal, self.sheet().id)
                .await
                .gql()?;
        Ok(counts.into_iter().map(Into::into).collect())
    }

    pub(super) async fn vulnerabilities_boxed(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        severities: Option<Vec<Severity>>,
        status: Option<VulnerabilityStatus>,
    ) -> async_graphql::Result<VulnerabilityConnection> {
        let rc = request(ctx)?;
        let fact_sheet_ids = self.rolled_up(ctx).await?;
        let severities: Vec<_> = severities
            .unwrap_or_default()
            .into_iter()
            .map(Into::into)
            .collect();
        let status: Option<match_reads::MatchStatus> = status.map(Into::into);
        let filter = VulnerabilityFilter {
            fact_sheet_ids: &fact_sheet_ids,
            status,
            severities: &severities,
        };
        let page = vulnerabilities::vulnerabilities_of(
            rc.db().await?,
            &rc.principal,
            &filter,
            first,
            after.as_deref(),
        )
        .await
        .gql()?;
        Ok(VulnerabilityConnection {
            page,
            fact_sheet_ids,
            status,
            severities,
        })
    }

    pub(super) async fn vulnerability_summary_boxed(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<VulnerabilitySummary> {
        let rc = request(ctx)?;
        let fact_sheet_ids = self.rolled_up(ctx).await?;
        let counts =
            vulnerabilities::vulnerability_summary(rc.db().await?, &rc.principal, &fact_sheet_ids)
                .await
                .gql()?;
        Ok(counts.into())
    }

    /// This fact sheet and those it rolls up over, each once.
    async fn rolled_up(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Uuid>> {
        let rc = request(ctx)?;
        let model = rc.meta_model().await?;
        vulnerabilities::rolled_up_fact_sheets(
            rc.db().await?,
            &rc.principal,
            &model.model,
            self.sheet().id,
        )
        .await
        .gql()
    }
}
