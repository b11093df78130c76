//! Who may talk to the studio.
//!
//! - Bound to a loopback address (the default), the studio answers only
//!   requests whose `Host` names a loopback (`127.0.0.1`, `localhost`,
//!   `[::1]` or the bound address, with the port): a web page elsewhere
//!   cannot reach it through a DNS name that resolves to 127.0.0.1 (DNS
//!   rebinding).
//! - Bound to any other address (`--bind`), every request needs the access
//!   token: `M_STUDIO_TOKEN` (at least [`MIN_TOKEN_LEN`] characters) or
//!   one drawn from the OS's random source, printed in the studio's URL.
//!   The token arrives as `?token=`, as `Authorization: Bearer`, or as the
//!   cookie the page gets when it is opened with `?token=`.
//! - Every `POST` must carry the header `x-m-studio: 1`, which a page of
//!   another origin cannot send without a CORS preflight the studio never
//!   grants (no cross-site requests).
//!
//! ```
//! use m_runtime::studio::auth::Access;
//!
//! let local = Access::for_bind("127.0.0.1".parse().unwrap()).unwrap();
//! assert!(!local.needs_token());
//! ```

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::{Error, Result};

/// The variable that sets the access token.
pub const TOKEN_VAR: &str = "M_STUDIO_TOKEN";
/// The shortest token the studio accepts.
pub const MIN_TOKEN_LEN: usize = 16;
/// The cookie that carries the token after the page was opened with it.
const COOKIE: &str = "m_studio_token";
/// The header every `POST` must carry.
pub const POST_HEADER: &str = "x-m-studio";

/// What a request must show: a local `Host`, or the token.
#[derive(Clone, Debug)]
pub struct Access {
    token: Option<String>,
    bind: IpAddr,
    port: u16,
}

impl Access {
    /// The access rules for a studio listening on `bind`: a loopback address
    /// needs no token (one set in `M_STUDIO_TOKEN` is required all the
    /// same); any other needs one, from `M_STUDIO_TOKEN` or drawn at random.
    /// A token shorter than [`MIN_TOKEN_LEN`] is refused.
    pub fn for_bind(bind: IpAddr) -> Result<Access> {
        let token = match std::env::var(TOKEN_VAR) {
            Ok(token) => Some(checked(token)?),
            Err(std::env::VarError::NotPresent) => None,
            Err(std::env::VarError::NotUnicode(_)) => {
                return Err(Error::Setting {
                    name: TOKEN_VAR,
                    message: "the token is not UTF-8".to_owned(),
                });
            }
        };
        let token = match token {
            Some(token) => Some(token),
            None if bind.is_loopback() => None,
            None => Some(random_token()?),
        };
        Ok(Access {
            token,
            bind,
            port: 0,
        })
    }

    /// The same rules, for the port the studio listens on.
    pub fn with_port(self, port: u16) -> Access {
        Access { port, ..self }
    }

    /// Whether requests must carry the token.
    pub fn needs_token(&self) -> bool {
        self.token.is_some()
    }

    /// The token, for a studio that re-executes itself.
    pub(crate) fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// The page's URL for a studio listening on `addr`, with the token.
    pub fn url(&self, addr: SocketAddr) -> String {
        let host = match addr.ip() {
            ip if ip.is_unspecified() => "127.0.0.1".to_owned(),
            IpAddr::V6(ip) => format!("[{ip}]"),
            IpAddr::V4(ip) => ip.to_string(),
        };
        match &self.token {
            Some(token) => format!("http://{host}:{}/?token={token}", addr.port()),
            None => format!("http://{host}:{}/", addr.port()),
        }
    }

    /// Why the request may not pass, if it may not.
    fn refusal(&self, request: &Request) -> Option<(StatusCode, String)> {
        let headers = request.headers();
        if self.bind.is_loopback() && !self.local_host(headers) {
            let host = headers
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .unwrap_or("");
            return Some((
                StatusCode::FORBIDDEN,
                format!(
                    "the studio answers requests for 127.0.0.1:{port} or localhost:{port} only, not for `{host}`",
                    port = self.port
                ),
            ));
        }
        if let Some(token) = &self.token
            && !presented(request).is_some_and(|given| same(given.as_bytes(), token.as_bytes()))
        {
            return Some((
                StatusCode::UNAUTHORIZED,
                "this studio needs its access token: open the URL it printed (`...?token=...`) or send `Authorization: Bearer <token>`".to_owned(),
            ));
        }
        if request.method() == Method::POST && !headers.contains_key(POST_HEADER) {
            return Some((
                StatusCode::FORBIDDEN,
                format!("a POST to the studio needs the header `{POST_HEADER}: 1`"),
            ));
        }
        None
    }

