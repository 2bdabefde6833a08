//! The `wayfinder-tools` command line.

use std::process::ExitCode;

use api::cli::{ConfigFileArg, run_with_config};
use clap::{Parser, Subcommand};

use crate::{bench, seed};

#[derive(Parser)]
#[command(
    name = "wayfinder-tools",
    version,
    about = "Realistic data and speed measurements for Wayfinder"
)]
struct Cli {
    #[command(flatten)]
    config: ConfigFileArg,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create a workspace filled with a realistic graph (and events) for demos and benchmarks.
    Seed(seed::SeedArgs),
    /// Measure speed (see BENCHMARKS.md).
    #[command(subcommand)]
    Bench(bench::BenchCommand),
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    run_with_config(&cli.config, move |config| async move {
        match cli.command {
            Command::Seed(args) => seed::run(config, args).await,
            Command::Bench(cmd) => bench::run(config, cmd).await,
        }
    })
}
