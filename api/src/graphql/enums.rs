//! The contract's enums and their mapping to the domain's. The GraphQL types and the fast
//! renderer both read them, so they sit below both.

use async_graphql::Enum;
use domain::{
    fact_sheets,
    history::{AuthorKind as DomainAuthorKind, ChangeKind as DomainChangeKind},
    meta_model, relations,
    subscriptions::SubscriptionRole as DomainRole,
    tags::TagGroupMode as DomainMode,
};

/// Declares a GraphQL enum mirroring a domain enum, with conversions both ways.
macro_rules! mirror_enum {
    ($(#[$meta:meta])* $name:ident <=> $domain:path { $($variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
        pub enum $name { $($variant),+ }

        impl From<$domain> for $name {
            fn from(v: $domain) -> Self {
                match v { $(<$domain>::$variant => Self::$variant),+ }
            }
        }

        impl From<$name> for $domain {
            fn from(v: $name) -> Self {
                match v { $($name::$variant => <$domain>::$variant),+ }
            }
        }
    };
}

mirror_enum!(
    /// ACTIVE fact sheets appear in lists by default; ARCHIVED ones keep their data and history.
    FactSheetStatus <=> fact_sheets::Status { Active, Archived }
);

mirror_enum!(
    AttributeType <=> meta_model::AttributeType {
        String, Text, Integer, Number, Boolean, Date, DateTime, Url, Email, SingleSelect, MultiSelect, Lifecycle
    }
);

mirror_enum!(
    /// ONE: at most one fact sheet on that side; MANY: any number.
    Cardinality <=> meta_model::Cardinality { One, Many }
);

mirror_enum!(
    ChangeKind <=> DomainChangeKind {
        Created, Updated, Archived, Restored, RelationCreated, RelationUpdated, RelationDeleted,
        TagsChanged, SubscriptionsChanged, MetaModelMigrated
    }
);

mirror_enum!(
    /// USER: a person; API_TOKEN: an integration acting through an API token.
    AuthorKind <=> DomainAuthorKind { User, ApiToken }
);

mirror_enum!(
    /// RESPONSIBLE does the work, ACCOUNTABLE (at most one) answers for it, OBSERVER is informed.
    SubscriptionRole <=> DomainRole { Responsible, Accountable, Observer }
);

mirror_enum!(
    /// SINGLE allows one tag of the group per fact sheet.
    TagGroupMode <=> DomainMode { Single, Multiple }
);

mirror_enum!(
    FactSheetOrderField <=> fact_sheets::OrderField { Name, UpdatedAt, CreatedAt, Completion }
);

/// Which relations of a fact sheet: those it starts (OUTGOING), those pointing at it
/// (INCOMING), or both.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Default)]
pub enum RelationDirection {
    Outgoing,
    Incoming,
    #[default]
    Both,
}

impl From<RelationDirection> for relations::Direction {
    fn from(d: RelationDirection) -> Self {
        match d {
            RelationDirection::Outgoing => Self::Outgoing,
            RelationDirection::Incoming => Self::Incoming,
            RelationDirection::Both => Self::Both,
        }
    }
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Default)]
pub enum SortDirection {
    #[default]
    Asc,
    Desc,
}

mirror_enum!(
    /// OUTGOING follows relations the fact sheet starts; INCOMING those pointing at it.
    RollUpDirection <=> meta_model::RollUpDirection { Outgoing, Incoming }
);

mirror_enum!(
    /// What a caller may do: VIEWER reads, MEMBER also writes the inventory and events, ADMIN
    /// also changes the meta model and manages API tokens.
    Role <=> domain::Role { Viewer, Member, Admin }
);

mirror_enum!(
    /// Whether a workspace feature can be used.
    FeatureStatus <=> domain::features::FeatureStatus { Enabled, Disabled }
);

/// A code host whose webhooks Wayfinder receives.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum WebhookProvider {
    #[graphql(name = "GITHUB")]
    GitHub,
}

impl From<WebhookProvider> for domain::webhooks::Provider {
    fn from(v: WebhookProvider) -> Self {
        match v {
            WebhookProvider::GitHub => Self::GitHub,
        }
    }
}

mirror_enum!(
    /// The four levels advisory databases and scanners share; UNKNOWN for an advisory that
    /// states none (still counted, never dropped).
    Severity <=> domain::supply_chain::Severity { Critical, High, Medium, Low, Unknown }
);

mirror_enum!(
    /// OPEN until the component moves past the affected versions, the advisory is withdrawn
    /// for them, or the scanner reports it resolved.
    VulnerabilityStatus <=> domain::supply_chain::match_reads::MatchStatus { Open, Resolved }
);

mirror_enum!(
    /// ADVISORY: a stored advisory matched a component of the artifact's SBOM; SCANNER: a
    /// scanner reported it through events.
    VulnerabilitySource <=> domain::vulnerabilities::VulnerabilitySource { Advisory, Scanner }
);
