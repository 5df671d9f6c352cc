//! The HTTP side: an axum server on 127.0.0.1 whose every request becomes a job on the
//! simulator thread ([`SimHost`]). It counts connections (virtual time runs while a client is
//! connected), streams watches by polling, and closes its listening socket while the simulated
//! API server is down, so clients see `connection refused` as they would.

use super::api::{self, Request, Response, Target};
use super::backend::Backend;
use super::host::{SimHost, SimOwner};
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use futures_util::stream;
use kubedrill_sim::model::objects::ApiObject;
use kubedrill_sim::model::status::Unreachable;
use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

/// How often a watch looks at the cluster again (wall time).
const WATCH_POLL: Duration = Duration::from_millis(200);

/// A running endpoint. Dropping it stops the server and frees the port.
pub struct Server {
    runtime: Option<tokio::runtime::Runtime>,
    pub addr: SocketAddr,
    busy: Arc<dyn Fn() -> Duration + Send + Sync>,
}

impl Server {
    /// Binds 127.0.0.1:`port` (0: any free port) and serves `host`'s simulator.
    pub fn start<O: SimOwner>(host: SimHost<O>, port: u16, speed: f64) -> anyhow::Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("kubedrill-http")
            .enable_all()
            .build()?;
        let listener = runtime.block_on(TcpListener::bind(("127.0.0.1", port)))?;
        let addr = listener.local_addr()?;
        let state = Arc::new(State {
            host,
            busy_ns: Default::default(),
            speed,
            refusing: AtomicBool::new(false),
        });
        let app = axum::Router::new().fallback({
            let state = state.clone();
            move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let state = state.clone();
                async move { respond(state, method, uri, headers, body, addr).await }
            }
        });
        let busy = {
            let state = state.clone();
            Arc::new(move || Duration::from_nanos(state.busy_ns.load(Ordering::Relaxed)))
        };
        let listener = CountingListener {
            inner: Some(listener),
            addr,
            state,
        };
        runtime.spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self {
            runtime: Some(runtime),
            addr,
            busy,
        })
    }

    /// How long the simulator thread has spent answering requests so far.
    pub fn busy_time(&self) -> Duration {
        (self.busy)()
    }

    /// Stops serving: open connections are dropped and the port is free when this returns.
    pub fn stop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_timeout(Duration::from_secs(2));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

struct State<O> {
    host: SimHost<O>,
    /// Time the simulator thread spent answering requests, in nanoseconds.
    busy_ns: std::sync::atomic::AtomicU64,
    speed: f64,
    /// The simulated API server is not running: the listening socket is closed.
    refusing: AtomicBool,
}

async fn respond<O: SimOwner>(
    state: Arc<State<O>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
    addr: SocketAddr,
) -> axum::response::Response {
    let header_text = |h: header::HeaderName| headers.get(h).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let query: Vec<(String, String)> = uri
        .query()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    if std::env::var_os("KUBEDRILL_SERVE_LOG").is_some() {
        eprintln!(
            "kubedrill serve: {method} {uri} accept={:?} content-type={:?}",
            header_text(header::ACCEPT),
            header_text(header::CONTENT_TYPE)
        );
    }
    let req = Request {
        method: method.as_str().to_string(),
        path: uri.path().to_string(),
        query,
        accept: header_text(header::ACCEPT),
        content_type: header_text(header::CONTENT_TYPE),
        body: body.to_vec(),
        server_address: addr.to_string(),
    };
    let log = std::env::var_os("KUBEDRILL_SERVE_LOG").is_some();
    let started = std::time::Instant::now();
    let answer = state
        .host
        .call_async(move |o, caches| {
            let t = std::time::Instant::now();
            let r = o.with_sim(|sim| {
                let mut b = Backend { sim, caches };
                api::handle(&mut b, &req)
            });
            (r, t.elapsed())
        })
        .await;
    if let Ok((_, busy)) = &answer {
        state.busy_ns.fetch_add(busy.as_nanos() as u64, Ordering::Relaxed);
    }
    if log && let Ok((_, busy)) = &answer {
        eprintln!(
            "kubedrill serve: answered in {:.2?} ({busy:.2?} on the simulator)",
            started.elapsed()
        );
    }
    let answer = answer.map(|(r, _)| r);
    match answer {
        Ok(r) => into_http(state, r).await,
        Err(_) => plain(StatusCode::SERVICE_UNAVAILABLE, "the simulator has stopped"),
    }
}

