//! A lab session: the simulator after the setup, the student's lines, and the lab's own
//! commands (`check`, `hint`, `task`, ...). Sans-IO: a line in, a reply out; the terminal
//! (in the `kubedrill` crate) owns the screen, the line editor and the real editor.

use crate::check::Baseline;
use crate::error::LabError;
use crate::grade::{Grade, ObjectiveResult};
use crate::guard::{DRAIN_LIMIT, DRAIN_LIMIT_MS, guard};
use crate::lab::Lab;
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

const EDITORS: &[&str] = &["vi", "vim", "nano", "vim.tiny", "nvim"];

/// The lab's own commands, recognised when a line is exactly one of them.
pub const BUILTINS: &[&str] = &["check", "exit", "help", "hint", "map", "reset", "solution", "task"];

const HELP: &str = "\
Lab commands:
  task       show the task again
  check      grade the cluster as it is now
  hint       show the next hint
  solution   show a solution
  map        draw the nodes, their pods and the etcd members
  reset      start the lab again from the beginning
  exit       leave the lab (on a node reached with ssh: go back)
Everything else runs on the current host's shell: kubectl, kubeadm, etcdctl, etcdutl,
crictl, systemctl, apt-get, apt-mark, ssh, scp, cat, grep, sed -i, ls, cp, mv, sleep, ...
`vi FILE` (or vim, nano) edits a file on the current host.
";

pub struct Session {
    lab: Lab,
    seed: u64,
    sim: Sim,
    base: Baseline,
    hints_shown: usize,
    solution_viewed: bool,
}

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
        let sim = report.sim;
        if sim.current_host() != sim.default_host() {
            return Err(setup_error(format!(
                "the setup leaves the shell on {}; end it with `exit`",
                sim.current_host()
            )));
        }
        let base = Baseline {
            violations: sim.violations().len(),
            trace: sim.trace().len(),
        };
        Ok(Session {
            lab: lab.clone(),
            seed,
            sim,
            base,
            hints_shown: 0,
            solution_viewed: false,
        })
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

    /// The cluster for a client that drives it from outside the prompt (`kubedrill serve`'s
    /// endpoint, when a lab runs with a real kubectl); grading reads the same cluster.
    pub fn sim_mut(&mut self) -> &mut Sim {
        &mut self.sim
    }

    /// `controlplane $ `: the host the next line runs on (it follows `ssh` and `exit`).
    pub fn prompt(&self) -> String {
        format!("{} $ ", self.sim.current_host())
    }

    /// One line typed at the prompt.
    pub fn input(&mut self, line: &str) -> Reply {
        let trimmed = line.trim();
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
            "exit" | "logout" if self.sim.current_host() == self.sim.default_host() => return Reply::Exit,
            _ => {}
        }
        let words: Vec<&str> = trimmed.split_whitespace().collect();
        let words = match words.first() {
            Some(&"sudo") => &words[1..],
            _ => &words[..],
        };
        if let Some(editor) = words.first().filter(|w| EDITORS.contains(*w)) {
            return self.open_editor(editor, &words[1..]);
        }
        self.run(line)
    }

    fn run(&mut self, line: &str) -> Reply {
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
            return kubedrill_sim::hostfs::normalize(file);
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
        kubedrill_sim::hostfs::normalize(&format!("{dir}/{rel}"))
    }

    /// The editor saved `text` to `path` (as opened by [`Reply::Edit`]).
    ///
    /// The file is written whatever it holds, as vim writes it. A static pod manifest the
    /// kubelet cannot read as a Pod is saved too, with a warning: the kubelet stops that
    /// component at its next look at the directory, which is the lesson, not something to
    /// prevent.
    pub fn finish_edit(&mut self, path: &str, text: &str) -> Reply {
        let host = self.sim.current_host().to_string();
        if let Err(e) = self.sim.write_host_file(&host, path, text) {
            return Reply::out(e, 1);
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
                let outcome = o.check.eval(&self.sim, self.base);
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

    fn reset(&mut self) -> Reply {
        match Session::start(&self.lab, self.seed) {
            Ok(fresh) => {
                let (hints, viewed) = (self.hints_shown, self.solution_viewed);
                *self = fresh;
                // Help already seen stays seen: a reset is not a way to a clean record.
                self.hints_shown = hints;
                self.solution_viewed = viewed;
                Reply::out(
                    format!("The lab is back where it started.\n\n{}", self.lab.task.trim_end()),
                    0,
                )
            }
            Err(e) => Reply::out(format!("kubedrill: {e}"), 1),
        }
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