    fn local_host(&self, headers: &HeaderMap) -> bool {
        let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
            return false;
        };
        let port = self.port;
        let bound = match self.bind {
            IpAddr::V6(ip) => format!("[{ip}]"),
            IpAddr::V4(ip) => ip.to_string(),
        };
        ["127.0.0.1", "localhost", "[::1]", &bound]
            .iter()
            .any(|name| host == format!("{name}:{port}") || (port == 80 && host == *name))
    }
}

/// The axum middleware that applies [`Access`]; sets the token's cookie
/// when a page was opened with `?token=`.
pub async fn check(State(access): State<Arc<Access>>, request: Request, next: Next) -> Response {
    if let Some((status, message)) = access.refusal(&request) {
        return (status, message).into_response();
    }
    let from_query = access.token.is_some() && query_token(&request).is_some();
    let mut response = next.run(request).await;
    if from_query
        && let Some(token) = &access.token
        && let Ok(cookie) = HeaderValue::from_str(&format!(
            "{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict"
        ))
    {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}

fn checked(token: String) -> Result<String> {
    let token = token.trim().to_owned();
    let valid = token.len() >= MIN_TOKEN_LEN
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if valid {
        Ok(token)
    } else {
        Err(Error::Setting {
            name: TOKEN_VAR,
            message: format!(
                "the access token must be at least {MIN_TOKEN_LEN} characters of A-Z, a-z, 0-9, `-`, `_`; unset it to have one generated"
            ),
        })
    }
}

fn random_token() -> Result<String> {
    let mut bytes = [0u8; 24];
    getrandom::fill(&mut bytes).map_err(|e| Error::Setting {
        name: TOKEN_VAR,
        message: format!("cannot draw a random token ({e}); set one"),
    })?;
    Ok(hex::encode(bytes))
}

/// The token a request presents: header, cookie or query.
fn presented(request: &Request) -> Option<String> {
    let headers = request.headers();
    if let Some(bearer) = headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "))
    {
        return Some(bearer.trim().to_owned());
    }
    let cookie = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|h| h.to_str().ok())
        .flat_map(|h| h.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_owned());
    cookie.or_else(|| query_token(request))
}

fn query_token(request: &Request) -> Option<String> {
    let query = request.uri().query()?;
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(name, _)| name == "token")
        .map(|(_, value)| value.into_owned())
}

/// Compares in time independent of where the two differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_or_odd_tokens_are_refused() {
        assert!(checked("short".to_owned()).is_err());
        assert!(checked(String::new()).is_err());
        assert!(checked("has spaces in it, sixteen+".to_owned()).is_err());
        assert_eq!(
            checked("0123456789abcdef".to_owned()).ok().as_deref(),
            Some("0123456789abcdef")
        );
    }

    fn request(host: &str, method: Method, token: Option<&str>) -> Request {
        let mut builder = Request::builder()
            .method(method)
            .uri("/api/plan")
            .header(header::HOST, host);
        if let Some(token) = token {
            builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        builder
            .body(axum::body::Body::empty())
            .unwrap_or_else(|e| panic!("a request: {e}"))
    }

    #[test]
    fn a_loopback_studio_answers_local_hosts_only() {
        let access = Access {
            token: None,
            bind: IpAddr::from([127, 0, 0, 2]),
            port: 7070,
        };
        for host in [
            "127.0.0.1:7070",
            "localhost:7070",
            "[::1]:7070",
            "127.0.0.2:7070",
        ] {
            assert_eq!(
                access.refusal(&request(host, Method::GET, None)),
                None,
                "{host}"
            );
        }
        for host in [
            "evil.example:7070",
            "localhost:7071",
            "localhost",
            "127.0.0.1.evil.example:7070",
        ] {
            let refusal = access.refusal(&request(host, Method::GET, None));
            assert_eq!(refusal.map(|r| r.0), Some(StatusCode::FORBIDDEN), "{host}");
        }
        let post = access.refusal(&request("localhost:7070", Method::POST, None));
        assert_eq!(
            post.map(|r| r.0),
            Some(StatusCode::FORBIDDEN),
            "a bare POST"
        );
    }

    #[test]
    fn another_address_needs_the_token() {
        let access = Access {
            token: Some("0123456789abcdef".to_owned()),
            bind: IpAddr::from([0, 0, 0, 0]),
            port: 7070,
        };
        let host = "studio.example:7070";
        let refused = |token| {
            access
                .refusal(&request(host, Method::GET, token))
                .map(|r| r.0)
        };
        assert_eq!(refused(None), Some(StatusCode::UNAUTHORIZED));
        assert_eq!(
            refused(Some("0123456789abcdeF")),
            Some(StatusCode::UNAUTHORIZED)
        );
        assert_eq!(refused(Some("0123456789abcdef")), None);
    }

    #[test]
    fn comparison_needs_every_byte() {
        assert!(same(b"abc", b"abc"));
        assert!(!same(b"abc", b"abd"));
        assert!(!same(b"abc", b"abcd"));
    }
}
