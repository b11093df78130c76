//! Output of the imperative-track commands: `run`, `status`, `down`, `all`.

use anstream::println;
use anstyle::{AnsiColor, Style};

use super::Format;
use super::render::{annotation, print_json};
use crate::Result;
use crate::hooks::HookRun;
use crate::migrate::{AllReport, AppliedMigration, DownReport, RunReport, Status};
use crate::output::{AllJson, DownJson, RunJson, StatusJson};
use crate::pipeline::Step;

const BOLD: Style = Style::new().bold();
const DIM: Style = Style::new().dimmed();
const GREEN: Style = AnsiColor::Green.on_default().bold();
const YELLOW: Style = AnsiColor::Yellow.on_default().bold();
const RED: Style = AnsiColor::Red.on_default().bold();

fn applied_lines(verb: &str, rows: &[AppliedMigration]) {
    for row in rows {
        println!(
            "  {GREEN}{verb}{GREEN:#}  {BOLD}{}{BOLD:#} ({}) {DIM}{} ms{DIM:#}",
            row.name(),
            row.phase,
            row.duration_ms
        );
    }
}

fn hook_lines(hooks: &[HookRun]) {
    for hook in hooks {
        println!(
            "  {GREEN}ran{GREEN:#}      hook {BOLD}{}::{}{BOLD:#} {DIM}{} ms{DIM:#}",
            hook.app, hook.name, hook.duration_ms
        );
    }
}

/// `migrate run`.
pub(super) fn run_report(report: &RunReport, format: Format) -> Result<()> {
    if format == Format::Json {
        return print_json(&RunJson {
            applied: &report.applied,
        });
    }
    if report.applied.is_empty() {
        println!("{BOLD}No pending migrations{BOLD:#}: nothing to do.");
        return Ok(());
    }
    println!(
        "{BOLD}Applied {} migration(s){BOLD:#}:",
        report.applied.len()
    );
    applied_lines("applied", &report.applied);
    Ok(())
}

/// `migrate down`.
pub(super) fn down_report(report: &DownReport, format: Format) -> Result<()> {
    if format == Format::Json {
        return print_json(&DownJson {
            reverted: &report.reverted,
        });
    }
    println!(
        "{BOLD}Reverted {} migration(s){BOLD:#}:",
        report.reverted.len()
    );
    for row in &report.reverted {
        println!(
            "  {YELLOW}reverted{YELLOW:#} {BOLD}{}{BOLD:#} ({})",
            row.name(),
            row.phase
        );
    }
    Ok(())
}

/// `migrate status`.
pub(super) fn status(status: &Status, format: Format) -> Result<()> {
    match format {
        Format::Json => return print_json(&StatusJson::from(status)),
        Format::Github => {
            status_annotations(status);
            return Ok(());
        }
        Format::Text => {}
    }
    if status.migrations.is_empty() && status.unregistered.is_empty() {
        println!(
            "{BOLD}No migrations registered{BOLD:#} ({}).",
            status.backend
        );
        return Ok(());
    }
    let mut app = "";
    for m in &status.migrations {
        if m.app != app {
            app = &m.app;
            println!("{BOLD}{app}{BOLD:#}");
        }
        match &m.applied {
            Some(a) if m.tampered() => println!(
                "  {RED}tampered{RED:#} {} ({}) applied {} with {}, registered with {}",
                m.id,
                m.phase.as_str(),
                a.applied_at,
                a.checksum,
                m.checksum
            ),
            Some(a) => match m.recorded_as {
                Some(how) => println!(
                    "  {GREEN}{:<8}{GREEN:#} {} ({}) {DIM}{}, recorded without running{DIM:#}",
                    how.as_str(),
                    m.id,
                    m.phase.as_str(),
                    a.applied_at
                ),
                None => println!(
                    "  {GREEN}applied{GREEN:#}  {} ({}) {DIM}{}, {} ms{DIM:#}",
                    m.id,
                    m.phase.as_str(),
                    a.applied_at,
                    a.duration_ms
                ),
            },
            None => println!(
                "  {YELLOW}pending{YELLOW:#}  {} ({})",
                m.id,
                m.phase.as_str()
            ),
        }
    }
    for row in &status.unregistered {
        println!(
            "{YELLOW}warning:{YELLOW:#} `{}` was applied {} but is no longer registered (its code was removed?)",
            row.name(),
            row.applied_at
        );
    }
    for problem in &status.problems {
        println!("{RED}problem:{RED:#} {problem}");
    }
    let pending = status.pending().count();
    println!(
        "\n{} applied, {} pending on {}.",
        status.migrations.len() - pending,
        pending,
        status.backend
    );
    Ok(())
}

