//! Fact sheets: the nodes of the inventory graph.

mod aggregates;
mod archive;
mod create;
mod facets;
mod filter;
mod filter_bounds;
mod filter_options;
mod filter_subscriptions;
mod hierarchy;
mod list;
mod order;
mod order_in_memory;
mod read;
mod update;
mod with_lists;

pub use aggregates::AggregateCache;
pub use archive::{archive, restore};
pub(crate) use create::check_name;
pub use create::{NewFactSheet, create};
pub use facets::{AttributeFacet, FacetCount, Facets, facets};
pub(crate) use filter::parse_attribute_filter;
pub use filter::{AttributeFilter, FactSheetFilter, RelationDirection, RelationFilter};
pub(crate) use filter::{CompiledFilter, Part as FilterPart, compile as compile_filter};
pub use filter_bounds::NumberBounds;
pub use filter_subscriptions::SubscriptionFilter;
pub(crate) use hierarchy::{MAX_DEPTH as MAX_HIERARCHY_DEPTH, children_of};
pub use list::{check_list, count, list};
pub use order::{FactSheetOrder, OrderField, SortKey};
pub use read::{by_external_id, get, get_many, require};
pub use update::{FactSheetPatch, Patch, update};
pub use with_lists::{FactSheetWithLists, Lists, get_with_lists};

/// A stored fact sheet. The API wraps it in its own types; nothing outside reads columns it does
/// not need.
pub type FactSheet = entity::fact_sheet::Model;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    Active,
    Archived,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "ACTIVE",
            Status::Archived => "ARCHIVED",
        }
    }

    pub fn of(fact_sheet: &FactSheet) -> Status {
        if fact_sheet.status == Status::Archived.as_str() {
            Status::Archived
        } else {
            Status::Active
        }
    }
}
