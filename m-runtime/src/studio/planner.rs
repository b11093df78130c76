//! The studio's view of the database: a background task that re-plans on
//! an interval and on demand, and keeps the last answer as JSON in the
//! CLI's shapes, so that any number of open pages cost one planning per
//! interval.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;
use tokio::sync::{Mutex, Notify, watch};

use super::Options;
use crate::migrate::Status;
use crate::output::{StatusJson, VerifyJson};
use crate::plan::Plan;
use crate::{Db, Error, Registry, Result};

/// One planning's outcome.
#[derive(Clone, Debug)]
pub struct Snapshot {
    /// `verify --format json`'s body, or the error that stopped the planning.
    pub plan: std::result::Result<Value, String>,
    /// `status --format json`'s body, or the error.
    pub status: std::result::Result<Value, String>,
    /// When it was made (milliseconds since the Unix epoch).
    pub planned_at_ms: u128,
    /// How long it took.
    pub took_ms: u128,
    /// Counts up with every planning.
    pub generation: u64,
}

/// The background planner; cheap to clone.
#[derive(Clone)]
pub struct Planner {
    latest: watch::Receiver<Arc<Snapshot>>,
    wake: Arc<Notify>,
    /// Held while planning and while applying: an apply never interleaves
    /// with a planning, and the next planning sees what it did.
    pub(crate) busy: Arc<Mutex<()>>,
    stop: Arc<Notify>,
    task: Arc<Mutex<Option<tokio::task::JoinHandle<()>>>>,
}

impl Planner {
    /// Starts planning in the background (the first planning right away).
    pub fn start(options: &Options, registry: Arc<Registry>) -> Planner {
        let (sender, latest) = watch::channel(Arc::new(Snapshot {
            plan: Err("not planned yet".to_owned()),
            status: Err("not planned yet".to_owned()),
            planned_at_ms: 0,
            took_ms: 0,
            generation: 0,
        }));
        let wake = Arc::new(Notify::new());
        let stop = Arc::new(Notify::new());
        let busy = Arc::new(Mutex::new(()));
        let task = tokio::spawn(run(
            options.clone(),
            registry,
            sender,
            wake.clone(),
            stop.clone(),
            busy.clone(),
        ));
        Planner {
            latest,
            wake,
            busy,
            stop,
            task: Arc::new(Mutex::new(Some(task))),
        }
    }

    /// The last planning's outcome (waits for the first one).
    pub async fn latest(&self) -> Arc<Snapshot> {
        let mut latest = self.latest.clone();
        // A failed wait means the task ended: its last value stands.
        let _ = latest.wait_for(|s| s.generation > 0).await;
        latest.borrow().clone()
    }

    /// Re-plans now and returns the outcome.
    pub async fn replan(&self) -> Arc<Snapshot> {
        let mut latest = self.latest.clone();
        let seen = latest.borrow_and_update().generation;
        self.wake.notify_one();
        let _ = latest.wait_for(|s| s.generation > seen).await;
        latest.borrow().clone()
    }

    /// Stops the task and closes its connection.
    pub async fn stop(&self) {
        self.stop.notify_one();
        if let Some(task) = self.task.lock().await.take() {
            let _ = task.await;
        }
    }
}

async fn run(
    options: Options,
    registry: Arc<Registry>,
    sender: watch::Sender<Arc<Snapshot>>,
    wake: Arc<Notify>,
    stop: Arc<Notify>,
    busy: Arc<Mutex<()>>,
) {
    let mut db: Option<Db> = None;
    let mut generation = 0;
    loop {
        let started = std::time::Instant::now();
        let outcome = {
            let _busy = busy.lock().await;
            match &options.offline {
                Some(path) => offline(path, &options, &registry),
                None => online(&mut db, &options, &registry).await,
            }
        };
        generation += 1;
        let (plan, status) = match outcome {
            Ok((plan, status)) => (
                to_value(&VerifyJson::new(&plan, &status)),
                to_value(&StatusJson::from(&status)),
            ),
            Err(error) => {
                // Reconnect next time: the connection may be what failed.
                if let Some(db) = db.take() {
                    let _ = db.close().await;
                }
                let message = crate::Report(&error).to_string();
                (Err(message.clone()), Err(message))
            }
        };
        sender.send_replace(Arc::new(Snapshot {
            plan,
            status,
            planned_at_ms: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or(Duration::ZERO)
                .as_millis(),
            took_ms: started.elapsed().as_millis(),
            generation,
        }));
        tokio::select! {
            () = tokio::time::sleep(options.interval) => {}
            () = wake.notified() => {}
            () = stop.notified() => break,
        }
    }
    if let Some(db) = db.take()
        && let Err(error) = db.close().await
    {
        tracing::warn!("closing the studio's connection: {error}");
    }
}

async fn online(
    db: &mut Option<Db>,
    options: &Options,
    registry: &Registry,
) -> Result<(Plan, Status)> {
    if db.is_none() {
        if let Some(backend) = crate::backend::for_url(&options.url)
            && let Some(missing) = backend.missing_database(&options.url)
        {
            // The studio only reads: it never creates a database.
            return Err(Error::MissingDatabase(missing));
        }
        *db = Some(Db::connect(&options.url).await?);
    }
    let Some(db) = db.as_ref() else {
        unreachable!("connected above")
    };
    crate::state::check_linked_apps(db, registry).await?;
    let plan = crate::plan(db, &registry.schema(), &options.policy).await?;
    let status = crate::migrate::status(db, registry).await?;
    Ok((plan, status))
}

fn offline(
    path: &std::path::Path,
    options: &Options,
    registry: &Registry,
) -> Result<(Plan, Status)> {
    let plan = crate::cli::offline_plan(path, &options.url, registry, &options.policy)?;
    let status = Status::unknown(plan.backend.clone());
    Ok((plan, status))
}

fn to_value(value: &impl serde::Serialize) -> std::result::Result<Value, String> {
    serde_json::to_value(value).map_err(|e| e.to_string())
}
