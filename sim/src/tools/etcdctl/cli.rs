//! cobra and pflag as etcdctl and etcdutl use them: the command tree of each release, how a
//! command is found (prefix matching is on in both tools), flag parsing with pflag's messages,
//! and the help texts (etcdctl's own template, cobra's default one for etcdutl).

use super::tool::Tool;
use crate::gotext::{go_quote, parse_go_duration, tabwriter_tabs};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Kind {
    Bool,
    Str,
    Strs,
    Dur,
    Int,
    Uint,
}

#[derive(Clone, Debug)]
pub(crate) struct FlagSpec {
    pub(crate) name: &'static str,
    pub(crate) short: Option<char>,
    pub(crate) kind: Kind,
    /// The default as pflag's `DefValue` prints it (`[127.0.0.1:2379]`, `2s`, `simple`).
    pub(crate) def: String,
    pub(crate) usage: String,
}

fn flag(name: &'static str, kind: Kind, def: &str, usage: &str) -> FlagSpec {
    FlagSpec {
        name,
        short: None,
        kind,
        def: def.to_string(),
        usage: usage.to_string(),
    }
}

fn short(mut f: FlagSpec, c: char) -> FlagSpec {
    f.short = Some(c);
    f
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Val {
    Bool(bool),
    Str(String),
    Strs(Vec<String>),
    /// Nanoseconds.
    Dur(u64),
    Int(i64),
    Uint(u64),
}

/// Parsed flags and positional arguments of one command.
#[derive(Clone, Debug, Default)]
pub(crate) struct Flags {
    vals: BTreeMap<&'static str, Val>,
    changed: BTreeSet<&'static str>,
    specs: Vec<FlagSpec>,
    pub(crate) args: Vec<String>,
}

impl Flags {
    fn new(specs: &[FlagSpec]) -> Self {
        let mut vals = BTreeMap::new();
        for s in specs {
            vals.insert(s.name, default_val(s));
        }
        Flags {
            vals,
            changed: BTreeSet::new(),
            specs: specs.to_vec(),
            args: Vec::new(),
        }
    }

    pub(crate) fn has(&self, name: &str) -> bool {
        self.vals.contains_key(name)
    }

    pub(crate) fn changed(&self, name: &str) -> bool {
        self.changed.contains(name)
    }

    pub(crate) fn bool(&self, name: &str) -> bool {
        matches!(self.vals.get(name), Some(Val::Bool(true)))
    }

    pub(crate) fn str(&self, name: &str) -> String {
        match self.vals.get(name) {
            Some(Val::Str(s)) => s.clone(),
            _ => String::new(),
        }
    }

    pub(crate) fn strs(&self, name: &str) -> Vec<String> {
        match self.vals.get(name) {
            Some(Val::Strs(v)) => v.clone(),
            _ => Vec::new(),
        }
    }

    pub(crate) fn dur(&self, name: &str) -> u64 {
        match self.vals.get(name) {
            Some(Val::Dur(d)) => *d,
            _ => 0,
        }
    }

    pub(crate) fn int(&self, name: &str) -> i64 {
        match self.vals.get(name) {
            Some(Val::Int(n)) => *n,
            _ => 0,
        }
    }

    pub(crate) fn uint(&self, name: &str) -> u64 {
        match self.vals.get(name) {
            Some(Val::Uint(n)) => *n,
            _ => 0,
        }
    }

    /// pflag's `Set`: validates the text for the flag's type; a string slice set more than
    /// once appends.
    pub(crate) fn set(&mut self, name: &str, text: &str, tool: &Tool) -> Result<(), String> {
        let Some(spec) = self.specs.iter().find(|s| s.name == name).cloned() else {
            return Err(format!("no such flag -{name}"));
        };
        let bad = |e: String| {
            let shown = match spec.short {
                Some(c) => format!("-{c}, --{}", spec.name),
                None => format!("--{}", spec.name),
            };
            format!("invalid argument {} for {} flag: {e}", go_quote(text), go_quote(&shown))
        };
        let v = match spec.kind {
            Kind::Bool => Val::Bool(parse_bool(text).map_err(bad)?),
            Kind::Str => Val::Str(text.to_string()),
            Kind::Strs => {
                let mut parts = read_csv(text).map_err(bad)?;
                if self.changed(spec.name) {
                    let mut old = self.strs(spec.name);
                    old.append(&mut parts);
                    parts = old;
                }
                Val::Strs(parts)
            }
            Kind::Dur => Val::Dur(parse_go_duration(text, tool.go_quotes()).map_err(bad)?),
            Kind::Int => Val::Int(
                text.parse::<i64>()
                    .map_err(|_| bad(format!("strconv.ParseInt: parsing {}: invalid syntax", go_quote(text))))?,
            ),
            Kind::Uint => Val::Uint(
                text.parse::<u64>()
                    .map_err(|_| bad(format!("strconv.ParseUint: parsing {}: invalid syntax", go_quote(text))))?,
            ),
        };
        self.vals.insert(spec.name, v);
        self.changed.insert(spec.name);
        Ok(())
    }

    /// A flag's current value as `--debug` prints it (`%v` of the pflag value).
    pub(crate) fn shown(&self, name: &str) -> String {
        match self.vals.get(name) {
            Some(Val::Bool(b)) => b.to_string(),
            Some(Val::Str(s)) => s.clone(),
            Some(Val::Strs(v)) => format!("[{}]", v.join(",")),
            Some(Val::Dur(d)) => crate::gotext::go_duration(std::time::Duration::from_nanos(*d)),
            Some(Val::Int(n)) => n.to_string(),
            Some(Val::Uint(n)) => n.to_string(),
            None => String::new(),
        }
    }
}

fn default_val(s: &FlagSpec) -> Val {
    match s.kind {
        Kind::Bool => Val::Bool(s.def == "true"),
        Kind::Str => Val::Str(s.def.clone()),
        Kind::Strs => {
            let inner = s.def.trim_start_matches('[').trim_end_matches(']');
            Val::Strs(if inner.is_empty() {
                vec![]
            } else {
                inner.split(',').map(str::to_string).collect()
            })
        }
        Kind::Dur => Val::Dur(parse_go_duration(&s.def, true).unwrap_or(0)),
        Kind::Int => Val::Int(s.def.parse().unwrap_or(0)),
        Kind::Uint => Val::Uint(s.def.parse().unwrap_or(0)),
    }
}

/// Go's `strconv.ParseBool`.
fn parse_bool(s: &str) -> Result<bool, String> {
    match s {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Ok(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Ok(false),
        _ => Err(format!("strconv.ParseBool: parsing {}: invalid syntax", go_quote(s))),
    }
}

/// pflag's string-slice reader: one CSV record, `""` is empty.
fn read_csv(s: &str) -> Result<Vec<String>, String> {
    if s.is_empty() {
        return Ok(vec![]);
    }
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = s.chars().peekable();
    let mut quoted = false;
    let mut at_start = true;
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    cur.push('"');
                    chars.next();
                } else {
                    quoted = false;
                }
            } else {
                cur.push(c);
            }
        } else if c == '"' && at_start {
            quoted = true;
            at_start = false;
        } else if c == ',' {
            out.push(std::mem::take(&mut cur));
            at_start = true;
        } else {
            cur.push(c);
            at_start = false;
        }
    }
    if quoted {
        return Err("parse error on line 1, column 0: extraneous or missing \" in quoted-field".to_string());
    }
    out.push(cur);
    Ok(out)
}

