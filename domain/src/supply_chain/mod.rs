//! What each software artifact is made of, and which public advisories affect it.
//!
//! An SBOM upload replaces an artifact's component set; advisories (OSV records) are matched
//! against every component by ecosystem, package and a version order that is correct for that
//! ecosystem. The few types here are the vocabulary the parsing, matching and storage parts share.

pub mod purl;
pub mod sbom;
pub mod severity;
pub mod verdict;

pub use severity::Severity;
pub use verdict::Verdict;
