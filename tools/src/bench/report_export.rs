//! `wayfinder-tools bench report-export`: times `GET /reports/export` writing every active fact
//! sheet with ten columns (fields, two attributes and the owning team's name, a batched related
//! column) as CSV, reading the body as a client does, and reports the server's peak resident
//! memory (VmHWM of `/proc/<pid>/status`) when given its pid. A pure HTTP client.
//!
//! ```sh
//! wayfinder-tools bench report-export --url http://127.0.0.1:8080 --token "$TOKEN" --server-pid "$PID"
//! ```

use std::time::Instant;

use anyhow::{Context, bail};
use clap::Args;

/// The ten columns measured: what a spreadsheet of the landscape usually starts with.
const COLUMNS: &str = "id,name,type,status,completion,createdAt,updatedAt,attribute:lifecycle,\
                       attribute:language,related:-teamOwnsArtifact";

#[derive(Args)]
pub struct ReportExportArgs {
    /// The server's base URL.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
    /// A bearer token (any role) of the seeded workspace.
    #[arg(long, env = "WAYFINDER_BENCH_TOKEN", hide_env_values = true)]
    token: String,
    /// The server's process id, to read its peak resident memory after the runs.
    #[arg(long)]
    server_pid: Option<u32>,
    /// Exports in a row; each is timed.
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// `csv` or `xlsx`.
    #[arg(long, default_value = "csv", value_parser = ["csv", "xlsx"])]
    format: String,
}

pub async fn run(args: ReportExportArgs) -> anyhow::Result<()> {
    let client = reqwest::Client::new();
    let url = format!("{}/reports/export", args.url.trim_end_matches('/'));
    let mut seconds = Vec::new();
    for run in 1..=args.runs {
        let started = Instant::now();
        let mut response = client
            .get(&url)
            .bearer_auth(&args.token)
            .query(&[("columns", COLUMNS), ("format", args.format.as_str())])
            .send()
            .await
            .context("sending the export request")?;
        if !response.status().is_success() {
            let status = response.status();
            bail!("the export answered {status}: {}", response.text().await?);
        }
        let (mut bytes, mut lines) = (0usize, 0usize);
        while let Some(chunk) = response.chunk().await.context("reading the export")? {
            bytes += chunk.len();
            lines += chunk.iter().filter(|b| **b == b'\n').count();
        }
        let elapsed = started.elapsed().as_secs_f64();
        seconds.push(elapsed);
        let rows = if args.format == "csv" {
            format!("{} rows", lines.saturating_sub(1))
        } else {
            "rows in the workbook".to_owned()
        };
        println!(
            "run {run}: {elapsed:.2} s, {:.1} MB, {rows}",
            bytes as f64 / 1e6
        );
    }
    seconds.sort_by(f64::total_cmp);
    if let Some(median) = seconds.get(seconds.len() / 2) {
        println!("median: {median:.2} s over {} runs", seconds.len());
    }
    if let Some(pid) = args.server_pid {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
            .with_context(|| format!("reading /proc/{pid}/status"))?;
        let peak = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .map(str::trim)
            .unwrap_or("unknown");
        println!("server peak RSS (VmHWM): {peak}");
    }
    Ok(())
}
