//! Human, JSON and CI-annotation output. Order follows the plan, which is
//! deterministic (tables in dependency then name order).

use anstream::println;
use anstyle::{AnsiColor, Style};
use indicatif::{ProgressBar, ProgressStyle};

use super::{Format, PlanArgs};
use crate::Result;
use crate::execute::SyncReport;
use crate::migrate::Status;
use crate::output::{ListJson, SyncJson, VerifyJson};
use crate::plan::{Action, Plan, PlannedChange};
use crate::registry::Registry;
use crate::risk::Risk;

pub(super) const ERROR: Style = AnsiColor::Red.on_default().bold();
const BOLD: Style = Style::new().bold();
const DIM: Style = Style::new().dimmed();

fn risk_style(risk: Risk) -> Style {
    match risk {
        Risk::Safe => AnsiColor::Green.on_default().bold(),
        Risk::Warning => AnsiColor::Yellow.on_default().bold(),
        Risk::Breaking => AnsiColor::Red.on_default().bold(),
    }
}

pub(super) fn target(change: &PlannedChange) -> String {
    let table = change.change.table();
    match change.change.column() {
        Some(column) => format!("{table}.{column}"),
        None => table.to_owned(),
    }
}

/// Prints a plan (`verify`).
pub(super) fn plan(plan: &Plan, migrations: &Status, args: &PlanArgs) -> Result<()> {
    match args.format.format {
        Format::Json => print_json(&VerifyJson::new(plan, migrations))?,
        Format::Github => {
            github(plan);
            for m in migrations.pending() {
                let message = format!("{}:{} ({}) will run", m.app, m.id, m.phase.as_str());
                println!("{}", annotation("notice", "pending migration", &message));
            }
            for problem in &migrations.problems {
                println!(
                    "{}",
                    annotation("error", "migration ledger", &problem.to_string())
                );
            }
        }
        Format::Text => {
            text(plan, args.sql);
            pending_migrations(migrations);
        }
    }
    Ok(())
}

/// Prints `value` as pretty JSON on stdout; a value that cannot be
/// serialised or written (a closed pipe, a full disk) is an error, never an
/// empty success.
pub(super) fn print_json(value: &impl serde::Serialize) -> Result<()> {
    use std::io::Write;
    let json = crate::output::to_string(value)?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{json}")
        .and_then(|()| stdout.flush())
        .map_err(|e| crate::Error::Output(e.to_string()))
}

fn pending_migrations(migrations: &Status) {
    let pending: Vec<_> = migrations.pending().collect();
    if !pending.is_empty() {
        println!("\n{BOLD}{} migration(s) pending{BOLD:#}:", pending.len());
        for m in pending {
            println!("  {}:{} ({})", m.app, m.id, m.phase.as_str());
        }
    }
    for problem in &migrations.problems {
        println!("\n{ERROR}migration problem:{ERROR:#} {problem}");
    }
}

fn in_sync(plan: &Plan) {
    println!(
        "{BOLD}The schema matches the code{BOLD:#} ({}): no change to make.",
        plan.backend
    );
}

fn text(plan: &Plan, show_sql: bool) {
    let s = plan.summary();
    if plan.is_empty() {
        in_sync(plan);
        retired(plan);
        return;
    }
    println!(
        "{BOLD}{} change(s){BOLD:#} on {}: {} SAFE, {} WARNING, {} BREAKING; {} to apply, {} blocked",
        plan.changes.len(),
        plan.backend,
        s.safe,
        s.warning,
        s.breaking,
        s.apply,
        s.blocked
    );
    for change in &plan.changes {
        let style = risk_style(change.risk);
        let app = change.app.as_deref().unwrap_or("-");
        println!(
            "\n  {style}{:<8}{style:#} {:<18} {app}: {BOLD}{}{BOLD:#}",
            change.risk.as_str(),
            change.change.kind(),
            target(change)
        );
        println!("           {}", change.reason);
        if let Action::Blocked(why) = &change.action {
            println!("           {DIM}blocked:{DIM:#} {why}");
        }
        if show_sql {
            for sql in &change.sql {
                for line in sql.lines() {
                    println!("           {DIM}{line}{DIM:#}");
                }
            }
        }
    }
    retired(plan);
    if s.breaking > 0 {
        println!(
            "\nBREAKING changes are never applied by sync. See the expand/contract guide in the README, and write a #[migration] for them."
        );
    }
}

/// The retired tables and columns the database still holds, one line each.
fn retired(plan: &Plan) {
    if plan.retired.is_empty() {
        return;
    }
    println!(
        "\n{BOLD}{} retired{BOLD:#} (kept in the database, no longer declared; drop with a #[migration] when the transition is over):",
        plan.retired.len()
    );
    for r in &plan.retired {
        let app = r.app.as_deref().unwrap_or("-");
        match &r.column {
            Some(column) => println!("  {DIM}retired{DIM:#}  {app}: {}.{column}", r.table),
            None => println!("  {DIM}retired{DIM:#}  {app}: table {}", r.table),
        }
    }
}

