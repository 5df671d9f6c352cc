//! `etcdctl` (v3 API, plus the v2 API's `member list` and `cluster-health`) and `etcdutl`, as
//! the release installed on the host prints them (semantics §4.2–§4.7).
//!
//! The module is pure: [`EtcdHost`] is everything the commands need from the machine they run
//! on (its etcd cluster, which member answers at a URL, files, time), and the simulator
//! implements it. What a command prints comes back as a [`CommandOutput`].
//!
//! # Public API
//!
//! * [`etcdctl`], [`etcdctl_with_stdin`], [`etcdutl`]: run the tool with its arguments (without
//!   the program name) and the shell environment (`ETCDCTL_*` variables, the working directory
//!   relative paths are resolved against).
//! * [`EtcdHost`] (with three optional methods: [`EtcdHost::kube_kvs`],
//!   [`EtcdHost::patience_ms`], [`EtcdHost::leave_partial_data_dir`]), [`DirState`],
//!   [`SnapshotFileError`], [`RestoredDataDir`].
//! * [`snapshot_stats`] / [`SnapshotStats`]: the numbers `snapshot status` prints for a
//!   [`Snapshot`] (hash, revision, total keys, sizes), for callers that show them elsewhere.
//!
//! Commands modelled: `get`, `put`, `del`, `member list|add|remove|promote`, `endpoint
//! health|status` (with `--cluster`), `snapshot save|status|restore`, `version`, `help`, and
//! etcdutl's `snapshot status|restore|save` and `version`. Output formats: simple, table, json,
//! fields (each where that release's printer has it; elsewhere etcd's own `… not supported as
//! output format`).
//!
//! # Versions
//!
//! Everything that differs by release is switched on [`EtcdHost::tool_version`]:
//! * 3.0–3.3: v2 API by default (`ETCDCTL_API=3` for v3; no `IS LEARNER`, 7-column endpoint
//!   status, no snapshot logs, no retry warnings, no learners);
//! * 3.4: v3 by default, v2 with `ETCDCTL_API=2`; healthy lines on stderr; zap production JSON
//!   (epoch times) for snapshot logs; tablewriter of 2017;
//! * 3.5: etcdutl; healthy lines on stdout; `logger` names; `snapshot status|restore` in
//!   etcdctl print `Deprecated: Use `etcdutl …` instead.`; linearizable `member list`;
//!   etcdutl restore requires `--data-dir` (console logs);
//! * 3.6: `ETCDCTL_API` ignored and reported as an unrecognized variable; snapshot
//!   status/restore only in etcdutl (which counts live keys and adds VERSION); `Server version`
//!   after a save; 16-column endpoint status; `added as learner`; `member list --consistency`;
//!   errors printed once.
//!
//! Patch-level switches: log `caller` lines (every tag), timestamp formats (3.5.3 and 3.5.8),
//! flags that appeared in a patch (`get --count-only` 3.4.24, `del --range` 3.5.6,
//! `--bump-revision` 3.4.27/3.5.10, `--initial-memory-map-size` 3.5.14), the `fetched
//! snapshot` fields (3.4.8), grpc-go's wording (3.4.8, 3.4.28, 3.5.10). Sources: etcd-io/etcd
//! at every v3.3.x–v3.6.x tag (`etcdctl/`, `etcdutl/`, `client*/`, `pkg/flags`,
//! `pkg/cobrautl`, `server/…/membership`), grpc-go, spf13/cobra, spf13/pflag, etcd-io/bbolt and
//! olekukonko/tablewriter at the versions etcd vendored.
//!
//! # Simplifications (documented, deliberate)
//!
//! * A command that would wait forever (`snapshot save` without `--command-timeout` against an
//!   endpoint it cannot reach; 3.3 never times out) waits [`EtcdHost::patience_ms`] and ends
//!   as if interrupted with Ctrl-C: what it printed so far, status 130 (the `.part` file a
//!   real interrupted save leaves is not written).
//! * zap's `stacktrace` field on fatal lines and etcd 3.5.0–3.5.9's `stack` field on the
//!   restore log are left out (they hold build paths of the release machine); so is 3.4's
//!   `restored last compact revision` line (a snapshot does not record compactions).
//! * Restore does not look at the snapshot's version, as etcd does not: the simulator decides
//!   when etcd starts on the restored data dir (`etcd/upgrade.rs`).
//! * `get --rev` below the current revision answers from the current data (no history).
//! * `--user`/`--password`, `--discovery-srv`, `-w protobuf` and the real commands not listed
//!   above print a `kubedrill:` notice (status 1).
//! * Kubernetes objects are not keys of the model; [`EtcdHost::kube_kvs`] lets the simulator
//!   show them to `get` (read-only: `del` only deletes model keys); a range delete moves the
//!   revision once per key.
//! * Endpoint health reports finish in order of `took` (real etcdctl prints in completion
//!   order).
//!
//! # Unconfirmed (best reading of the sources, no transcript yet)
//!
//! * gRPC's text for TLS mismatches in the retry warning (`connection closed before server
//!   preface received` for 3.5.0–3.5.9 is the most likely; `error reading server preface: EOF`
//!   for later grpc-go is a guess), and which half of a bad TLS setup is blamed.
//! * The texts for damaged snapshot files: `invalid database` (bbolt), the SIGBUS crash for a
//!   truncated file, the integrity-check line for a corrupt one, `read X: is a directory`, the
//!   backend panic after `--skip-hash-check` on garbage; `expected sha256 [...]` prints
//!   made-up digests.
//! * v2 against 3.4+ servers (`unexpected status code 404`/`400`), v2's no-leader message,
//!   Go 1.12-era unquoted `parse`/duration errors for 3.4.0–3.4.13.
//! * TOTAL KEYS and sizes are estimates (see [`snapshot_stats`]); HASH is a CRC-32C of the
//!   model's content, not of a bbolt file.