/// What running a found command does.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Op {
    Get,
    Put,
    Del,
    MemberAdd,
    MemberRemove,
    MemberList,
    MemberPromote,
    EpHealth,
    EpStatus,
    SnapshotSave,
    SnapshotStatus,
    SnapshotRestore,
    Version,
    Help,
    /// etcdutl 3.5's hidden `snapshot save`.
    UtlSave,
    /// A real command this simulator does not model.
    NotModelled,
}

#[derive(Clone, Debug)]
pub(crate) struct Cmd {
    pub(crate) use_line: String,
    pub(crate) short: String,
    pub(crate) long: String,
    pub(crate) example: String,
    pub(crate) op: Option<Op>,
    pub(crate) hidden: bool,
    pub(crate) deprecated: String,
    pub(crate) flags: Vec<FlagSpec>,
    /// Flags the command's children inherit (its own persistent flags).
    pub(crate) persistent: Vec<FlagSpec>,
    pub(crate) required: Vec<&'static str>,
    pub(crate) children: Vec<Cmd>,
}

impl Cmd {
    pub(crate) fn name(&self) -> &str {
        self.use_line.split(' ').next().unwrap_or("")
    }

    fn runnable(&self) -> bool {
        self.op.is_some()
    }
}

fn leaf(use_line: &str, short_text: &str, op: Op) -> Cmd {
    Cmd {
        use_line: use_line.to_string(),
        short: short_text.to_string(),
        long: String::new(),
        example: String::new(),
        op: Some(op),
        hidden: false,
        deprecated: String::new(),
        flags: Vec::new(),
        persistent: Vec::new(),
        required: Vec::new(),
        children: Vec::new(),
    }
}

fn group(use_line: &str, short_text: &str, children: Vec<Cmd>) -> Cmd {
    let mut c = leaf(use_line, short_text, Op::Help);
    c.op = None;
    c.children = children;
    c
}

fn with_flags(mut c: Cmd, flags: Vec<FlagSpec>) -> Cmd {
    c.flags = flags;
    c
}

fn with_long(mut c: Cmd, long: &str) -> Cmd {
    c.long = long.to_string();
    c
}

fn nm(use_line: &str, short_text: &str) -> Cmd {
    leaf(use_line, short_text, Op::NotModelled)
}

const CONSISTENCY: &str = "Linearizable(l) or Serializable(s)";

/// etcdctl's global flags (the root's persistent flags).
pub(crate) fn etcdctl_globals(tool: &Tool) -> Vec<FlagSpec> {
    let mut g = vec![
        flag("endpoints", Kind::Strs, "[127.0.0.1:2379]", "gRPC endpoints"),
        flag("debug", Kind::Bool, "false", "enable client-side debug logging"),
        short(
            flag(
                "write-out",
                Kind::Str,
                "simple",
                "set the output format (fields, json, protobuf, simple, table)",
            ),
            'w',
        ),
        flag("hex", Kind::Bool, "false", "print byte strings as hex encoded strings"),
        flag("dial-timeout", Kind::Dur, "2s", "dial timeout for client connections"),
        flag(
            "command-timeout",
            Kind::Dur,
            "5s",
            "timeout for short running command (excluding dial timeout)",
        ),
        flag(
            "keepalive-time",
            Kind::Dur,
            "2s",
            "keepalive time for client connections",
        ),
        flag(
            "keepalive-timeout",
            Kind::Dur,
            "6s",
            "keepalive timeout for client connections",
        ),
        flag(
            "insecure-transport",
            Kind::Bool,
            "true",
            "disable transport security for client connections",
        ),
        flag(
            "insecure-discovery",
            Kind::Bool,
            "true",
            "accept insecure SRV records describing cluster endpoints",
        ),
        flag(
            "insecure-skip-tls-verify",
            Kind::Bool,
            "false",
            "skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)",
        ),
        flag(
            "cert",
            Kind::Str,
            "",
            "identify secure client using this TLS certificate file",
        ),
        flag("key", Kind::Str, "", "identify secure client using this TLS key file"),
        flag(
            "cacert",
            Kind::Str,
            "",
            "verify certificates of TLS-enabled secure servers using this CA bundle",
        ),
        flag(
            "user",
            Kind::Str,
            "",
            "username[:password] for authentication (prompt if password is not supplied)",
        ),
        flag(
            "password",
            Kind::Str,
            "",
            "password for authentication (if this option is used, --user option shouldn't include password)",
        ),
        short(
            flag(
                "discovery-srv",
                Kind::Str,
                "",
                "domain name to query for SRV records describing cluster endpoints",
            ),
            'd',
        ),
        flag(
            "discovery-srv-name",
            Kind::Str,
            "",
            "service name to query when using DNS discovery",
        ),
    ];
    if tool.ge(3, 6) {
        g.push(flag(
            "max-request-bytes",
            Kind::Int,
            "0",
            "client-side request send limit in bytes (if 0, it defaults to 2.0 MiB (2 * 1024 * 1024).)",
        ));
        g.push(flag(
            "max-recv-bytes",
            Kind::Int,
            "0",
            "client-side response receive limit in bytes (if 0, it defaults to \"math.MaxInt32\")",
        ));
    }
    g
}

