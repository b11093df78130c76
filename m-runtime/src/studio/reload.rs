//! Following the code: the studio watches its own executable and, when it
//! changes (a rebuild under `cargo watch -x build`, say), re-executes the
//! new one with the same arguments on the same address. The page notices
//! the new instance (the `x-m-studio-instance` header of every answer) and
//! reloads itself.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::net::TcpListener;

use super::auth::{Access, TOKEN_VAR};
use crate::{Error, Result};

/// How often the executable's modification time is read.
const POLL: Duration = Duration::from_millis(300);

/// An id for this run of the studio: changes when it re-executes (the
/// process id does not).
pub fn instance_id() -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO);
    format!("{}-{}", std::process::id(), now.as_nanos())
}

/// Listens on `addr`. After a re-execution the old socket may linger for a
/// moment, so a refused bind is retried for two seconds.
pub(crate) async fn bind(addr: SocketAddr) -> Result<TcpListener> {
    let mut attempts = 0;
    loop {
        match TcpListener::bind(addr).await {
            Ok(listener) => return Ok(listener),
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse && attempts < 20 => {
                attempts += 1;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => {
                return Err(Error::Setting {
                    name: "--port",
                    message: format!("cannot listen on {addr}: {e} (choose another with --port)"),
                });
            }
        }
    }
}

/// Watches one executable file.
pub struct Watcher {
    path: PathBuf,
    stamp: Option<Stamp>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Stamp {
    modified: SystemTime,
    len: u64,
}

fn stamp(path: &Path) -> Option<Stamp> {
    let meta = std::fs::metadata(path).ok()?;
    Some(Stamp {
        modified: meta.modified().ok()?,
        len: meta.len(),
    })
}

impl Watcher {
    /// Watches the running executable (the path it was started from).
    pub fn current() -> Result<Watcher> {
        let path = std::env::current_exe().map_err(|e| Error::Setting {
            name: "studio",
            message: format!("cannot find the running executable to watch: {e}"),
        })?;
        Ok(Watcher::new(path))
    }

    /// Watches `path`.
    pub fn new(path: PathBuf) -> Watcher {
        let stamp = stamp(&path);
        Watcher { path, stamp }
    }

    /// Resolves with the executable's path once it changed and has stayed
    /// the same for one more poll (the linker has finished writing it).
    pub async fn changed(&self) -> PathBuf {
        let mut candidate: Option<Stamp> = None;
        loop {
            tokio::time::sleep(POLL).await;
            match stamp(&self.path) {
                Some(now) if Some(now) != self.stamp => {
                    if candidate == Some(now) {
                        return self.path.clone();
                    }
                    candidate = Some(now);
                }
                // Missing (being replaced), or back to what it was.
                _ => candidate = None,
            }
        }
    }
}

/// Replaces this process with `exe`, with the same arguments, on `addr`,
/// with the same token. Returns only if that failed.
#[cfg(unix)]
pub(crate) fn reexec(exe: &Path, addr: SocketAddr, access: &Access) -> Error {
    use std::os::unix::process::CommandExt;

    eprintln!(
        "m studio: {} was rebuilt; restarting it",
        exe.file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default()
    );
    let mut command = std::process::Command::new(exe);
    command
        .args(std::env::args_os().skip(1))
        .env(super::REEXEC_ADDR, addr.to_string());
    if let Some(token) = access.token() {
        command.env(TOKEN_VAR, token);
    }
    let error = command.exec();
    Error::Setting {
        name: "studio",
        message: format!("cannot restart the rebuilt {}: {error}", exe.display()),
    }
}

/// Without `exec`, the studio stops and says so.
#[cfg(not(unix))]
pub(crate) fn reexec(exe: &Path, _addr: SocketAddr, _access: &Access) -> Error {
    Error::Setting {
        name: "studio",
        message: format!("{} was rebuilt: start the studio again", exe.display()),
    }
}