fn github(plan: &Plan) {
    for change in &plan.changes {
        let level = match change.risk {
            Risk::Safe => "notice",
            Risk::Warning => "warning",
            Risk::Breaking => "error",
        };
        let title = format!(
            "{} {} {}",
            change.risk,
            change.change.kind(),
            target(change)
        );
        println!("{}", annotation(level, &title, &change.reason));
    }
    for r in &plan.retired {
        let target = match &r.column {
            Some(column) => format!("{}.{column}", r.table),
            None => r.table.clone(),
        };
        println!(
            "{}",
            annotation(
                "notice",
                &format!("retired {target}"),
                "kept in the database and no longer declared; drop it with a #[migration] when the transition is over"
            )
        );
    }
}

/// One GitHub Actions workflow command, `::level title=...::message`, with
/// the title and message escaped as the runner expects, so a reason holding
/// a newline, `%`, `:` or `,` is shown as written instead of cutting the
/// annotation short or being decoded into something else.
pub(super) fn annotation(level: &str, title: &str, message: &str) -> String {
    format!(
        "::{level} title={}::{}",
        escape_property(title),
        escape_data(message)
    )
}

/// Escapes a workflow command's message: `%`, `\r` and `\n` (the runner's
/// `escapeData`). `%` goes first so the escapes themselves are not escaped.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value (`title=`, `file=`): the
/// message's escapes plus `:` and `,`, which end a property (the runner's
/// `escapeProperty`).
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// Prints what a sync did.
pub(super) fn sync_report(plan: &Plan, report: &SyncReport, args: &PlanArgs) -> Result<()> {
    if args.format.format == Format::Json {
        return print_json(&SyncJson::new(plan, report));
    }
    if plan.is_empty() {
        in_sync(plan);
        retired(plan);
        return Ok(());
    }
    println!(
        "{BOLD}Applied {} change(s){BOLD:#} ({} statement(s)); {} blocked.",
        report.applied.len(),
        report.statements,
        report.blocked.len()
    );
    if report.transactions > 1 {
        println!(
            "The new tables were committed in {} transactions: one would lock more objects than the server's lock table holds (PostgreSQL: `max_locks_per_transaction`); changes to existing tables ran in one transaction.",
            report.transactions
        );
    }
    for change in &report.applied {
        let style = risk_style(change.risk);
        println!(
            "  {style}applied{style:#}  {:<8} {:<18} {}",
            change.risk.as_str(),
            change.change.kind(),
            target(change)
        );
    }
    for change in &report.blocked {
        let style = risk_style(change.risk);
        let why = match &change.action {
            Action::Blocked(why) => why.as_str(),
            Action::Apply => "",
        };
        println!(
            "  {style}blocked{style:#}  {:<8} {:<18} {}\n           {}\n           {why}",
            change.risk.as_str(),
            change.change.kind(),
            target(change),
            change.reason
        );
    }
    if !report.blocked.is_empty() {
        println!(
            "\nThe blocked changes are still pending: `migrate verify` reports them until they are resolved."
        );
    }
    Ok(())
}

/// Prints `migrate list`.
pub(super) fn registry(registry: &Registry, format: super::FormatArgs) -> Result<()> {
    if format.format == Format::Json {
        return print_json(&ListJson::from(registry));
    }
    for app in registry.apps() {
        println!("{BOLD}{app}{BOLD:#}");
        for d in registry.doctypes.iter().filter(|d| d.app == app) {
            println!("  doctype    {} -> table `{}`", d.name, d.table);
        }
        for h in registry.hooks.iter().filter(|h| h.app == app) {
            println!("  hook       {} ({:?})", h.name, h.phase);
        }
        for m in registry.migrations.iter().filter(|m| m.app == app) {
            println!("  migration  {} ({})", m.id, m.phase.as_str());
        }
    }
    Ok(())
}

/// A progress bar on stderr for long runs; hidden when stderr is not a terminal.
pub(super) struct Progress(std::sync::OnceLock<ProgressBar>);

impl Progress {
    pub(super) fn new() -> Self {
        Progress(std::sync::OnceLock::new())
    }

    /// Shows the bar from the first statement of a run of ten or more.
    pub(super) fn step(&self, done: usize, total: usize, sql: &str) {
        if total < 10 {
            return;
        }
        let bar = self.0.get_or_init(|| {
            let bar = ProgressBar::new(total as u64);
            if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} {wide_msg}") {
                bar.set_style(style);
            }
            bar
        });
        {
            bar.set_position(done as u64);
            bar.set_message(sql.lines().next().unwrap_or_default().to_owned());
        }
    }

    pub(super) fn finish(&self) {
        if let Some(bar) = self.0.get() {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: &str = "100% done,\r\nnext: a:b, c";

    #[test]
    fn message_escapes_percent_and_line_breaks() {
        assert_eq!(escape_data(ALL), "100%25 done,%0D%0Anext: a:b, c");
        // Already-escaped text is escaped again, not passed through.
        assert_eq!(escape_data("%0A"), "%250A");
    }

    #[test]
    fn property_also_escapes_colon_and_comma() {
        assert_eq!(
            escape_property(ALL),
            "100%25 done%2C%0D%0Anext%3A a%3Ab%2C c"
        );
    }

    #[test]
    fn annotation_escapes_title_and_message() {
        assert_eq!(
            annotation("warning", "WARNING alter_column a.b, c:d", ALL),
            "::warning title=WARNING alter_column a.b%2C c%3Ad::100%25 done,%0D%0Anext: a:b, c"
        );
    }
}