mod cli;
mod conn;
mod endpoint;
mod kv;
mod member;
mod snapshot;
mod tool;
mod v2;

#[cfg(test)]
mod tests;

use crate::etcd::model::{EtcdModel, KeyValue, Snapshot};
use crate::etcd::version::EtcdVersion;
use crate::shell::{CommandOutput, ShellEnv, Stream};
use cli::{Cmd, Flags, Op, ParseErr};
use tool::{Bin, Tool};

/// What etcdctl/etcdutl need from the machine they run on; the simulator implements it.
///
/// Paths handed to the host are absolute (relative ones are resolved against the shell's
/// working directory); messages show them as typed.
pub(crate) trait EtcdHost {
    /// The etcd cluster reachable from this host (None if there is none at all).
    fn cluster(&mut self) -> Option<&mut EtcdModel>;
    /// Which member serves a client URL as dialled from this host (`https://127.0.0.1:2379` is
    /// this host's own member in a kubeadm cluster); None: nothing listens there. The URL always
    /// has a scheme: the one typed, else `https://` when etcdctl uses TLS and `http://` when not.
    /// The scheme says how etcdctl talks, not where: match on host and port.
    fn member_at(&self, url: &str) -> Option<usize>;
    /// Whether the listener at this URL speaks TLS (kubeadm etcd: https with client-cert auth).
    fn tls_required(&self, url: &str) -> bool;
    /// Whether a file exists on the host (certificates named by `--cacert`, `--cert`, `--key`).
    fn file_exists(&self, path: &str) -> bool;
    /// Whether these files form a valid trust and identity for the cluster's etcd (kubeadm: ca =
    /// `/etc/kubernetes/pki/etcd/ca.crt`; cert/key = `etcd/server`, `etcd/healthcheck-client`,
    /// `etcd/peer` or `apiserver-etcd-client`). `cacert` None: the system trust store.
    fn tls_ok(&self, cacert: Option<&str>, cert: Option<&str>, key: Option<&str>) -> bool;
    /// A snapshot file (`snapshot status`, `restore`).
    fn read_snapshot(&self, path: &str) -> Result<Snapshot, SnapshotFileError>;
    /// `snapshot save` writes its file (after `dir_state` said the directory exists). The host
    /// may attach its Kubernetes state as the snapshot's payload. Err: the OS reason
    /// (`permission denied`).
    fn write_snapshot(&mut self, path: &str, snap: Snapshot) -> Result<(), String>;
    /// What is at a path.
    fn dir_state(&self, path: &str) -> DirState;
    /// Restore's result: a data dir holding a restored member (the simulator later starts etcd
    /// on it). Err: the OS reason.
    fn write_data_dir(&mut self, path: &str, restored: RestoredDataDir) -> Result<(), String>;
    /// The etcdctl/etcdutl binary version installed on this host (decides formats and which
    /// commands exist).
    fn tool_version(&self) -> EtcdVersion;
    /// How long a request took (`took` of endpoint health and snapshot save), from virtual
    /// time or the simulator's RNG.
    fn took(&mut self) -> std::time::Duration;
    /// Now, as Unix time in nanoseconds, for log time stamps (each tool formats it its own way:
    /// epoch floats, ISO 8601 with milli- or microseconds, RFC 3339, capnslog).
    fn timestamp(&mut self) -> u64;
    /// Time passing inside a command that waits (the 5 s command timeout without quorum).
    fn wait(&mut self, ms: u64);