fn restore_flags(tool: &Tool, utl: bool) -> Vec<FlagSpec> {
    let data_dir = if utl {
        "Path to the output data directory"
    } else {
        "Path to the data directory"
    };
    let mut f = vec![
        flag("data-dir", Kind::Str, "", data_dir),
        flag(
            "wal-dir",
            Kind::Str,
            "",
            "Path to the WAL directory (use --data-dir if none given)",
        ),
        flag(
            "initial-cluster",
            Kind::Str,
            "default=http://localhost:2380",
            "Initial cluster configuration for restore bootstrap",
        ),
        flag(
            "initial-cluster-token",
            Kind::Str,
            "etcd-cluster",
            "Initial cluster token for the etcd cluster during restore bootstrap",
        ),
        flag(
            "initial-advertise-peer-urls",
            Kind::Str,
            "http://localhost:2380",
            "List of this member's peer URLs to advertise to the rest of the cluster",
        ),
        flag("name", Kind::Str, "default", "Human-readable name for this member"),
        flag(
            "skip-hash-check",
            Kind::Bool,
            "false",
            "Ignore snapshot integrity hash value (required if copied from data directory)",
        ),
    ];
    let bump = match tool.minor() {
        (3, 4) => tool.ge_patch(3, 4, 27),
        (3, 5) => tool.ge_patch(3, 5, 10),
        m => m >= (3, 6),
    };
    if bump {
        f.push(flag(
            "bump-revision",
            Kind::Uint,
            "0",
            "How much to increase the latest revision after restore",
        ));
        f.push(flag(
            "mark-compacted",
            Kind::Bool,
            "false",
            "Mark the latest revision after restore as the point of scheduled compaction (required if --bump-revision > 0, disallowed otherwise)",
        ));
    }
    if tool.ge_patch(3, 5, 14) {
        f.push(flag(
            "initial-memory-map-size",
            Kind::Uint,
            if utl || tool.ge(3, 6) { "10737418240" } else { "0" },
            "Initial memory map size of the database in bytes. It uses the default value if not defined or defined to 0",
        ));
    }
    f
}

const MEMBER_LIST_LONG: &str = "When --write-out is set to simple, this command prints out comma-separated member lists for each endpoint.\nThe items in the lists are ID, Status, Name, Peer Addrs, Client Addrs, Is Learner.\n";
const EP_STATUS_LONG: &str = "When --write-out is set to simple, this command prints out comma-separated status lists for each endpoint.\nThe items in the lists are endpoint, ID, version, db size, is leader, is learner, raft term, raft index, raft applied index, errors.\n";
const SNAP_STATUS_LONG: &str = "When --write-out is set to simple, this command prints out comma-separated status lists for each endpoint.\nThe items in the lists are hash, revision, total keys, total size.\n";
const PUT_LONG: &str = "\nPuts the given key into the store.\n\nWhen <value> begins with '-', <value> is interpreted as a flag.\nInsert '--' for workaround:\n\n$ put <key> -- <value>\n$ put -- <key> <value>\n\nIf <value> isn't given as a command line argument and '--ignore-value' is not specified,\nthis command tries to read the value from standard input.\n\nIf <lease> isn't given as a command line argument and '--ignore-lease' is not specified,\nthis command tries to read the value from standard input.\n\nFor example,\n$ cat file | put <key>\nwill store the content of the file to <key>.\n";
const SNAPSHOT_EXAMPLE: &str = "  # Save snapshot to a given file\n  etcdctl snapshot save /backup/etcd-snapshot.db\n  \n  # Get snapshot from given address and save it to file\n  etcdctl snapshot save --endpoints=127.0.0.1:3000 /backup/etcd-snapshot.db\n  \n  # Get snapshot from given address with certificates\n  etcdctl --endpoints=https://127.0.0.1:2379 --cacert=/etc/etcd/ca.crt --cert=/etc/etcd/etcd.crt --key=/etc/etcd/etcd.key snapshot save /backup/etcd-snapshot.db\n  \n  # Get snapshot wih certain user and password\n  etcdctl --user=root --password=password123 snapshot save /backup/etcd-snapshot.db\n  \n  # Get snapshot from given address with timeout\n  etcdctl --endpoints=https://127.0.0.1:2379 --dial-timeout=20s snapshot save /backup/etcd-snapshot.db\n  \n  # Save snapshot with desirable time format\n  etcdctl snapshot save /mnt/backup/etcd/backup_$(date +%Y%m%d_%H%M%S).db";

