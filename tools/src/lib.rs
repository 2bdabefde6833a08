//! Wayfinder's tools, kept out of the server so that the production binary only serves: a
//! generator of realistic workspaces (`seed`) and the benchmarks (`bench events`, `bench load`,
//! `bench supply-chain`, `bench webhooks`).
//! They use the server as a library, through the same configuration and domain rules.

pub mod bench;
pub mod cli;
pub mod dataset;
pub mod seed;
