//! `GET /`: a small page that tells whoever opens the server's address where to go next.
//! A static string with no external assets, so it works offline and needs no token.

use actix_web::HttpResponse;

const PAGE: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Wayfinder</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;line-height:1.5}code{background:#f3f3f3;padding:0 .2rem}</style>
</head>
<body>
<h1>Wayfinder</h1>
<p>A GraphQL inventory of teams, products, software artifacts, APIs and cloud resources.</p>
<ul>
<li><a href="/graphql"><code>/graphql</code></a>: the GraphQL endpoint (<code>POST</code>, with <code>Authorization: Bearer &lt;token&gt;</code>); opened in a browser, GraphiQL where it is on (development).</li>
<li><a href="/dashboard"><code>/dashboard</code></a>: the dashboard: inventory overview, teams with their DORA four keys, data quality (logs in with the same tokens as GraphiQL).</li>
<li><code>POST /events</code>: CloudEvents for the DORA and Flow metrics.</li>
<li><code>POST /webhooks/github/&lt;workspace&gt;</code>: GitHub webhook deliveries, signed with the workspace's webhook secret.</li>
<li><code>GET /export</code>: the workspace as NDJSON, one fact sheet or relation per line.</li>
<li><code>POST /import</code>: NDJSON lines (as the export writes them) applied to the workspace, with a report of every line.</li>
<li><code>POST /sbom</code>: a software artifact's SBOM (CycloneDX or SPDX), which replaces its components and is matched against advisories.</li>
<li><code>POST /advisories</code>: OSV advisories private to the workspace (admin).</li>
<li><code>POST /auth/token</code>: exchanges an API token for a short-lived access token.</li>
<li><a href="/healthz"><code>/healthz</code></a>: the process is alive.</li>
<li><a href="/readyz"><code>/readyz</code></a>: the database answers and all migrations are applied.</li>
</ul>
<p>Documentation: <code>README.md</code> at the root of the project's repository (with <code>SECURITY.md</code> beside it).</p>
</body>
</html>
"#;

pub async fn home() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(PAGE)
}