/// etcdctl's v3 command tree of a release (children in registration order; cobra sorts them
/// when it lists or searches).
pub(crate) fn etcdctl_tree(tool: &Tool) -> Cmd {
    let v35 = tool.ge(3, 5);
    let v36 = tool.ge(3, 6);
    let mut get_flags = vec![
        flag("consistency", Kind::Str, "l", CONSISTENCY),
        flag(
            "order",
            Kind::Str,
            "",
            "Order of results; ASCEND or DESCEND (ASCEND by default)",
        ),
        flag(
            "sort-by",
            Kind::Str,
            "",
            "Sort target; CREATE, KEY, MODIFY, VALUE, or VERSION",
        ),
        flag("limit", Kind::Int, "0", "Maximum number of results"),
        flag("prefix", Kind::Bool, "false", "Get keys with matching prefix"),
        flag(
            "from-key",
            Kind::Bool,
            "false",
            "Get keys that are greater than or equal to the given key using byte compare",
        ),
        flag("rev", Kind::Int, "0", "Specify the kv revision"),
        flag("keys-only", Kind::Bool, "false", "Get only the keys"),
        flag(
            "print-value-only",
            Kind::Bool,
            "false",
            "Only write values when using the \"simple\" output format",
        ),
    ];
    if v35 || tool.ge_patch(3, 4, 24) {
        get_flags.push(flag("count-only", Kind::Bool, "false", "Get only the count"));
    }
    if v36 {
        get_flags.push(flag("min-create-rev", Kind::Int, "0", "Minimum create revision"));
        get_flags.push(flag("max-create-rev", Kind::Int, "0", "Maximum create revision"));
        get_flags.push(flag("min-mod-rev", Kind::Int, "0", "Minimum modification revision"));
        get_flags.push(flag("max-mod-rev", Kind::Int, "0", "Maximum modification revision"));
    }
    let put_flags = vec![
        flag(
            "lease",
            Kind::Str,
            "0",
            "lease ID (in hexadecimal) to attach to the key",
        ),
        flag(
            "prev-kv",
            Kind::Bool,
            "false",
            "return the previous key-value pair before modification",
        ),
        flag(
            "ignore-value",
            Kind::Bool,
            "false",
            "updates the key using its current value",
        ),
        flag(
            "ignore-lease",
            Kind::Bool,
            "false",
            "updates the key using its current lease",
        ),
    ];
    let mut del_flags = vec![
        flag("prefix", Kind::Bool, "false", "delete keys with matching prefix"),
        flag("prev-kv", Kind::Bool, "false", "return deleted key-value pairs"),
        flag(
            "from-key",
            Kind::Bool,
            "false",
            "delete keys that are greater than or equal to the given key using byte compare",
        ),
    ];
    if tool.ge_patch(3, 5, 6) {
        del_flags.push(flag("range", Kind::Bool, "false", "delete range of keys"));
    }
    let mut member_list = with_long(
        leaf("list", "Lists all members in the cluster", Op::MemberList),
        MEMBER_LIST_LONG,
    );
    if v36 {
        member_list.flags = vec![flag("consistency", Kind::Str, "l", CONSISTENCY)];
    }
    // Learners came with 3.4.
    let v34 = tool.ge(3, 4);
    let mut add_flags = vec![flag(
        "peer-urls",
        Kind::Str,
        "",
        "comma separated peer URLs for the new member.",
    )];
    if v34 {
        add_flags.push(flag(
            "learner",
            Kind::Bool,
            "false",
            "indicates if the new member is raft learner",
        ));
    }
    let mut member_children = vec![
        with_flags(
            leaf(
                "add <memberName> [options]",
                "Adds a member into the cluster",
                Op::MemberAdd,
            ),
            add_flags,
        ),
        leaf(
            "remove <memberID>",
            "Removes a member from the cluster",
            Op::MemberRemove,
        ),
        with_flags(
            nm("update <memberID> [options]", "Updates a member in the cluster"),
            vec![flag(
                "peer-urls",
                Kind::Str,
                "",
                "comma separated peer URLs for the updated member.",
            )],
        ),
        member_list,
    ];
    if v34 {
        member_children.push(with_long(
            leaf(
                "promote <memberID>",
                "Promotes a non-voting member in the cluster",
                Op::MemberPromote,
            ),
            "Promotes a non-voting learner member to a voting one in the cluster.\n",
        ));
    }
    let member = group("member <subcommand>", "Membership related commands", member_children);
    let mut hashkv = nm("hashkv", "Prints the KV history hash for each endpoint in --endpoints");
    hashkv.persistent = vec![flag(
        "rev",
        Kind::Int,
        "0",
        if v36 {
            "maximum revision to hash (default: latest revision)"
        } else {
            "maximum revision to hash (default: all revisions)"
        },
    )];
    let mut endpoint = group(
        "endpoint <subcommand>",
        "Endpoint related commands",
        vec![
            leaf(
                "health",
                "Checks the healthiness of endpoints specified in `--endpoints` flag",
                Op::EpHealth,
            ),
            with_long(
                leaf(
                    "status",
                    "Prints out the status of endpoints specified in `--endpoints` flag",
                    Op::EpStatus,
                ),
                EP_STATUS_LONG,
            ),
            hashkv,
        ],
    );
    endpoint.persistent = vec![flag(
        "cluster",
        Kind::Bool,
        "false",
        "use all endpoints from the cluster member list",
    )];
    let mut snap_children = vec![leaf(
        "save <filename>",
        "Stores an etcd node backend snapshot to a given file",
        Op::SnapshotSave,
    )];
    if !v36 {
        let mut restore = with_flags(
            leaf(
                "restore <filename> [options]",
                "Restores an etcd member snapshot to an etcd directory",
                Op::SnapshotRestore,
            ),
            restore_flags(tool, false),
        );
        let mut status = with_long(
            leaf(
                "status <filename>",
                "Gets backend snapshot status of a given file",
                Op::SnapshotStatus,
            ),
            SNAP_STATUS_LONG,
        );
        if v35 {
            restore.long = "Moved to `etcdctl snapshot restore ...`\n".to_string();
            status.short = "[deprecated] Gets backend snapshot status of a given file".to_string();
            status.long = format!("{SNAP_STATUS_LONG}\nMoved to 'etcdctl snapshot status ...'\n");
        }
        snap_children.push(restore);
        snap_children.push(status);
    } else {
        snap_children[0].example = SNAPSHOT_EXAMPLE.to_string();
    }
    let mut snapshot = group("snapshot <subcommand>", "Manages etcd node snapshots", snap_children);
    if v36 {
        snapshot.example = SNAPSHOT_EXAMPLE.to_string();
    }
    let mut auth = vec![
        nm("enable", "Enables authentication"),
        nm("disable", "Disables authentication"),
    ];
    if v35 {
        auth.push(nm("status", "Returns authentication status"));
    }
    let mut root_children = vec![
        with_flags(
            leaf(
                "get [options] <key> [range_end]",
                "Gets the key or a range of keys",
                Op::Get,
            ),
            get_flags,
        ),
        with_long(
            with_flags(
                leaf(
                    "put [options] <key> <value> (<value> can also be given from stdin)",
                    "Puts the given key into the store",
                    Op::Put,
                ),
                put_flags,
            ),
            PUT_LONG,
        ),
        with_flags(
            leaf(
                "del [options] <key> [range_end]",
                "Removes the specified key or range of keys [key, range_end)",
                Op::Del,
            ),
            del_flags,
        ),
        nm("txn [options]", "Txn processes all the requests in one transaction"),
        nm("compaction [options] <revision>", "Compacts the event history in etcd"),
        group(
            "alarm <subcommand>",
            "Alarm related commands",
            vec![nm("disarm", "Disarms all alarms"), nm("list", "Lists all alarms")],
        ),
        nm(
            "defrag",
            "Defragments the storage of the etcd members with given endpoints",
        ),
        endpoint,
        nm(
            "move-leader <transferee-member-id>",
            "Transfers leadership to another etcd cluster member.",
        ),
        nm(
            "watch [options] [key or prefix] [range_end] [--] [exec-command arg1 arg2 ...]",
            "Watches events stream on keys or prefixes",
        ),
        leaf("version", "Prints the version of etcdctl", Op::Version),
        group(
            "lease <subcommand>",
            "Lease related commands",
            vec![
                nm("grant <ttl>", "Creates leases"),
                nm("revoke <leaseID>", "Revokes leases"),
                nm("timetolive <leaseID> [options]", "Get lease information"),
                nm("list", "List all active leases"),
                nm("keep-alive [options] <leaseID>", "Keeps leases alive (renew)"),
            ],
        ),
        member,
        snapshot,
        nm(
            "make-mirror [options] <destination>",
            "Makes a mirror at the destination etcd cluster",
        ),
    ];
    if !v35 {
        root_children.push(nm("migrate", "Migrates keys in a v2 store to a mvcc store"));
    }
    root_children.extend([
        nm("lock <lockname> [exec-command arg1 arg2 ...]", "Acquires a named lock"),
        nm(
            "elect <election-name> [proposal]",
            "Observes and participates in leader election",
        ),
        group("auth <enable or disable>", "Enable or disable authentication", auth),
        group(
            "user <subcommand>",
            "User related commands",
            vec![
                nm("add <user name or user:password> [options]", "Adds a new user"),
                nm("delete <user name>", "Deletes a user"),
                nm("get <user name> [options]", "Gets detailed information of a user"),
                nm("list", "Lists all users"),
                nm("passwd <user name> [options]", "Changes password of user"),
                nm("grant-role <user name> <role name>", "Grants a role to a user"),
                nm("revoke-role <user name> <role name>", "Revokes a role from a user"),
            ],
        ),
        group(
            "role <subcommand>",
            "Role related commands",
            vec![
                nm("add <role name>", "Adds a new role"),
                nm("delete <role name>", "Deletes a role"),
                nm("get <role name>", "Gets detailed information of a role"),
                nm("list", "Lists all roles"),
                nm(
                    "grant-permission [options] <role name> <permission type> <key> [endkey]",
                    "Grants a key to a role",
                ),
                nm(
                    "revoke-permission <role name> <key> [endkey]",
                    "Revokes a key from a role",
                ),
            ],
        ),
        group(
            "check <subcommand>",
            "commands for checking properties of the etcd cluster",
            vec![
                nm("perf [options]", "Check the performance of the etcd cluster"),
                nm(
                    "datascale [options]",
                    "Check the memory usage of holding data for different workloads on a given server endpoint.",
                ),
            ],
        ),
    ]);
    if v36 {
        root_children.push(nm(
            "completion [bash|zsh|fish|powershell]",
            "Generate completion script",
        ));
        root_children.push(group(
            "downgrade <TARGET_VERSION>",
            "Downgrade related commands",
            vec![
                nm(
                    "validate <TARGET_VERSION>",
                    "Validate downgrade capability before starting downgrade",
                ),
                nm("enable <TARGET_VERSION>", "Start a downgrade action to cluster"),
                nm("cancel", "Cancel the ongoing downgrade action to cluster"),
            ],
        ));
    }
    root_children.push(leaf("help [command]", "Help about any command", Op::Help));
    let mut root = group("etcdctl", "A simple command line client for etcd3.", root_children);
    root.persistent = etcdctl_globals(tool);
    root
}

