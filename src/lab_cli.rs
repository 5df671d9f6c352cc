//! `kubedrill lab list|start|exam`: the study labs in a terminal.
//!
//! The labs crate is sans-IO (a session takes a line and returns the reply); this module is
//! the edge: the line editor (history, tab completion), `$EDITOR` for `vi FILE`, the exam's
//! countdown on the wall clock, and the progress file in the user's state directory. With
//! standard input not a terminal, lines are read from it and echoed after the prompt, so a lab
//! can be scripted and its transcript read.

use anyhow::{Context as _, bail};
use kubedrill_labs::{Lab, Reply, Session};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// Best scores and attempts per lab, in `progress.json` of the state directory.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Progress {
    pub labs: BTreeMap<String, LabProgress>,
}

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct LabProgress {
    pub attempts: u32,
    pub best: u32,
}

/// The platform's place for state (`$XDG_STATE_HOME/kubedrill` on Linux, the application
/// support directory elsewhere); `KUBEDRILL_STATE_DIR` overrides it (tests, shared machines).
pub fn state_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("KUBEDRILL_STATE_DIR") {
        return Some(PathBuf::from(d));
    }
    let dirs = directories::ProjectDirs::from("", "", "kubedrill")?;
    Some(dirs.state_dir().unwrap_or_else(|| dirs.data_local_dir()).to_path_buf())
}

impl Progress {
    pub fn load() -> Self {
        let Some(path) = state_dir().map(|d| d.join("progress.json")) else {
            return Self::default();
        };
        std::fs::read_to_string(path)
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default()
    }

    /// Records an attempt. A failure to write is reported, not fatal: the lab itself went fine.
    pub fn record(&mut self, lab: &str, score: u32) {
        let p = self.labs.entry(lab.to_string()).or_default();
        p.attempts += 1;
        p.best = p.best.max(score);
        let Some(dir) = state_dir() else { return };
        let write = std::fs::create_dir_all(&dir).and_then(|()| {
            let tmp = dir.join("progress.json.tmp");
            std::fs::write(&tmp, serde_json::to_string_pretty(self).unwrap_or_default())?;
            std::fs::rename(&tmp, dir.join("progress.json"))
        });
        if let Err(e) = write {
            eprintln!("kubedrill: could not save progress in {}: {e}", dir.display());
        }
    }
}

/// `kubedrill lab list`.
pub fn list() -> anyhow::Result<ExitCode> {
    let labs = kubedrill_labs::catalogue().context("the built-in lab catalogue")?;
    let progress = Progress::load();
    let mut rows = vec![[
        "ID".to_string(),
        "TOPIC".into(),
        "DIFFICULTY".into(),
        "MINUTES".into(),
        "BEST".into(),
        "TITLE".into(),
    ]];
    for lab in &labs {
        let best = progress
            .labs
            .get(&lab.id)
            .map(|p| format!("{}%", p.best))
            .unwrap_or_else(|| "-".into());
        rows.push([
            lab.id.clone(),
            lab.topic.clone(),
            lab.difficulty.to_string(),
            lab.minutes.to_string(),
            best,
            lab.title.clone(),
        ]);
    }
    let widths: Vec<usize> = (0..6)
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    for r in rows {
        let mut line = String::new();
        for (i, cell) in r.iter().enumerate() {
            if i + 1 == r.len() {
                line.push_str(cell);
            } else {
                line.push_str(&format!("{cell:<w$}   ", w = widths[i]));
            }
        }
        println!("{}", line.trim_end());
    }
    Ok(ExitCode::SUCCESS)
}

fn find(id: &str) -> anyhow::Result<Lab> {
    let labs = kubedrill_labs::catalogue().context("the built-in lab catalogue")?;
    match labs.iter().find(|l| l.id == id) {
        Some(l) => Ok(l.clone()),
        None => {
            let ids: Vec<&str> = labs.iter().map(|l| l.id.as_str()).collect();
            bail!("no lab {id:?}; `kubedrill lab list` shows them: {}", ids.join(", "))
        }
    }
}

/// A lab's cluster served to the real kubectl on PATH (`lab start --real-kubectl`).
struct RealKubectl {
    runner: crate::serve::real_kubectl::Runner,
    _server: crate::serve::Server,
    _kubeconfig: tempfile::TempDir,
}

impl RealKubectl {
    fn start(session: &Arc<Mutex<Session>>) -> anyhow::Result<Self> {
        let shared = session.clone();
        let host = crate::serve::SimHost::start(1.0, move || shared);
        let server = crate::serve::Server::start(host, 0, 1.0).context("starting the API endpoint")?;
        let dir = tempfile::tempdir().context("a directory for the kubeconfig")?;
        let kubeconfig = dir.path().join("kubeconfig");
        crate::serve::write_kubeconfig(&kubeconfig, server.addr)?;
        let runner = crate::serve::real_kubectl::Runner::new(None, &kubeconfig)?;
        println!(
            "kubectl lines run the real kubectl on PATH against the lab's cluster at http://{} (KUBECONFIG={}); everything else runs on the simulator.",
            server.addr,
            kubeconfig.display()
        );
        Ok(Self {
            runner,
            _server: server,
            _kubeconfig: dir,
        })
    }
}