fn plain(status: StatusCode, text: &str) -> axum::response::Response {
    axum::response::Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from(text.to_string()))
        .unwrap_or_default()
}

async fn into_http<O: SimOwner>(state: Arc<State<O>>, r: Response) -> axum::response::Response {
    let mut r = r;
    // An etcd timeout takes the API server's request timeout (virtual), scaled to the wall.
    if let Response::TimedOut { after, then } = r {
        let wall = Duration::from_millis((after.0 as f64 / state.speed.max(1e-3)) as u64);
        tokio::time::sleep(wall).await;
        r = *then;
    }
    match r {
        Response::Full {
            status,
            content_type,
            body,
        } => axum::response::Response::builder()
            .status(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body))
            .unwrap_or_default(),
        Response::Refused => {
            state.refusing.store(true, Ordering::SeqCst);
            axum::response::Response::builder()
                .status(StatusCode::SERVICE_UNAVAILABLE)
                .header(header::CONNECTION, "close")
                .body(Body::empty())
                .unwrap_or_default()
        }
        Response::Watch {
            target,
            stale,
            timeout_seconds,
        } => watch(state, target, stale, timeout_seconds),
        Response::TimedOut { .. } => plain(StatusCode::INTERNAL_SERVER_ERROR, "nested timeout"),
    }
}

/// Each watched object as the last poll saw it: its key, its JSON and the object (a deleted one
/// is reported as it was last seen).
type Seen = Vec<(String, String, ApiObject)>;

struct WatchState<O> {
    state: Arc<State<O>>,
    target: Arc<Target>,
    seen: Option<Seen>,
    /// Send every current object once at the start (new watch, or one that may have missed
    /// changes since its list).
    replay: bool,
    deadline: Option<tokio::time::Instant>,
    pending: std::collections::VecDeque<Bytes>,
}

fn watch<O: SimOwner>(
    state: Arc<State<O>>,
    target: Box<Target>,
    replay: bool,
    timeout_seconds: Option<u64>,
) -> axum::response::Response {
    let ws = WatchState {
        state,
        target: Arc::from(target),
        seen: None,
        replay,
        deadline: timeout_seconds.map(|s| tokio::time::Instant::now() + Duration::from_secs(s)),
        pending: Default::default(),
    };
    let s = stream::unfold(ws, |mut ws| async move {
        loop {
            if let Some(b) = ws.pending.pop_front() {
                return Some((Ok::<Bytes, std::io::Error>(b), ws));
            }
            if ws.deadline.is_some_and(|d| tokio::time::Instant::now() >= d) {
                return None;
            }
            if ws.seen.is_some() {
                tokio::time::sleep(WATCH_POLL).await;
            }
            let target = ws.target.clone();
            let previous = ws.seen.take();
            let replay = std::mem::take(&mut ws.replay);
            let polled = ws
                .state
                .host
                .call_async(move |o, caches| {
                    o.with_sim(|sim| {
                        let mut b = Backend { sim, caches };
                        poll_watch(&mut b, &target, previous, replay)
                    })
                })
                .await;
            match polled {
                Ok(Some((seen, events))) => {
                    ws.seen = Some(seen);
                    ws.pending.extend(events);
                }
                _ => return None,
            }
        }
    });
    axum::response::Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::TRANSFER_ENCODING, "chunked")
        .body(Body::from_stream(s))
        .unwrap_or_default()
}

