//! Clusters for the cluster tests, started and stopped by the test that
//! uses them, with their data under the build directory:
//!
//! - [`Galera`]: a 3-node MariaDB Galera cluster (`scripts/galera.sh`);
//! - [`PgStandby`]: a PostgreSQL primary and a hot standby made from it
//!   with `pg_basebackup`.
//!
//! Each listens on ports of its own, so that several test runs on one
//! machine do not meet. `start` returns `Err(why)` only when a prerequisite
//! is not installed (the test then prints `skipped: why`); a cluster that
//! is installed but does not start fails the test.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use m_runtime::Db;

/// The repository's `scripts/galera.sh`.
const GALERA_SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/galera.sh");

fn run(command: &mut Command) -> Output {
    command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"))
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Whether nothing listens on `port` of 127.0.0.1.
fn free(port: u16) -> bool {
    TcpListener::bind(("127.0.0.1", port)).is_ok()
}

/// A base port whose `offsets` are all free, from a range chosen by the
/// process id (so that parallel runs start apart) and probed from there.
/// The ports are reserved for this process: two clusters of one test binary
/// starting side by side do not get the same ones before either listens.
fn free_ports(offsets: &[u16]) -> u16 {
    static RESERVED: std::sync::Mutex<Vec<u16>> = std::sync::Mutex::new(Vec::new());
    let mut reserved = RESERVED.lock().unwrap_or_else(|e| e.into_inner());
    let start = 20_000 + (std::process::id() % 900) as u16 * 10;
    let base = (0..900)
        .map(|i| 20_000 + (start - 20_000 + i * 10) % 9_000)
        .find(|base| {
            offsets
                .iter()
                .all(|o| free(base + o) && !reserved.contains(&(base + o)))
        })
        .expect("no free ports between 20000 and 29000");
    reserved.extend(offsets.iter().map(|o| base + o));
    base
}

/// A directory of its own under `parent` (the test's `CARGO_TARGET_TMPDIR`).
fn fresh_dir(parent: &str, name: &str) -> PathBuf {
    let dir = Path::new(parent).join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create the cluster's directory");
    dir
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// A local 3-node MariaDB Galera cluster, stopped (and its data removed)
/// when dropped.
pub struct Galera {
    dir: PathBuf,
    base: u16,
}

impl Galera {
    /// The number of nodes.
    pub const NODES: usize = 3;

    /// Starts the cluster under `parent` (pass `env!("CARGO_TARGET_TMPDIR")`):
    /// `Err(why)` when MariaDB or the Galera provider is not installed.
    pub fn start(parent: &str) -> Result<Galera, String> {
        let check = run(Command::new("bash").args([GALERA_SCRIPT, "check"]));
        if !check.status.success() {
            return Err(format!(
                "no Galera cluster: {} (.ci/run installs it)",
                text(&check).trim()
            ));
        }
        let dir = fresh_dir(parent, "galera");
        // Node n uses base + 10 (n - 1) + 0..=3.
        let offsets: Vec<u16> = (0..Self::NODES as u16)
            .flat_map(|n| (0..4).map(move |o| n * 10 + o))
            .collect();
        let base = free_ports(&offsets);
        let cluster = Galera { dir, base };
        let started = Instant::now();
        let out = run(Command::new("bash").args([
            GALERA_SCRIPT,
            "start",
            &cluster.dir.display().to_string(),
            &base.to_string(),
        ]));
        assert!(
            out.status.success(),
            "scripts/galera.sh start failed:\n{}",
            text(&out)
        );
        eprintln!(
            "galera: 3 nodes on ports {}, {}, {} (up in {:?})",
            cluster.port(0),
            cluster.port(1),
            cluster.port(2),
            started.elapsed()
        );
        Ok(cluster)
    }

    /// The client port of node `n` (0-based).
    pub fn port(&self, n: usize) -> u16 {
        self.base + 10 * n as u16
    }

    /// The URL of `database` on node `n` (0-based).
    pub fn url(&self, n: usize, database: &str) -> String {
        format!("mysql://root@127.0.0.1:{}/{database}", self.port(n))
    }

    /// Creates `database` (on node 1) and waits until every node has it
    /// (the others apply the statement a moment after node 1 ran it);
    /// returns its name.
    pub async fn create_database(&self, database: &str) -> String {
        let admin = Db::connect(&self.url(0, "mysql"))
            .await
            .expect("connect to node 1");
        admin
            .execute(&format!("CREATE DATABASE {database}"))
            .await
            .expect("create database");
        admin.close().await.expect("close");
        for n in 1..Self::NODES {
            let node = Db::connect(&self.url(n, "mysql"))
                .await
                .expect("connect to a node");
            let sql = format!(
                "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '{database}'"
            );
            let started = Instant::now();
            while node.fetch_i64(&sql).await.expect("look for the database") != Some(1) {
                assert!(
                    started.elapsed() < Duration::from_secs(30),
                    "node {} did not apply CREATE DATABASE {database} within 30 s",
                    n + 1
                );
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            node.close().await.expect("close");
        }
        database.to_owned()
    }
}

impl Drop for Galera {
    fn drop(&mut self) {
        if std::thread::panicking() {
            // What the nodes said, for the failure's report.
            for n in 1..=Self::NODES {
                let log = self.dir.join(format!("node{n}/error.log"));
                let text = std::fs::read_to_string(&log).unwrap_or_default();
                let tail: Vec<&str> = text.lines().rev().take(25).collect();
                eprintln!("--- the end of node {n}'s log ({}):", log.display());
                for line in tail.into_iter().rev() {
                    eprintln!("{line}");
                }
            }
        }
        // SIGKILL, like the standby's `pg_ctl -m immediate`: the data is
        // removed next, and a clean shutdown of the three nodes took 2 to
        // 10 s, at the end of the bookshop's longest test.
        let out = Command::new("bash")
            .args([GALERA_SCRIPT, "kill", &self.dir.display().to_string()])
            .output();
        if let Ok(out) = out
            && !out.status.success()
        {
            eprintln!("scripts/galera.sh kill: {}", text(&out));
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A PostgreSQL primary and a hot standby streaming from it (made with
/// `pg_basebackup -R`), stopped (and their data removed) when dropped.
pub struct PgStandby {
    dir: PathBuf,
    bin: PathBuf,
    primary: u16,
    standby: u16,
}

/// The directory of the newest installed PostgreSQL's server binaries.
fn postgres_bin() -> Option<PathBuf> {
    let mut dirs: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_string_lossy().parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    dirs.sort();
    if let Some((_, bin)) = dirs.pop() {
        return Some(bin);
    }
    let out = Command::new("pg_config").arg("--bindir").output().ok()?;
    let bin = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    bin.join("initdb").exists().then_some(bin)
}

impl PgStandby {
    /// Starts both servers under `parent` (pass
    /// `env!("CARGO_TARGET_TMPDIR")`): `Err(why)` when PostgreSQL's server
    /// binaries are not installed (or, as root, there is no `postgres`
    /// user to run them).
    pub fn start(parent: &str) -> Result<PgStandby, String> {
        let Some(bin) = postgres_bin() else {
            return Err(
                "no PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup): install postgresql"
                    .into(),
            );
        };
        let root = is_root();
        if root
            && !Command::new("id")
                .arg("postgres")
                .output()
                .is_ok_and(|o| o.status.success())
        {
            return Err("running as root and there is no `postgres` user to run PostgreSQL".into());
        }
        let dir = fresh_dir(parent, "pg-standby");
        if root {
            let out = run(Command::new("chown").args(["postgres:", &dir.display().to_string()]));
            assert!(out.status.success(), "chown: {}", text(&out));
        }
        let primary = free_ports(&[0]);
        let standby = free_ports(&[0]);
        let pair = PgStandby {
            dir,
            bin,
            primary,
            standby,
        };
        let started = Instant::now();
        let primary_dir = pair.dir.join("primary");
        let standby_dir = pair.dir.join("standby");
        pair.tool(
            "initdb",
            &[
                "-D",
                &primary_dir.display().to_string(),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
        );
        pair.configure(&primary_dir, primary);
        pair.pg_ctl_start(&primary_dir, "primary");
        pair.tool(
            "pg_basebackup",
            &[
                "-h",
                "127.0.0.1",
                "-p",
                &primary.to_string(),
                "-U",
                "postgres",
                "-D",
                &standby_dir.display().to_string(),
                "-R",
                "-X",
                "stream",
                "--no-sync",
            ],
        );
        pair.configure(&standby_dir, standby);
        pair.pg_ctl_start(&standby_dir, "standby");
        eprintln!(
            "postgres: primary on port {primary}, standby on port {standby} (up in {:?})",
            started.elapsed()
        );
        Ok(pair)
    }

    /// Runs one of PostgreSQL's programs (as `postgres` when root) and
    /// fails the test when it fails.
    fn tool(&self, name: &str, args: &[&str]) -> Output {
        let program = self.bin.join(name);
        let mut command = if is_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&program);
            c
        } else {
            Command::new(&program)
        };
        let out = run(command.args(args).current_dir(&self.dir));
        assert!(
            out.status.success(),
            "{name} {args:?} failed:\n{}",
            text(&out)
        );
        out
    }

    /// Its own port, TCP on 127.0.0.1 only, the socket in the pair's
    /// directory, no fsync (a test's data needs no durability).
    fn configure(&self, data: &Path, port: u16) {
        use std::io::Write;
        let mut conf = std::fs::OpenOptions::new()
            .append(true)
            .open(data.join("postgresql.conf"))
            .expect("postgresql.conf");
        writeln!(
            conf,
            "\n# m's cluster tests\nport = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{}'\nfsync = off\nshared_buffers = 16MB\nmax_wal_senders = 4\nhot_standby = on",
            self.dir.display()
        )
        .expect("write postgresql.conf");
    }

    fn pg_ctl_start(&self, data: &Path, name: &str) {
        let log = self.dir.join(format!("{name}.log"));
        self.tool(
            "pg_ctl",
            &[
                "-D",
                &data.display().to_string(),
                "-l",
                &log.display().to_string(),
                "-w",
                "-t",
                "60",
                "start",
            ],
        );
    }

    /// The URL of `database` on the primary.
    pub fn primary_url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.primary)
    }

    /// The URL of `database` on the standby.
    pub fn standby_url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.standby)
    }

    /// Waits until the standby replayed everything the primary wrote so far.
    pub async fn caught_up(&self) {
        let primary = Db::connect(&self.primary_url("postgres"))
            .await
            .expect("connect to the primary");
        let lsn: String = {
            use sqlx::Row;
            let rows = primary
                .fetch_all("SELECT pg_current_wal_lsn()::text")
                .await
                .expect("the primary's WAL position");
            rows[0].try_get(0).expect("an LSN")
        };
        primary.close().await.expect("close");
        let standby = Db::connect(&self.standby_url("postgres"))
            .await
            .expect("connect to the standby");
        let started = Instant::now();
        let sql = format!(
            "SELECT CASE WHEN pg_last_wal_replay_lsn() >= '{lsn}'::pg_lsn THEN 1 ELSE 0 END"
        );
        while standby.fetch_i64(&sql).await.expect("replay position") != Some(1) {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the standby did not replay up to {lsn} within 30 s"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        standby.close().await.expect("close");
    }
}

impl Drop for PgStandby {
    fn drop(&mut self) {
        for name in ["standby", "primary"] {
            let data = self.dir.join(name);
            if data.join("postmaster.pid").exists() {
                let program = self.bin.join("pg_ctl");
                let mut command = if is_root() {
                    let mut c = Command::new("runuser");
                    c.args(["-u", "postgres", "--"]).arg(&program);
                    c
                } else {
                    Command::new(&program)
                };
                let _ = command
                    .args([
                        "-D",
                        &data.display().to_string(),
                        "-m",
                        "immediate",
                        "-w",
                        "stop",
                    ])
                    .output();
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The SQLSTATE of a statement the database refused (`40001` for a Galera
/// certification failure), or `None` for any other error.
pub fn sqlstate(error: &m_runtime::Error) -> Option<String> {
    match error {
        m_runtime::Error::Statement {
            error: sqlx::Error::Database(error),
            ..
        } => error.code().map(|code| code.into_owned()),
        _ => None,
    }
}
