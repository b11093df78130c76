//! `migrate make` end to end, in a scratch app crate the test writes and
//! builds, on every backend: declare a rename of a referenced table, a
//! column rename, an int -> text and a text -> int change and (later) a
//! retired column; `migrate make` writes the migration, which does not
//! build until its conversion expressions are written; then `migrate all`
//! and `verify` exit 0 with every row kept or converted, and the foreign
//! key follows the renamed table. Operations edited so that they no longer
//! lead to the new schema are refused before anything runs, and the
//! generated `down` restores the old schema and rows.
//!
//! The scratch crates build in trybuild's target directory with trybuild's
//! flags, and depend on m-runtime with the features the UI suite
//! (tests/macros) builds it with: whichever of the two runs first compiles
//! m-runtime and its dependencies, and the other reuses them.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use m_tests::{Backend, TestDb, all_backends};

include!("support/trybuild_flags.rs");

/// The workspace root.
fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is in the workspace")
        .to_path_buf()
}

/// A scratch app crate: one binary that is its own app.
struct Scratch {
    dir: PathBuf,
    name: String,
}

const MODELS_V1: &str = r#"use m_runtime::prelude::*;

#[doctype]
pub struct Customer {
    #[field(primary_key)]
    pub id: i64,
    pub name: String,
    pub age: i32,
    pub code: String,
    pub legacy: Option<String>,
}

#[doctype]
pub struct Purchase {
    #[field(primary_key)]
    pub id: i64,
    #[field(references = Customer)]
    pub customer_id: i64,
}
"#;

/// The table renamed, a column renamed, int -> text, text -> int; `legacy`
/// still declared (`LEGACY`), or retired (`RETIRED`).
const MODELS_V2: &str = r#"use m_runtime::prelude::*;

#[doctype(renamed_from = "customer"RETIRED)]
pub struct Client {
    #[field(primary_key)]
    pub id: i64,
    #[field(renamed_from = "name")]
    pub full_name: String,
    pub age: String,
    pub code: i64,
    LEGACY
}

#[doctype]
pub struct Purchase {
    #[field(primary_key)]
    pub id: i64,
    #[field(references = Client)]
    pub customer_id: i64,
}
"#;

const LEGACY: &str = "pub legacy: Option<String>,";

