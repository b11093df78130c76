//! `migrate studio`: the plan as a live web page, served by the app's own
//! binary. No service to run, no network needed: the page's assets are
//! embedded ([`page`]), the server is axum on the runtime's tokio.
//!
//! - **What it shows**: apps and their DocTypes (fields, types, keys,
//!   indexes, foreign keys, a diagram of the tables and their references);
//!   per DocType a *Migration* tab with the plan's changes for its table
//!   (risk as a colour, reason, rows measured, lock/rewrite note, exact SQL,
//!   whether the policy applies or blocks it); an overview with the counts
//!   per risk, what `sync` would do now, pending migrations and their
//!   dependencies, the ledger's history and orphan columns.
//! - **Live**: a background task re-plans every `--interval` seconds and on
//!   demand (`POST /api/replan`); the page polls. When the executable is
//!   rebuilt, the studio re-executes itself ([`reload`]) on the same
//!   address and the page reloads.
//! - **Read-only** unless `--allow-apply`: then `POST /api/apply` syncs
//!   what the policy allows through [`pipeline::sync`](crate::pipeline::sync)
//!   under the migration lock, as `migrate sync` does.
//! - **Local** by default: bound to 127.0.0.1, requests must name a local
//!   `Host` (no DNS rebinding). Another address only with `--bind`, and then
//!   every request needs the access token the studio prints ([`auth`]).
//!
//! The JSON API has the shapes of the CLI's `--format json`:
//!
//! | endpoint | body |
//! |---|---|
//! | `GET /api/plan` | `verify --format json` ([`VerifyJson`](crate::output::VerifyJson)) |
//! | `GET /api/status` | `status --format json` ([`StatusJson`](crate::output::StatusJson)) |
//! | `GET /api/schema` | `{"registry": list --format json, "schema": snapshot}` |
//! | `GET /api/studio` | the studio's mode, policy, commands and last planning time |
//! | `POST /api/replan` | re-plans now; answers like `/api/plan` |
//! | `POST /api/apply` | with `--allow-apply`: `sync --format json` |
//!
//! `/api/plan` and `/api/status` answer 503 with `{"error": "..."}` while
//! the last planning failed (the database is down, an app is missing).

pub mod api;
pub mod auth;
pub mod page;
pub mod planner;
pub mod reload;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::{Error, Policy, Registry, Result};

/// How the studio runs: what `migrate studio`'s options say.
#[derive(Clone, Debug)]
pub struct Options {
    /// The address to listen on; a non-loopback one requires the token.
    pub bind: IpAddr,
    /// The port (0: any free one; the URL printed says which).
    pub port: u16,
    /// Open the page in the desktop's browser.
    pub open: bool,
    /// Plan against this snapshot instead of a database.
    pub offline: Option<PathBuf>,
    /// Offer `POST /api/apply` (and its button).
    pub allow_apply: bool,
    /// The policy the plan is made (and applied) under.
    pub policy: Policy,
    /// How often the database is re-planned.
    pub interval: Duration,
    /// How long an apply waits for the migration lock.
    pub lock_timeout: Duration,
    /// The database URL (for offline plans: only its scheme, for the dialect).
    pub url: String,
}

impl Options {
    /// Loopback, port 7070, read-only, re-planning every 2 seconds.
    pub fn new(url: impl Into<String>) -> Self {
        Options {
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: DEFAULT_PORT,
            open: false,
            offline: None,
            allow_apply: false,
            policy: Policy::default(),
            interval: Duration::from_secs(2),
            lock_timeout: Duration::from_secs(600),
            url: url.into(),
        }
    }
}

/// The port `migrate studio` listens on unless `--port` says otherwise.
pub const DEFAULT_PORT: u16 = 7070;

/// Set by the studio for the process it re-executes into: the address it
/// listened on (so that `--port 0` keeps its port across a rebuild).
const REEXEC_ADDR: &str = "M_STUDIO_REEXEC_ADDR";

/// Serves the studio until Ctrl-C (or until the executable is rebuilt, when
/// it re-executes itself). Prints the page's URL on stdout first.
pub async fn serve(options: Options, registry: Registry) -> Result<()> {
    let access = auth::Access::for_bind(options.bind)?;
    let addr = match std::env::var(REEXEC_ADDR) {
        Ok(addr) => addr.parse::<SocketAddr>().map_err(|_| Error::Setting {
            name: REEXEC_ADDR,
            message: format!("`{addr}` is not an address (it is set by the studio itself)"),
        })?,
        Err(_) => SocketAddr::new(options.bind, options.port),
    };
    let listener = reload::bind(addr).await?;
    let local = listener.local_addr().map_err(|e| Error::Setting {
        name: "--port",
        message: format!("cannot read the listening address: {e}"),
    })?;
    let access = Arc::new(access.with_port(local.port()));
    let url = access.url(local);
    let registry = Arc::new(registry);
    let planner = planner::Planner::start(&options, registry.clone());
    let state = api::State {
        planner: planner.clone(),
        registry,
        options: Arc::new(options.clone()),
        instance: reload::instance_id(),
    };
    let app = api::router(state, access.clone());
    {
        use std::io::Write;
        let mode = match (&options.offline, options.allow_apply) {
            (Some(path), _) => format!("offline, from {}", path.display()),
            (None, false) => "read-only".to_owned(),
            (None, true) => "apply allowed".to_owned(),
        };
        let mut stdout = std::io::stdout().lock();
        let _ = writeln!(stdout, "m studio: {url} ({mode}; Ctrl-C to stop)");
        let _ = stdout.flush();
    }
    if options.open && std::env::var_os(REEXEC_ADDR).is_none() {
        open_browser(&url);
    }
    let watcher = reload::Watcher::current()?;
    let server = axum::serve(listener, app);
    let outcome = tokio::select! {
        served = server.into_future() => served.map_err(|e| Error::Setting {
            name: "--port",
            message: format!("the studio's server stopped: {e}"),
        }).map(|()| None),
        () = shutdown_signal() => Ok(None),
        rebuilt = watcher.changed() => Ok(Some(rebuilt)),
    };
    planner.stop().await;
    // An apply in progress (its connection task outlives the server) ends
    // before the process does, or is replaced.
    let _finished = planner.busy.lock().await;
    match outcome? {
        Some(exe) => Err(reload::reexec(&exe, local, &access)),
        None => Ok(()),
    }
}

async fn shutdown_signal() {
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// Asks the desktop to open `url`; a failure is only reported.
fn open_browser(url: &str) {
    if let Err(e) = open::that_detached(url) {
        eprintln!("could not open a browser ({e}); open {url} yourself");
    }
}
