//! A lab session: the simulator after the setup, the student's lines, and the lab's own
//! commands (`check`, `hint`, `task`, ...). Sans-IO: a line in, a reply out; the terminal
//! (in the `kubedrill` crate) owns the screen, the line editor and the real editor.

use crate::check::Baseline;
use crate::error::LabError;
use crate::grade::{Grade, ObjectiveResult};
use crate::guard::{DRAIN_LIMIT, DRAIN_LIMIT_MS, guard};
use crate::lab::Lab;
use crate::timeline::{COPY_BUDGET, Edit, Step, Timeline, TimelineInfo};
use kubedrill_sim::Sim;
use kubedrill_sim::hostfs::Entry;
use kubedrill_sim::rng::Seed;

/// What the terminal should do with a line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// Print `text` (stdout and stderr interleaved as they happened; ends with a newline
    /// unless empty). `status` is the line's exit status.
    Output { text: String, status: i32 },
    /// Open an editor on `content` (empty for a new file); hand the saved text to
    /// [`Session::finish_edit`] with the same `path`, an absolute path on the current host.
    Edit { path: String, content: String },
    /// The student left the lab.
    Exit,
}

impl Reply {
    fn out(text: impl Into<String>, status: i32) -> Self {
        let mut text = text.into();
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        Self::Output { text, status }
    }
}

/// How many timelines `branch` keeps (each holds copies of the state along it).
const MAX_TIMELINES: usize = 16;

const EDITORS: &[&str] = &["vi", "vim", "nano", "vim.tiny", "nvim"];

/// The lab's own commands, recognised when a line is exactly one of them.
pub const BUILTINS: &[&str] = &["check", "exit", "help", "hint", "map", "reset", "solution", "task"];

/// The lab's commands that take an argument (`why node01`, `rewind 3`), recognised by their
/// first word. A mock exam answers none of them.
pub const STUDY_COMMANDS: &[&str] = &["branch", "history", "rewind", "timeline", "timelines", "undo", "why"];

const HELP: &str = "\
Lab commands:
  task       show the task again
  check      grade the cluster as it is now
  hint       show the next hint
  solution   show a solution
  map        draw the nodes, their pods and the etcd members
  reset      start the lab again from the beginning
  why        explain what the last command did, with the model's reasons and numbers
  why X      explain a node, a pod, deployment/NAME (or rs/, sts/, ds/), etcd
  history    the commands so far, with step numbers and virtual times
  undo       take back the last command
  rewind N   go back to just before step N
  branch [N] keep this timeline and continue on a copy (from just before step N)
  timelines  list the timelines; `timeline N` goes to one
  exit       leave the lab (on a node reached with ssh: go back)
Everything else runs on the current host's shell: kubectl, kubeadm, etcdctl, etcdutl,
crictl, systemctl, apt-get, apt-mark, ssh, scp, cat, grep, sed -i, ls, cp, mv, sleep, ...
`vi FILE` (or vim, nano) edits a file on the current host.
";

#[derive(Clone)]
pub struct Session {
    lab: Lab,
    seed: u64,
    sim: Sim,
    base: Baseline,
    hints_shown: usize,
    solution_viewed: bool,
    /// A mock exam: no `why`, no rewind.
    exam: bool,
    /// Why going back in time is off (the cluster is also changed from outside the prompt).
    no_rewind: Option<&'static str>,
    timelines: Vec<Timeline>,
    /// Index into `timelines` of the one being played.
    current: usize,
    /// Virtual time when the lab started (history shows times from here).
    started_at: kubedrill_sim::time::SimTime,
    /// The file an editor was opened on by the last line, waiting for `finish_edit`.
    editing: Option<String>,
    /// A mock exam asked whether `exit` should submit the task; the next line answers.
    exit_asked: bool,
}

/// The cluster for a client that drives it from outside the prompt (`kubedrill serve`'s
/// endpoint, when a lab runs with a real kubectl); grading reads the same cluster.
impl AsMut<Sim> for Session {
    fn as_mut(&mut self) -> &mut Sim {
        &mut self.sim
    }
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Session({}, seed {})", self.lab.id, self.seed)
    }
}

