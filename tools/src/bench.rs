//! `wayfinder-tools bench`: speed is measured here, never asserted in tests (see BENCHMARKS.md).
//! Both benchmarks talk to the server over HTTP through one checked client (`client::Api`).

mod after_events;
mod after_write;
mod aggregate;
mod client;
mod events;
mod history;
mod in_process;
mod load;
mod report_export;
mod supply_chain;
mod team_metrics;
mod webhooks;

use api::config::Config;
use clap::Subcommand;

#[derive(Subcommand)]
pub enum BenchCommand {
    /// The depth-3 traversal alone right after an unrelated write, warm, and after a write
    /// to a fact sheet it shows.
    AfterWrite(after_write::AfterWriteArgs),
    /// factSheetAggregate report questions (team × lifecycle, cost per team) over HTTP.
    Aggregate(aggregate::AggregateArgs),
    /// Event ingestion (batch mode over HTTP) and team metrics latency.
    Events(events::EventsArgs),
    /// The change feed and the landscape at a past instant, after changes made since.
    History(history::HistoryArgs),
    /// Drive a running server at fixed concurrency from this second process.
    Load(load::LoadArgs),
    /// A CSV export of every fact sheet with ten columns over HTTP, and the server's peak RSS.
    ReportExport(report_export::ReportExportArgs),
    /// Supply-chain queries, SBOM uploads and an advisory import against a seeded workspace.
    SupplyChain(supply_chain::SupplyChainArgs),
    /// GitHub webhook deliveries in a row through the signed endpoint, and their latency.
    Webhooks(webhooks::WebhooksArgs),
}

pub async fn run(config: Config, command: BenchCommand) -> anyhow::Result<()> {
    match command {
        BenchCommand::AfterWrite(args) => after_write::run(args).await,
        BenchCommand::Aggregate(args) => aggregate::run(config, args).await,
        BenchCommand::Events(args) => events::run(config, args).await,
        BenchCommand::History(args) => history::run(config, args).await,
        BenchCommand::Load(args) => load::run(args).await,
        BenchCommand::ReportExport(args) => report_export::run(args).await,
        BenchCommand::SupplyChain(args) => supply_chain::run(config, args).await,
        BenchCommand::Webhooks(args) => webhooks::run(config, args).await,
    }
}
