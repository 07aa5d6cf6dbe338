//! Who may call the server: the defence against web pages the person happens to open.
//!
//! A page in the person's browser can send requests to `http://127.0.0.1:4141` (with `fetch`,
//! a form, an `<img>`), and a site whose DNS name is re-pointed at 127.0.0.1 (DNS rebinding)
//! can even read the answers, because the browser then sees them as its own origin. Either
//! way the page would spend the person's Copilot allowance or read their answers. Two checks
//! close that, before the API key and before any route runs:
//!
//! 1. **Host.** When the server listens on a loopback address, the `Host` (or HTTP/2
//!    `:authority`) must be a loopback name: `localhost`, `*.localhost`, a loopback IP, or a
//!    name in the `allowed_hosts` list. A rebound name (`evil.example:4141`) gets 403. On other
//!    bind addresses the check applies only when `allowed_hosts` is set (the API key guards
//!    those). A request with no `Host` at all (HTTP/1.0) cannot come from a browser and passes.
//! 2. **Origin.** A request that carries `Origin` (browsers send it on every cross-origin
//!    request and on every POST) is served only when the origin is the server's own (same
//!    scheme-less authority as `Host`, as for the dashboard) or is in `allowed_origins`
//!    (`"*"` allows every origin, the old behaviour, for people who want it). A request
//!    without `Origin` but with `Sec-Fetch-Site: cross-site` / `same-site` (an `<img>` or
//!    `<script>` pointing here) is refused too, except a top-level GET navigation (a link to
//!    the dashboard), whose answer the linking page cannot read.
//!
//! CORS preflights from an allowed origin are answered by the CORS layer inside this check;
//! preflights from any other origin get 403 without CORS headers, so the browser never sends
//! the request itself. The body of a refusal says which list to add the name to.

use std::net::IpAddr;

use axum::extract::Request;
use axum::http::{Method, header};

use super::error::ApiError;
use crate::settings::StartSettings;

/// The allow-lists, normalised once at start-up.
#[derive(Debug, Clone, Default)]
pub(crate) struct Guard {
    /// Whether `Host` is checked at all (loopback bind, or a list was given).
    check_host: bool,
    /// Extra host names, lowercase, without port.
    hosts: Vec<String>,
    /// Allowed origins, lowercase, without a trailing slash.
    origins: Vec<String>,
    /// `"*"` was listed.
    any_origin: bool,
}

impl Guard {
    /// Builds the guard from the resolved settings.
    pub(crate) fn from_settings(settings: &StartSettings) -> Self {
        Self::new(
            settings.host,
            &settings.allowed_hosts,
            &settings.allowed_origins,
        )
    }

    /// Builds the guard for a bind address and the two lists.
    pub(crate) fn new(bind: IpAddr, hosts: &[String], origins: &[String]) -> Self {
        let hosts: Vec<String> = hosts
            .iter()
            .map(|h| strip_port(&h.trim().to_ascii_lowercase()).to_owned())
            .collect();
        let origins: Vec<String> = origins.iter().map(|o| normalise_origin(o)).collect();
        Self {
            check_host: bind.is_loopback() || !hosts.is_empty(),
            any_origin: origins.iter().any(|o| o == "*"),
            hosts,
            origins,
        }
    }

    /// `Some(error)` when the request must be refused.
    pub(crate) fn check(&self, req: &Request) -> Option<ApiError> {
        let host = request_host(req);
        if self.check_host
            && let Some(host) = host
            && !self.host_allowed(host)
        {
            return Some(ApiError::Forbidden(format!(
                "requests for host `{host}` are refused: this copilot-api server answers \
                 only to its loopback names, so a web page cannot reach it by DNS rebinding. \
                 If you reach it through another name, add that name to `[server] \
                 allowed_hosts` (or pass --allowed-host)"
            )));
        }
        let headers = req.headers();
        if let Some(origin) = headers.get(header::ORIGIN) {
            let origin = origin.to_str().unwrap_or("(not text)");
            if self.origin_allowed(origin, host) {
                return None;
            }
            return Some(ApiError::Forbidden(format!(
                "cross-origin request from `{origin}` refused: web pages may use this \
                 copilot-api server only from an allowed origin. Add it to `[server] \
                 allowed_origins` (or pass --allowed-origin) if you trust that page"
            )));
        }
        let site = headers
            .get("sec-fetch-site")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if matches!(site, "cross-site" | "same-site") && !self.any_origin {
            let navigation = headers
                .get("sec-fetch-mode")
                .is_some_and(|m| m == "navigate")
                && matches!(*req.method(), Method::GET | Method::HEAD);
            if !navigation {
                return Some(ApiError::Forbidden(
                    "request from another web site refused: web pages may use this \
                     copilot-api server only from an allowed origin (`[server] \
                     allowed_origins`)"
                        .to_owned(),
                ));
            }
        }
        None
    }

    fn host_allowed(&self, host: &str) -> bool {
        let name = strip_port(host).to_ascii_lowercase();
        is_loopback_name(&name) || self.hosts.contains(&name)
    }

    fn origin_allowed(&self, origin: &str, host: Option<&str>) -> bool {
        if self.any_origin {
            return true;
        }
        let origin = normalise_origin(origin);
        if self.origins.contains(&origin) {
            return true;
        }
        // Same origin: the page was served by this server under the name it used to reach
        // it (the dashboard). `null` (sandboxed frames, files) never matches.
        let authority = origin
            .strip_prefix("http://")
            .or_else(|| origin.strip_prefix("https://"));
        match (authority, host) {
            (Some(authority), Some(host)) => authority.eq_ignore_ascii_case(host),
            _ => false,
        }
    }
}