impl Session {
    /// Builds the lab's cluster and runs its setup steps (their output is not shown).
    pub fn start(lab: &Lab, seed: u64) -> Result<Session, LabError> {
        let setup_error = |message: String| LabError::Setup {
            lab: lab.id.clone(),
            message,
        };
        let report =
            kubedrill_sim::runner::run(&lab.scenario(seed), Seed(seed)).map_err(|e| setup_error(e.to_string()))?;
        if let Some(f) = report.failures.first() {
            return Err(setup_error(format!("step {}: {}", f.step, f.message)));
        }
        let mut sim = report.sim;
        // Set after the setup: a lab file may build what it likes, the student stays within it.
        sim.set_pod_limit(Some(kubedrill_sim::model::limits::LAB_MAX_PODS));
        watch_guarded_workloads(&mut sim, lab);
        if !sim.at_first_shell() {
            return Err(setup_error(format!(
                "the setup leaves the shell on {}; end it with `exit`",
                sim.current_host()
            )));
        }
        let base = Baseline {
            violations: sim.violations().len(),
            trace: sim.trace().len(),
        };
        let started_at = sim.now();
        Ok(Session {
            lab: lab.clone(),
            seed,
            timelines: vec![Timeline::new(sim.clone())],
            sim,
            base,
            hints_shown: 0,
            solution_viewed: false,
            exam: false,
            no_rewind: None,
            current: 0,
            started_at,
            editing: None,
            exit_asked: false,
        })
    }

    /// The same session as a mock exam task: `why` and rewinding are not available.
    pub fn for_exam(mut self) -> Self {
        self.exam = true;
        self
    }

    /// The same session with `undo`, `rewind`, `branch` and `timeline` refused, saying `why`:
    /// for a cluster that is also changed from outside the prompt (a real kubectl through
    /// `kubedrill serve`), whose changes are no lines of the history and cannot be replayed.
    pub fn without_rewind(mut self, why: &'static str) -> Self {
        self.no_rewind = Some(why);
        self
    }

    /// Keeps no copies of the state along the timelines, so every rewind types the lines
    /// again from the start: the ground truth the copies stand in for (tests and benchmarks).
    #[doc(hidden)]
    pub fn replay_only(mut self) -> Self {
        for t in &mut self.timelines {
            t.every = usize::MAX;
            t.snapshots.truncate(1);
        }
        self
    }

    pub fn is_exam(&self) -> bool {
        self.exam
    }

    /// Virtual time when the lab started (after its setup).
    pub fn started_at(&self) -> kubedrill_sim::time::SimTime {
        self.started_at
    }

    /// The commands of the current timeline.
    pub fn history(&self) -> &[Step] {
        &self.timelines[self.current].steps
    }

    /// Every timeline, the current one marked.
    pub fn timelines(&self) -> Vec<TimelineInfo> {
        self.timelines
            .iter()
            .enumerate()
            .map(|(i, t)| TimelineInfo {
                number: i + 1,
                steps: t.steps.len(),
                current: i == self.current,
                branched_from: t.parent.map(|(p, n)| (p + 1, n)),
                last_line: t.steps.last().map(|s| s.line.clone()),
            })
            .collect()
    }

