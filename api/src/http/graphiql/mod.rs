//! GraphiQL at `GET /graphql` where it is on. Everything the page loads is compiled into the
//! binary and served from `/graphiql/<digest>/<file>`, so it works offline and air-gapped, and
//! the page can forbid every other origin with its Content-Security-Policy. The third-party
//! builds are pinned in `api/assets/graphiql` (see its README for versions and updating).
//!
//! The digest in each asset's path is of its content, so a browser may keep an asset forever:
//! another build that changes a file also changes its path. Assets need no token; they are the
//! same public files for everyone. The page logs in once (see `start.js`): the token comes from
//! `#token=…` in the address, a login field, or the tab's `sessionStorage`.

use std::sync::LazyLock;

use actix_web::{HttpResponse, http::header, web};
use sha2::{Digest, Sha256};

/// A file of the page, served at [`Asset::path`].
struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
    digest: String,
}

impl Asset {
    fn new(name: &'static str, bytes: &'static [u8]) -> Self {
        let content_type = if name.ends_with(".css") {
            "text/css; charset=utf-8"
        } else {
            "text/javascript; charset=utf-8"
        };
        let digest = Sha256::digest(bytes)
            .iter()
            .take(8)
            .map(|byte| format!("{byte:02x}"))
            .collect();
        Self {
            name,
            content_type,
            bytes,
            digest,
        }
    }

    fn path(&self) -> String {
        format!("/graphiql/{}/{}", self.digest, self.name)
    }
}

/// In the order the page loads them: React before GraphiQL, which needs it, and `start.js`,
/// which needs all three, last.
static ASSETS: LazyLock<[Asset; 6]> = LazyLock::new(|| {
    [
        Asset::new(
            "graphiql.min.css",
            include_bytes!("../../../assets/graphiql/graphiql.min.css"),
        ),
        Asset::new("start.css", include_bytes!("start.css")),
        Asset::new(
            "react.production.min.js",
            include_bytes!("../../../assets/graphiql/react.production.min.js"),
        ),
        Asset::new(
            "react-dom.production.min.js",
            include_bytes!("../../../assets/graphiql/react-dom.production.min.js"),
        ),
        Asset::new(
            "graphiql.min.js",
            include_bytes!("../../../assets/graphiql/graphiql.min.js"),
        ),
        Asset::new("start.js", include_bytes!("start.js")),
    ]
});

/// The page with the asset paths of this build filled in.
static PAGE: LazyLock<String> = LazyLock::new(|| {
    let mut styles = String::new();
    let mut scripts = String::new();
    for asset in ASSETS.iter() {
        if asset.name.ends_with(".css") {
            styles += &format!("<link rel=\"stylesheet\" href=\"{}\">\n", asset.path());
        } else {
            scripts += &format!("<script src=\"{}\" defer></script>\n", asset.path());
        }
    }
    include_str!("page.html")
        .replace("<!-- styles -->\n", &styles)
        .replace("<!-- scripts -->\n", &scripts)
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
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(PAGE.as_str())
}

async fn asset(path: web::Path<(String, String)>) -> HttpResponse {
    let (digest, name) = path.into_inner();
    match ASSETS
        .iter()
        .find(|asset| asset.name == name && asset.digest == digest)
    {
        Some(asset) => HttpResponse::Ok()
            .content_type(asset.content_type)
            .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
            .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .body(asset.bytes),
        None => super::server::not_found().await,
    }
}