/// etcdutl's command tree (3.5+).
pub(crate) fn etcdutl_tree(tool: &Tool) -> Cmd {
    let v36 = tool.ge(3, 6);
    let mut snap = vec![];
    if !v36 {
        let mut save = leaf(
            "save <filename>",
            "Stores an etcd node backend snapshot to a given file",
            Op::UtlSave,
        );
        save.hidden = true;
        save.deprecated = "Use `etcdctl snapshot save` to download snapshot".to_string();
        snap.push(save);
    }
    let mut restore = with_flags(
        leaf(
            "restore <filename> --data-dir {output dir} [options]",
            "Restores an etcd member snapshot to an etcd directory",
            Op::SnapshotRestore,
        ),
        restore_flags(tool, true),
    );
    if !v36 {
        restore.required = vec!["data-dir"];
    }
    snap.push(restore);
    snap.push(with_long(
        leaf(
            "status <filename>",
            "Gets backend snapshot status of a given file",
            Op::SnapshotStatus,
        ),
        SNAP_STATUS_LONG,
    ));
    let mut children = Vec::new();
    if !v36 {
        children.push(nm("backup", "[legacy] offline backup of etcd directory"));
    }
    children.push(nm("defrag", "Defragments the storage of the etcd"));
    children.push(group("snapshot <subcommand>", "Manages etcd node snapshots", snap));
    if v36 {
        children.push(nm("hashkv <filename>", "Prints the KV history hash of a given file"));
    }
    children.push(leaf("version", "Prints the version of etcdutl", Op::Version));
    if v36 {
        children.push(nm(
            "completion [bash|zsh|fish|powershell]",
            "Generate completion script",
        ));
        children.push(nm(
            "migrate",
            "Migrates schema of etcd data dir files to make them compatible with different etcd version",
        ));
    }
    children.push(leaf("help [command]", "Help about any command", Op::Help));
    let mut root = group("etcdutl", "An administrative command line tool for etcd3.", children);
    root.persistent = vec![short(
        flag(
            "write-out",
            Kind::Str,
            "simple",
            "set the output format (fields, json, protobuf, simple, table)",
        ),
        'w',
    )];
    root
}

