//! `migrate make [--app A] [--empty | --online] [--dir DIR] <name>`:
//! writes a migration of operations ([`crate::ops::make`]; with
//! `--online`, [`crate::ops::make_online`]'s) into the app's migrations
//! folder and declares it in that folder's `mod.rs`.

use std::path::{Path, PathBuf};

use clap::Args;

use crate::plan::{Policy, prepare};
use crate::{Db, Error, Registry};

/// Options of `migrate make`.
#[derive(Debug, Args, Clone)]
pub struct MakeArgs {
    /// The migration's name (its id is the app's next number and this name).
    pub name: String,
    /// The app it belongs to; needed when the plan holds back changes of
    /// several apps.
    #[arg(long)]
    pub app: Option<String>,
    /// A migration for data work only: no operations.
    #[arg(long, conflicts_with = "online")]
    pub empty: bool,
    /// The indexes and foreign keys the plan adds to existing tables,
    /// built without stopping writes: the indexes online in a migration
    /// of their own (PostgreSQL `CREATE INDEX CONCURRENTLY`, outside a
    /// transaction), the keys `NOT VALID` in one and validated in the next.
    #[arg(long)]
    pub online: bool,
    /// The app's migrations folder (a Rust module: `mod.rs` and one file
    /// per migration). Default: `src/migrations` in the working directory.
    #[arg(long, default_value = "src/migrations")]
    pub dir: PathBuf,
}

/// Plans against `db`, derives the migration and writes it.
pub(super) async fn make(db: &Db, registry: &Registry, args: &MakeArgs) -> Result<(), Error> {
    let desired = registry.schema();
    let plan = crate::plan(db, &desired, &Policy::default()).await?;
    let live = crate::introspect_for(db, &desired).await?;
    let (live, desired) = prepare(db.backend().dialect(), &live, &desired);
    let app = match &args.app {
        Some(app) => {
            if !registry.apps().contains(app.as_str()) {
                return Err(Error::Migration(format!(
                    "no app `{app}` is registered: the apps are {}",
                    list(registry.apps())
                )));
            }
            app.clone()
        }
        None => {
            let held: std::collections::BTreeSet<&str> = plan
                .blocked()
                .filter_map(|c| desired.table(c.change.table())?.app.as_deref())
                .collect();
            let apps = if args.empty || held.is_empty() {
                registry.apps()
            } else {
                held
            };
            match apps.iter().next() {
                Some(app) if apps.len() == 1 => app.to_string(),
                _ => {
                    return Err(Error::Migration(format!(
                        "say which app the migration belongs to with `--app`: one of {}",
                        list(apps)
                    )));
                }
            }
        }
    };
    // The migration starts from the database as the app's migrations
    // leave it: one still pending would run before it, on another schema.
    let status = crate::migrate::status(db, registry).await?;
    let pending: Vec<String> = status
        .pending()
        .filter(|m| m.app == app)
        .map(|m| format!("`{}:{}`", m.app, m.id))
        .collect();
    if !pending.is_empty() {
        return Err(Error::Migration(format!(
            "app `{app}` has migrations that have not run on this database ({}): run them first (`migrate all`), so that the new migration starts from the schema they leave; nothing was written",
            pending.join(", ")
        )));
    }
    let ids: Vec<&str> = registry
        .migrations
        .iter()
        .filter(|m| m.app == app)
        .map(|m| m.id)
        .collect();
    if args.online {
        let online = crate::ops::make_online(&app, &args.name, &ids, &plan, &live, &desired)
            .map_err(|e| Error::Migration(e.0))?;
        let files: Vec<PathBuf> = online
            .made
            .iter()
            .map(|made| args.dir.join(format!("{}.rs", made.module)))
            .collect();
        refuse_existing(&files)?;
        let mut created_mod = false;
        for (made, file) in online.made.iter().zip(&files) {
            created_mod |= write(&args.dir, file, made)?;
            println!("wrote migration `{app}:{}` to {}", made.id, file.display());
        }
        for what in &online.left_to_sync {
            println!("  left to the sync: {what}");
        }
        return declared(&args.dir, created_mod);
    }
    let previous = ids.iter().max().copied();
    let id = crate::ops::next_id(&ids, &args.name).map_err(|e| Error::Migration(e.0))?;
    let made = crate::ops::make(&app, &id, previous, &plan, &live, &desired, args.empty)
        .map_err(|e| Error::Migration(e.0))?;
    let file = args.dir.join(format!("{}.rs", made.module));
    refuse_existing(std::slice::from_ref(&file))?;
    let created_mod = write(&args.dir, &file, &made)?;
    println!("wrote migration `{app}:{id}` to {}", file.display());
    for what in &made.placeholders {
        println!("  to write before it builds: {what}");
    }
    if !made.reversible {
        println!("  it has no `down`: one of its operations cannot be undone");
    }
    declared(&args.dir, created_mod)
}

/// Refuses before writing anything when one of `files` exists.
fn refuse_existing(files: &[PathBuf]) -> Result<(), Error> {
    match files.iter().find(|f| f.exists()) {
        Some(file) => Err(Error::Migration(format!(
            "`{}` exists already: nothing was written",
            file.display()
        ))),
        None => Ok(()),
    }
}

/// Writes `made` to `file` and declares it in `dir`'s `mod.rs`; returns
/// whether that `mod.rs` was created.
fn write(dir: &Path, file: &Path, made: &crate::ops::MadeMigration) -> Result<bool, Error> {
    std::fs::create_dir_all(dir)?;
    std::fs::write(file, &made.source)?;
    declare(dir, &made.module)
}

/// Says to declare the migrations module when its `mod.rs` was created.
fn declared(dir: &Path, created_mod: bool) -> Result<(), Error> {
    if created_mod {
        println!(
            "created {}: declare `mod migrations;` once in the app's crate root",
            dir.join("mod.rs").display()
        );
    }
    Ok(())
}

/// Adds `pub mod <module>;` to the folder's `mod.rs` (created when
/// missing); returns whether it created it.
fn declare(dir: &Path, module: &str) -> Result<bool, Error> {
    let path = dir.join("mod.rs");
    let existing = match std::fs::read_to_string(&path) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e.into()),
    };
    let mut text = existing.clone().unwrap_or_else(|| {
        "//! The app's migrations, one module each (`migrate make` adds them).\n\n".into()
    });
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(&format!("pub mod {module};\n"));
    std::fs::write(&path, text)?;
    Ok(existing.is_none())
}

fn list<'a>(apps: impl IntoIterator<Item = &'a str>) -> String {
    apps.into_iter()
        .map(|a| format!("`{a}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