    /// Kubernetes objects as etcd keys (`/registry/...`), for `get`; the model keeps them out of
    /// its key space. Their count also goes into DB sizes and a saved snapshot's `extra_keys`.
    fn kube_kvs(&self) -> Vec<(String, KeyValue)> {
        Vec::new()
    }
    /// The entries the Kubernetes objects occupy in the db with their kept history: what its
    /// size and a snapshot's size grow with (the same count wherever a size is shown).
    fn kube_entry_count(&self) -> usize {
        self.kube_kvs().len()
    }
    /// How long a person waits for a command that hangs before pressing Ctrl-C.
    fn patience_ms(&self) -> u64 {
        60_000
    }
    /// A restore that failed after creating `<data-dir>/member/snap/db` leaves that behind,
    /// so a second try into the same directory meets `exists` / `not empty`.
    fn leave_partial_data_dir(&mut self, path: &str) {
        let _ = path;
    }
}

/// What is at a path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DirState {
    Missing,
    Empty,
    NonEmpty,
    /// Something that is not a directory (a file).
    NotADir,
}

/// Why a snapshot file cannot be used.
#[derive(Clone, Debug)]
pub(crate) enum SnapshotFileError {
    NotFound,
    IsADirectory,
    /// Cut short (an interrupted copy or save, `truncate -s`) to `bytes`, of the snapshot `of`
    /// when it was one.
    Truncated {
        bytes: u64,
        of: Option<std::sync::Arc<Snapshot>>,
    },
    /// A saved snapshot whose content was altered: its SHA-256 no longer matches. (No command
    /// of the simulated shell alters a snapshot in place yet; the etcdctl tests' host does.)
    #[cfg_attr(not(test), allow(dead_code))]
    Corrupt,
    /// Not an etcd database at all (a text file, an archive), of `bytes` bytes.
    NotADatabase {
        bytes: u64,
    },
}

/// What `snapshot restore` writes into a data directory.
#[derive(Clone, Debug)]
pub(crate) struct RestoredDataDir {
    /// The data, with the revision already bumped by `--bump-revision`.
    pub snapshot: Snapshot,
    pub name: String,
    /// `--initial-cluster` as (name, peer URL) pairs, sorted as etcd prints them.
    pub initial_cluster: Vec<(String, String)>,
    pub token: String,
    pub member_id: u64,
    pub cluster_id: u64,
    /// `--wal-dir` when given (absolute). The node's files keep one data directory, so the
    /// host does not place a separate WAL; the tests check what etcdutl asked for.
    #[cfg_attr(not(test), allow(dead_code))]
    pub wal_dir: Option<String>,
    /// `--mark-compacted` with a bump: the bumped revision counts as compacted (the model has
    /// no compaction to mark; the tests check the flag's parsing).
    #[cfg_attr(not(test), allow(dead_code))]
    pub compacted: bool,
}