/// `migrate status --format github`: a notice per pending migration, an
/// error per ledger problem, a warning per applied migration that is no
/// longer registered.
fn status_annotations(status: &Status) {
    for m in status.pending() {
        let message = format!("{}:{} ({}) will run", m.app, m.id, m.phase.as_str());
        println!("{}", annotation("notice", "pending migration", &message));
    }
    for problem in &status.problems {
        println!(
            "{}",
            annotation("error", "migration ledger", &problem.to_string())
        );
    }
    for row in &status.unregistered {
        let message = format!(
            "`{}` was applied {} but is no longer registered",
            row.name(),
            row.applied_at
        );
        println!(
            "{}",
            annotation("warning", "unregistered migration", &message)
        );
    }
}

/// What an operator command did: `summary` as text, `json` as JSON.
pub(super) fn operated(summary: &str, json: &impl serde::Serialize, format: Format) -> Result<()> {
    if format == Format::Json {
        return print_json(json);
    }
    println!("{BOLD}{summary}{BOLD:#}");
    Ok(())
}

/// `migrate all --format json`, once it ended. (The text format is
/// printed step by step, by [`all_step`].)
pub(super) fn all_json(report: &AllReport) -> Result<()> {
    print_json(&AllJson::from(report))
}

/// `migrate all --format json` when `step` failed: what the earlier steps
/// did (`report`), and the failure. The error itself also goes to stderr.
pub(super) fn all_json_failed(report: &AllReport, step: Step, error: &crate::Error) -> Result<()> {
    print_json(&AllJson::failed(report, step, error))
}

/// `migrate all`'s text for the `step` that just ended, printed as it ends:
/// when a later step fails, what the earlier ones did is already on screen.
pub(super) fn all_step(step: Step, report: &AllReport) {
    match step {
        Step::PreSync => {
            if !report.baselined.is_empty() {
                println!(
                    "{BOLD}0. fresh install{BOLD:#}: {} migration(s) recorded without running (the sync creates the current schema)",
                    report.baselined.len()
                );
                for row in &report.baselined {
                    println!("  {DIM}baselined{DIM:#} {}", row.name());
                }
            }
            println!(
                "{BOLD}1. pre_sync migrations{BOLD:#}: {}",
                report.pre_sync.len()
            );
            applied_lines("applied", &report.pre_sync);
        }
        Step::BeforeSync => {
            println!(
                "{BOLD}2. before_sync hooks{BOLD:#}: {}",
                report.before_sync.len()
            );
            hook_lines(&report.before_sync);
        }
        Step::Sync => {
            println!(
                "{BOLD}3. sync{BOLD:#}: {} change(s) applied ({} statement(s)), {} blocked",
                report.sync.applied.len(),
                report.sync.statements,
                report.sync.blocked.len()
            );
            for change in &report.sync.applied {
                println!(
                    "  {GREEN}applied{GREEN:#}  {} {}",
                    change.change.kind(),
                    super::render::target(change)
                );
            }
            for change in &report.sync.blocked {
                println!(
                    "  {YELLOW}blocked{YELLOW:#}  {} {}: {}",
                    change.change.kind(),
                    super::render::target(change),
                    change.reason
                );
            }
            if report.stopped_at_sync {
                println!(
                    "\n{RED}Stopped after the sync{RED:#}: the policy held back a change, so these did not run:"
                );
                for skipped in &report.skipped {
                    println!("  {YELLOW}skipped{YELLOW:#}  {skipped}");
                }
                println!(
                    "Resolve it (`migrate verify` explains each change; WARNING needs --allow-warning), then run `migrate all` again."
                );
            }
        }
        Step::AfterSync => {
            println!(
                "{BOLD}4. after_sync hooks{BOLD:#}: {}",
                report.after_sync.len()
            );
            hook_lines(&report.after_sync);
        }
        Step::PostSync => {
            println!(
                "{BOLD}5. post_sync migrations{BOLD:#}: {}",
                report.post_sync.len()
            );
            applied_lines("applied", &report.post_sync);
        }
    }
}