fn lock(session: &Mutex<Session>) -> MutexGuard<'_, Session> {
    session.lock().unwrap_or_else(PoisonError::into_inner)
}

/// `kubedrill lab start ID [--real-kubectl]`.
pub fn start(id: &str, seed: Option<u64>, real_kubectl: bool) -> anyhow::Result<ExitCode> {
    let lab = find(id)?;
    let seed = seed.unwrap_or_else(|| lab.default_seed());
    let mut session = Session::start(&lab, seed).map_err(|e| anyhow::anyhow!("{e}"))?;
    println!("{}", banner(&lab, false));
    if real_kubectl {
        session = session.without_rewind(NO_REWIND);
        println!("`why` explains the last line the simulator ran; going back in time is off: {NO_REWIND}.\n");
    } else {
        println!("{STUDY_LINE}\n");
    }
    let session = Arc::new(Mutex::new(session));
    let real = if real_kubectl {
        Some(RealKubectl::start(&session)?)
    } else {
        None
    };
    let score = drive(session, None, real.as_ref())?.score;
    let mut progress = Progress::load();
    progress.record(&lab.id, score);
    println!("score: {score}% (best {}%)", progress.labs[&lab.id].best);
    Ok(ExitCode::SUCCESS)
}

/// `kubedrill lab start ID --backend kind`: the lab on a real kind cluster.
pub fn start_on_kind(id: &str, seed: Option<u64>, image_map: Option<&std::path::Path>) -> anyhow::Result<ExitCode> {
    let lab = find(id)?;
    let seed = seed.unwrap_or_else(|| lab.default_seed());
    crate::kind::lab::start(&lab, seed, image_map)
}

/// Why `lab start --real-kubectl` cannot go back: what the real kubectl changed reached the
/// cluster through the API endpoint, not as lines the session could type again.
const NO_REWIND: &str = "the real kubectl's changes are not lines this lab can replay";

/// What a study lab has that an exam does not.
const STUDY_LINE: &str =
    "`why` explains what the last command did; `history`, `undo`, `rewind N` and `branch` go back in time.";

fn banner(lab: &Lab, exam: bool) -> String {
    let commands = if exam {
        "Type `task` to see this again, `reset` to start the task over, `exit` to submit it."
    } else {
        "Type `task` to see this again, `hint`, `check`, `map`, `solution`, `reset`, `exit`."
    };
    format!(
        "== {} ({}, {}, about {} min) ==\n{}\n{commands}\n",
        lab.title,
        lab.topic,
        lab.difficulty,
        lab.minutes,
        lab.task.trim_end()
    )
}

/// Runs a session to its end (`exit`, end of input, or the deadline) and returns its score.
fn drive(
    session: Arc<Mutex<Session>>,
    deadline: Option<Instant>,
    real: Option<&RealKubectl>,
) -> anyhow::Result<kubedrill_labs::Grade> {
    let interactive = std::io::stdin().is_terminal();
    let mut editor = if interactive {
        let mut ed: rustyline::Editor<LabHelper, rustyline::history::DefaultHistory> =
            rustyline::Editor::new().context("opening the line editor")?;
        ed.set_helper(Some(LabHelper {
            session: session.clone(),
        }));
        Some(ed)
    } else {
        None
    };
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    loop {
        if let Some(d) = deadline
            && Instant::now() >= d
        {
            println!("\n-- time is up --");
            break;
        }
        let mut prompt = lock(&session).prompt();
        if let Some(d) = deadline {
            let left = d.saturating_duration_since(Instant::now());
            prompt = format!("[{:02}:{:02}] {prompt}", left.as_secs() / 60, left.as_secs() % 60);
        }
        let line = match editor.as_mut() {
            Some(ed) => match ed.readline(&prompt) {
                Ok(l) => {
                    let _ = ed.add_history_entry(l.as_str());
                    l
                }
                Err(rustyline::error::ReadlineError::Interrupted) => continue,
                Err(rustyline::error::ReadlineError::Eof) => break,
                Err(e) => return Err(e).context("reading a line"),
            },
            None => match lines.next() {
                Some(l) => {
                    let l = l.context("reading standard input")?;
                    // Scripted: the transcript shows what was "typed".
                    println!("{prompt}{l}");
                    l
                }
                None => break,
            },
        };
        if let Some(real) = real
            && crate::serve::real_kubectl::is_kubectl_line(&line)
            && on_default_host(&session)
        {
            std::io::stdout().flush().ok();
            if let Err(e) = real.runner.run_on_terminal(&line) {
                println!("kubedrill: could not run the real kubectl: {e}");
            }
            continue;
        }
        let reply = lock(&session).input(&line);
        match reply {
            Reply::Output { text, .. } => {
                print!("{text}");
                std::io::stdout().flush().ok();
            }
            Reply::Edit { path, content } => {
                let text = if interactive {
                    edit(&path, &content)
                } else {
                    Err(anyhow::anyhow!(
                        "no terminal to edit in: use `sed -i` in scripted sessions"
                    ))
                };
                match text {
                    Ok(new) => {
                        let reply = lock(&session).finish_edit(&path, &new);
                        if let Reply::Output { text, .. } = reply {
                            print!("{text}");
                        }
                    }
                    Err(e) => println!("kubedrill: {e:#}"),
                }
            }
            Reply::Exit => break,
        }
    }
    let grade = lock(&session).grade();
    // A mock exam shows the objectives only in the report at the end.
    if lock(&session).is_exam() {
        return Ok(grade);
    }
    for o in &grade.objectives {
        println!(
            "  [{}] {}{}",
            if o.passed { "x" } else { " " },
            o.name,
            detail(&o.detail)
        );
    }
    Ok(grade)
}

