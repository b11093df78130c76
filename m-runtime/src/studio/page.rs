//! The page: one HTML file, one script, one stylesheet, embedded in the
//! binary (`include_str!`). The script renders what the JSON API answers
//! and polls it; there is no build step and nothing loaded from elsewhere.

use axum::http::header;
use axum::response::{Html, IntoResponse};

const INDEX: &str = include_str!("assets/index.html");
const SCRIPT: &str = include_str!("assets/studio.js");
const STYLE: &str = include_str!("assets/studio.css");

/// `GET /`.
pub async fn index() -> impl IntoResponse {
    Html(INDEX)
}

/// `GET /assets/studio.js`.
pub async fn script() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        SCRIPT,
    )
}

/// `GET /assets/studio.css`.
pub async fn style() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], STYLE)
}
