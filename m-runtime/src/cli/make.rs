//! `migrate make [--app A] [--empty] [--dir DIR] <name>`: writes a
//! migration of operations ([`crate::ops::make`]) into the app's
//! migrations folder and declares it in that folder's `mod.rs`.

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
    #[arg(long)]
    pub empty: bool,
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
    let previous = ids.iter().max().copied();
    let id = crate::ops::next_id(&ids, &args.name).map_err(|e| Error::Migration(e.0))?;
    let made = crate::ops::make(&app, &id, previous, &plan, &live, &desired, args.empty)
        .map_err(|e| Error::Migration(e.0))?;
    let file = args.dir.join(format!("{}.rs", made.module));
    std::fs::create_dir_all(&args.dir)?;
    if file.exists() {
        return Err(Error::Migration(format!(
            "`{}` exists already: nothing was written",
            file.display()
        )));
    }
    std::fs::write(&file, &made.source)?;
    let created_mod = declare(&args.dir, &made.module)?;
    println!("wrote migration `{app}:{id}` to {}", file.display());
    if created_mod {
        println!(
            "created {}: declare `mod migrations;` once in the app's crate root",
            args.dir.join("mod.rs").display()
        );
    }
    for what in &made.placeholders {
        println!("  to write before it builds: {what}");
    }
    if !made.reversible {
        println!("  it has no `down`: one of its operations cannot be undone");
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