/// The outcome of cobra's `Find`.
pub(crate) struct Found {
    /// Indices from the root down.
    pub(crate) path: Vec<usize>,
    /// Arguments with the command words removed.
    pub(crate) rest: Vec<String>,
    /// `unknown command "x" for "etcdctl"` plus suggestions.
    pub(crate) unknown: Option<String>,
}

pub(crate) fn resolve<'a>(root: &'a Cmd, path: &[usize]) -> Vec<&'a Cmd> {
    let mut out = vec![root];
    let mut cur = root;
    for &i in path {
        cur = &cur.children[i];
        out.push(cur);
    }
    out
}

/// Children sorted by name, as cobra lists and searches them.
fn sorted(c: &Cmd) -> Vec<(usize, &Cmd)> {
    let mut v: Vec<(usize, &Cmd)> = c.children.iter().enumerate().collect();
    v.sort_by(|a, b| a.1.name().cmp(b.1.name()));
    v
}

/// cobra's `Find` with `EnablePrefixMatching`.
pub(crate) fn find(root: &Cmd, args: &[String]) -> Found {
    let mut path = Vec::new();
    let mut rest: Vec<String> = args.to_vec();
    let mut cur = root;
    let mut inherited: Vec<FlagSpec> = Vec::new();
    loop {
        let mut known = inherited.clone();
        known.extend(cur.persistent.iter().cloned());
        known.extend(cur.flags.iter().cloned());
        let words = strip_flags(&rest, &known);
        let Some(next) = words.first() else { break };
        let exact = cur.children.iter().position(|c| c.name() == next.as_str());
        let found = exact.or_else(|| {
            let m: Vec<usize> = cur
                .children
                .iter()
                .enumerate()
                .filter(|(_, c)| c.name().starts_with(next.as_str()))
                .map(|(i, _)| i)
                .collect();
            (m.len() == 1).then(|| m[0])
        });
        match found {
            Some(i) => {
                if let Some(pos) = rest.iter().position(|a| a == next) {
                    rest.remove(pos);
                }
                inherited.extend(cur.persistent.iter().cloned());
                path.push(i);
                cur = &cur.children[i];
            }
            None => {
                if path.is_empty() && !root.children.is_empty() {
                    let unknown = format!(
                        "unknown command {} for {}{}",
                        go_quote(next),
                        go_quote(root.name()),
                        suggestions(root, next)
                    );
                    return Found {
                        path,
                        rest,
                        unknown: Some(unknown),
                    };
                }
                break;
            }
        }
    }
    Found {
        path,
        rest,
        unknown: None,
    }
}

/// cobra's `stripFlags`: the words that are not flags or flag values.
fn strip_flags(args: &[String], known: &[FlagSpec]) -> Vec<String> {
    let takes_value_long = |name: &str| !known.iter().any(|f| f.name == name && f.kind == Kind::Bool) && name != "help";
    let takes_value_short = |c: &str| {
        !known
            .iter()
            .any(|f| f.short.map(|s| s.to_string()).as_deref() == Some(c) && f.kind == Kind::Bool)
            && c != "h"
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let s = args[i].as_str();
        i += 1;
        if s == "--" {
            break;
        }
        let long_val = s.starts_with("--") && !s.contains('=') && takes_value_long(&s[2..]);
        let short_val = !s.starts_with("--")
            && s.starts_with('-')
            && !s.contains('=')
            && s.chars().count() == 2
            && takes_value_short(&s[1..]);
        if long_val || short_val {
            if args.len() - i <= 1 {
                break;
            }
            i += 1;
            continue;
        }
        if !s.is_empty() && !s.starts_with('-') {
            out.push(s.to_string());
        }
    }
    out
}

