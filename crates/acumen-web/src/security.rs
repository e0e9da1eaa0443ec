//! Browser-facing hardening in one place: the security headers (tower-http
//! set-header layers), the strict rule for `?next=` paths, the origin rule
//! for unsafe requests, request ids and the answer to a panicking handler.

use std::net::SocketAddr;

use axum::http::{header, HeaderName, HeaderValue, Method, Request};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use tower_http::set_header::SetResponseHeaderLayer;
use tracing::Instrument;

use crate::error::ApiError;
use crate::state::AppState;

/// The Content-Security-Policy of every answer: scripts only from this
/// origin (no inline script), no framing, forms post only here. Inline
/// `<style>` is allowed (the answers page carries its own CSS; no script).
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// `Strict-Transport-Security` when the public URL is https (one year).
pub const HSTS: &str = "max-age=31536000; includeSubDomains";

/// Adds the security headers to every response (each only if the handler
/// did not set it).
pub fn with_headers<S: Clone + Send + Sync + 'static>(router: Router<S>, https: bool) -> Router<S> {
    let fixed: [(&str, &'static str); 6] = [
        ("content-security-policy", CSP),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "same-origin"),
        (
            "permissions-policy",
            "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
        ),
        ("cross-origin-opener-policy", "same-origin"),
        ("x-content-type-options", "nosniff"),
    ];
    // Referrer-Policy is `same-origin`, not `no-referrer`: under
    // `no-referrer` a browser sends `Origin: null` on its own form posts,
    // which the origin rule would refuse.
    let mut router = router;
    for (name, value) in fixed {
        router = router.layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        ));
    }
    if https {
        router = router.layer(SetResponseHeaderLayer::if_not_present(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        ));
    }
    router
}

/// The `?next=` path after login: a same-site absolute path of a strict
/// form (`/` followed by letters, digits and `/-_.?=&%`, no `//`, no `\`,
/// at most 200 characters); anything else is `/`.
pub fn safe_next(n: Option<&str>) -> String {
    let Some(p) = n else { return "/".into() };
    let strict = p.len() <= 200
        && p.starts_with('/')
        && !p.starts_with("//")
        && !p.contains("/.")
        && p.bytes().all(|b| b.is_ascii_alphanumeric() || b"/-_.?=&%".contains(&b))
        && !percent_decoded_is_unsafe(p);
    if strict {
        p.to_string()
    } else {
        "/".into()
    }
}

/// Whether a percent-escape in `p` decodes to a slash, backslash or a
/// control character (`/%2F%2Fevil`, `/%5Cevil`, `/%0A`).
fn percent_decoded_is_unsafe(p: &str) -> bool {
    p.match_indices('%').any(
        |(i, _)| match p.get(i + 1..i + 3).and_then(|hex| u8::from_str_radix(hex, 16).ok()) {
            Some(v) => v < 0x20 || v == 0x7f || v == b'/' || v == b'\\' || v >= 0x80,
            None => true,
        },
    )
}

/// The origins a browser write may come from: the configured public URL's
/// origin, or, without one, the loopback names of the bound address.
pub fn allowed_origins(public_url: Option<&str>, bound: Option<SocketAddr>) -> Vec<String> {
    if let Some(u) = public_url {
        return vec![origin_of(u)];
    }
    match bound {
        Some(a) if a.ip().is_loopback() => {
            let port = a.port();
            vec![
                format!("http://127.0.0.1:{port}"),
                format!("http://localhost:{port}"),
                format!("http://[::1]:{port}"),
            ]
        }
        _ => Vec::new(),
    }
}

/// `scheme://host[:port]` of a URL (lower-cased, no path, no trailing slash).
pub fn origin_of(url: &str) -> String {
    let url = url.trim().to_ascii_lowercase();
    let (scheme, rest) = url.split_once("://").unwrap_or(("http", url.as_str()));
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = host
        .strip_suffix(":443")
        .filter(|_| scheme == "https")
        .or_else(|| host.strip_suffix(":80").filter(|_| scheme == "http"))
        .unwrap_or(host);
    format!("{scheme}://{host}")
}