    pub fn lab(&self) -> &Lab {
        &self.lab
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    pub fn sim(&self) -> &Sim {
        &self.sim
    }

    /// `controlplane $ `: the host the next line runs on (it follows `ssh` and `exit`), or
    /// `root@node01:~# ` in a shell opened with `sudo -i`.
    pub fn prompt(&self) -> String {
        self.sim.prompt()
    }

    /// One line typed at the prompt.
    pub fn input(&mut self, line: &str) -> Reply {
        self.editing = None;
        let trimmed = line.trim();
        let exit_asked = std::mem::take(&mut self.exit_asked);
        if self.exam
            && let Some(reply) = self.exam_refusal(trimmed, exit_asked)
        {
            return reply;
        }
        match trimmed {
            "" => return Reply::out("", 0),
            "check" => {
                let g = self.grade();
                let status = if g.passed() { 0 } else { 1 };
                return Reply::out(g.to_string(), status);
            }
            "hint" => return self.hint(),
            "solution" => return self.solution(),
            "task" => return Reply::out(self.lab.task.clone(), 0),
            "map" => return Reply::out(self.map(), 0),
            "help" => return Reply::out(HELP, 0),
            "reset" => return self.reset(),
            "exit" | "logout" if self.sim.at_first_shell() => return Reply::Exit,
            _ => {}
        }
        let words: Vec<&str> = trimmed.split_whitespace().collect();
        if let Some(first) = words.first().filter(|w| STUDY_COMMANDS.contains(*w)) {
            return self.study_command(first, &words[1..]);
        }
        let words = match words.first() {
            Some(&"sudo") => &words[1..],
            _ => &words[..],
        };
        if let Some(editor) = words.first().filter(|w| EDITORS.contains(*w)) {
            let before = self.begin();
            let reply = self.open_editor(editor, &words[1..]);
            self.end(before, line, &reply, None);
            if let Reply::Edit { path, .. } = &reply {
                self.editing = Some(path.clone());
            }
            return reply;
        }
        self.run(line)
    }

    /// What a mock exam answers instead of the study lab: no `check`, `hint`, `solution` or
    /// `map` while the task is open (the real exam has none), and `exit` at the top asks
    /// before it submits the task.
    fn exam_refusal(&mut self, line: &str, exit_asked: bool) -> Option<Reply> {
        match line {
            "check" | "hint" | "solution" | "map" => Some(Reply::out(
                format!(
                    "`{line}` is not available in a mock exam: the task is graded when you submit it with `exit`.\n"
                ),
                1,
            )),
            "exit" | "logout" if self.sim.at_first_shell() => {
                if exit_asked {
                    return Some(Reply::Exit);
                }
                self.exit_asked = true;
                Some(Reply::out(
                    "Submit this task and move on? It cannot be reopened. Type `exit` again to submit, anything else to keep working.\n",
                    0,
                ))
            }
            // Anything but a second `exit` keeps the task open, and the line runs.
            _ => None,
        }
    }

    fn run(&mut self, line: &str) -> Reply {
        let before = self.begin();
        let reply = self.run_line(line);
        self.end(before, line, &reply, None);
        reply
    }

    fn run_line(&mut self, line: &str) -> Reply {
        let host = self.sim.current_host().to_string();
        let g = guard(line, &self.sim);
        let before = self.sim.now();
        let out = self.sim.run_step(&host, &g.line);
        let mut text: String = out.chunks.iter().map(|c| c.text.as_str()).collect();
        let waited = self.sim.now().saturating_sub(before);
        if g.drain_limited && waited.ms() >= DRAIN_LIMIT_MS && out.status != 0 {
            if !text.is_empty() && !text.ends_with('\n') {
                text.push('\n');
            }
            text.push_str(&format!(
                "kubedrill: the drain was still waiting after {DRAIN_LIMIT} of virtual time; the lab stopped it as Ctrl-C would (pass --timeout to choose how long)\n"
            ));
        }
        Reply::out(text, out.status)
    }

    /// Where a step starts: the trace position, the time and the host.
    fn begin(&self) -> (usize, kubedrill_sim::time::SimTime, String) {
        (
            self.sim.trace().len(),
            self.sim.now(),
            self.sim.current_host().to_string(),
        )
    }

    /// Records a line that ran on the hosts as a step of the current timeline.
    fn end(
        &mut self,
        before: (usize, kubedrill_sim::time::SimTime, String),
        line: &str,
        reply: &Reply,
        edit: Option<Edit>,
    ) {
        let (trace_from, at, host) = before;
        let sim_step = self.sim.trace().get(trace_from).map(|r| r.step).unwrap_or_default();
        let step = Step {
            host,
            line: line.to_string(),
            edit,
            at,
            end: self.sim.now(),
            status: status_of(reply),
            trace: trace_from..self.sim.trace().len(),
            sim_step,
        };
        let others: usize = (self.timelines.iter().enumerate())
            .filter(|(i, _)| *i != self.current)
            .map(|(_, t)| t.cost())
            .sum();
        let timeline = &mut self.timelines[self.current];
        timeline.steps.push(step);
        timeline.maybe_snapshot(&self.sim, COPY_BUDGET.saturating_sub(others));
    }

    /// The state after the first `keep` steps of the current timeline, exactly: from the
    /// nearest copy at or before it, the steps after the copy are typed again.
    fn restore(&mut self, keep: usize) {
        let (sim, again) = self.timelines[self.current].cut(keep);
        self.sim = sim;
        for step in again {
            let _ = self.input(&step.line);
            if let Some(e) = &step.edit {
                let _ = self.finish_edit(&e.path, &e.text);
            }
            // Same seed, same lines: the same answers. A difference is a bug in the model.
            debug_assert_eq!(
                self.history().last().map(|s| s.status),
                Some(step.status),
                "{}",
                step.line
            );
        }
    }

    fn study_command(&mut self, command: &str, args: &[&str]) -> Reply {
        if self.exam {
            return Reply::out(
                format!(
                    "`{command}` is not available in a mock exam: the real one cannot explain itself or go back either."
                ),
                1,
            );
        }
        if let Some(why) = self.no_rewind
            && matches!(command, "undo" | "rewind" | "branch" | "timeline")
        {
            return Reply::out(format!("`{command}` is not available here: {why}"), 1);
        }
        let number = |what: &str| -> Result<Option<usize>, Reply> {
            match args {
                [] => Ok(None),
                [n] => n
                    .parse::<usize>()
                    .map(Some)
                    .map_err(|_| Reply::out(format!("{command}: {n:?} is not a step number; `{what}`"), 2)),
                _ => Err(Reply::out(format!("{command}: too many arguments; `{what}`"), 2)),
            }
        };
        match command {
            "why" => self.why(args),
            "history" if args.is_empty() => Reply::out(self.history_text(), 0),
            "timelines" if args.is_empty() => Reply::out(self.timelines_text(), 0),
            "undo" if args.is_empty() => self.undo(),
            "rewind" => match number("rewind N") {
                Ok(Some(n)) => self.rewind(n),
                Ok(None) => Reply::out(
                    "rewind: which step? `rewind N` goes back to just before step N (`history` lists them)",
                    2,
                ),
                Err(r) => r,
            },
            "branch" => match number("branch [N]") {
                Ok(n) => self.branch(n),
                Err(r) => r,
            },
            "timeline" => match number("timeline N") {
                Ok(Some(n)) => self.switch_timeline(n),
                Ok(None) => Reply::out(self.timelines_text(), 0),
                Err(r) => r,
            },
            _ => Reply::out(format!("{command}: takes no arguments"), 2),
        }
    }

    /// The session as it was after the first `keep` steps of its current timeline (a look
    /// back, as a timeline slider shows it); `self` is left as it is.
    pub fn preview(&self, keep: usize) -> Session {
        let mut s = Session {
            lab: self.lab.clone(),
            seed: self.seed,
            sim: self.sim.clone(),
            base: self.base,
            hints_shown: self.hints_shown,
            solution_viewed: self.solution_viewed,
            exam: self.exam,
            no_rewind: self.no_rewind,
            timelines: vec![self.timelines[self.current].clone()],
            current: 0,
            started_at: self.started_at,
            editing: None,
            exit_asked: false,
        };
        let keep = keep.min(s.history().len());
        if keep < s.history().len() {
            s.restore(keep);
        }
        s
    }

    /// `undo`: the last command taken back.
    pub fn undo(&mut self) -> Reply {
        let n = self.history().len();
        if n == 0 {
            return Reply::out("undo: nothing to take back; the lab is where it started", 1);
        }
        let line = self.history()[n - 1].line.clone();
        self.restore(n - 1);
        Reply::out(format!("Took back step {n}: {line}\n{}", self.where_now()), 0)
    }

    /// `rewind N`: back to just before step N.
    pub fn rewind(&mut self, step: usize) -> Reply {
        let n = self.history().len();
        if step == 0 || step > n {
            let range = if n == 0 {
                "there are no steps yet".to_string()
            } else {
                format!("steps are 1 to {n}")
            };
            return Reply::out(format!("rewind: no step {step}: {range} (`history` lists them)"), 1);
        }
        self.restore(step - 1);
        Reply::out(
            format!(
                "Back to just before step {step}: {} step{} taken back.\n{}",
                n - step + 1,
                if n - step + 1 == 1 { "" } else { "s" },
                self.where_now()
            ),
            0,
        )
    }

    /// `branch [N]`: the current timeline is kept as it is; play continues on a copy of it
    /// (cut to just before step N when given).
    pub fn branch(&mut self, step: Option<usize>) -> Reply {
        let n = self.history().len();
        if self.timelines.len() >= MAX_TIMELINES {
            return Reply::out(
                format!("branch: a lab keeps at most {MAX_TIMELINES} timelines; `timeline N` goes back to one of them"),
                1,
            );
        }
        let keep = match step {
            None => n,
            Some(s) if s >= 1 && s <= n + 1 => s - 1,
            Some(s) => return Reply::out(format!("branch: no step {s}: steps are 1 to {n}"), 1),
        };
        let mut copy = self.timelines[self.current].clone();
        copy.parent = Some((self.current, keep));
        let from = self.current + 1;
        self.timelines.push(copy);
        self.current = self.timelines.len() - 1;
        if keep < n {
            self.restore(keep);
        }
        Reply::out(
            format!(
                "Timeline {from} is kept as it was ({}); now on timeline {}, a copy with its first {}.\n`timeline {from}` goes back to it; `timelines` lists them.",
                steps_text(n),
                self.current + 1,
                steps_text(keep)
            ),
            0,
        )
    }

    /// `timeline N`: continue on another timeline, where it ended.
    pub fn switch_timeline(&mut self, number: usize) -> Reply {
        if number == 0 || number > self.timelines.len() {
            return Reply::out(
                format!("timeline: no timeline {number}: they are 1 to {}", self.timelines.len()),
                1,
            );
        }
        self.current = number - 1;
        let keep = self.history().len();
        self.restore(keep);
        Reply::out(format!("On timeline {number}.\n{}", self.where_now()), 0)
    }

    /// One line on where the current timeline stands.
    fn where_now(&self) -> String {
        let steps = self.history().len();
        let t = self.sim.now().saturating_sub(self.started_at);
        format!(
            "Timeline {}: {steps} step{} done, virtual time +{}.",
            self.current + 1,
            if steps == 1 { "" } else { "s" },
            t.go_string()
        )
    }

    fn history_text(&self) -> String {
        let steps = self.history();
        if steps.is_empty() {
            return format!("No commands yet on timeline {}.", self.current + 1);
        }
        let mut rows: Vec<[String; 4]> = Vec::new();
        for (i, s) in steps.iter().enumerate() {
            let saved = match (
                &s.edit,
                s.line.split_whitespace().next().is_some_and(|w| EDITORS.contains(&w)),
            ) {
                (Some(e), _) => format!("  (saved {} lines)", e.text.lines().count()),
                (None, true) => "  (not saved)".to_string(),
                _ => String::new(),
            };
            rows.push([
                (i + 1).to_string(),
                format!("+{}", s.at.saturating_sub(self.started_at).go_string()),
                format!("{} $ {}{saved}", s.host, s.line),
                if s.status == 0 {
                    String::new()
                } else {
                    format!("exit {}", s.status)
                },
            ]);
        }
        let w0 = rows.iter().map(|r| r[0].len()).max().unwrap_or(0);
        let w1 = rows.iter().map(|r| r[1].len()).max().unwrap_or(0);
        let mut out = format!(
            "Timeline {} (step, virtual time since the lab started, command):\n",
            self.current + 1
        );
        for r in rows {
            let line = format!("{:>w0$}  {:<w1$}  {}  {}", r[0], r[1], r[2], r[3]);
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out.push_str("`undo` takes back the last step, `rewind N` goes back to just before step N, `branch` keeps this timeline first.");
        out
    }

    fn timelines_text(&self) -> String {
        let mut out = String::new();
        for t in self.timelines() {
            let mark = if t.current { "*" } else { " " };
            let from = t
                .branched_from
                .map(|(p, n)| format!(", branched from timeline {p} after step {n}"))
                .unwrap_or_default();
            let last = t.last_line.map(|l| format!(", last: {l}")).unwrap_or_default();
            out.push_str(&format!(
                "{mark} timeline {}: {}{from}{last}\n",
                t.number,
                steps_text(t.steps)
            ));
        }
        out.push_str("`timeline N` goes to one; `check` grades the one you are on.");
        out
    }

    /// `why [TARGET]`.
    fn why(&self, args: &[&str]) -> Reply {
        let ctx = crate::why::Context {
            sim: &self.sim,
            steps: self.history(),
            base_trace: self.base.trace,
            started_at: self.started_at,
        };
        match args {
            [] => Reply::out(crate::why::last_step(&ctx), 0),
            [target] => match crate::why::object(&ctx, target) {
                Ok(text) => Reply::out(text, 0),
                Err(e) => Reply::out(e, 1),
            },
            _ => Reply::out(
                "why: one thing at a time: `why`, `why NODE`, `why POD`, `why deployment/NAME`",
                2,
            ),
        }
    }

    /// `vi FILE`: the file's text for the terminal's editor.
    fn open_editor(&mut self, editor: &str, args: &[&str]) -> Reply {
        let [file] = args else {
            return Reply::out(format!("kubedrill: `{editor} FILE` edits one file on this host"), 1);
        };
        let host = self.sim.current_host().to_string();
        let path = self.absolute(&host, file);
        let Some(id) = self.sim.cluster().node_id(&host) else {
            return Reply::out(format!("kubedrill: no host {host}"), 1);
        };
        let (is_dir, binary, exists) = {
            let fs = &self.sim.cluster().node(id).fs;
            (
                fs.is_dir(&path),
                matches!(fs.get(&path), Some(Entry::Snapshot(_) | Entry::Pem)),
                fs.find(&path).is_some(),
            )
        };
        if is_dir {
            return Reply::out(format!("\"{path}\" is a directory"), 1);
        }
        let not_text = || {
            Reply::out(
                format!("kubedrill: {path} is not a text file; the lab edits text files only"),
                1,
            )
        };
        match self.sim.read_host_file(&host, &path) {
            Some(_) if binary => not_text(),
            Some(content) => Reply::Edit { path, content },
            // A new file: the editor starts empty and saving creates it.
            None if !exists => Reply::Edit {
                path,
                content: String::new(),
            },
            None => not_text(),
        }
    }

    /// A path as the shell on `host` resolves it.
    fn absolute(&mut self, host: &str, file: &str) -> String {
        if file.starts_with('/') {
            return kubedrill_sim::path::normalize(file);
        }
        let home = "/root";
        let rel = file.strip_prefix("~/").map(|r| (home.to_string(), r));
        let (dir, rel) = match rel {
            Some(x) => x,
            None => {
                // The shell's working directory is private to the simulator: ask the shell.
                let pwd = self.sim.run_line(host, "pwd");
                let dir: String = pwd.chunks.iter().map(|c| c.text.as_str()).collect();
                let dir = dir.trim();
                (
                    if dir.starts_with('/') {
                        dir.to_string()
                    } else {
                        home.to_string()
                    },
                    file,
                )
            }
        };
        kubedrill_sim::path::normalize(&format!("{dir}/{rel}"))
    }

    /// The editor saved `text` to `path` (as opened by [`Reply::Edit`]).
    ///
    /// The file is written whatever it holds, as vim writes it. A static pod manifest the
    /// kubelet cannot read as a Pod is saved too, with a warning: the kubelet stops that
    /// component at its next look at the directory, which is the lesson, not something to
    /// prevent.
    pub fn finish_edit(&mut self, path: &str, text: &str) -> Reply {
        let before = self.begin();
        let reply = self.write_edit(path, text);
        let edit = Edit {
            path: path.to_string(),
            text: text.to_string(),
        };
        // The save belongs to the `vi` line that opened the editor on this file.
        let opened = self.editing.take().is_some_and(|p| p == path);
        let steps = &mut self.timelines[self.current].steps;
        match steps.last_mut() {
            Some(last) if opened && last.edit.is_none() => {
                last.edit = Some(edit);
                last.end = self.sim.now();
                last.trace.end = self.sim.trace().len();
                last.status = status_of(&reply);
                // The copy taken after the `vi` line predates the save.
                self.timelines[self.current].retake_snapshot(&self.sim);
            }
            _ => self.end(before, &format!("vi {path}"), &reply, Some(edit)),
        }
        reply
    }

    fn write_edit(&mut self, path: &str, text: &str) -> Reply {
        let host = self.sim.current_host().to_string();
        if let Err(e) = self.sim.write_host_file(&host, path, text) {
            return Reply::out(e.to_string(), 1);
        }
        let lines = text.lines().count();
        let mut out = format!("\"{path}\" {lines}L, {}B written\n", text.len());
        let manifest = path.starts_with("/etc/kubernetes/manifests/") && path.ends_with(".yaml");
        if manifest && let Err(e) = kubedrill_sim::components::parse_manifest(text) {
            out.push_str(&format!(
                "kubedrill: warning: the kubelet cannot read {path} as a Pod ({e}); it will stop that static pod\n"
            ));
        }
        Reply::out(out, 0)
    }

    /// Every objective checked on the cluster as it is now.
    pub fn grade(&self) -> Grade {
        let results = self
            .lab
            .objectives
            .iter()
            .map(|o| {
                let mut outcome = o.check.eval(&self.sim, self.base);
                if o.already
                    && !o.only_at_end
                    && outcome.passed
                    && let Some(dipped) = o.check.eval_throughout(&self.sim, self.started_at)
                {
                    outcome = dipped;
                }
                ObjectiveResult {
                    name: o.name.clone(),
                    passed: outcome.passed,
                    detail: outcome.detail,
                    already: o.already,
                    weight: o.weight,
                }
            })
            .collect();
        Grade::new(results, self.hints_shown as u32, self.solution_viewed)
    }

    fn hint(&mut self) -> Reply {
        let total = self.lab.hints.len();
        if total == 0 {
            return Reply::out("This lab has no hints. `solution` shows a way to do it.", 0);
        }
        if self.hints_shown >= total {
            return Reply::out(
                format!("No more hints ({total} shown). `solution` shows a way to do it."),
                0,
            );
        }
        let text = &self.lab.hints[self.hints_shown];
        self.hints_shown += 1;
        Reply::out(format!("Hint {} of {total}: {}", self.hints_shown, text.trim_end()), 0)
    }

    fn solution(&mut self) -> Reply {
        self.solution_viewed = true;
        let mut text = String::from("One way to do it:\n");
        for (host, line) in self.lab.solution_lines() {
            text.push_str(&format!("  {host} $ {line}\n"));
        }
        Reply::out(text, 0)
    }

    /// Back to where the lab started, on the current timeline (help already seen stays
    /// seen: a reset is not a way to a clean record).
    fn reset(&mut self) -> Reply {
        self.restore(0);
        Reply::out(
            format!("The lab is back where it started.\n\n{}", self.lab.task.trim_end()),
            0,
        )
    }

    /// A drawing of the cluster: nodes with status and versions, their pods, the etcd members.
    pub fn map(&self) -> String {
        crate::map::draw(&self.sim)
    }

    /// Tab completion: candidates for the word at the end of `line` (the text after its last
    /// space or `=`), sorted.
    pub fn completions(&self, line: &str) -> Vec<String> {
        crate::complete::complete(&self.sim, line)
    }
}

fn status_of(reply: &Reply) -> i32 {
    match reply {
        Reply::Output { status, .. } => *status,
        _ => 0,
    }
}

fn steps_text(n: usize) -> String {
    if n == 1 {
        "1 step".to_string()
    } else {
        format!("{n} steps")
    }
}

/// Guards that keep workloads available hold at every moment, so the engine watches those
/// workloads' Ready pods from the start of the attempt.
fn watch_guarded_workloads(sim: &mut Sim, lab: &Lab) {
    let c = sim.cluster();
    let ids: Vec<_> = lab
        .objectives
        .iter()
        .filter(|o| o.already && !o.only_at_end)
        .flat_map(|o| o.check.watched())
        .filter_map(|r| c.workload_id(r.kind, &r.namespace, &r.name))
        .collect();
    sim.watch_ready(ids);
}
