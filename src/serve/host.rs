//! The thread that owns the simulator. The Sim is single-threaded and deterministic: every
//! HTTP request, every lab line and every test step reaches it as a job on one channel, run in
//! arrival order. Before each job, virtual time is brought up to wall time × speed, but only
//! while a client is connected: between kubectl invocations the cluster stands still, as a
//! scenario's steps do.

use super::backend::Caches;
use kubedrill_sim::Sim;
use kubedrill_sim::time::SimTime;
use std::sync::mpsc;
use std::time::Instant;

/// What the owner thread holds: a bare simulator (`serve`) or a lab session around one.
pub trait SimOwner: 'static {
    fn with_sim<R>(&mut self, f: impl FnOnce(&mut Sim) -> R) -> R;
}

impl SimOwner for Sim {
    fn with_sim<R>(&mut self, f: impl FnOnce(&mut Sim) -> R) -> R {
        f(self)
    }
}

/// A simulator that another thread uses too (a lab session typing lines beside the server).
impl<T: AsMut<Sim> + Send + 'static> SimOwner for std::sync::Arc<std::sync::Mutex<T>> {
    fn with_sim<R>(&mut self, f: impl FnOnce(&mut Sim) -> R) -> R {
        let mut guard = self.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        f(guard.as_mut())
    }
}

type Job<O> = Box<dyn FnOnce(&mut O, &mut Caches) + Send>;

enum Message<O> {
    Job(Job<O>),
    Connected,
    Disconnected,
}

/// Virtual time that follows the wall clock × speed while at least one client is connected.
struct Clock {
    speed: f64,
    connections: usize,
    /// (wall, virtual) when the clock last started running.
    running_since: Option<(Instant, SimTime)>,
}

impl Clock {
    fn target(&self) -> Option<SimTime> {
        let (wall, sim) = self.running_since?;
        let elapsed_ms = wall.elapsed().as_secs_f64() * 1000.0 * self.speed;
        Some(SimTime(sim.ms() + elapsed_ms as u64))
    }

    fn sync(&self, sim: &mut Sim) {
        if let Some(t) = self.target()
            && t > sim.now()
        {
            sim.advance_to(t);
        }
    }
}

/// A handle to the owner thread; cheap to clone, usable from any thread or task.
pub struct SimHost<O> {
    tx: mpsc::Sender<Message<O>>,
}

impl<O> Clone for SimHost<O> {
    fn clone(&self) -> Self {
        Self { tx: self.tx.clone() }
    }
}

/// The thread ended (the owner panicked or the server stopped).
#[derive(Debug, thiserror::Error)]
#[error("the simulator thread has stopped")]
pub struct HostGone;

impl<O: SimOwner> SimHost<O> {
    /// Starts the owner thread; `make` builds the owned value on it (a Sim need not be Send).
    pub fn start(speed: f64, make: impl FnOnce() -> O + Send + 'static) -> Self {
        let (tx, rx) = mpsc::channel::<Message<O>>();
        std::thread::Builder::new()
            .name("kubedrill-sim".into())
            .spawn(move || {
                let mut owner = make();
                let mut caches = Caches::default();
                let mut clock = Clock {
                    speed,
                    connections: 0,
                    running_since: None,
                };
                for msg in rx {
                    match msg {
                        Message::Job(job) => {
                            owner.with_sim(|sim| clock.sync(sim));
                            job(&mut owner, &mut caches);
                        }
                        Message::Connected => {
                            clock.connections += 1;
                            if clock.running_since.is_none() {
                                clock.running_since = Some((Instant::now(), owner.with_sim(|s| s.now())));
                            }
                        }
                        Message::Disconnected => {
                            owner.with_sim(|sim| clock.sync(sim));
                            clock.connections = clock.connections.saturating_sub(1);
                            if clock.connections == 0 {
                                clock.running_since = None;
                            }
                        }
                    }
                }
            })
            .expect("spawning the simulator thread");
        Self { tx }
    }

    /// Runs `f` on the simulator (after the clock caught up) and returns its result.
    pub fn call<R: Send + 'static>(&self, f: impl FnOnce(&mut O) -> R + Send + 'static) -> Result<R, HostGone> {
        let (rtx, rrx) = mpsc::sync_channel(1);
        self.tx
            .send(Message::Job(Box::new(move |o, _| {
                let _ = rtx.send(f(o));
            })))
            .map_err(|_| HostGone)?;
        rrx.recv().map_err(|_| HostGone)
    }

    /// [`call`](Self::call) from async code, with the backend's caches.
    pub(crate) async fn call_async<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut O, &mut Caches) -> R + Send + 'static,
    ) -> Result<R, HostGone> {
        let (rtx, rrx) = tokio::sync::oneshot::channel();
        self.tx
            .send(Message::Job(Box::new(move |o, c| {
                let _ = rtx.send(f(o, c));
            })))
            .map_err(|_| HostGone)?;
        rrx.await.map_err(|_| HostGone)
    }

    pub(crate) fn connected(&self) {
        let _ = self.tx.send(Message::Connected);
    }

    pub(crate) fn disconnected(&self) {
        let _ = self.tx.send(Message::Disconnected);
    }
}
