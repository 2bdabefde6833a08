//! What each software artifact is made of, and which public advisories affect it.
//!
//! An SBOM upload replaces an artifact's component set; advisories (OSV records) are matched
//! against every component by ecosystem, package and a version order that is correct for that
//! ecosystem. The few types here are the vocabulary the parsing, matching and storage parts share.

pub mod advisories;
pub mod advisory_reads;
pub mod component_reads;
pub mod components;
pub mod ecosystem;
pub mod intake;
mod match_plan;
pub mod match_reads;
mod matching;
pub mod osv;
pub mod purl;
pub mod sbom;
pub mod severity;
pub mod usage;
pub mod verdict;
pub mod vers;
pub mod versions;

pub use ecosystem::{Ecosystem, osv_package};
pub use osv::{Advisory, AffectedPackage, AffectedRange, RangeEvent, RangeKind, parse_advisory};
pub use severity::Severity;
pub use verdict::Verdict;
pub use vers::VersionRange;

/// The workspace id shared advisories are stored under: every workspace sees them, none owns
/// them (a key cannot hold NULL, so the nil UUID stands for "no workspace").
pub const SHARED_WORKSPACE: uuid::Uuid = uuid::Uuid::nil();
