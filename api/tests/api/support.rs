use std::{
    ops::Deref,
    sync::{Arc, Mutex, OnceLock},
    time::Duration,
};

use api::{
    auth::JwtKeys,
    config::Config,
    graphql::{
        AppSchema, HeavyQueries, RequestContext, SchemaOptions, build_schema, sanitize_errors,
    },
};
use async_graphql::{Request, Response, Variables};
use domain::{
    Principal, Role,
    db::{StatementCounter, Store},
};
use serde_json::Value;
use testkit::World;

pub const SECRET: &[u8] = b"test-secret-test-secret-test-secret!";

/// A [`World`] with the GraphQL schema and, on demand, the HTTP server on top; its database,
/// admin and principals are the world's, reached through `Deref`.
pub struct TestApp {
    pub world: World,
    /// What the server works through: on PostgreSQL a pool in the restricted role, so every
    /// schema and HTTP test also runs under row-level security; on SQLite the test store.
    pub serving: Store,
    pub schema: AppSchema,
}

impl Deref for TestApp {
    type Target = World;

    fn deref(&self) -> &World {
        &self.world
    }
}

impl TestApp {
    pub async fn new() -> Self {
        let world = World::new().await;
        let config = Config {
            database_url: Some(world.db.url.clone()),
            ..Config::default()
        };
        let serving = api::bootstrap::serving_store(&config, &world.db.store)
            .await
            .unwrap();
        Self {
            world,
            serving,
            schema: build_schema(&SchemaOptions::default()),
        }
    }

    /// Runs a GraphQL request as `principal` and returns the JSON response (data and errors).
    pub async fn run_as(&self, principal: &Principal, query: &str, variables: Value) -> Value {
        self.run_on(self.serving.clone(), principal, query, variables)
            .await
    }

    pub async fn run_on(
        &self,
        store: Store,
        principal: &Principal,
        query: &str,
        variables: Value,
    ) -> Value {
        let response = execute(&self.schema, store, principal, query, variables).await;
        serde_json::to_value(&response).unwrap()
    }

    /// The response of `query` on another schema (built with other options), as a value.
    pub async fn run_with(
        &self,
        schema: &AppSchema,
        principal: &Principal,
        query: &str,
        variables: Value,
    ) -> Value {
        let response = execute(schema, self.serving.clone(), principal, query, variables).await;
        serde_json::to_value(&response).unwrap()
    }

    /// The response text of `query` on another schema (built with other options), written as
    /// the HTTP endpoint writes it.
    pub async fn run_text_with(
        &self,
        schema: &AppSchema,
        principal: &Principal,
        query: &str,
        variables: Value,
    ) -> String {
        let request = Request::new(query)
            .variables(Variables::from_json(variables))
            .data(RequestContext::new(self.serving.clone(), principal.clone()));
        let text = schema
            .execute_batch_to_json(request.into(), sanitize_errors)
            .await
            .unwrap();
        String::from_utf8(text).unwrap()
    }

    pub async fn run(&self, query: &str, variables: Value) -> Value {
        self.run_as(&self.admin, query, variables).await
    }

    /// Like [`run`], asserting there were no errors; returns `data`.
    pub async fn data(&self, query: &str, variables: Value) -> Value {
        let response = self.run(query, variables).await;
        assert!(
            response.get("errors").is_none(),
            "unexpected errors: {response:#}"
        );
        response["data"].clone()
    }

    /// `query` run as the admin, with the number of SQL statements it ran: those of the
    /// request's tenant connection and its siblings, as the server's debug header counts them
    /// (scoping the transaction to the workspace is a constant per request, not counted).
    pub async fn run_counted(&self, query: &str, variables: Value) -> (Value, usize) {
        let counter = StatementCounter::new();
        let request = Request::new(query)
            .variables(Variables::from_json(variables))
            .data(RequestContext::counting(
                self.serving.clone(),
                self.admin.clone(),
                counter.clone(),
            ));
        let mut response = self.schema.execute(request).await;
        sanitize_errors(&mut response);
        (serde_json::to_value(&response).unwrap(), counter.count())
    }

    /// The real HTTP server on a free port, with keys signed by [`SECRET`].
    pub fn spawn(&self, config: Config) -> Server {
        let keys = JwtKeys::hs256(SECRET, &config.jwt_issuer, &config.jwt_audience);
        self.spawn_with_keys(config, keys)
    }

    /// Like [`spawn`], also trusting the JWKS the configuration names (file or URL), reloaded
    /// as the server would.
    pub async fn spawn_with_jwks(&self, config: Config) -> Server {
        let keys = JwtKeys::hs256(SECRET, &config.jwt_issuer, &config.jwt_audience);
        let keys = api::bootstrap::with_jwks(keys, &config).await.unwrap();
        self.spawn_with_keys(config, keys)
    }

