//! The benchmark's HTTP side: one GraphQL call or one event batch, with every response checked.
//! A failure carries the status and body, so a benchmark never reports speed for errors.

use anyhow::{Context, bail};
use serde::de::IgnoredAny;
use serde_json::{Value, json};

/// The response header of the server's `debug_sql_statement_header` option.
const SQL_STATEMENTS_HEADER: &str = "x-wayfinder-sql-statements";

#[derive(Clone)]
pub struct Api {
    http: reqwest::Client,
    base: String,
    token: String,
}

/// A checked GraphQL answer: the body, and the statement count when the server reports it.
pub struct Answer {
    body: String,
    pub sql_statements: Option<usize>,
}

impl Answer {
    /// The answer's `data`, decoded on demand: the timed requests only check the body.
    pub fn data(&self) -> anyhow::Result<Value> {
        let mut body: Value = serde_json::from_str(&self.body)?;
        Ok(body["data"].take())
    }
}

/// What the check needs of a GraphQL body. Every byte is still parsed (a malformed body
/// fails), but nothing is built: building a `Value` of each depth-3 traversal's answer cost the
/// load generator a third of the CPU the server spent on it, on the same two cores
/// (BENCHMARKS.md).
#[derive(serde::Deserialize)]
struct Envelope {
    data: Option<IgnoredAny>,
    errors: Option<IgnoredAny>,
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
        let envelope: Envelope = serde_json::from_str(&text)
            .with_context(|| format!("GraphQL answered {status} with a non-JSON body: {text}"))?;
        if !status.is_success() || envelope.errors.is_some() || envelope.data.is_none() {
            bail!("GraphQL answered {status}: {text}");
        }
        Ok(Answer {
            body: text,
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