/// Whether the request names this site as its origin: no `Sec-Fetch-Site`
/// other than `same-origin`, and `Origin` among the allowed ones (or, for a
/// demo served without a public URL on a non-loopback address, the `Host`
/// it was sent to) or, without `Origin`, `Sec-Fetch-Site: same-origin`.
/// `None` when the browser sent neither.
fn same_origin(parts: &axum::http::request::Parts, st: &AppState) -> Option<bool> {
    let fetch_site = parts
        .headers
        .get("sec-fetch-site")
        .map(|v| v.to_str().unwrap_or("") == "same-origin");
    if fetch_site == Some(false) {
        return Some(false);
    }
    if let Some(origin) = parts.headers.get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or("").to_ascii_lowercase();
        if st.origins.iter().any(|o| *o == origin) {
            return Some(true);
        }
        if st.origins.is_empty() {
            let host = parts
                .headers
                .get(header::HOST)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            return Some(!host.is_empty() && origin == origin_of(&format!("http://{host}")));
        }
        return Some(false);
    }
    fetch_site
}

/// The origin rule for unsafe methods: a request that names a foreign
/// origin is refused; one that carries the session cookie, or posts the
/// login form, must name this site (`Origin`, or `Sec-Fetch-Site:
/// same-origin`). Bearer-token clients without a cookie need neither.
pub fn check_origin(parts: &axum::http::request::Parts, st: &AppState) -> Result<(), ApiError> {
    if matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(());
    }
    let needs = crate::auth::cookie_token(parts).is_some() || parts.uri.path() == "/login";
    match same_origin(parts, st) {
        Some(true) => Ok(()),
        Some(false) => Err(ApiError::Forbidden("cross-origin request refused".into())),
        None if needs => Err(ApiError::Forbidden(
            "a browser write must say where it comes from (Origin header)".into(),
        )),
        None => Ok(()),
    }
}

/// The request header through which [`mark`] tells the handlers the
/// method and concrete path of a request (an idempotency key's scope); a
/// value sent by the client is removed first.
pub const SCOPE_HEADER: &str = "x-acumen-scope";

/// The idempotent requests in flight: (credential, method, path, key) hashes.
#[derive(Clone, Default)]
pub struct InFlight(std::sync::Arc<std::sync::Mutex<std::collections::HashSet<String>>>);

/// An in-flight request's entry, removed when the request is answered.
struct InFlightGuard(InFlight, String);

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        (self.0).0.lock().unwrap_or_else(|p| p.into_inner()).remove(&self.1);
    }
}

impl InFlight {
    /// Marks this request in flight; `None` when the same one still is.
    fn enter(&self, parts: &axum::http::request::Parts) -> Option<Option<InFlightGuard>> {
        let Some(key) = parts.headers.get("idempotency-key") else {
            return Some(None);
        };
        let credential = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            .or_else(|| crate::auth::cookie_token(parts))
            .unwrap_or_default();
        let id = crate::auth::token_hash(&format!(
            "{credential}\n{}\n{}\n{}",
            parts.method,
            parts.uri.path(),
            String::from_utf8_lossy(key.as_bytes())
        ));
        let mut set = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if !set.insert(id.clone()) {
            return None;
        }
        Some(Some(InFlightGuard(self.clone(), id)))
    }
}

/// Marks a response whose handler panicked (set by the panic layer).
#[derive(Clone, Copy)]
pub struct Panicked;

/// The answer to a panicking handler: a 500 (the request id is added by
/// [`mark`]); the panic is logged there too.
pub fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let mut r = ApiError::Internal("handler panicked".into()).into_response();
    r.extensions_mut().insert(Panicked);
    r
}

/// A random request id (16 hex digits).
pub fn request_id() -> String {
    use rand08::RngCore;
    format!("{:016x}", rand08::rngs::OsRng.next_u64())
}

