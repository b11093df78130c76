//! SQL migration files → `MigrationDef` registrations.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{Error, InputFile};
use crate::fns::checksum::sha256;
use crate::names::{is_dependency, is_migration_id};

/// One planned SQL migration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlMigration {
    pub id: String,
    /// The file as the user names it, for messages and `source`.
    pub source: String,
    pub up: String,
    pub down: Option<String>,
    pub checksum: String,
    pub post_sync: bool,
    pub depends_on: Vec<String>,
    /// `on_fresh = run`: runs when its app is installed on a fresh database.
    pub run_on_fresh: bool,
}

/// The `-- m:` header of a migration file.
#[derive(Default)]
struct Header {
    post_sync: bool,
    depends_on: Vec<String>,
    run_on_fresh: bool,
}

/// Pairs `<id>.sql` with `<id>.down.sql`, reads headers and checksums.
pub(crate) fn plan(files: &[InputFile]) -> Result<Vec<SqlMigration>, Error> {
    let mut problems = Vec::new();
    let mut ups: BTreeMap<String, &InputFile> = BTreeMap::new();
    let mut downs: BTreeMap<String, &InputFile> = BTreeMap::new();
    for file in files {
        let name = file
            .absolute
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let (id, down) = match name.strip_suffix(".down.sql") {
            Some(id) => (id.to_string(), true),
            None => (name.trim_end_matches(".sql").to_string(), false),
        };
        if !is_migration_id(&id) {
            problems.push(format!(
                "{}: invalid migration file name: name it `<id>.sql` (or `<id>.down.sql`) with an id of ASCII letters, digits and `_`, like `0001_create_books.sql`",
                file.display
            ));
            continue;
        }
        if down {
            downs.insert(id, file);
        } else {
            ups.insert(id, file);
        }
    }
    for (id, file) in &downs {
        if !ups.contains_key(id) {
            problems.push(format!(
                "{}: a down migration without its up migration `{id}.sql`",
                file.display
            ));
        }
    }
    let mut out = Vec::new();
    for (id, file) in &ups {
        let header = match std::str::from_utf8(&file.bytes) {
            Ok(text) => header(&file.display, text, &mut problems),
            Err(_) => {
                problems.push(format!("{}: not valid UTF-8", file.display));
                continue;
            }
        };
        if let Some(down) = downs.get(id)
            && std::str::from_utf8(&down.bytes).is_err()
        {
            problems.push(format!("{}: not valid UTF-8", down.display));
        }
        out.push(SqlMigration {
            id: id.clone(),
            source: file.display.clone(),
            up: file.absolute.display().to_string(),
            down: downs.get(id).map(|d| d.absolute.display().to_string()),
            checksum: sha256(&file.bytes),
            post_sync: header.post_sync,
            depends_on: header.depends_on,
            run_on_fresh: header.run_on_fresh,
        });
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(Error::new(problems))
    }
}

const HEADER: &str = "-- m:";

/// Reads the `-- m:` lines at the top of a file.
fn header(file: &str, text: &str, problems: &mut Vec<String>) -> Header {
    let mut header = Header::default();
    let mut in_header = true;
    for (n, line) in text.lines().enumerate() {
        let line_no = n + 1;
        let Some(rest) = line.trim_start().strip_prefix(HEADER) else {
            in_header = false;
            continue;
        };
        if !in_header {
            problems.push(format!(
                "{file}:{line_no}: `-- m:` header lines must come first in the file, before any SQL"
            ));
            continue;
        }
        for item in rest.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let Some((key, value)) = item.split_once('=') else {
                problems.push(format!(
                    "{file}:{line_no}: expected `key = value` in the header, found `{item}`"
                ));
                continue;
            };
            let (key, value) = (key.trim(), value.trim());
            match key {
                "phase" => match value {
                    "pre_sync" => header.post_sync = false,
                    "post_sync" => header.post_sync = true,
                    _ => problems.push(format!(
                        "{file}:{line_no}: unknown phase `{value}`: expected `pre_sync` (the default) or `post_sync`"
                    )),
                },
                "on_fresh" => match value {
                    "skip" => header.run_on_fresh = false,
                    "run" => header.run_on_fresh = true,
                    _ => problems.push(format!(
                        "{file}:{line_no}: unknown on_fresh `{value}`: expected `skip` (the default) or `run`"
                    )),
                },
                "depends_on" => {
                    if is_dependency(value) {
                        header.depends_on.push(value.to_string());
                    } else {
                        problems.push(format!(
                            "{file}:{line_no}: invalid `depends_on` entry `{value}`: write `app:id`, like `orders:0001_init`"
                        ));
                    }
                }
                _ => problems.push(format!(
                    "{file}:{line_no}: unknown header key `{key}`: expected `phase`, `depends_on` or `on_fresh`"
                )),
            }
        }
    }
    header
}

