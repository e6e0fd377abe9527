//! The stylesheet and the little JavaScript, compiled into the binary; and `/embed.js`, which other
//! sites load to show a booking page.

use std::sync::LazyLock;

use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};

use super::AppState;

const STYLE: &str = include_str!("../../static/style.css");
const APP_JS: &str = include_str!("../../static/app.js");
/// What embedded pages add: their stylesheet (themes, no chrome) and their messages to the parent.
const EMBEDDED_CSS: &str = include_str!("../../static/embedded.css");
const EMBEDDED_JS: &str = include_str!("../../static/embedded.js");
/// The script host sites include (contract: `/embed.js`).
const EMBED_JS: &str = include_str!("../../static/embed.js");
/// `/embed.js`'s version: host sites cache it for an hour, then ask again with this.
static EMBED_JS_ETAG: LazyLock<String> =
    LazyLock::new(|| format!("\"{}\"", hex::encode(&Sha256::digest(EMBED_JS.as_bytes())[..8])));
const API_DOCS_CSS: &str = include_str!("../../static/api-docs.css");
/// Swagger UI's page with a bar back to the app and a viewport for phones; its scripts and styles
/// are Swagger UI's own, served beside it.
const API_DOCS_PAGE: &str = include_str!("../../static/api-docs.html");

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/static/style.css", get(|| async { asset("text/css; charset=utf-8", STYLE) }))
        .route("/static/app.js", get(|| async { asset("text/javascript; charset=utf-8", APP_JS) }))
        .route("/static/api-docs.css", get(|| async { asset("text/css; charset=utf-8", API_DOCS_CSS) }))
        .route("/static/embedded.css", get(|| async { asset("text/css; charset=utf-8", EMBEDDED_CSS) }))
        .route("/static/embedded.js", get(|| async { asset("text/javascript; charset=utf-8", EMBEDDED_JS) }))
        .route("/embed.js", get(embed_js))
}

/// `/embed.js`, public and cacheable; `304` when the host site already has this version.
async fn embed_js(request: HeaderMap) -> Response {
    let etag = EMBED_JS_ETAG.as_str();
    let cached = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|tag| tag.trim() == etag || tag.trim() == "*"));
    let headers = [
        (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
        (header::CACHE_CONTROL, "public, max-age=3600"),
        (header::ETAG, etag),
        // Loadable by sites that isolate themselves (`Cross-Origin-Embedder-Policy: require-corp`).
        (header::HeaderName::from_static("cross-origin-resource-policy"), "cross-origin"),
    ];
    if cached { (StatusCode::NOT_MODIFIED, headers).into_response() } else { (headers, EMBED_JS).into_response() }
}

/// Answers `/api/docs/` (and its `index.html`) with Prospo's page instead of Swagger UI's.
pub async fn api_docs_page(request: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    match request.uri().path() {
        "/api/docs/" | "/api/docs/index.html" => asset("text/html; charset=utf-8", API_DOCS_PAGE).into_response(),
        _ => next.run(request).await,
    }
}

fn asset(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "public, max-age=300")], body)
}
