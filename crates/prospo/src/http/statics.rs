//! The stylesheet and the little JavaScript, compiled into the binary.

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

use super::AppState;

const STYLE: &str = include_str!("../../static/style.css");
const APP_JS: &str = include_str!("../../static/app.js");
const API_DOCS_CSS: &str = include_str!("../../static/api-docs.css");
/// Swagger UI's page with a bar back to the app and a viewport for phones; its scripts and styles
/// are Swagger UI's own, served beside it.
const API_DOCS_PAGE: &str = include_str!("../../static/api-docs.html");

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/static/style.css", get(|| async { asset("text/css; charset=utf-8", STYLE) }))
        .route("/static/app.js", get(|| async { asset("text/javascript; charset=utf-8", APP_JS) }))
        .route("/static/api-docs.css", get(|| async { asset("text/css; charset=utf-8", API_DOCS_CSS) }))
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
