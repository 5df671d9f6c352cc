//! `kubedrill lab serve`: the study labs in a browser, offline, from this one binary.
//!
//! A catalogue page and a lab page (the task, a terminal, a live picture of the cluster, a
//! timeline), written in plain JavaScript and CSS that are compiled into the binary with
//! `include_str!`; nothing is fetched from anywhere else. The pages talk to a small JSON API
//! over the same labs engine as the terminal lab (`kubedrill_labs::Session`). It listens on
//! 127.0.0.1 only.

mod picture;

use anyhow::Context as _;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use kubedrill_labs::{Lab, Reply, Session};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write as _;
use std::net::Ipv4Addr;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

const INDEX_HTML: &str = include_str!("assets/index.html");
const LAB_HTML: &str = include_str!("assets/lab.html");
const INDEX_JS: &str = include_str!("assets/index.js");
const LAB_JS: &str = include_str!("assets/lab.js");
const STYLE_CSS: &str = include_str!("assets/style.css");

/// How many sessions are kept; the least recently used goes when another starts.
const MAX_SESSIONS: usize = 16;
/// The longest line a terminal may send, and the largest file an editor may save.
const MAX_LINE_BYTES: usize = 4096;
const MAX_EDIT_BYTES: usize = 1 << 20;

struct Open {
    last_used: u64,
    session: Session,
}

struct Labs {
    catalogue: Vec<Lab>,
    open: BTreeMap<u64, Open>,
    next_id: u64,
    /// A counter, not a clock: which session was used last.
    uses: u64,
}

type Shared = Arc<Mutex<Labs>>;

/// `kubedrill lab serve [--port N]` (0: any free port). Prints the address, then serves until
/// the process is stopped.
pub fn serve(port: u16) -> anyhow::Result<ExitCode> {
    let catalogue = kubedrill_labs::catalogue().context("the built-in lab catalogue")?;
    let state: Shared = Arc::new(Mutex::new(Labs {
        catalogue,
        open: BTreeMap::new(),
        next_id: 1,
        uses: 0,
    }));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the server's runtime")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, port))
            .await
            .with_context(|| format!("listening on 127.0.0.1:{port}"))?;
        let addr = listener.local_addr().context("the listening address")?;
        println!("kubedrill lab serve: http://{addr}/ (offline; Ctrl-C stops it)");
        std::io::stdout().flush().ok();
        axum::serve(listener, router(state)).await.context("serving")
    })?;
    Ok(ExitCode::SUCCESS)
}

fn router(state: Shared) -> Router {
    Router::new()
        .route("/", get(|| async { Html(INDEX_HTML) }))
        .route("/lab/{id}", get(lab_page))
        .route("/assets/index.js", get(|| async { asset("text/javascript", INDEX_JS) }))
        .route("/assets/lab.js", get(|| async { asset("text/javascript", LAB_JS) }))
        .route("/assets/style.css", get(|| async { asset("text/css", STYLE_CSS) }))
        .route("/api/labs", get(list_labs))
        .route("/api/sessions", post(create_session))
        .route("/api/sessions/{id}", get(session_state))
        .route("/api/sessions/{id}/at/{step}", get(preview))
        .route("/api/sessions/{id}/input", post(input))
        .route("/api/sessions/{id}/edit", post(edit))
        .route("/api/sessions/{id}/complete", get(complete))
        .fallback(|| async { error(StatusCode::NOT_FOUND, "no such page") })
        .with_state(state)
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    #[derive(Serialize)]
    struct E {
        error: String,
    }
    (status, Json(E { error: message.into() })).into_response()
}

