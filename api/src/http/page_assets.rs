//! The browser pages the binary serves (GraphiQL, the dashboard) and the files they load, all
//! compiled in, so they work offline and air-gapped and each page can forbid every other
//! origin with its Content-Security-Policy.
//!
//! An asset is served at `/<page>/<digest>/<name>`, the digest of its content, so a browser may
//! keep it forever: another build that changes a file also changes its path. Assets need no
//! token; they are the same public files for everyone. The login both pages share (`login/`)
//! is one of each page's assets, so it is written once and served under each page's prefix.

use actix_web::{HttpResponse, http::header};
use sha2::{Digest, Sha256};

/// A file of a page, served at [`Asset::path`].
pub struct Asset {
    prefix: &'static str,
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
    digest: String,
}

impl Asset {
    /// The file `name` with `bytes`, served under `/<prefix>/`; `.css` is a stylesheet, anything
    /// else a script.
    pub fn new(prefix: &'static str, name: &'static str, bytes: &'static [u8]) -> Self {
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
            prefix,
            name,
            content_type,
            bytes,
            digest,
        }
    }

    pub fn path(&self) -> String {
        format!("/{}/{}/{}", self.prefix, self.digest, self.name)
    }

    fn is_stylesheet(&self) -> bool {
        self.name.ends_with(".css")
    }
}

/// `template` with its `<!-- styles -->` and `<!-- scripts -->` lines replaced by the tags that
/// load `assets` in their order, and `<!-- login -->` by the shared login form.
pub fn render(template: &str, assets: &[Asset], login_title: &str) -> String {
    let mut styles = String::new();
    let mut scripts = String::new();
    for asset in assets {
        if asset.is_stylesheet() {
            styles += &format!("<link rel=\"stylesheet\" href=\"{}\">\n", asset.path());
        } else {
            scripts += &format!("<script src=\"{}\" defer></script>\n", asset.path());
        }
    }
    let login = include_str!("login/login.html").replace("{title}", login_title);
    template
        .replace("<!-- styles -->\n", &styles)
        .replace("<!-- scripts -->\n", &scripts)
        .replace("<!-- login -->\n", &login)
}

/// A page under `policy`; never cached, so a new build's asset paths reach the browser.
pub fn page(body: &'static str, policy: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, policy))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(body)
}

/// The asset of `assets` at `digest`/`name`, or the server's 404 for a path of another build.
pub async fn serve(assets: &[Asset], digest: &str, name: &str) -> HttpResponse {
    match assets
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
