//! Realistic data for demos and benchmarks: an inventory graph shaped like real enterprise
//! workspaces and a year of delivery events. Deterministic (a fixed random seed), so two runs
//! at the same scale produce the same graph and benchmark figures are comparable.

pub mod events;
pub mod graph;
pub mod values;

pub use graph::{Graph, Scale, generate};
