//! The benchmark's HTTP side: one GraphQL call or one event batch, with every response checked.
//! A failure carries the status and body, so a benchmark never reports speed for errors.

use anyhow::{Context, bail};
use serde_json::{Value, json};

/// The response header of the server's `debug_sql_statement_header` option.
const SQL_STATEMENTS_HEADER: &str = "x-wayfinder-sql-statements";

#[derive(Clone)]
pub struct Api {
    http: reqwest::Client,
    base: String,
    token: String,
}

/// A checked GraphQL answer: `data`, and the statement count when the server reports it.
pub struct Answer {
    pub data: Value,
    pub sql_statements: Option<usize>,
}

impl Api {
    pub fn new(base: &str, token: &str, clients: usize) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(clients)
            .build()?;
        Ok(Self {
            http,
            base: base.trim_end_matches('/').to_owned(),
            token: token.to_owned(),
        })
    }

    /// Runs a GraphQL operation; HTTP errors, unparsable bodies and GraphQL `errors` all fail.
    pub async fn graphql(&self, query: &str, variables: &Value) -> anyhow::Result<Answer> {
        let response = self
            .http
            .post(format!("{}/graphql", self.base))
            .bearer_auth(&self.token)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .context("sending a GraphQL request")?;
        let status = response.status();
        let sql_statements = response
            .headers()
            .get(SQL_STATEMENTS_HEADER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok());
        let text = response.text().await?;
        let body: Value = serde_json::from_str(&text)
            .with_context(|| format!("GraphQL answered {status} with a non-JSON body: {text}"))?;
        if !status.is_success() || body.get("errors").is_some() || body["data"].is_null() {
            bail!("GraphQL answered {status}: {text}");
        }
        Ok(Answer {
            data: body["data"].clone(),
            sql_statements,
        })
    }

    /// Posts a CloudEvents batch; anything but a 202 storing every event (none a duplicate)
    /// fails, since a duplicate would be measured without being written.
    pub async fn ingest(&self, batch: &[Value]) -> anyhow::Result<()> {
        let response = self
            .http
            .post(format!("{}/events", self.base))
            .bearer_auth(&self.token)
            .header("content-type", "application/cloudevents-batch+json")
            .body(serde_json::to_vec(batch)?)
            .send()
            .await
            .context("sending an event batch")?;
        let status = response.status();
        let text = response.text().await?;
        let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if status.as_u16() != 202
            || body["accepted"].as_u64() != Some(batch.len() as u64)
            || body["duplicates"].as_u64() != Some(0)
        {
            bail!(
                "ingestion answered {status} (expected 202 with all {} events accepted): {text}",
                batch.len()
            );
        }
        Ok(())
    }
}
