//! The everyday programs of a node wired to the simulator: what they read besides the node seam
//! (the shell's environment, the size of the live etcd member's db) and what they change (a
//! file's time, a new empty file).

use super::Host;
use crate::model::hostfs::{DataDir, Entry};
use crate::shell::{CommandOutput, ShellEnv};

impl Host<'_> {
    /// The programs of this module, by name; `None` for any other.
    pub(super) fn node_program(&mut self, cmd: &str, args: &[String], env: &ShellEnv) -> Option<CommandOutput> {
        use crate::tools::{procps, sysinfo};
        let cwd = env.cwd().to_string();
        Some(match cmd {
            "ps" => procps::ps(&self.node_kube()?, args),
            "pgrep" => procps::pgrep(&self.node_kube()?, args),
            "pidof" => procps::pidof(&self.node_kube()?, args),
            "free" => procps::free(&self.node_kube()?, args),
            "uptime" => procps::uptime(&self.node_kube()?, args),
            "hostname" => sysinfo::hostname(&self.node_kube()?, args),
            "uname" => sysinfo::uname(&self.node_kube()?, args),
            "id" => sysinfo::id(args),
            "whoami" => sysinfo::whoami(args),
            "date" => sysinfo::date(&self.node_kube()?, args),
            "env" | "printenv" => sysinfo::env(cmd, args, env),
            "which" => sysinfo::which(&self.node_kube()?, args),
            "curl" => crate::tools::curl::curl(&self.node_kube()?, args),
            "watch" => self.watch(args, env),
            "df" => {
                let db = self.db_sizes();
                sysinfo::df(&self.node_kube()?, args, &|d| db(d))
            }
            "du" => {
                let node = self.node()?;
                let db = self.db_sizes();
                sysinfo::du(&self.sim.cluster.node(node).fs, &cwd, args, &|d| db(d))
            }
            "stat" => {
                let node = self.node()?;
                let db = self.db_sizes();
                let api = self.node_kube()?;
                let fs = api.sim.cluster.node(node).fs.clone();
                sysinfo::stat(&api, &fs, &cwd, args, &|d| db(d))
            }
            "touch" => {
                let node = self.node()?;
                let now = self.sim.now;
                let fs = &mut self.sim.cluster.node_mut(node).fs;
                let (out, touched) = sysinfo::touch(fs, &cwd, args, now);
                if touched.iter().any(|p| p.starts_with("/etc/kubernetes/manifests/")) {
                    self.sim.manifests_changed(node);
                }
                out
            }
            _ => return None,
        })
    }

    /// `watch [-n SECONDS] COMMAND...`: one screen of the command's output under watch's
    /// header, after which time moves on by one interval (the simulator shows one refresh, as if
    /// Ctrl-C was pressed then). The command runs as `sh -c` would: no aliases, the exported
    /// variables, the working directory.
    fn watch(&mut self, args: &[String], env: &ShellEnv) -> CommandOutput {
        let mut interval_ms = 2_000u64;
        let mut i = 0;
        let mut no_title = false;
        while i < args.len() && args[i].starts_with('-') {
            match args[i].as_str() {
                "-n" | "--interval" => {
                    i += 1;
                    match args.get(i).and_then(|v| v.parse::<f64>().ok()).filter(|v| *v >= 0.1) {
                        Some(v) => interval_ms = (v * 1000.0) as u64,
                        None => {
                            let mut out = CommandOutput::default();
                            crate::shell::output::stderr(&mut out, "watch: failed to parse argument");
                            out.status = 1;
                            return out;
                        }
                    }
                }
                "-t" | "--no-title" => no_title = true,
                "-d" | "--differences" | "-c" | "--color" | "-x" | "--exec" | "-e" | "--errexit" | "-g"
                | "--chgexit" => {}
                a if a.starts_with("-n") => interval_ms = a[2..].parse::<f64>().map_or(2_000, |v| (v * 1000.0) as u64),
                other => {
                    let mut out = CommandOutput::default();
                    crate::shell::output::stderr(&mut out, format!("kubedrill: watch {other} is not modelled yet"));
                    out.status = 1;
                    return out;
                }
            }
            i += 1;
        }
        let line = args[i..].join(" ");
        let mut out = CommandOutput::default();
        if line.is_empty() {
            crate::shell::output::stderr(&mut out, "Usage:\n watch [options] command");
            out.status = 1;
            return out;
        }
        if !no_title {
            let w = self.sim.now.wall_clock_with(self.sim.cluster.epoch_s);
            const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
            const MONTHS: [&str; 12] = [
                "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
            ];
            let day =
                DAYS[((self.sim.now.wall_nanos_with(self.sim.cluster.epoch_s) / 86_400_000_000_000 + 4) % 7) as usize];
            let left = format!("Every {:.1}s: {line}", interval_ms as f64 / 1000.0);
            let right = format!(
                "{}: {day} {} {:>2} {:02}:{:02}:{:02} {}",
                self.name,
                MONTHS[(w.month - 1) as usize],
                w.day,
                w.hour,
                w.minute,
                w.second,
                w.year
            );
            let pad = 80usize.saturating_sub(left.len() + right.len()).max(1);
            crate::shell::output::stdout(&mut out, format!("{left}{}{right}", " ".repeat(pad)));
            crate::shell::output::stdout(&mut out, "");
        }
        let mut shell = crate::shell::Shell::new();
        shell.unalias("k");
        for (k, v) in env.iter() {
            shell.export_var(k, v);
        }
        shell.export_var("PWD", env.cwd());
        let name = self.name.clone();
        let screen = shell.run_line(&mut Host { sim: self.sim, name }, &line);
        out.chunks.extend(screen.chunks);
        let until = self.sim.now + crate::time::SimDuration(interval_ms);
        self.sim.advance_within_step(until);
        out
    }

    /// The size of each data dir's `member/snap/db` on this node: the running member's from
    /// etcd's state now, a restored or copied one's from its snapshot.
    pub(super) fn db_sizes(&self) -> impl Fn(&str) -> u64 + use<> {
        let mut sizes = std::collections::BTreeMap::new();
        if let Some(node) = self.node() {
            let fs = &self.sim.cluster.node(node).fs;
            for (path, e) in fs.entries.iter() {
                let Entry::DataDir(d) = e else { continue };
                let size = match d {
                    DataDir::Live => match self.sim.frozen_data_dir(node) {
                        DataDir::Copy { snapshot, .. } => snapshot.db_size().1,
                        _ => 0,
                    },
                    DataDir::Restored(r) => r.snapshot.db_size().1,
                    DataDir::Copy { snapshot, .. } => snapshot.db_size().1,
                    DataDir::Empty => 0,
                };
                sizes.insert(path.clone(), size);
            }
        }
        move |dir: &str| sizes.get(dir).copied().unwrap_or(0)
    }
}