impl Scratch {
    fn new(backend: Backend) -> Scratch {
        let name = format!("scratch_{}", backend.name());
        let dir = std::env::temp_dir().join(format!("m-make-e2e-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("src/migrations")).expect("create the crate");
        let runtime = workspace().join("m-runtime");
        let scratch = Scratch { dir, name };
        scratch.write(
            "Cargo.toml",
            &format!(
                r#"[package]
name = "{name}"
version = "0.1.0"
edition = "2024"
publish = false

[dependencies]
# The same features as tests/macros/Cargo.toml and the workspace's tokio:
# the UI suite's build of them is reused.
m-runtime = {{ path = {runtime:?}, default-features = false, features = ["sqlite", "postgres", "mysql", "cli"] }}
tokio = {{ version = "1.54", features = ["rt-multi-thread", "macros", "sync", "time"] }}

[workspace]
"#,
                name = scratch.name,
            ),
        );
        std::fs::copy(
            workspace().join("Cargo.lock"),
            scratch.dir.join("Cargo.lock"),
        )
        .expect("copy the lock file");
        scratch.write(
            "src/main.rs",
            "mod migrations;\nmod models;\n\n#[tokio::main]\nasync fn main() -> std::process::ExitCode {\n    m_runtime::cli::main().await\n}\n",
        );
        scratch.write("src/migrations/mod.rs", "//! The app's migrations.\n");
        scratch.write("src/models.rs", MODELS_V1);
        scratch
    }

    fn path(&self, file: &str) -> PathBuf {
        self.dir.join(file)
    }

    fn write(&self, file: &str, text: &str) {
        std::fs::write(self.path(file), text).expect("write a scratch file");
    }

    fn read(&self, file: &str) -> String {
        std::fs::read_to_string(self.path(file)).unwrap_or_else(|e| panic!("read {file}: {e}"))
    }

    /// trybuild's target directory (trybuild asks cargo where the target
    /// directory is: `CARGO_TARGET_DIR` or the workspace's `target`).
    fn target(&self) -> PathBuf {
        std::env::var_os("CARGO_TARGET_DIR")
            .map_or_else(|| workspace().join("target"), PathBuf::from)
            .join("tests/trybuild")
    }

    fn build(&self) -> Output {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        Command::new(cargo)
            .args(["build", "--offline", "--quiet", "--bin", &self.name])
            // trybuild names the target (so its flags skip build scripts and
            // proc macros), which puts the artifacts under the triple.
            .args(["--target", &host_triple()])
            .current_dir(&self.dir)
            .env("CARGO_TARGET_DIR", self.target())
            .env_remove("RUSTFLAGS")
            .envs(trybuild_build_env())
            .output()
            .expect("run cargo build")
    }

    fn built(&self) {
        let out = self.build();
        assert!(out.status.success(), "build failed:\n{}", text(&out.stderr));
    }

    fn migrate(&self, t: &TestDb, args: &[&str]) -> Output {
        Command::new(
            self.target()
                .join(host_triple())
                .join("debug")
                .join(&self.name),
        )
        .arg("migrate")
        .args(args)
        .env("DATABASE_URL", &t.url)
        .env("NO_COLOR", "1")
        .env_remove("M_ENV")
        .current_dir(&self.dir)
        .output()
        .expect("run the scratch binary")
    }

    /// Runs `migrate <args>` and checks its exit code.
    fn expect(&self, t: &TestDb, args: &[&str], code: i32) -> String {
        let out = self.migrate(t, args);
        let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
        assert_eq!(out.status.code(), Some(code), "migrate {args:?}:\n{all}");
        all
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The host's target triple, as rustc reports it (`host: ...`).
fn host_triple() -> String {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let out = Command::new(rustc)
        .arg("-vV")
        .output()
        .expect("run rustc -vV");
    text(&out.stdout)
        .lines()
        .find_map(|line| line.strip_prefix("host: "))
        .expect("rustc -vV names the host")
        .to_owned()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn row(values: &[&str]) -> Vec<Option<String>> {
    values.iter().map(|v| Some(v.to_string())).collect()
}

/// The conversion expressions, written where `migrate make` left
/// placeholders.
const CONVERSIONS: [(&str, &str); 4] = [
    (
        r#"todo_conversion!("client.age: i32 -> text")"#,
        r#"Sql::new("CAST(age AS TEXT)").on("mysql", "CAST(age AS CHAR)")"#,
    ),
    (
        r#"todo_conversion!("client.code: text -> i64")"#,
        r#"Sql::new("CAST(code AS BIGINT)").on("mysql", "CAST(code AS SIGNED)").on("sqlite", "CAST(code AS INTEGER)")"#,
    ),
    (
        r#"todo_conversion!("client.code: i64 -> text")"#,
        r#"Sql::new("CAST(code AS TEXT)").on("mysql", "CAST(code AS CHAR)")"#,
    ),
    (
        r#"todo_conversion!("client.age: text -> i32")"#,
        r#"Sql::new("CAST(age AS INTEGER)").on("mysql", "CAST(age AS SIGNED)")"#,
    ),
];

all_backends!(make_then_all_then_verify, |t| async move {
    let s = Scratch::new(t.backend);
    let app = s.name.clone();
    s.built();
    s.expect(&t, &["all"], 0);
    t.exec("INSERT INTO customer (id, name, age, code, legacy) VALUES (1, 'Ann', 30, '42', 'x'), (2, 'Bob', 41, '-7', NULL)")
        .await;
    t.exec("INSERT INTO purchase (id, customer_id) VALUES (10, 1), (11, 2)")
        .await;

    // The declarations move on: the sync holds the renames and the type
    // changes back.
    s.write(
        "src/models.rs",
        &MODELS_V2.replace("LEGACY", LEGACY).replace("RETIRED", ""),
    );
    s.built();
    let verify = s.expect(&t, &["verify"], 3);
    assert!(verify.contains("rename_table"), "{verify}");
    let made = s.expect(
        &t,
        &["make", "rename_customer", "--dir", "src/migrations"],
        0,
    );
    assert!(
        made.contains(&format!("wrote migration `{app}:0001_rename_customer`")),
        "{made}"
    );
    let file = "src/migrations/m0001_rename_customer.rs";
    let generated = s.read(file);
    assert!(
        s.read("src/migrations/mod.rs")
            .contains("pub mod m0001_rename_customer;"),
        "declared in mod.rs"
    );

    // Unchanged, it does not build: the conversions are not written.
    let out = s.build();
    assert!(!out.status.success(), "a placeholder must not build");
    let errors = text(&out.stderr);
    assert!(
        errors.contains("write the conversion expression of client.age: i32 -> text"),
        "{errors}"
    );

    // Only the conversion expressions written in.
    let mut written = generated.clone();
    for (placeholder, expression) in CONVERSIONS {
        assert!(
            written.contains(placeholder),
            "{placeholder} in:\n{generated}"
        );
        written = written.replace(placeholder, expression);
    }

    // Operations edited so that they no longer lead to the new schema are
    // refused before anything runs.
    let edited = written.replace(
        r#"ops::rename_column("client", "name", "full_name")"#,
        r#"ops::rename_column("client", "name", "fullname")"#,
    );
    assert_ne!(edited, written);
    s.write(file, &edited);
    s.built();
    let refused = s.expect(&t, &["all"], 4);
    assert!(
        refused.contains(&format!("migration `{app}:0001_rename_customer`"))
            && refused.contains(r#"rename_column("client", "name", "fullname")"#),
        "{refused}"
    );
    let live = m_runtime::introspect(&t.db).await.expect("introspect");
    assert!(
        live.table("customer").is_some(),
        "nothing ran: {:?}",
        live.tables.keys()
    );

    s.write(file, &written);
    s.built();
    s.expect(&t, &["all"], 0);
    s.expect(&t, &["verify"], 0);
    let q = |name: &str| t.db.backend().dialect().quote_ident(name);
    let converted = format!(
        "SELECT {}, {}, {}, {} FROM {} ORDER BY {}",
        q("id"),
        q("full_name"),
        q("age"),
        q("code"),
        q("client"),
        q("id")
    );
    let after = [
        row(&["1", "Ann", "30", "42"]),
        row(&["2", "Bob", "41", "-7"]),
    ];
    assert_eq!(t.rows(&converted).await, after);
    let live = m_runtime::introspect(&t.db).await.expect("introspect");
    let client = live.table("client").expect("client");
    assert_eq!(
        client.get_column("age").map(|c| c.ty.clone()),
        Some(m_runtime::schema::LogicalType::String { max_length: None })
    );
    assert_eq!(
        client.get_column("code").map(|c| c.ty.clone()),
        Some(m_runtime::schema::LogicalType::I64)
    );
    assert_eq!(
        live.table("purchase").expect("purchase").foreign_keys[0].ref_table,
        "client",
        "the foreign key follows the renamed table"
    );

    // The generated down restores the old schema and rows...
    s.expect(&t, &["down", &format!("{app}:0001_rename_customer")], 0);
    let old = format!(
        "SELECT {}, {}, {}, {} FROM {} ORDER BY {}",
        q("id"),
        q("name"),
        q("age"),
        q("code"),
        q("customer"),
        q("id")
    );
    assert_eq!(t.rows(&old).await, after);
    let live = m_runtime::introspect(&t.db).await.expect("introspect");
    let customer = live.table("customer").expect("customer is back");
    assert_eq!(
        customer.get_column("age").map(|c| c.ty.clone()),
        Some(m_runtime::schema::LogicalType::I32)
    );
    assert_eq!(
        live.table("purchase").expect("purchase").foreign_keys[0].ref_table,
        "customer"
    );
    // ... and it runs again.
    s.expect(&t, &["all"], 0);
    s.expect(&t, &["verify"], 0);

    // The retired column: no field declares it; its migration drops it.
    s.write(
        "src/models.rs",
        &MODELS_V2
            .replace("LEGACY", "")
            .replace("RETIRED", r#", retired(columns = ["legacy"])"#),
    );
    s.built();
    let verify = s.expect(&t, &["verify"], 0);
    assert!(verify.contains("retired"), "{verify}");
    let made = s.expect(&t, &["make", "drop legacy", "--dir", "src/migrations"], 0);
    assert!(made.contains("it has no `down`"), "{made}");
    let dropped = s.read("src/migrations/m0002_drop_legacy.rs");
    assert!(
        dropped.contains(r#"ops::drop_column("client", "legacy")"#),
        "{dropped}"
    );
    assert!(
        dropped.contains(r#"previous: Some("0001_rename_customer")"#),
        "{dropped}"
    );
    s.built();
    s.expect(&t, &["all"], 0);
    s.expect(&t, &["verify"], 0);
    assert_eq!(t.rows(&converted).await, after);
    let live = m_runtime::introspect(&t.db).await.expect("introspect");
    assert!(
        live.table("client")
            .expect("client")
            .get_column("legacy")
            .is_none()
    );
    assert_eq!(t.count("purchase").await, 2);
});