/// Runs `etcdctl ARGS...` (without the program name) with an empty stdin.
#[cfg(test)]
pub(crate) fn etcdctl(host: &mut dyn EtcdHost, args: &[String], env: &ShellEnv) -> CommandOutput {
    etcdctl_with_stdin(host, args, env, "")
}

/// [`etcdctl`] with what is piped into it (`put KEY` reads the value from stdin).
pub(crate) fn etcdctl_with_stdin(
    host: &mut dyn EtcdHost,
    args: &[String],
    env: &ShellEnv,
    stdin: &str,
) -> CommandOutput {
    let v = host.tool_version();
    let tool = Tool {
        bin: Bin::Etcdctl,
        v: v.clone(),
    };
    let api = env.get("ETCDCTL_API").unwrap_or("");
    let mut run = Run::new(host, env, stdin, tool.clone());
    let outcome = match (tool.minor(), api) {
        (m, "" | "2") if m < (3, 4) => v2::run(&mut run, args),
        (m, "3") if m < (3, 4) => run.v3(args),
        (m, other) if m < (3, 4) => {
            run.err(format!("unsupported API version {other}"));
            Err(run.exit(1))
        }
        (m, "2") if m < (3, 6) => v2::run(&mut run, args),
        ((3, 4), "" | "3") => run.v3(args),
        ((3, 4), other) => {
            run.err(format!("unsupported API version {other}"));
            Err(run.exit(1))
        }
        ((3, 5), "" | "3") => run.v3(args),
        ((3, 5), other) => {
            run.err(format!("unsupported API version: {other}"));
            Err(run.exit(1))
        }
        _ => run.v3(args),
    };
    let _ = outcome;
    run.out
}

/// Runs `etcdutl ARGS...` (etcd 3.5+; older releases have no etcdutl).
///
/// Before 3.5 there is no etcdutl: the answer is bash's `command not found` (status 127), in
/// case a caller does not check the version first.
pub(crate) fn etcdutl(host: &mut dyn EtcdHost, args: &[String], env: &ShellEnv) -> CommandOutput {
    let v = host.tool_version();
    if v.minor_key() < (3, 5) {
        return CommandOutput::fail(127).line_err("bash: etcdutl: command not found");
    }
    let tool = Tool { bin: Bin::Etcdutl, v };
    let mut run = Run::new(host, env, "", tool);
    let _ = run.v3(args);
    run.out
}

/// A command ended; its status is in the output.
pub(crate) struct Exit;

pub(crate) type R<T = ()> = Result<T, Exit>;

/// etcdctl's exit codes (`pkg/cobrautl/error.go`, 3.4's `ctlv3/command/error.go`).
pub(crate) const EXIT_ERROR: i32 = 1;
pub(crate) const EXIT_BAD_CONNECTION: i32 = 2;
pub(crate) const EXIT_BAD_FEATURE: i32 = 4;
pub(crate) const EXIT_INTERRUPTED: i32 = 5;
pub(crate) const EXIT_BAD_ARGS: i32 = 128;

/// The output format of `-w`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Display {
    Simple,
    Json,
    Table,
    Fields,
    Protobuf,
}

/// One run of a tool.
pub(crate) struct Run<'a> {
    pub(crate) host: &'a mut dyn EtcdHost,
    pub(crate) env: &'a ShellEnv,
    pub(crate) stdin: &'a str,
    pub(crate) tool: Tool,
    pub(crate) out: CommandOutput,
    pub(crate) flags: Flags,
    /// Names of the flags the command inherits (what `SetPflagsFromEnv` looks at).
    pub(crate) inherited: Vec<&'static str>,
    pub(crate) display: Display,
}

