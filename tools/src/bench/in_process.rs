//! The server a bench starts in its own process, on a free port of the loopback interface, and
//! the clients that talk to it. A bench measured this way shares the two cores with its server;
//! `bench load` drives a server in another process instead.

use std::{net::SocketAddr, time::Duration};

use actix_web::dev::ServerHandle;
use domain::{Role, db::Store};

use api::{auth::JwtKeys, bootstrap::serving_state, config::Config, http};

use super::client::Api;

/// How long the tokens a bench mints stay valid: longer than any bench runs.
const TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 3600);

pub(super) struct InProcess {
    pub addr: SocketAddr,
    keys: JwtKeys,
    handle: ServerHandle,
}

impl InProcess {
    /// Starts the server over `store`, as `wayfinder serve` would with `config`.
    pub async fn start(config: &Config, store: &Store, keys: JwtKeys) -> anyhow::Result<Self> {
        let running = http::start(
            serving_state(config, store, keys.clone()).await?,
            "127.0.0.1",
            0,
            None,
        )?;
        let handle = running.server.handle();
        tokio::spawn(running.server);
        Ok(Self {
            addr: running.addr,
            keys,
            handle,
        })
    }

    /// A client acting as a user of `workspace` in `role`, over `connections` connections.
    pub fn client(&self, workspace: &str, role: Role, connections: usize) -> anyhow::Result<Api> {
        let token = self.keys.issue("bench", workspace, role, TOKEN_LIFETIME)?;
        Api::new(&format!("http://{}", self.addr), &token, connections)
    }

    /// Lets requests in flight finish, then stops.
    pub async fn stop(self) {
        self.handle.stop(true).await;
    }
}