/// The prompt is on the first control plane (where the real kubectl's kubeconfig belongs).
fn on_default_host(session: &Mutex<Session>) -> bool {
    let s = lock(session);
    s.sim().current_host() == s.sim().default_host()
}

fn detail(d: &str) -> String {
    if d.is_empty() {
        String::new()
    } else {
        format!(" — {d}")
    }
}

/// `vi FILE` in a lab: the user's `$EDITOR` (or `vi`) on a temporary copy.
fn edit(path: &str, content: &str) -> anyhow::Result<String> {
    let name = path.rsplit('/').next().unwrap_or("file");
    let dir = tempfile::tempdir().context("a temporary directory for the editor")?;
    let file = dir.path().join(name);
    std::fs::write(&file, content).context("writing the temporary copy")?;
    let editor = std::env::var("VISUAL")
        .or_else(|_| std::env::var("EDITOR"))
        .unwrap_or_else(|_| "vi".into());
    // `$EDITOR` may carry arguments (`code --wait`); it is split on whitespace, never handed
    // to a shell.
    let mut words = editor.split_whitespace();
    let program = words.next().unwrap_or("vi");
    let status = std::process::Command::new(program)
        .args(words)
        .arg(&file)
        .status()
        .with_context(|| format!("starting the editor {program:?}"))?;
    if !status.success() {
        bail!("the editor exited with {status}; the file is unchanged");
    }
    std::fs::read_to_string(&file).context("reading the edited copy")
}

/// `kubedrill lab exam [--minutes N] [--count K]`.
pub fn exam(minutes: u64, count: usize, seed: u64) -> anyhow::Result<ExitCode> {
    let labs = kubedrill_labs::catalogue().context("the built-in lab catalogue")?;
    let chosen: Vec<Lab> = kubedrill_labs::exam_set(&labs, count, seed)
        .into_iter()
        .cloned()
        .collect();
    let deadline = Instant::now() + Duration::from_secs(minutes * 60);
    println!(
        "Mock exam: {} tasks, {minutes} minutes. Each task is graded on the cluster's end state when you submit it with `exit`; `check`, `hint`, `solution` and `map` are not available until the end.\n",
        chosen.len()
    );
    let mut results = Vec::new();
    for (i, lab) in chosen.iter().enumerate() {
        println!("== Task {} of {} ==", i + 1, chosen.len());
        let session = Session::start(lab, seed + i as u64)
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .for_exam();
        println!("{}", banner(lab, true));
        // A task reached after the deadline is graded as it was set up: nothing done.
        let grade = if Instant::now() < deadline {
            drive(Arc::new(Mutex::new(session)), Some(deadline), None)?
        } else {
            session.grade()
        };
        results.push((lab.clone(), grade));
    }
    let report = kubedrill_labs::ExamReport::from_grades(results.iter().map(|(l, g)| (l, g)));
    print!("{report}");
    let mut progress = Progress::load();
    for (lab, grade) in &results {
        progress.record(&lab.id, grade.score);
    }
    Ok(if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Tab completion from the session: commands, flags, node and pod names, paths.
struct LabHelper {
    session: Arc<Mutex<Session>>,
}

impl rustyline::completion::Completer for LabHelper {
    type Candidate = String;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &rustyline::Context<'_>,
    ) -> rustyline::Result<(usize, Vec<String>)> {
        let before = &line[..pos];
        let start = before.rfind([' ', '=']).map_or(0, |i| i + 1);
        let word = &before[start..];
        let candidates = lock(&self.session)
            .completions(before)
            .into_iter()
            .filter(|c| c.starts_with(word))
            .collect();
        Ok((start, candidates))
    }
}

impl rustyline::hint::Hinter for LabHelper {
    type Hint = String;
}
impl rustyline::highlight::Highlighter for LabHelper {}
impl rustyline::validate::Validator for LabHelper {}
impl rustyline::Helper for LabHelper {}
