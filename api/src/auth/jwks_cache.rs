//! The JWKS keys currently trusted, and how they follow the identity provider's rotation
//! without a restart: a background task reloads them periodically, and a token naming an
//! unknown `kid` triggers a reload at once, at most once per `min_refresh_interval`, so a
//! flood of made-up `kid`s cannot turn the server into a fetch amplifier.

use std::{
    path::PathBuf,
    sync::{Arc, RwLock, Weak},
    time::{Duration, Instant},
};

use tokio::sync::Mutex;

use super::jwks::{self, KeysById, VerificationKey};

/// The largest JWKS document accepted; real ones are a few kilobytes.
const MAX_DOCUMENT_BYTES: usize = 1024 * 1024;
const FETCH_TIMEOUT: Duration = Duration::from_secs(10);

/// Where the JWKS document comes from.
#[derive(Debug, Clone)]
pub enum JwksSource {
    File(PathBuf),
    Url(String),
}

impl JwksSource {
    async fn fetch(&self, client: &reqwest::Client) -> Result<Vec<u8>, String> {
        match self {
            JwksSource::File(path) => tokio::fs::read(path)
                .await
                .map_err(|e| format!("reading {}: {e}", path.display())),
            JwksSource::Url(url) => {
                let response = client
                    .get(url)
                    .send()
                    .await
                    .and_then(reqwest::Response::error_for_status)
                    .map_err(|e| format!("fetching {url}: {e}"))?;
                if response
                    .content_length()
                    .is_some_and(|n| n as usize > MAX_DOCUMENT_BYTES)
                {
                    return Err(format!(
                        "{url}: document larger than {MAX_DOCUMENT_BYTES} bytes"
                    ));
                }
                let body = response
                    .bytes()
                    .await
                    .map_err(|e| format!("reading {url}: {e}"))?;
                if body.len() > MAX_DOCUMENT_BYTES {
                    return Err(format!(
                        "{url}: document larger than {MAX_DOCUMENT_BYTES} bytes"
                    ));
                }
                Ok(body.to_vec())
            }
        }
    }

    fn describe(&self) -> String {
        match self {
            JwksSource::File(path) => path.display().to_string(),
            JwksSource::Url(url) => url.clone(),
        }
    }
}

pub struct JwksCache {
    source: JwksSource,
    client: reqwest::Client,
    keys: RwLock<Arc<KeysById>>,
    /// When the last reload started; the lock also makes concurrent triggers wait for one
    /// reload instead of each starting their own.
    last_reload: Mutex<Instant>,
    min_refresh_interval: Duration,
}

impl JwksCache {
    /// Loads the keys once; a server must not start with a JWKS it cannot read.
    pub async fn load(
        source: JwksSource,
        min_refresh_interval: Duration,
    ) -> Result<Arc<Self>, String> {
        // No pooled connections: fetches are rare, and they run on whichever worker runtime met
        // the unknown `kid`, where a connection owned by another runtime must not be reused.
        let client = reqwest::Client::builder()
            .timeout(FETCH_TIMEOUT)
            .pool_max_idle_per_host(0)
            .build()
            .map_err(|e| format!("building the HTTP client: {e}"))?;
        let document = source.fetch(&client).await?;
        let keys = jwks::parse(&document).map_err(|e| format!("{}: {e}", source.describe()))?;
        tracing::info!(source = %source.describe(), keys = keys.len(), "JWKS loaded");
        Ok(Arc::new(Self {
            source,
            client,
            keys: RwLock::new(Arc::new(keys)),
            last_reload: Mutex::new(Instant::now()),
            min_refresh_interval,
        }))
    }

    pub fn get(&self, kid: &str) -> Option<VerificationKey> {
        self.keys
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(kid)
            .cloned()
    }

    /// Reloads now. A failed reload keeps the keys we had: an identity provider's hiccup must
    /// not lock every user out.
    async fn reload(&self) {
        match self
            .source
            .fetch(&self.client)
            .await
            .and_then(|d| jwks::parse(&d))
        {
            Ok(keys) => {
                tracing::debug!(source = %self.source.describe(), keys = keys.len(), "JWKS reloaded");
                *self.keys.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(keys);
            }
            Err(reason) => {
                tracing::warn!(source = %self.source.describe(), %reason, "JWKS reload failed; keeping the previous keys")
            }
        }
    }

    /// Reloads unless the last reload is more recent than the minimum interval. True when it
    /// reloaded, so the caller knows a retry may now succeed.
    pub async fn reload_if_allowed(&self) -> bool {
        let mut last = self.last_reload.lock().await;
        if last.elapsed() < self.min_refresh_interval {
            return false;
        }
        *last = Instant::now();
        self.reload().await;
        true
    }

    /// Reloads every `every` for as long as the cache is in use; the task ends once the last
    /// server holding the keys is gone.
    pub fn spawn_periodic_reload(self: &Arc<Self>, every: Duration) -> tokio::task::JoinHandle<()> {
        let weak: Weak<Self> = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(every);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            ticker.tick().await;
            loop {
                ticker.tick().await;
                let Some(cache) = weak.upgrade() else { break };
                let mut last = cache.last_reload.lock().await;
                *last = Instant::now();
                cache.reload().await;
            }
        })
    }
}
