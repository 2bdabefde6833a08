//! The permission each authenticated HTTP endpoint beside `/graphql` needs, in one table, as
//! `graphql::operation_rules` keeps it for GraphQL operations. Endpoints ask [`super::caller::
//! authorized`] for their caller with their own entry, so a rule changes in one line, and a test
//! walks the table with every role.

use actix_web::http::Method;
use domain::authz::Action;

/// The HTTP endpoints that act for an authenticated caller (GraphQL has its own table).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Events,
    Import,
    Export,
    ReportExport,
    Sbom,
    Advisories,
}

impl Endpoint {
    pub const ALL: [Endpoint; 6] = [
        Endpoint::Events,
        Endpoint::Import,
        Endpoint::Export,
        Endpoint::ReportExport,
        Endpoint::Sbom,
        Endpoint::Advisories,
    ];

    /// The route and the least permission it needs.
    pub fn rule(self) -> (Method, &'static str, Action) {
        match self {
            Endpoint::Events => (Method::POST, "/events", Action::WriteInventory),
            Endpoint::Import => (Method::POST, "/import", Action::WriteInventory),
            Endpoint::Export => (Method::GET, "/export", Action::Read),
            // Which views a caller may export is the saved view's own rule.
            Endpoint::ReportExport => (Method::GET, "/reports/export", Action::Read),
            Endpoint::Sbom => (Method::POST, "/sbom", Action::WriteInventory),
            // Private advisories change what every artifact of the workspace is flagged with.
            Endpoint::Advisories => (Method::POST, "/advisories", Action::AdministerWorkspace),
        }
    }

    pub fn action(self) -> Action {
        self.rule().2
    }
}