/// The Rust source that registers `migrations`.
pub fn render(migrations: &[SqlMigration]) -> String {
    let mut out = String::from("// @generated by m_build::embed_migrations. Do not edit.\n");
    for m in migrations {
        let depends_on: Vec<String> = m.depends_on.iter().map(|d| format!("{d:?}")).collect();
        let phase = if m.post_sync { "PostSync" } else { "PreSync" };
        let on_fresh = if m.run_on_fresh { "Run" } else { "Skip" };
        let down = match &m.down {
            Some(path) => format!(
                "::core::option::Option::Some(::m_runtime::__private::MigrationBody::Sql(::core::include_str!({path:?})))"
            ),
            None => "::core::option::Option::None".to_string(),
        };
        let _ = write!(
            out,
            r#"
::m_runtime::__private::inventory::submit! {{
    ::m_runtime::__private::MigrationDef {{
        app: ::core::env!("CARGO_CRATE_NAME"),
        id: {id:?},
        depends_on: &[{depends_on}],
        phase: ::m_runtime::__private::MigrationPhase::{phase},
        checksum: {checksum:?},
        up: ::m_runtime::__private::MigrationBody::Sql(::core::include_str!({up:?})),
        down: {down},
        source: {source:?},
        on_fresh: ::m_runtime::__private::OnFresh::{on_fresh},
    }}
}}
"#,
            id = m.id,
            depends_on = depends_on.join(", "),
            checksum = m.checksum,
            up = m.up,
            source = m.source,
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn file(name: &str, text: &str) -> InputFile {
        InputFile {
            display: format!("migrations/{name}"),
            absolute: PathBuf::from("/app/migrations").join(name),
            bytes: text.as_bytes().to_vec(),
        }
    }

    #[test]
    fn pairs_up_and_down_and_reads_headers() {
        let files = [
            file("0001_init.sql", "create table t (id int);\n"),
            file("0001_init.down.sql", "drop table t;\n"),
            file(
                "0002_fill.sql",
                "-- m: phase = post_sync, depends_on = orders:0001_init\n-- m: depends_on = catalog:0003_x, on_fresh = run\nupdate t set id = 1;\n",
            ),
        ];
        let planned = plan(&files).expect("valid migrations");
        assert_eq!(planned.len(), 2);
        assert_eq!(planned[0].id, "0001_init");
        assert_eq!(
            planned[0].down.as_deref(),
            Some("/app/migrations/0001_init.down.sql")
        );
        assert_eq!(planned[0].checksum, sha256(b"create table t (id int);\n"));
        assert!(!planned[0].post_sync && !planned[0].run_on_fresh);
        assert!(planned[1].post_sync && planned[1].run_on_fresh);
        assert_eq!(
            planned[1].depends_on,
            ["orders:0001_init", "catalog:0003_x"]
        );
        crate::golden::assert_golden("migrations.rs", &render(&planned));
    }

    #[test]
    fn reports_every_problem_with_file_and_line() {
        let files = [
            file("bad-name.sql", ""),
            file("0002_x.down.sql", ""),
            file(
                "0003_y.sql",
                "-- m: phase = later, depends_on = nope, color = red, on_fresh = always\nselect 1;\n-- m: phase = post_sync\n",
            ),
        ];
        let error = plan(&files).expect_err("invalid migrations");
        let text = error.to_string();
        assert!(
            text.contains("migrations/bad-name.sql: invalid migration file name"),
            "{text}"
        );
        assert!(
            text.contains(
                "migrations/0002_x.down.sql: a down migration without its up migration `0002_x.sql`"
            ),
            "{text}"
        );
        assert!(
            text.contains("migrations/0003_y.sql:1: unknown phase `later`"),
            "{text}"
        );
        assert!(
            text.contains("migrations/0003_y.sql:1: invalid `depends_on` entry `nope`"),
            "{text}"
        );
        assert!(
            text.contains("migrations/0003_y.sql:1: unknown header key `color`: expected `phase`, `depends_on` or `on_fresh`"),
            "{text}"
        );
        assert!(
            text.contains("migrations/0003_y.sql:1: unknown on_fresh `always`: expected `skip` (the default) or `run`"),
            "{text}"
        );
        assert!(
            text.contains("migrations/0003_y.sql:3: `-- m:` header lines must come first"),
            "{text}"
        );
        assert_eq!(error.problems().len(), 7);
    }

    #[test]
    fn reads_a_directory_into_valid_rust() {
        let dir = std::env::temp_dir().join(format!("m-build-migrations-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        std::fs::write(dir.join("0001_init.sql"), "create table t (id int);\n").expect("write");
        std::fs::write(dir.join("0001_init.down.sql"), "drop table t;\n").expect("write");
        std::fs::write(dir.join("README.md"), "not a migration").expect("write");
        let source = crate::migrations_source(&dir).expect("valid directory");
        std::fs::remove_dir_all(&dir).ok();
        let file: syn::File = syn::parse_str(&source).expect("generated source parses");
        assert_eq!(file.items.len(), 1);
        assert!(source.contains("0001_init.down.sql"));
    }
}
