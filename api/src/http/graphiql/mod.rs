//! GraphiQL at `GET /graphql` where it is on. Everything the page loads is compiled into the
//! binary and served from `/graphiql/<digest>/<file>`, so it works offline and air-gapped, and
//! the page can forbid every other origin with its Content-Security-Policy. The third-party
//! builds are pinned in `api/assets/graphiql` (see its README for versions and updating).
//!
//! How assets are named and served is in [`super::page_assets`]. The page logs in as the
//! dashboard does (`login/login.js`): the token comes from `#token=…` in the address, a login
//! field, or the tab's `sessionStorage`.

use std::sync::LazyLock;

use actix_web::{HttpResponse, web};

use super::page_assets::{self, Asset};

/// In the order the page loads them: React before GraphiQL, which needs it, the shared login,
/// and `start.js`, which needs all of them, last.
static ASSETS: LazyLock<[Asset; 8]> = LazyLock::new(|| {
    [
        Asset::new(
            "graphiql",
            "graphiql.min.css",
            include_bytes!("../../../assets/graphiql/graphiql.min.css"),
        ),
        Asset::new(
            "graphiql",
            "login.css",
            include_bytes!("../login/login.css"),
        ),
        Asset::new("graphiql", "start.css", include_bytes!("start.css")),
        Asset::new(
            "graphiql",
            "react.production.min.js",
            include_bytes!("../../../assets/graphiql/react.production.min.js"),
        ),
        Asset::new(
            "graphiql",
            "react-dom.production.min.js",
            include_bytes!("../../../assets/graphiql/react-dom.production.min.js"),
        ),
        Asset::new(
            "graphiql",
            "graphiql.min.js",
            include_bytes!("../../../assets/graphiql/graphiql.min.js"),
        ),
        Asset::new("graphiql", "login.js", include_bytes!("../login/login.js")),
        Asset::new("graphiql", "start.js", include_bytes!("start.js")),
    ]
});

/// The page with the asset paths of this build filled in.
static PAGE: LazyLock<String> = LazyLock::new(|| {
    page_assets::render(include_str!("page.html"), &*ASSETS, "Wayfinder GraphiQL")
});

/// Only this server's own files, and the `data:` fonts and icons GraphiQL's stylesheet embeds.
/// Styles may be inline because GraphiQL's dialogs insert `<style>` elements as they open;
/// scripts may not, which is why the page starts GraphiQL from a file of its own.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
    style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; \
    connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'";

/// The asset routes; registered only where GraphiQL is on, so elsewhere they are unknown paths.
pub fn routes(config: &mut web::ServiceConfig) {
    config.route("/graphiql/{digest}/{name}", web::get().to(asset));
}

pub async fn page() -> HttpResponse {
    page_assets::page(PAGE.as_str(), CONTENT_SECURITY_POLICY)
}

async fn asset(path: web::Path<(String, String)>) -> HttpResponse {
    let (digest, name) = path.into_inner();
    page_assets::serve(&*ASSETS, &digest, &name).await
}
