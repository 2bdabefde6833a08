//! Vulnerabilities from every source as one: advisory matches of SBOM components
//! ([`supply_chain`](crate::supply_chain)) and scanner findings from events
//! ([`metrics`](crate::metrics)), listed, counted and trended together, for an artifact or
//! for what a Team or Product rolls up over (the metrics' roll-up). It sits above both sources,
//! which know nothing of each other.

pub mod list;
pub mod roll_up;
pub mod summary;
pub mod trend;

pub use list::{
    Vulnerability, VulnerabilityFilter, VulnerabilitySource, vulnerabilities_of,
    vulnerability_count,
};
pub use roll_up::{OWNER_TYPE, owning_teams, rolled_up_fact_sheets};
pub use summary::vulnerability_summary;
pub use trend::vulnerability_trend_of;
