//! The benchmark's HTTP side: one GraphQL call or one event batch, with every response checked.
//! A failure carries the status and body, so a benchmark never reports speed for errors.

use anyhow::{Context, bail};
use api::http::{CACHE_HITS_HEADER, CACHE_MISSES_HEADER, SQL_STATEMENTS_HEADER};
use reqwest::{RequestBuilder, StatusCode, header::HeaderMap};
use serde::de::IgnoredAny;
use serde_json::{Value, json};

#[derive(Clone)]
pub struct Api {
    http: reqwest::Client,
    base: String,
    token: String,
}

/// A checked GraphQL answer: the body, and the statement count and the process's cache
/// totals when the server reports them (its `debug_sql_statement_header` option).
pub struct Answer {
    body: Vec<u8>,
    pub sql_statements: Option<usize>,
    pub cache: Option<CacheTotals>,
}

/// The server process's read cache hits and misses since it started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheTotals {
    pub hits: u64,
    pub misses: u64,
}

impl CacheTotals {
    fn of(headers: &HeaderMap) -> Option<Self> {
        let number = |name: &str| headers.get(name)?.to_str().ok()?.parse().ok();
        Some(Self {
            hits: number(CACHE_HITS_HEADER)?,
            misses: number(CACHE_MISSES_HEADER)?,
        })
    }

    /// The share of look-ups between `earlier` and `self` that were hits (`None` without any).
    pub fn hit_ratio_since(&self, earlier: &Self) -> Option<f64> {
        let hits = self.hits.saturating_sub(earlier.hits);
        let misses = self.misses.saturating_sub(earlier.misses);
        (hits + misses > 0).then(|| hits as f64 / (hits + misses) as f64)
    }
}

impl Answer {
    /// The answer's `data`, decoded on demand: the timed requests only check the body.
    pub fn data(&self) -> anyhow::Result<Value> {
        let mut body: Value = serde_json::from_slice(&self.body)?;
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
        let cache = CacheTotals::of(response.headers());
        // As bytes: reading the body as text checks it for invalid UTF-8 a character at a
        // time, a tenth of the load generator's CPU on depth-3 traversals, beside the server.
        let body = Vec::from(response.bytes().await?);
        let text = || String::from_utf8_lossy(&body).into_owned();
        let envelope: Envelope = serde_json::from_slice(&body).with_context(|| {
            format!("GraphQL answered {status} with a non-JSON body: {}", text())
        })?;
        if !status.is_success() || envelope.errors.is_some() || envelope.data.is_none() {
            bail!("GraphQL answered {status}: {}", text());
        }
        Ok(Answer {
            body,
            sql_statements,
            cache,
        })
    }

    /// A request to `path` (with its query string) on the server, as this benchmark's caller.
    pub fn post(&self, path: &str) -> RequestBuilder {
        self.http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
    }

    /// A request to `path` without the bearer token (webhook deliveries sign their bodies).
    pub fn post_unauthenticated(&self, path: &str) -> RequestBuilder {
        self.http.post(format!("{}{path}", self.base))
    }

    /// Sends `request`; any status but `expected` fails with the body.
    pub async fn expect(
        &self,
        request: RequestBuilder,
        expected: StatusCode,
        what: &str,
    ) -> anyhow::Result<()> {
        let response = request
            .send()
            .await
            .with_context(|| format!("sending {what}"))?;
        let status = response.status();
        let text = response.text().await?;
        if status != expected {
            bail!("{what} answered {status} (expected {expected}): {text}");
        }
        Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hit_ratio_counts_only_the_look_ups_between_two_readings() {
        let before = CacheTotals {
            hits: 1_000,
            misses: 1_000,
        };
        let after = CacheTotals {
            hits: 1_090,
            misses: 1_010,
        };
        assert_eq!(after.hit_ratio_since(&before), Some(0.9));
        assert_eq!(
            before.hit_ratio_since(&before),
            None,
            "no look-ups, no ratio"
        );
    }

    #[test]
    fn cache_totals_need_both_headers() {
        let mut headers = HeaderMap::new();
        headers.insert(CACHE_HITS_HEADER, "7".parse().unwrap());
        assert_eq!(CacheTotals::of(&headers), None);
        headers.insert(CACHE_MISSES_HEADER, "3".parse().unwrap());
        assert_eq!(
            CacheTotals::of(&headers),
            Some(CacheTotals { hits: 7, misses: 3 })
        );
    }
}
