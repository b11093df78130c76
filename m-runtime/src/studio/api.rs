//! The studio's HTTP routes: the page, and the JSON API behind it (the
//! CLI's `--format json` shapes, from [`crate::output`]).

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::{Request, State as Extract};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::auth::{self, Access};
use super::planner::{Planner, Snapshot};
use super::{Options, page};
use crate::output::{ListJson, SyncJson};
use crate::pipeline::PipelineOptions;
use crate::{Db, Registry};

/// The header that names the studio's run: it changes when the studio
/// re-executes a rebuilt binary, and the page then reloads.
pub const INSTANCE_HEADER: &str = "x-m-studio-instance";

/// What the handlers share.
#[derive(Clone)]
pub struct State {
    /// The background planner.
    pub planner: Planner,
    /// What this binary registered.
    pub registry: Arc<Registry>,
    /// The studio's options.
    pub options: Arc<Options>,
    /// This run's id ([`INSTANCE_HEADER`]).
    pub instance: String,
}

/// Every route, behind [`auth::check`].
pub fn router(state: State, access: Arc<Access>) -> Router {
    let instance = HeaderValue::from_str(&state.instance).unwrap_or(HeaderValue::from_static("-"));
    Router::new()
        .route("/", get(page::index))
        .route("/assets/studio.js", get(page::script))
        .route("/assets/studio.css", get(page::style))
        .route("/api/plan", get(plan))
        .route("/api/status", get(status))
        .route("/api/schema", get(schema))
        .route("/api/studio", get(studio))
        .route("/api/replan", post(replan))
        .route("/api/apply", post(apply))
        .with_state(state)
        .layer(middleware::from_fn(move |request: Request, next: Next| {
            let instance = instance.clone();
            async move {
                let mut response = next.run(request).await;
                let headers = response.headers_mut();
                headers.insert(INSTANCE_HEADER, instance);
                headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
                response
            }
        }))
        .layer(middleware::from_fn_with_state(access, auth::check))
}

fn answer(body: &Result<Value, String>) -> Response {
    match body {
        Ok(value) => Json(value).into_response(),
        Err(error) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "error": error })),
        )
            .into_response(),
    }
}

/// `GET /api/plan`: `verify --format json` of the last planning.
async fn plan(Extract(state): Extract<State>) -> Response {
    answer(&state.planner.latest().await.plan)
}

/// `GET /api/status`: `status --format json` of the last planning.
async fn status(Extract(state): Extract<State>) -> Response {
    answer(&state.planner.latest().await.status)
}

/// `POST /api/replan`: plans now; answers like `/api/plan`.
async fn replan(Extract(state): Extract<State>) -> Response {
    answer(&state.planner.replan().await.plan)
}

/// `GET /api/schema`: what `migrate list` and `migrate snapshot` write.
async fn schema(Extract(state): Extract<State>) -> Response {
    Json(json!({
        "registry": ListJson::from(&*state.registry),
        "schema": state.registry.schema(),
    }))
    .into_response()
}

/// `GET /api/studio`: how the studio runs, and its last planning.
async fn studio(Extract(state): Extract<State>) -> Response {
    let snapshot: Arc<Snapshot> = state.planner.latest().await;
    let options = &state.options;
    let exe = std::env::current_exe()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "app".to_owned());
    let warning = if options.policy.allow_warning {
        " --allow-warning"
    } else {
        ""
    };
    Json(json!({
        "mode": if options.offline.is_some() { "offline" } else { "database" },
        "offline": options.offline.as_ref().map(|p| p.display().to_string()),
        "database": crate::db::redact(&options.url),
        "allow_apply": options.allow_apply && options.offline.is_none(),
        "allow_warning": options.policy.allow_warning,
        "commands": {
            "sync": format!("{exe} migrate sync{warning}"),
            "run": format!("{exe} migrate run"),
            "all": format!("{exe} migrate all{warning}"),
        },
        "interval_ms": options.interval.as_millis(),
        "planned_at_ms": snapshot.planned_at_ms,
        "took_ms": snapshot.took_ms,
        "generation": snapshot.generation,
        "error": snapshot.plan.as_ref().err(),
        "instance": state.instance,
    }))
    .into_response()
}

fn refused(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({ "error": message.into() }))).into_response()
}

/// `POST /api/apply`: `migrate sync` under the studio's policy, through the
/// pipeline and under the migration lock; answers `sync --format json`.
async fn apply(Extract(state): Extract<State>) -> Response {
    let options = &state.options;
    if !options.allow_apply {
        return refused(
            StatusCode::FORBIDDEN,
            "the studio is read-only: start it with --allow-apply to apply from the page",
        );
    }
    if options.offline.is_some() {
        return refused(
            StatusCode::CONFLICT,
            "an offline studio has no database to apply to",
        );
    }
    let outcome = {
        // No planning runs while the sync does; the next one sees it.
        let _busy = state.planner.busy.lock().await;
        sync(options, &state.registry).await
    };
    state.planner.replan().await;
    match outcome {
        Ok(body) => Json(body).into_response(),
        Err(error) => refused(
            StatusCode::INTERNAL_SERVER_ERROR,
            crate::Report(&error).to_string(),
        ),
    }
}

async fn sync(options: &Options, registry: &Registry) -> crate::Result<Value> {
    let db = Db::connect(&options.url).await?;
    let outcome = async {
        let lock = crate::cli::lock(&db, options.lock_timeout).await?;
        let synced =
            crate::pipeline::sync(&db, registry, &PipelineOptions::new(options.policy.clone()))
                .await
                .and_then(|(plan, report)| {
                    serde_json::to_value(SyncJson::new(&plan, &report))
                        .map_err(|e| crate::Error::Output(e.to_string()))
                });
        lock.release(&db).await;
        synced
    }
    .await;
    if let Err(error) = db.close().await {
        tracing::warn!("closing the studio's apply connection: {error}");
    }
    outcome
}