async fn lab_page(State(state): State<Shared>, Path(id): Path<String>) -> Response {
    let known = lock(&state).catalogue.iter().any(|l| l.id == id);
    if known {
        Html(LAB_HTML).into_response()
    } else {
        (
            StatusCode::NOT_FOUND,
            Html(format!(
                "<p>No lab {}. <a href=\"/\">The catalogue</a>.</p>",
                escape(&id)
            )),
        )
            .into_response()
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The state's lock; a handler that panicked cannot leave it half-changed (every change is one
/// call into the session), so a poisoned lock is taken over.
fn lock(state: &Shared) -> std::sync::MutexGuard<'_, Labs> {
    state.lock().unwrap_or_else(|e| e.into_inner())
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LabInfo {
    id: String,
    title: String,
    topic: String,
    difficulty: String,
    minutes: u32,
    task: String,
}

fn info(l: &Lab) -> LabInfo {
    LabInfo {
        id: l.id.clone(),
        title: l.title.clone(),
        topic: l.topic.clone(),
        difficulty: l.difficulty.to_string(),
        minutes: l.minutes,
        task: l.task.trim_end().to_string(),
    }
}

async fn list_labs(State(state): State<Shared>) -> Response {
    let labs: Vec<LabInfo> = lock(&state).catalogue.iter().map(info).collect();
    Json(labs).into_response()
}

#[derive(Deserialize)]
struct NewSession {
    lab: String,
    seed: Option<u64>,
}

#[derive(Serialize)]
struct Created {
    lab: LabInfo,
    state: picture::SessionView,
}

async fn create_session(State(state): State<Shared>, Json(req): Json<NewSession>) -> Response {
    let mut labs = lock(&state);
    let Some(lab) = labs.catalogue.iter().find(|l| l.id == req.lab).cloned() else {
        return error(StatusCode::NOT_FOUND, format!("no lab {:?}", req.lab));
    };
    let session = match Session::start(&lab, req.seed.unwrap_or_else(|| lab.default_seed())) {
        Ok(s) => s,
        Err(e) => return error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    };
    if labs.open.len() >= MAX_SESSIONS
        && let Some(oldest) = labs.open.iter().min_by_key(|(_, o)| o.last_used).map(|(id, _)| *id)
    {
        labs.open.remove(&oldest);
    }
    let id = labs.next_id;
    labs.next_id += 1;
    labs.uses += 1;
    let view = picture::session_view(id, &session, &session);
    let last_used = labs.uses;
    labs.open.insert(id, Open { last_used, session });
    (
        StatusCode::CREATED,
        Json(Created {
            lab: info(&lab),
            state: view,
        }),
    )
        .into_response()
}

/// Runs `f` on an open session, or answers 404.
fn with_session(state: &Shared, id: u64, f: impl FnOnce(u64, &mut Session) -> Response) -> Response {
    let mut labs = lock(state);
    labs.uses += 1;
    let uses = labs.uses;
    match labs.open.get_mut(&id) {
        Some(open) => {
            open.last_used = uses;
            f(id, &mut open.session)
        }
        None => error(
            StatusCode::NOT_FOUND,
            format!("no session {id} (sessions end when the server restarts); start the lab again"),
        ),
    }
}

async fn session_state(State(state): State<Shared>, Path(id): Path<u64>) -> Response {
    with_session(&state, id, |id, s| {
        Json(picture::session_view(id, s, s)).into_response()
    })
}

async fn preview(State(state): State<Shared>, Path((id, step)): Path<(u64, usize)>) -> Response {
    with_session(&state, id, |id, s| {
        if step > s.history().len() {
            return error(
                StatusCode::BAD_REQUEST,
                format!("no step {step}: the timeline has {}", s.history().len()),
            );
        }
        let then = s.preview(step);
        Json(picture::session_view(id, s, &then)).into_response()
    })
}

#[derive(Deserialize)]
struct Line {
    line: String,
}

/// What a typed line gave: its output, or an editor to open.
#[derive(Serialize)]
struct Answer {
    output: String,
    status: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    edit: Option<EditFile>,
    state: picture::SessionView,
}

#[derive(Serialize, Deserialize)]
struct EditFile {
    path: String,
    #[serde(alias = "text")]
    content: String,
}

fn answer(id: u64, s: &Session, reply: Reply) -> Response {
    let (output, status, edit) = match reply {
        Reply::Output { text, status } => (text, status, None),
        Reply::Edit { path, content } => (String::new(), 0, Some(EditFile { path, content })),
        Reply::Exit => (
            "The browser lab has no shell to leave: the catalogue is one click away.\n".to_string(),
            0,
            None,
        ),
    };
    Json(Answer {
        output,
        status,
        edit,
        state: picture::session_view(id, s, s),
    })
    .into_response()
}

async fn input(State(state): State<Shared>, Path(id): Path<u64>, Json(req): Json<Line>) -> Response {
    if req.line.len() > MAX_LINE_BYTES || req.line.contains('\n') {
        return error(
            StatusCode::BAD_REQUEST,
            format!("a line is one line of at most {MAX_LINE_BYTES} bytes"),
        );
    }
    with_session(&state, id, |id, s| {
        let reply = s.input(&req.line);
        answer(id, s, reply)
    })
}

async fn edit(State(state): State<Shared>, Path(id): Path<u64>, Json(req): Json<EditFile>) -> Response {
    if req.content.len() > MAX_EDIT_BYTES {
        return error(
            StatusCode::BAD_REQUEST,
            format!("the editor saves files of at most {MAX_EDIT_BYTES} bytes"),
        );
    }
    with_session(&state, id, |id, s| {
        let reply = s.finish_edit(&req.path, &req.content);
        answer(id, s, reply)
    })
}

#[derive(Deserialize)]
struct Partial {
    line: String,
}

async fn complete(State(state): State<Shared>, Path(id): Path<u64>, Query(q): Query<Partial>) -> Response {
    if q.line.len() > MAX_LINE_BYTES {
        return error(StatusCode::BAD_REQUEST, "line too long");
    }
    with_session(&state, id, |_, s| Json(s.completions(&q.line)).into_response())
}