/// Compares the watched objects with the last poll; None ends the watch (the API went away).
fn poll_watch(
    b: &mut Backend<'_>,
    target: &Target,
    previous: Option<Seen>,
    replay: bool,
) -> Option<(Seen, Vec<Bytes>)> {
    if b.sim.api_outage().is_some() {
        return None;
    }
    let now = api::watch_snapshot(b, target).ok()?;
    let mut events = Vec::new();
    let mut seen = Vec::with_capacity(now.len());
    let old: BTreeMap<&str, (&str, &ApiObject)> = previous
        .iter()
        .flatten()
        .map(|(k, text, o)| (k.as_str(), (text.as_str(), o)))
        .collect();
    let mut event = |kind: &str, obj: serde_json::Value| {
        let line = serde_json::json!({"type": kind, "object": obj});
        let mut bytes = serde_json::to_vec(&line).unwrap_or_default();
        bytes.push(b'\n');
        events.push(Bytes::from(bytes));
    };
    for (key, obj) in now {
        let text = obj.to_json().to_string();
        match old.get(key.as_str()) {
            None if previous.is_some() || replay => event("ADDED", api::watch_object(b, target, &obj)),
            // The same name, another object (a StatefulSet pod recreated): the old one was
            // deleted and a new one added.
            Some((_, gone)) if gone.metadata().uid != obj.metadata().uid => {
                event("DELETED", api::watch_object(b, target, gone));
                event("ADDED", api::watch_object(b, target, &obj));
            }
            Some((t, _)) if *t != text => event("MODIFIED", api::watch_object(b, target, &obj)),
            _ => {}
        }
        seen.push((key, text, obj));
    }
    let keys: BTreeSet<&str> = seen.iter().map(|(k, _, _)| k.as_str()).collect();
    for (key, (_, gone)) in &old {
        if !keys.contains(key) {
            event("DELETED", api::watch_object(b, target, gone));
        }
    }
    Some((seen, events))
}

/// The TCP listener, counting connections for the clock and closed while the API is down.
struct CountingListener<O> {
    inner: Option<TcpListener>,
    addr: SocketAddr,
    state: Arc<State<O>>,
}

impl<O: SimOwner> axum::serve::Listener for CountingListener<O> {
    type Io = Counted<O>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            if self.state.refusing.load(Ordering::SeqCst) {
                // Close the socket (clients now get ECONNREFUSED) until the API is back.
                self.inner = None;
                loop {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    let back = self
                        .state
                        .host
                        .call_async(|o, _| {
                            o.with_sim(|sim| !matches!(sim.api_outage(), Some(Unreachable::Refused { .. })))
                        })
                        .await
                        .unwrap_or(false);
                    if back && let Ok(l) = TcpListener::bind(self.addr).await {
                        self.inner = Some(l);
                        self.state.refusing.store(false, Ordering::SeqCst);
                        break;
                    }
                }
            }
            let Some(listener) = self.inner.as_ref() else {
                self.state.refusing.store(true, Ordering::SeqCst);
                continue;
            };
            let accepted = tokio::select! {
                r = listener.accept() => Some(r),
                () = tokio::time::sleep(Duration::from_millis(200)) => None,
            };
            match accepted {
                Some(Ok((stream, peer))) => {
                    let _ = stream.set_nodelay(true);
                    self.state.host.connected();
                    return (
                        Counted {
                            stream,
                            host: self.state.host.clone(),
                        },
                        peer,
                    );
                }
                Some(Err(_)) => tokio::time::sleep(Duration::from_millis(10)).await,
                None => {}
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.addr)
    }
}

/// A client connection; virtual time runs while at least one is open.
struct Counted<O: SimOwner> {
    stream: TcpStream,
    host: SimHost<O>,
}

impl<O: SimOwner> Drop for Counted<O> {
    fn drop(&mut self) {
        self.host.disconnected();
    }
}

impl<O: SimOwner> AsyncRead for Counted<O> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl<O: SimOwner> AsyncWrite for Counted<O> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}