/// cobra's suggestions for a mistyped root command.
fn suggestions(root: &Cmd, typed: &str) -> String {
    let mut s = Vec::new();
    for (_, c) in sorted(root) {
        if c.hidden || c.name() == "help" || !c.deprecated.is_empty() {
            continue;
        }
        let lower = typed.to_lowercase();
        if crate::tools::cobra::levenshtein(&lower, &c.name().to_lowercase()) <= 2
            || c.name().to_lowercase().starts_with(&lower)
        {
            s.push(c.name().to_string());
        }
    }
    if s.is_empty() {
        return String::new();
    }
    let mut out = "\n\nDid you mean this?\n".to_string();
    for n in s {
        out.push('\t');
        out.push_str(&n);
        out.push('\n');
    }
    out
}

/// The flags a command parses: its own, its persistent ones, the inherited ones and `help`.
pub(crate) fn all_flags(path: &[&Cmd]) -> (Vec<FlagSpec>, Vec<FlagSpec>) {
    let cmd = path[path.len() - 1];
    let mut local: Vec<FlagSpec> = cmd.flags.clone();
    local.extend(cmd.persistent.iter().cloned());
    local.push(short(
        flag("help", Kind::Bool, "false", &format!("help for {}", cmd.name())),
        'h',
    ));
    let mut inherited = Vec::new();
    for p in &path[..path.len() - 1] {
        inherited.extend(p.persistent.iter().cloned());
    }
    local.sort_by(|a, b| a.name.cmp(b.name));
    inherited.sort_by(|a, b| a.name.cmp(b.name));
    (local, inherited)
}

pub(crate) enum ParseErr {
    Help,
    Msg(String),
}

/// pflag's `Parse` (interspersed flags, `--` ends them).
pub(crate) fn parse_flags(specs: &[FlagSpec], args: &[String], tool: &Tool) -> Result<Flags, ParseErr> {
    let mut f = Flags::new(specs);
    let mut i = 0;
    while i < args.len() {
        let s = args[i].clone();
        i += 1;
        if s == "--" {
            f.args.extend(args[i..].iter().cloned());
            break;
        }
        if let Some(body) = s.strip_prefix("--") {
            if body.is_empty() || body.starts_with('-') || body.starts_with('=') {
                return Err(ParseErr::Msg(format!("bad flag syntax: {s}")));
            }
            let (name, value) = match body.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (body, None),
            };
            let Some(spec) = specs.iter().find(|x| x.name == name) else {
                if name == "help" {
                    return Err(ParseErr::Help);
                }
                return Err(ParseErr::Msg(format!("unknown flag: --{name}")));
            };
            let value = match value {
                Some(v) => v,
                None if spec.kind == Kind::Bool => "true".to_string(),
                None if i < args.len() => {
                    i += 1;
                    args[i - 1].clone()
                }
                None => return Err(ParseErr::Msg(format!("flag needs an argument: {s}"))),
            };
            f.set(spec.name, &value, tool).map_err(ParseErr::Msg)?;
            if spec.name == "help" && f.bool("help") {
                return Err(ParseErr::Help);
            }
            continue;
        }
        if s.len() > 1 && s.starts_with('-') {
            let mut shorts: &str = &s[1..];
            while let Some(c) = shorts.chars().next() {
                let Some(spec) = specs.iter().find(|x| x.short == Some(c)) else {
                    if c == 'h' {
                        return Err(ParseErr::Help);
                    }
                    return Err(ParseErr::Msg(format!("unknown shorthand flag: '{c}' in -{shorts}")));
                };
                let after = &shorts[c.len_utf8()..];
                let (value, next) = if let Some(v) = after.strip_prefix('=') {
                    (v.to_string(), "")
                } else if spec.kind == Kind::Bool {
                    ("true".to_string(), after)
                } else if !after.is_empty() {
                    (after.to_string(), "")
                } else if i < args.len() {
                    i += 1;
                    (args[i - 1].clone(), "")
                } else {
                    return Err(ParseErr::Msg(format!("flag needs an argument: '{c}' in -{shorts}")));
                };
                f.set(spec.name, &value, tool).map_err(ParseErr::Msg)?;
                if spec.name == "help" && f.bool("help") {
                    return Err(ParseErr::Help);
                }
                shorts = next;
            }
            continue;
        }
        f.args.push(s);
    }
    Ok(f)
}

/// cobra's `UseLine`.
fn use_line(path: &[&Cmd]) -> String {
    let names: Vec<&str> = path[..path.len() - 1].iter().map(|c| c.name()).collect();
    let mut s = names.join(" ");
    if !s.is_empty() {
        s.push(' ');
    }
    s.push_str(&path[path.len() - 1].use_line);
    if !s.contains("[flags]") {
        s.push_str(" [flags]");
    }
    s
}