/// The name the client used to reach us: `Host`, else the URI's authority (HTTP/2).
fn request_host(req: &Request) -> Option<&str> {
    req.headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| req.uri().authority().map(|a| a.as_str()))
        .map(str::trim)
        .filter(|h| !h.is_empty())
}

/// `localhost`, `*.localhost` (which browsers resolve to loopback themselves), or a loopback
/// IP literal (`127.0.0.1`, `[::1]`).
fn is_loopback_name(name: &str) -> bool {
    if name == "localhost" || name.ends_with(".localhost") {
        return true;
    }
    let literal = name.trim_start_matches('[').trim_end_matches(']');
    literal.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// `host:port` → `host`; `[::1]:4141` → `[::1]`; a bare IPv6 literal is left alone.
fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        return host.find(']').map_or(host, |end| &host[..=end]);
    }
    match host.rsplit_once(':') {
        Some((name, port))
            if !name.contains(':')
                && !port.is_empty()
                && port.bytes().all(|b| b.is_ascii_digit()) =>
        {
            name
        }
        _ => host,
    }
}

fn normalise_origin(origin: &str) -> String {
    origin.trim().trim_end_matches('/').to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guard(host: &str, hosts: &[&str], origins: &[&str]) -> Guard {
        let list = |items: &[&str]| items.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        Guard::new(host.parse().unwrap(), &list(hosts), &list(origins))
    }

    fn request(method: &str, headers: &[(&str, &str)]) -> Request {
        let mut builder = Request::builder().method(method).uri("/v1/messages");
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        builder.body(axum::body::Body::empty()).unwrap()
    }

    fn refused(guard: &Guard, method: &str, headers: &[(&str, &str)]) -> bool {
        guard.check(&request(method, headers)).is_some()
    }

    #[test]
    fn loopback_names_pass_and_rebound_names_do_not() {
        let g = guard("127.0.0.1", &[], &[]);
        for host in [
            "127.0.0.1:4141",
            "localhost:4141",
            "LOCALHOST",
            "app.localhost:4141",
            "[::1]:4141",
            "127.8.9.10",
        ] {
            assert!(!refused(&g, "POST", &[("host", host)]), "{host}");
        }
        for host in [
            "evil.example:4141",
            "localhost.evil.example",
            "10.0.0.2:4141",
            "0.0.0.0:4141",
        ] {
            assert!(refused(&g, "POST", &[("host", host)]), "{host}");
        }
        // No Host at all: not a browser.
        assert!(!refused(&g, "POST", &[]));
        // A listed name passes, with any port and any case.
        let g = guard("127.0.0.1", &["Copilot.Lan"], &[]);
        assert!(!refused(&g, "GET", &[("host", "copilot.lan:8080")]));
        // A public bind checks hosts only when a list is given.
        let g = guard("0.0.0.0", &[], &[]);
        assert!(!refused(&g, "GET", &[("host", "mybox:4141")]));
        let g = guard("0.0.0.0", &["mybox"], &[]);
        assert!(!refused(&g, "GET", &[("host", "mybox:4141")]));
        assert!(refused(&g, "GET", &[("host", "evil.example:4141")]));
    }

    #[test]
    fn origins_must_be_the_servers_own_or_listed() {
        let g = guard("127.0.0.1", &[], &["https://App.Example/"]);
        let host = ("host", "localhost:4141");
        assert!(!refused(
            &g,
            "GET",
            &[host, ("origin", "http://localhost:4141")]
        ));
        assert!(refused(
            &g,
            "GET",
            &[host, ("origin", "http://localhost:3000")]
        ));
        assert!(refused(&g, "POST", &[host, ("origin", "null")]));
        assert!(refused(
            &g,
            "POST",
            &[host, ("origin", "https://evil.example")]
        ));
        assert!(!refused(
            &g,
            "POST",
            &[host, ("origin", "https://app.example")]
        ));
        // `*` restores an open policy.
        let g = guard("127.0.0.1", &[], &["*"]);
        assert!(!refused(
            &g,
            "POST",
            &[host, ("origin", "https://evil.example")]
        ));
    }

    #[test]
    fn cross_site_requests_without_origin_are_refused_except_navigations() {
        let g = guard("127.0.0.1", &[], &[]);
        let host = ("host", "127.0.0.1:4141");
        assert!(refused(
            &g,
            "GET",
            &[host, ("sec-fetch-site", "cross-site")]
        ));
        assert!(refused(&g, "GET", &[host, ("sec-fetch-site", "same-site")]));
        assert!(!refused(
            &g,
            "GET",
            &[
                host,
                ("sec-fetch-site", "cross-site"),
                ("sec-fetch-mode", "navigate")
            ]
        ));
        assert!(!refused(&g, "GET", &[host, ("sec-fetch-site", "none")]));
        assert!(!refused(
            &g,
            "GET",
            &[host, ("sec-fetch-site", "same-origin")]
        ));
    }

    #[test]
    fn ports_are_stripped_from_names_only() {
        assert_eq!(strip_port("localhost:4141"), "localhost");
        assert_eq!(strip_port("[::1]:4141"), "[::1]");
        assert_eq!(strip_port("::1"), "::1");
        assert_eq!(strip_port("example"), "example");
    }
}