impl<'a> Run<'a> {
    fn new(host: &'a mut dyn EtcdHost, env: &'a ShellEnv, stdin: &'a str, tool: Tool) -> Self {
        Run {
            host,
            env,
            stdin,
            tool,
            out: CommandOutput::default(),
            flags: Flags::default(),
            inherited: Vec::new(),
            display: Display::Simple,
        }
    }

    pub(crate) fn line(&mut self, line: impl Into<String>) {
        crate::shell::output::stdout(&mut self.out, line);
    }

    pub(crate) fn err(&mut self, line: impl Into<String>) {
        crate::shell::output::stderr(&mut self.out, line);
    }

    /// Text that already ends in a newline (or is empty).
    pub(crate) fn raw_out(&mut self, text: String) {
        if !text.is_empty() {
            self.out.push(Stream::Stdout, &text);
        }
    }

    pub(crate) fn raw_err(&mut self, text: String) {
        if !text.is_empty() {
            self.out.push(Stream::Stderr, &text);
        }
    }

    pub(crate) fn exit(&mut self, code: i32) -> Exit {
        self.out.status = code;
        Exit
    }

    /// `ExitWithError`: `Error: <msg>` on stderr.
    pub(crate) fn fail(&mut self, code: i32, msg: impl Into<String>) -> Exit {
        let msg = msg.into();
        self.err(format!("Error: {msg}"));
        self.exit(code)
    }

    /// A real command or option the simulator does not model.
    pub(crate) fn not_modelled(&mut self, what: &str) -> Exit {
        let bin = self.tool.bin.name();
        self.fail_plain(
            1,
            format!("kubedrill: `{bin} {what}` is real {bin} that this simulator does not model yet"),
        )
    }

    fn fail_plain(&mut self, code: i32, msg: String) -> Exit {
        self.err(msg);
        self.exit(code)
    }

    /// An absolute path for the host.
    pub(crate) fn abs(&self, path: &str) -> String {
        if path.starts_with('/') {
            crate::path::normalize(path)
        } else {
            crate::path::normalize(&format!("{}/{path}", self.env.cwd()))
        }
    }

    /// The v3 command line (etcdctl 3.x v3 API, and etcdutl): cobra's `Execute`.
    fn v3(&mut self, args: &[String]) -> R {
        let root = match self.tool.bin {
            Bin::Etcdctl => cli::etcdctl_tree(&self.tool),
            Bin::Etcdutl => cli::etcdutl_tree(&self.tool),
        };
        let found = cli::find(&root, args);
        if let Some(msg) = &found.unknown {
            let name = root.name().to_string();
            self.raw_err(format!("Error: {msg}\n"));
            self.err(format!("Run '{name} --help' for usage."));
            return Err(self.main_exit(msg));
        }
        let path = cli::resolve(&root, &found.path);
        let cmd = path[path.len() - 1];
        if !cmd.deprecated.is_empty() {
            let d = format!(
                "Command {} is deprecated, {}",
                crate::gotext::go_quote(cmd.name()),
                cmd.deprecated
            );
            self.err(d);
        }
        let (mut specs, inherited) = cli::all_flags(&path);
        self.inherited = inherited.iter().map(|f| f.name).collect();
        specs.extend(inherited);
        let flags = match cli::parse_flags(&specs, &found.rest, &self.tool) {
            Ok(f) => f,
            Err(ParseErr::Help) => {
                self.usage(&path, false);
                return Ok(());
            }
            Err(ParseErr::Msg(m)) => {
                self.err(format!("Error: {m}"));
                self.usage(&path, true);
                return Err(self.main_exit(&m));
            }
        };
        self.flags = flags;
        let Some(op) = cmd.op else {
            self.usage(&path, false);
            return Ok(());
        };
        if let Some(missing) = cmd.required.iter().find(|r| !self.flags.changed(r)) {
            let m = format!("required flag(s) \"{missing}\" not set");
            self.err(format!("Error: {m}"));
            self.usage(&path, true);
            return Err(self.main_exit(&m));
        }
        let names: Vec<String> = path[1..].iter().map(|c| c.name().to_string()).collect();
        self.dispatch(op, &root, &names)
    }

