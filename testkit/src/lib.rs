//! Test support shared by every test suite, so each fixture is stated once: a fresh database
//! per test ([`TestDb`]), a tenant to act in ([`World`]) and the events that feed the metrics
//! ([`facts`]).

mod db;
pub mod facts;
mod world;

pub use db::{DATABASE_URL_VAR, TestDb};
pub use world::{World, new_workspace};
