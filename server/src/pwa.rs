//! The built PWA, embedded in the binary so one file is the whole product.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "../pwa/dist/"]
#[allow_missing = true]
struct Assets;

pub fn serve(path: &str) -> Response {
    let path = path.trim_start_matches('/');
    let (file, name) = match Assets::get(path).filter(|_| !path.is_empty()) {
        Some(f) => (f, path),
        // Client-side routes get the app shell.
        None => match Assets::get("index.html") {
            Some(f) => (f, "index.html"),
            None => {
                return (StatusCode::NOT_FOUND, "The app has not been built. Run `npm ci && npm run build` in pwa/.")
                    .into_response();
            }
        },
    };
    let cache = if name.starts_with("assets/") { "public, max-age=31536000, immutable" } else { "no-cache" };
    (
        [(header::CONTENT_TYPE, file.metadata.mimetype().to_owned()), (header::CACHE_CONTROL, cache.to_owned())],
        file.data.into_owned(),
    )
        .into_response()
}
