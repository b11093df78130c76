//! The build-script side: I/O at the edges ([`embed_migrations`],
//! [`doctypes_from_json`]), pure planning and rendering in the submodules so
//! that golden tests can run them without a build script.

pub mod json;
pub mod migrations;

use std::fmt;
use std::path::{Path, PathBuf};

/// Every problem a build helper found, each naming its file (and line,
/// where it has one). `Debug` prints the same text as `Display`, so a
/// `build.rs` that returns it from `main` shows readable messages.
pub struct Error {
    problems: Vec<String>,
}

impl Error {
    pub(crate) fn new(problems: Vec<String>) -> Self {
        Error { problems }
    }

    pub(crate) fn one(problem: impl Into<String>) -> Self {
        Error::new(vec![problem.into()])
    }

    /// The problems, one line each.
    pub fn problems(&self) -> &[String] {
        &self.problems
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, problem) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            f.write_str(problem)?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for Error {}

/// An input file: its path as the user wrote it (for messages), its
/// absolute path (for `include_str!`) and its bytes.
pub(crate) struct InputFile {
    pub display: String,
    pub absolute: PathBuf,
    pub bytes: Vec<u8>,
}

/// The absolute form of `dir`, relative to `CARGO_MANIFEST_DIR` (the
/// directory a build script runs in).
fn absolute(dir: &Path) -> PathBuf {
    if dir.is_absolute() {
        return dir.to_path_buf();
    }
    match std::env::var_os("CARGO_MANIFEST_DIR") {
        Some(root) => PathBuf::from(root).join(dir),
        None => dir.to_path_buf(),
    }
}

/// Reads the files of `dir` whose names end with `suffix`, sorted by name,
/// and prints `cargo:rerun-if-changed` for the directory and each file.
pub(crate) fn read_dir(dir: &Path, suffix: &str) -> Result<Vec<InputFile>, Error> {
    let root = absolute(dir);
    println!("cargo:rerun-if-changed={}", root.display());
    let entries = std::fs::read_dir(&root)
        .map_err(|e| Error::one(format!("{}: cannot read the directory: {e}", dir.display())))?;
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::one(format!("{}: {e}", dir.display())))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(suffix) && entry.path().is_file() {
            names.push(name);
        }
    }
    names.sort();
    let mut files = Vec::new();
    for name in names {
        let absolute = root.join(&name);
        println!("cargo:rerun-if-changed={}", absolute.display());
        let bytes = std::fs::read(&absolute)
            .map_err(|e| Error::one(format!("{}: cannot read: {e}", dir.join(&name).display())))?;
        files.push(InputFile {
            display: dir.join(&name).display().to_string(),
            absolute,
            bytes,
        });
    }
    Ok(files)
}

/// Writes `name` into `$OUT_DIR`, leaving it untouched when unchanged.
pub(crate) fn write_out(name: &str, contents: &str) -> Result<PathBuf, Error> {
    let out_dir = std::env::var_os("OUT_DIR").ok_or_else(|| {
        Error::one("OUT_DIR is not set: call m_build helpers from a build script (build.rs)")
    })?;
    let path = PathBuf::from(out_dir).join(name);
    if std::fs::read_to_string(&path).is_ok_and(|old| old == contents) {
        return Ok(path);
    }
    std::fs::write(&path, contents)
        .map_err(|e| Error::one(format!("{}: cannot write: {e}", path.display())))?;
    Ok(path)
}

/// Embeds `dir/*.sql` migrations into `$OUT_DIR/m_migrations.rs`, which
/// `m_runtime::include_migrations!()` includes; see the crate docs. A
/// relative `dir` is relative to the crate's `Cargo.toml`.
pub fn embed_migrations(dir: impl AsRef<Path>) -> Result<(), Error> {
    write_out("m_migrations.rs", &migrations_source(dir)?)?;
    Ok(())
}

/// The source [`embed_migrations`] writes, without writing it.
pub fn migrations_source(dir: impl AsRef<Path>) -> Result<String, Error> {
    let files = read_dir(dir.as_ref(), ".sql")?;
    let planned = migrations::plan(&files)?;
    Ok(migrations::render(&planned))
}

/// Turns `dir/*.json` Frappe DocTypes into `#[doctype]` structs in
/// `$OUT_DIR/m_doctypes.rs`, which `m_runtime::include_doctypes!()`
/// includes; see the crate docs. A relative `dir` is relative to the
/// crate's `Cargo.toml`.
pub fn doctypes_from_json(dir: impl AsRef<Path>) -> Result<(), Error> {
    write_out("m_doctypes.rs", &doctypes_source(dir)?)?;
    Ok(())
}

/// The source [`doctypes_from_json`] writes, without writing it.
pub fn doctypes_source(dir: impl AsRef<Path>) -> Result<String, Error> {
    let files = read_dir(dir.as_ref(), ".json")?;
    json::generate(&files)
}