/// Outer middleware: request id (in the `x-request-id` header, in every log
/// line of the request and in the body of a 500), the origin rule, the
/// request log line (method, path, status: never bodies or patient data),
/// `Cache-Control: no-store`, and the demo marker.
pub async fn mark(st: AppState, req: Request<axum::body::Body>, next: Next) -> Response {
    let rid = request_id();
    let span = tracing::info_span!("request", id = %rid);
    async move {
        let method = req.method().clone();
        let path = req.uri().path().to_string();
        let (mut parts, body) = req.into_parts();
        let renew = crate::auth::Renew::default();
        parts.extensions.insert(renew.clone());
        parts.headers.remove(SCOPE_HEADER);
        if let Ok(v) = HeaderValue::from_str(&format!("{} {}", parts.method, parts.uri.path())) {
            parts.headers.insert(SCOPE_HEADER, v);
        }
        let mut res = match (check_origin(&parts, &st), st.in_flight.enter(&parts)) {
            (Err(e), _) => e.into_response(),
            (Ok(()), None) => ApiError::InFlight.into_response(),
            (Ok(()), Some(_guard)) => next.run(Request::from_parts(parts, body)).await,
        };
        // Sliding expiry: an authenticated answer renews the session cookie.
        if let Some((token, left)) = renew.take() {
            if !res.headers().contains_key(header::SET_COOKIE) {
                if let Ok(v) = HeaderValue::from_str(&crate::auth::session_cookie(&st, &token, left)) {
                    res.headers_mut().insert(header::SET_COOKIE, v);
                }
            }
        }
        let status = res.status();
        if res.extensions().get::<Panicked>().is_some() {
            tracing::error!(%method, %path, "handler panicked");
        }
        if status == axum::http::StatusCode::INTERNAL_SERVER_ERROR {
            // The body names the request id; the headers the layers set stay.
            let body = serde_json::json!({"error": "internal", "message": "internal error", "request_id": rid});
            *res.body_mut() = axum::body::Body::from(body.to_string());
            res.headers_mut().remove(header::CONTENT_LENGTH);
            res.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        tracing::info!(%method, %path, status = status.as_u16(), "request");
        let h = res.headers_mut();
        if let Ok(v) = HeaderValue::from_str(&rid) {
            h.insert("x-request-id", v);
        }
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if st.demo {
            h.insert("x-acumen-data", HeaderValue::from_static("SIMULATED"));
        }
        res
    }
    .instrument(span)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A server with the real layers around one route that panics, with the
    /// given public URL; its base URL.
    async fn serve_panicking(public_url: Option<&str>) -> String {
        let dir = std::env::temp_dir().join(format!("acumen-sec-{}-{}", std::process::id(), request_id()));
        std::fs::create_dir_all(&dir).unwrap();
        let db = dir.join("t.db");
        let store = acumen_store::SqliteStore::open(db.to_str().unwrap(), b"unit-test-key-0123456789abcdef012345")
            .await
            .unwrap();
        let state = AppState::new(std::sync::Arc::new(store), public_url.map(str::to_string))
            .await
            .unwrap();
        let boom = Router::new().route(
            "/boom",
            axum::routing::get(|| async {
                let v: Vec<u8> = Vec::new();
                v[1].to_string()
            }),
        );
        let app = crate::harden(boom, state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        base
    }

    #[tokio::test]
    async fn a_panicking_handler_answers_500_with_its_request_id_and_https_adds_hsts() {
        let base = serve_panicking(Some("https://clinic.example")).await;
        let r = reqwest::get(format!("{base}/boom"))
            .await
            .expect("an answer, not a dropped connection");
        assert_eq!(r.status(), 500);
        let rid = r.headers()["x-request-id"].to_str().unwrap().to_string();
        assert_eq!(r.headers()["strict-transport-security"], HSTS);
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["request_id"], rid.as_str());
        assert_eq!(body["message"], "internal error");
        let plain = serve_panicking(None).await;
        let r = reqwest::get(format!("{plain}/boom")).await.unwrap();
        assert!(r.headers().get("strict-transport-security").is_none());
    }

    #[test]
    fn next_paths_of_a_strict_form_only() {
        for ok in ["/", "/patients", "/patients/12?tab=courses", "/courses/3/sessions/new"] {
            assert_eq!(safe_next(Some(ok)), ok);
        }
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "/\\/evil.example",
            "/%0A",
            "/%7F",
            "/%2F%2Fevil.example",
            "/%5Cevil",
            "https://evil.example",
            "evil",
            "/a\nb",
            "/../x",
            "/%zz",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn origins_of_urls() {
        assert_eq!(origin_of("https://Clinic.example/app/"), "https://clinic.example");
        assert_eq!(origin_of("https://clinic.example:443"), "https://clinic.example");
        assert_eq!(origin_of("http://10.0.0.5:8080/x"), "http://10.0.0.5:8080");
        let a: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        assert_eq!(allowed_origins(None, Some(a))[1], "http://localhost:8080");
        let b: SocketAddr = "10.0.0.5:8080".parse().unwrap();
        assert!(allowed_origins(None, Some(b)).is_empty());
    }
}