/// etcdctl's usage text (`pkg/cobrautl/help.go`, 3.4's `ctlv3/help.go`), already through
/// its tab writer.
pub(crate) fn etcdctl_usage(path: &[&Cmd], tool: &Tool) -> String {
    let cmd = path[path.len() - 1];
    let is_root = path.len() == 1;
    let v36 = tool.ge(3, 6);
    let ind = |s: &str| -> String {
        if v36 {
            format!("  {}", s.replace('\n', "\n  "))
        } else {
            format!("\t{s}")
        }
    };
    let rel = |p: &[&Cmd], from: usize| -> String { p[from..].iter().map(|c| c.name()).collect::<Vec<_>>().join(" ") };
    let mut t = String::from("NAME:\n");
    let name = if is_root { cmd.name().to_string() } else { rel(path, 1) };
    t.push_str(&ind(&format!("{name} - {}", cmd.short)));
    t.push_str("\n\nUSAGE:\n");
    t.push_str(&ind(&use_line(path)));
    t.push('\n');
    if is_root {
        t.push_str("\nVERSION:\n");
        t.push_str(&ind(&tool.version_text()));
        t.push('\n');
    }
    let has_sub = !cmd.children.is_empty();
    if has_sub {
        t.push_str("\nAPI VERSION:\n");
        t.push_str(&ind(&tool.api_version()));
        t.push('\n');
    }
    if v36 && !cmd.example.is_empty() {
        t.push_str("\nExamples:\n");
        t.push_str(&cmd.example);
        t.push('\n');
    }
    if has_sub {
        t.push_str(if v36 { "\nCOMMANDS:\n" } else { "\n\nCOMMANDS:\n" });
        fn walk<'a>(prefix: Vec<&'a str>, c: &'a Cmd, out: &mut Vec<(String, &'a Cmd)>) {
            for (_, ch) in sorted(c) {
                let mut p = prefix.clone();
                p.push(ch.name());
                out.push((p.join(" "), ch));
                walk(p, ch, out);
            }
        }
        let mut all = Vec::new();
        walk(Vec::new(), cmd, &mut all);
        for (n, c) in all {
            if c.runnable() {
                t.push_str(&ind(&format!("{n}\t{}", c.short)));
                t.push('\n');
            }
        }
    }
    if !cmd.long.is_empty() {
        t.push_str("\nDESCRIPTION:\n");
        for line in cmd.long.trim_matches(['\n', '\t', ' ']).split('\n') {
            t.push_str(&ind(line));
            t.push('\n');
        }
    }
    let (local, inherited) = all_flags(path);
    t.push_str("\nOPTIONS:\n");
    t.push_str(&etcd_flag_usages(&local));
    if !inherited.is_empty() {
        t.push_str("\nGLOBAL OPTIONS:\n");
        t.push_str(&etcd_flag_usages(&inherited));
    }
    t.push('\n');
    tabwriter_tabs(&t)
}

fn etcd_flag_usages(flags: &[FlagSpec]) -> String {
    let mut s = String::new();
    for f in flags {
        let mut line = match f.short {
            Some(c) => format!("  -{c}, --{}", f.name),
            None => format!("      --{}", f.name),
        };
        let bool_opt = f.kind == Kind::Bool;
        if bool_opt {
            line.push('[');
        }
        if f.kind == Kind::Str {
            line.push('=');
            line.push_str(&go_quote(&f.def));
        } else {
            line.push('=');
            line.push_str(&f.def);
        }
        if bool_opt {
            line.push(']');
        }
        line.push('\t');
        line.push_str(&f.usage);
        line.push('\n');
        s.push_str(&line);
    }
    s
}

/// cobra's default usage template (etcdutl).
pub(crate) fn cobra_usage(path: &[&Cmd]) -> String {
    let cmd = path[path.len() - 1];
    let cmd_path: String = path.iter().map(|c| c.name()).collect::<Vec<_>>().join(" ");
    let mut t = String::from("Usage:");
    if cmd.runnable() {
        t.push_str("\n  ");
        t.push_str(&use_line(path));
    }
    let subs: Vec<&Cmd> = sorted(cmd)
        .into_iter()
        .map(|(_, c)| c)
        .filter(|c| !c.hidden && c.deprecated.is_empty())
        .collect();
    if !subs.is_empty() {
        t.push_str(&format!("\n  {cmd_path} [command]"));
        t.push_str("\n\nAvailable Commands:");
        let pad = subs.iter().map(|c| c.name().len()).max().unwrap_or(0).max(11);
        for c in &subs {
            t.push_str(&format!("\n  {:<pad$} {}", c.name(), c.short));
        }
    }
    let (local, inherited) = all_flags(path);
    t.push_str("\n\nFlags:\n");
    t.push_str(pflag_usages(&local).trim_end());
    if !inherited.is_empty() {
        t.push_str("\n\nGlobal Flags:\n");
        t.push_str(pflag_usages(&inherited).trim_end());
    }
    if !subs.is_empty() {
        t.push_str(&format!(
            "\n\nUse \"{cmd_path} [command] --help\" for more information about a command."
        ));
    }
    t.push('\n');
    t
}

/// pflag's `FlagUsages`.
fn pflag_usages(flags: &[FlagSpec]) -> String {
    let mut lines = Vec::new();
    let mut maxlen = 0;
    for f in flags {
        let mut line = match f.short {
            Some(c) => format!("  -{c}, --{}", f.name),
            None => format!("      --{}", f.name),
        };
        let varname = match f.kind {
            Kind::Bool => "",
            Kind::Str => "string",
            Kind::Strs => "strings",
            Kind::Dur => "duration",
            Kind::Int => "int",
            Kind::Uint => "uint",
        };
        if !varname.is_empty() {
            line.push(' ');
            line.push_str(varname);
        }
        maxlen = maxlen.max(line.len() + 1);
        let mut usage = f.usage.clone();
        let zero = match f.kind {
            Kind::Bool => f.def == "false",
            Kind::Str => f.def.is_empty(),
            Kind::Strs => f.def == "[]",
            Kind::Dur => f.def == "0s",
            Kind::Int | Kind::Uint => f.def == "0",
        };
        if !zero {
            if f.kind == Kind::Str {
                usage.push_str(&format!(" (default {})", go_quote(&f.def)));
            } else {
                usage.push_str(&format!(" (default {})", f.def));
            }
        }
        lines.push((line, usage));
    }
    let mut s = String::new();
    for (line, usage) in lines {
        let spacing = " ".repeat(maxlen - line.len());
        s.push_str(&format!("{line} {spacing} {usage}\n"));
    }
    s
}
