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

    /// The size of each data dir's `member/snap/db` on this node: the running member's from
    /// etcd's state now, a restored or copied one's from its snapshot.
    pub(super) fn db_sizes(&self) -> impl Fn(&str) -> u64 + use<> {
        let mut sizes = std::collections::BTreeMap::new();
        if let Some(node) = self.node() {
            let fs = &self.sim.cluster.node(node).fs;
            for (path, e) in &fs.entries {
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
