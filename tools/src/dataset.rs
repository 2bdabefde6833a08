//! The one generator of realistic data for demos and benchmarks: an inventory graph shaped like
//! real enterprise workspaces (or just a measured team and its artifacts) and a year of delivery
//! events for the artifacts. Deterministic (a fixed random seed), so two runs at the same scale
//! produce the same graph and benchmark figures are comparable. `seed` and `bench events` both
//! write what it generates through [`mod@write`], the domain's bulk import.

pub mod components;
pub mod events;
pub mod graph;
pub mod measured_team;
pub mod values;
pub mod write;

pub use graph::{Graph, Scale, generate};
pub use measured_team::measured_team;