    /// After cobra printed an error, `main` exits 1; 3.4/3.5 etcdctl and etcdutl print the
    /// error once more, 3.6 etcdctl does not (`rootCmd.SilenceErrors` is false).
    fn main_exit(&mut self, msg: &str) -> Exit {
        if self.tool.bin == Bin::Etcdutl || !self.tool.ge(3, 6) {
            self.raw_err(format!("Error: {msg}\n"));
        }
        self.exit(EXIT_ERROR)
    }

    /// The help text. etcdctl's usage function writes straight to stdout, so after an error
    /// cobra's own `Println(UsageString())` only adds an empty line on stderr; etcdutl uses
    /// cobra's template, which cobra prints to stderr after an error and to stdout for help.
    fn usage(&mut self, path: &[&Cmd], after_error: bool) {
        match self.tool.bin {
            Bin::Etcdctl => {
                let u = cli::etcdctl_usage(path, &self.tool);
                self.raw_out(u);
                if after_error {
                    self.err("");
                }
            }
            Bin::Etcdutl => {
                let u = cli::cobra_usage(path);
                if after_error {
                    self.raw_err(format!("{u}\n"));
                } else {
                    self.raw_out(u);
                }
            }
        }
    }

    fn dispatch(&mut self, op: Op, root: &Cmd, names: &[String]) -> R {
        let args = self.flags.args.clone();
        match op {
            Op::Get => kv::get(self),
            Op::Put => kv::put(self),
            Op::Del => kv::del(self),
            Op::MemberAdd => member::add(self),
            Op::MemberRemove => member::remove_or_promote(self, false),
            Op::MemberPromote => member::remove_or_promote(self, true),
            Op::MemberList => member::list(self),
            Op::EpHealth => endpoint::health(self),
            Op::EpStatus => endpoint::status(self),
            Op::SnapshotSave => snapshot::save(self),
            Op::SnapshotStatus => snapshot::status(self),
            Op::SnapshotRestore => snapshot::restore(self),
            Op::Version => {
                let bin = self.tool.bin.name();
                let (v, api) = (self.tool.version_text(), self.tool.api_version());
                self.line(format!("{bin} version: {v}"));
                self.line(format!("API version: {api}"));
                Ok(())
            }
            Op::Help => {
                let found = cli::find(root, &args);
                if found.unknown.is_some() {
                    // cobra's `Printf("Unknown help topic %#q\n", args)` goes to stderr.
                    let topics: Vec<String> = args.iter().map(|a| format!("`{a}`")).collect();
                    self.err(format!("Unknown help topic [{}]", topics.join(" ")));
                    self.usage(&[root], false);
                    return Ok(());
                }
                let path = cli::resolve(root, &found.path);
                self.usage(&path, false);
                Ok(())
            }
            Op::UtlSave => Err(self.fail(
                EXIT_BAD_ARGS,
                "In order to download snapshot use: `etcdctl snapshot save ...`",
            )),
            Op::NotModelled => Err(self.not_modelled(&names.join(" "))),
        }
    }

    /// `initDisplayFromCmd`.
    pub(crate) fn init_display(&mut self) -> R {
        self.display = match self.flags.str("write-out").as_str() {
            "simple" => Display::Simple,
            "json" => Display::Json,
            "table" => Display::Table,
            "fields" => Display::Fields,
            "protobuf" => Display::Protobuf,
            _ => return Err(self.fail(EXIT_BAD_FEATURE, "unsupported output format")),
        };
        Ok(())
    }

    /// A printer that does not support the response: `<fmt> not supported as output format`.
    pub(crate) fn unsupported_format(&mut self) -> Exit {
        let name = match self.display {
            Display::Simple => "simple",
            Display::Json => "json",
            Display::Table => "table",
            Display::Fields => "fields",
            Display::Protobuf => "protobuf",
        };
        self.fail(EXIT_BAD_FEATURE, format!("{name} not supported as output format"))
    }
}