    fn spawn_with_keys(&self, config: Config, keys: JwtKeys) -> Server {
        let state = api::bootstrap::state(
            &config,
            &self.world.db.store,
            self.serving.clone(),
            keys.clone(),
        );
        let heavy_queries = state.schema.heavy_queries().clone();
        let running = api::http::start(state, "127.0.0.1", 0, Some(1)).unwrap();
        let handle = running.server.handle();
        tokio::spawn(running.server);
        Server {
            base: format!("http://{}", running.addr),
            keys,
            heavy_queries,
            handle,
            client: reqwest::Client::new(),
        }
    }
}

/// `query` on `schema` as `principal`, errors worded as the server words them.
async fn execute(
    schema: &AppSchema,
    store: Store,
    principal: &Principal,
    query: &str,
    variables: Value,
) -> Response {
    let request = Request::new(query)
        .variables(Variables::from_json(variables))
        .data(RequestContext::new(store, principal.clone()));
    let mut response = schema.execute(request).await;
    sanitize_errors(&mut response);
    response
}

/// Asserts a 401 `UNAUTHENTICATED` refusal worded exactly `message`, which must not say why the
/// credentials were refused.
pub fn assert_unauthenticated(case: &str, status: u16, body: &Value, message: &str) {
    assert_eq!(status, 401, "{case}: {body}");
    assert_eq!(code(body), "UNAUTHENTICATED", "{case}: {body}");
    assert_eq!(
        body["errors"][0]["message"], message,
        "{case}: the refusal must not say why"
    );
}

/// The first error code of a response.
pub fn code(response: &Value) -> &str {
    response["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("no error code in {response:#}"))
}

pub struct Server {
    pub base: String,
    pub keys: JwtKeys,
    /// The server's slots for expensive queries, for tests to take one themselves.
    pub heavy_queries: HeavyQueries,
    pub client: reqwest::Client,
    handle: actix_web::dev::ServerHandle,
}

impl Server {
    pub fn token(&self, workspace: &str, role: Role) -> String {
        self.keys
            .issue(
                &format!("{role}@{workspace}"),
                workspace,
                role,
                Duration::from_secs(600),
            )
            .unwrap()
    }

    /// The status `/healthz` answers with.
    pub async fn healthz(&self) -> u16 {
        let url = format!("{}/healthz", self.base);
        self.client.get(url).send().await.unwrap().status().as_u16()
    }

    /// `body` posted to `/events` as a CloudEvents batch, byte for byte, with `token` if given.
    pub async fn post_events(
        &self,
        token: Option<&str>,
        body: impl Into<reqwest::Body>,
    ) -> reqwest::Response {
        let mut request = self
            .client
            .post(format!("{}/events", self.base))
            .header("content-type", "application/cloudevents-batch+json")
            .body(body);
        if let Some(t) = token {
            request = request.bearer_auth(t);
        }
        request.send().await.unwrap()
    }

    /// Deployment `id` of source `checkout` as one CloudEvent in binary mode, with `token` if
    /// given; the status and body of the answer.
    pub async fn post_deployment(&self, token: Option<&str>, id: &str) -> (u16, Value) {
        let mut request = self
            .client
            .post(format!("{}/events", self.base))
            .header("ce-specversion", "1.0")
            .header("ce-type", "dev.wayfinder.deployment")
            .header("ce-id", id)
            .header("ce-source", "checkout")
            .header("ce-time", "2024-03-04T10:00:00Z")
            .header("content-type", "application/json")
            .body(serde_json::json!({"changeIds": [], "deploymentId": id}).to_string());
        if let Some(t) = token {
            request = request.bearer_auth(t);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// `body` posted to `/import?{query}` as `role` of `workspace`, sent as `content_type`: the
    /// status and the report (every answer of `/import` is JSON).
    pub async fn post_import(
        &self,
        workspace: &str,
        role: Role,
        query: &str,
        content_type: &str,
        body: String,
    ) -> (u16, Value) {
        let response = self
            .client
            .post(format!("{}/import?{query}", self.base))
            .bearer_auth(self.token(workspace, role))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }

    pub async fn graphql(&self, token: Option<&str>, body: Value) -> (u16, Value) {
        let mut request = self
            .client
            .post(format!("{}/graphql", self.base))
            .json(&body);
        if let Some(t) = token {
            request = request.bearer_auth(t);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }
}

/// Every `security` event logged by this test binary from the first call on, as JSON lines.
/// Tests share one global subscriber, so assertions must look for their own ids.
pub fn security_log() -> String {
    static LOG: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    let log = LOG.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let writer = buffer.clone();
        tracing_subscriber::fmt()
            .json()
            .with_env_filter("security=info")
            .with_writer(move || LogWriter(writer.clone()))
            .try_init()
            .expect("no other global subscriber in the test binary");
        buffer
    });
    String::from_utf8_lossy(&log.lock().unwrap()).into_owned()
}

struct LogWriter(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        tokio::spawn(async move { handle.stop(false).await });
    }
}
