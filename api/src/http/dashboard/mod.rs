//! The dashboard at `GET /dashboard`: an inventory overview, a page per team (what it owns and
//! what that connects to, its DORA four keys and weekly deployments, its open
//! vulnerabilities) and a data-quality list. It is plain HTML, CSS and JavaScript that asks the
//! public GraphQL API with the caller's token, as any client would, so it has no endpoint,
//! rule or permission of its own: a viewer sees what a viewer may read. It logs in as GraphiQL
//! does (`login/login.js`).
//!
//! Unlike GraphiQL it is on in every profile: it needs no introspection, and the page itself
//! holds no data. Its files are compiled in and served under `/dashboard/<digest>/<file>` (see
//! [`super::page_assets`]), so it works air-gapped, under a policy that allows no inline script
//! or style and no other origin; its charts are SVG the scripts draw.

use std::sync::LazyLock;

use actix_web::{HttpResponse, web};

use super::page_assets::{self, Asset};

/// In the order the page loads them: the shared login and the helpers every view uses before
/// the views, and `start.js`, which routes between them, last.
static ASSETS: LazyLock<[Asset; 8]> = LazyLock::new(|| {
    [
        Asset::new(
            "dashboard",
            "login.css",
            include_bytes!("../login/login.css"),
        ),
        Asset::new(
            "dashboard",
            "dashboard.css",
            include_bytes!("dashboard.css"),
        ),
        Asset::new("dashboard", "login.js", include_bytes!("../login/login.js")),
        Asset::new("dashboard", "render.js", include_bytes!("render.js")),
        Asset::new("dashboard", "overview.js", include_bytes!("overview.js")),
        Asset::new("dashboard", "team.js", include_bytes!("team.js")),
        Asset::new("dashboard", "quality.js", include_bytes!("quality.js")),
        Asset::new("dashboard", "start.js", include_bytes!("start.js")),
    ]
});

/// The page with the asset paths of this build filled in.
static PAGE: LazyLock<String> = LazyLock::new(|| {
    page_assets::render(include_str!("page.html"), &*ASSETS, "Wayfinder dashboard")
});

/// Only this server's own files and requests, and nothing inline (the empty `data:` icon keeps
/// browsers from asking for `/favicon.ico`).
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; connect-src 'self'; form-action 'none'; base-uri 'none'; \
    frame-ancestors 'none'";

pub fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/dashboard", web::get().to(page))
        .route("/dashboard/{digest}/{name}", web::get().to(asset));
}

async fn page() -> HttpResponse {
    page_assets::page(PAGE.as_str(), CONTENT_SECURITY_POLICY)
}

async fn asset(path: web::Path<(String, String)>) -> HttpResponse {
    let (digest, name) = path.into_inner();
    page_assets::serve(&*ASSETS, &digest, &name).await
}
