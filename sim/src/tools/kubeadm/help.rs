//! `kubeadm [COMMAND...] --help` (and `-h`) for every command, in cobra's layout, and the real
//! flags the model reads but does not act on: those answer `kubedrill: … is not modelled yet`
//! instead of a made-up `unknown flag`.

/// One flag as cobra lists it.
struct Flag {
    short: Option<char>,
    long: &'static str,
    /// The value's type (`string`, `strings`, `uint`…), empty for a boolean.
    kind: &'static str,
    usage: &'static str,
}

const fn f(long: &'static str, kind: &'static str, usage: &'static str) -> Flag {
    Flag {
        short: None,
        long,
        kind,
        usage,
    }
}

const fn s(short: char, long: &'static str, kind: &'static str, usage: &'static str) -> Flag {
    Flag {
        short: Some(short),
        long,
        kind,
        usage,
    }
}

/// A command: its path, description, usage lines, subcommands and own flags.
struct Command {
    path: &'static [&'static str],
    about: &'static str,
    usage: &'static [&'static str],
    subcommands: &'static [(&'static str, &'static str)],
    flags: &'static [Flag],
}

const KUBECONFIG: Flag = f(
    "kubeconfig",
    "string",
    "The kubeconfig file to use when talking to the cluster. If the flag is not set, a set of standard locations can be searched for an existing kubeconfig file. (default \"/etc/kubernetes/admin.conf\")",
);
const CONFIG: Flag = f("config", "string", "Path to a kubeadm configuration file.");
const DRY_RUN: Flag = f(
    "dry-run",
    "",
    "Do not change any state, just output what actions would be performed.",
);
const PREFLIGHT: Flag = f(
    "ignore-preflight-errors",
    "strings",
    "A list of checks whose errors will be shown as warnings. Example: 'IsPrivilegedUser,Swap'. Value 'all' ignores errors from all checks.",
);
const PATCHES: Flag = f(
    "patches",
    "string",
    "Path to a directory that contains files named \"target[suffix][+patchtype].extension\". For example, \"kube-apiserver0+merge.yaml\" or just \"etcd.json\". \"target\" can be one of \"kube-apiserver\", \"kube-controller-manager\", \"kube-scheduler\", \"etcd\", \"kubeletconfiguration\", \"corednsdeployment\". \"patchtype\" can be one of \"strategic\", \"merge\" or \"json\" and they match the patch formats supported by kubectl. The default \"patchtype\" is \"strategic\". \"extension\" must be either \"json\" or \"yaml\". \"suffix\" is an optional string that can be used to determine which patches are applied first alpha-numerically.",
);
const CERT_RENEWAL: Flag = f(
    "certificate-renewal",
    "",
    "Perform the renewal of certificates used by component changed during upgrades. (default true)",
);
const ETCD_UPGRADE: Flag = f("etcd-upgrade", "", "Perform the upgrade of etcd. (default true)");
const EXPERIMENTAL: Flag = f(
    "allow-experimental-upgrades",
    "",
    "Show unstable versions of Kubernetes as an upgrade alternative and allow upgrading to an alpha/beta/release candidate versions of Kubernetes.",
);
const RC: Flag = f(
    "allow-release-candidate-upgrades",
    "",
    "Show release candidate versions of Kubernetes as an upgrade alternative and allow upgrading to a release candidate versions of Kubernetes.",
);
const PRINT_CONFIG: Flag = f(
    "print-config",
    "",
    "Specifies whether the configuration file that will be used in the upgrade should be printed or not.",
);
const SKIP_PHASES: Flag = f("skip-phases", "strings", "List of phases to be skipped");

const COMMANDS: &[Command] = &[
    Command {
        path: &[],
        about: "\n    ┌──────────────────────────────────────────────────────────┐\n    │ KUBEADM                                                  │\n    │ Easily bootstrap a secure Kubernetes cluster             │\n    │                                                          │\n    │ Please give us feedback at:                              │\n    │ https://github.com/kubernetes/kubeadm/issues             │\n    └──────────────────────────────────────────────────────────┘\n\nExample usage:\n\n    Create a two-machine cluster with one control-plane node\n    (which controls the cluster), and one worker node\n    (where your workloads, like Pods and Deployments run).\n\n    ┌──────────────────────────────────────────────────────────┐\n    │ On the first machine:                                    │\n    ├──────────────────────────────────────────────────────────┤\n    │ control-plane# kubeadm init                              │\n    └──────────────────────────────────────────────────────────┘\n\n    ┌──────────────────────────────────────────────────────────┐\n    │ On the second machine:                                   │\n    ├──────────────────────────────────────────────────────────┤\n    │ worker# kubeadm join <arguments-returned-from-init>      │\n    └──────────────────────────────────────────────────────────┘\n\n    You can then repeat the second step on as many other machines as you like.\n",
        usage: &["kubeadm [command]"],
        subcommands: &[
            ("certs", "Commands related to handling kubernetes certificates"),
            (
                "completion",
                "Output shell completion code for the specified shell (bash or zsh)",
            ),
            (
                "config",
                "Manage configuration for a kubeadm cluster persisted in a ConfigMap in the cluster",
            ),
            ("help", "Help about any command"),
            (
                "init",
                "Run this command in order to set up the Kubernetes control plane",
            ),
            ("join", "Run this on any machine you wish to join an existing cluster"),
            ("kubeconfig", "Kubeconfig file utilities"),
            (
                "reset",
                "Performs a best effort revert of changes made to this host by 'kubeadm init' or 'kubeadm join'",
            ),
            ("token", "Manage bootstrap tokens"),
            (
                "upgrade",
                "Upgrade your cluster smoothly to a newer version with this command",
            ),
            ("version", "Print the version of kubeadm"),
        ],
        flags: &[s('h', "help", "", "help for kubeadm")],
    },
    Command {
        path: &["version"],
        about: "Print the version of kubeadm",
        usage: &["kubeadm version [flags]"],
        subcommands: &[],
        flags: &[
            s('h', "help", "", "help for version"),
            s(
                'o',
                "output",
                "string",
                "Output format; available options are 'yaml', 'json' and 'short'",
            ),
        ],
    },
    Command {
        path: &["upgrade"],
        about: "Upgrade your cluster smoothly to a newer version with this command",
        usage: &["kubeadm upgrade [flags]", "kubeadm upgrade [command]"],
        subcommands: &[
            ("apply", "Upgrade your Kubernetes cluster to the specified version"),
            (
                "diff",
                "Show what differences would be applied to existing static pod manifests. See also: kubeadm upgrade apply --dry-run",
            ),
            ("node", "Upgrade commands for a node in the cluster"),
            (
                "plan",
                "Check which versions are available to upgrade to and validate whether your current cluster is upgradeable.",
            ),
        ],
        flags: &[s('h', "help", "", "help for upgrade")],
    },
    Command {
        path: &["upgrade", "plan"],
        about: "Check which versions are available to upgrade to and validate whether your current cluster is upgradeable.\nThis command can only run on the control plane nodes where the kubeconfig file \"admin.conf\" exists.\nTo skip the internet check, pass in the optional [version] parameter.",
        usage: &["kubeadm upgrade plan [version] [flags]"],
        subcommands: &[],
        flags: &[
            EXPERIMENTAL,
            f(
                "allow-missing-template-keys",
                "",
                "If true, ignore any errors in templates when a field or map key is missing in the template. Only applies to golang and jsonpath output formats. (default true)",
            ),
            RC,
            CONFIG,
            s('h', "help", "", "help for plan"),
            PREFLIGHT,
            KUBECONFIG,
            s(
                'o',
                "output",
                "string",
                "EXPERIMENTAL: Output format. One of: text|json|yaml. (default \"text\")",
            ),
            PRINT_CONFIG,
            f(
                "show-managed-fields",
                "",
                "If true, keep the managedFields when printing objects in JSON or YAML format.",
            ),
        ],
    },
    Command {
        path: &["upgrade", "apply"],
        about: "Upgrade your Kubernetes cluster to the specified version",
        usage: &["kubeadm upgrade apply [version]"],
        subcommands: &[],
        flags: &[
            EXPERIMENTAL,
            RC,
            CERT_RENEWAL,
            CONFIG,
            DRY_RUN,
            ETCD_UPGRADE,
            s(
                'f',
                "force",
                "",
                "Force upgrading although some requirements might not be met. This also implies non-interactive mode.",
            ),
            s('h', "help", "", "help for apply"),
            PREFLIGHT,
            KUBECONFIG,
            PATCHES,
            PRINT_CONFIG,
            SKIP_PHASES,
            s(
                'y',
                "yes",
                "",
                "Perform the upgrade and do not prompt for confirmation (non-interactive mode).",
            ),
        ],
    },
    Command {
        path: &["upgrade", "node"],
        about: "Upgrade commands for a node in the cluster\n\nThe \"node\" command executes the following phases:\n```\npreflight       Run upgrade node pre-flight checks\ncontrol-plane   Upgrade the control plane instance deployed on this node, if any\nkubelet-config  Upgrade the kubelet configuration for this node\naddon           Upgrade the default kubeadm addons\n  /coredns        Upgrade the CoreDNS addon\n  /kube-proxy     Upgrade the kube-proxy addon\npost-upgrade    Run post upgrade tasks\n```",
        usage: &["kubeadm upgrade node [flags]", "kubeadm upgrade node [command]"],
        subcommands: &[(
            "phase",
            "Use this command to invoke single phase of the \"node\" workflow",
        )],
        flags: &[
            CERT_RENEWAL,
            CONFIG,
            DRY_RUN,
            ETCD_UPGRADE,
            s('h', "help", "", "help for node"),
            PREFLIGHT,
            KUBECONFIG,
            PATCHES,
            SKIP_PHASES,
        ],
    },
    Command {
        path: &["upgrade", "diff"],
        about: "Show what differences would be applied to existing static pod manifests. See also: kubeadm upgrade apply --dry-run",
        usage: &["kubeadm upgrade diff [version] [flags]"],
        subcommands: &[],
        flags: &[
            f(
                "api-server-manifest",
                "string",
                "path to API server manifest (default \"/etc/kubernetes/manifests/kube-apiserver.yaml\")",
            ),
            CONFIG,
            s(
                'c',
                "context-lines",
                "int",
                "How many lines of context in the diff (default 3)",
            ),
            f(
                "controller-manager-manifest",
                "string",
                "path to controller manifest (default \"/etc/kubernetes/manifests/kube-controller-manager.yaml\")",
            ),
            s('h', "help", "", "help for diff"),
            KUBECONFIG,
            f(
                "scheduler-manifest",
                "string",
                "path to scheduler manifest (default \"/etc/kubernetes/manifests/kube-scheduler.yaml\")",
            ),
        ],
    },
    Command {
        path: &["init"],
        about: "Run this command in order to set up the Kubernetes control plane",
        usage: &["kubeadm init [flags]", "kubeadm init [command]"],
        subcommands: &[(
            "phase",
            "Use this command to invoke single phase of the \"init\" workflow",
        )],
        flags: &[
            f(
                "apiserver-advertise-address",
                "string",
                "The IP address the API Server will advertise it's listening on. If not set the default network interface will be used.",
            ),
            f(
                "apiserver-bind-port",
                "int32",
                "Port for the API Server to bind to. (default 6443)",
            ),
            f(
                "apiserver-cert-extra-sans",
                "strings",
                "Optional extra Subject Alternative Names (SANs) to use for the API Server serving certificate. Can be both IP addresses and DNS names.",
            ),
            f(
                "cert-dir",
                "string",
                "The path where to save and store the certificates. (default \"/etc/kubernetes/pki\")",
            ),
            f(
                "certificate-key",
                "string",
                "Key used to encrypt the control-plane certificates in the kubeadm-certs Secret. The certificate key is a hex encoded string that is an AES key of size 32 bytes.",
            ),
            CONFIG,
            f(
                "control-plane-endpoint",
                "string",
                "Specify a stable IP address or DNS name for the control plane.",
            ),
            f(
                "cri-socket",
                "string",
                "Path to the CRI socket to connect. If empty kubeadm will try to auto-detect this value; use this option only if you have more than one CRI installed or if you have non-standard CRI socket.",
            ),
            DRY_RUN,
            f(
                "feature-gates",
                "string",
                "A set of key=value pairs that describe feature gates for various features.",
            ),
            s('h', "help", "", "help for init"),
            PREFLIGHT,
            f(
                "image-repository",
                "string",
                "Choose a container registry to pull control plane images from (default \"registry.k8s.io\")",
            ),
            f(
                "kubernetes-version",
                "string",
                "Choose a specific Kubernetes version for the control plane. (default \"stable-1\")",
            ),
            f("node-name", "string", "Specify the node name."),
            PATCHES,
            f(
                "pod-network-cidr",
                "string",
                "Specify range of IP addresses for the pod network. If set, the control plane will automatically allocate CIDRs for every node.",
            ),
            f(
                "service-cidr",
                "string",
                "Use alternative range of IP address for service VIPs. (default \"10.96.0.0/12\")",
            ),
            f(
                "service-dns-domain",
                "string",
                "Use alternative domain for services, e.g. \"myorg.internal\". (default \"cluster.local\")",
            ),
            f(
                "skip-certificate-key-print",
                "",
                "Don't print the key used to encrypt the control-plane certificates.",
            ),
            SKIP_PHASES,
            f(
                "skip-token-print",
                "",
                "Skip printing of the default bootstrap token generated by 'kubeadm init'.",
            ),
            f(
                "token",
                "string",
                "The token to use for establishing bidirectional trust between nodes and control-plane nodes. The format is [a-z0-9]{6}\\.[a-z0-9]{16} - e.g. abcdef.0123456789abcdef",
            ),
            f(
                "token-ttl",
                "duration",
                "The duration before the token is automatically deleted (e.g. 1s, 2m, 3h). If set to '0', the token will never expire (default 24h0m0s)",
            ),
            f(
                "upload-certs",
                "",
                "Upload control-plane certificates to the kubeadm-certs Secret.",
            ),
        ],
    },
    Command {
        path: &["join"],
        about: "When joining a kubeadm initialized cluster, we need to establish\nbidirectional trust. This is split into discovery (having the Node\ntrust the Kubernetes Control Plane) and TLS bootstrap (having the\nKubernetes Control Plane trust the Node).",
        usage: &["kubeadm join [api-server-endpoint] [flags]", "kubeadm join [command]"],
        subcommands: &[(
            "phase",
            "Use this command to invoke single phase of the \"join\" workflow",
        )],
        flags: &[
            f(
                "apiserver-advertise-address",
                "string",
                "If the node should host a new control plane instance, the IP address the API Server will advertise it's listening on. If not set the default network interface will be used.",
            ),
            f(
                "apiserver-bind-port",
                "int32",
                "If the node should host a new control plane instance, the port for the API Server to bind to. (default 6443)",
            ),
            f(
                "certificate-key",
                "string",
                "Use this key to decrypt the certificate secrets uploaded by init. The certificate key is a hex encoded string that is an AES key of size 32 bytes.",
            ),
            CONFIG,
            f("control-plane", "", "Create a new control plane instance on this node"),
            f(
                "cri-socket",
                "string",
                "Path to the CRI socket to connect. If empty kubeadm will try to auto-detect this value; use this option only if you have more than one CRI installed or if you have non-standard CRI socket.",
            ),
            f(
                "discovery-file",
                "string",
                "For file-based discovery, a file or URL from which to load cluster information.",
            ),
            f(
                "discovery-token",
                "string",
                "For token-based discovery, the token used to validate cluster information fetched from the API server.",
            ),
            f(
                "discovery-token-ca-cert-hash",
                "strings",
                "For token-based discovery, validate that the root CA public key matches this hash (format: \"<type>:<value>\").",
            ),
            f(
                "discovery-token-unsafe-skip-ca-verification",
                "",
                "For token-based discovery, allow joining without --discovery-token-ca-cert-hash pinning.",
            ),
            DRY_RUN,
            s('h', "help", "", "help for join"),
            PREFLIGHT,
            f("node-name", "string", "Specify the node name."),
            PATCHES,
            SKIP_PHASES,
            f(
                "tls-bootstrap-token",
                "string",
                "Specify the token used to temporarily authenticate with the Kubernetes Control Plane while joining the node.",
            ),
            f(
                "token",
                "string",
                "Use this token for both discovery-token and tls-bootstrap-token when those values are not provided.",
            ),
        ],
    },
    Command {
        path: &["reset"],
        about: "Performs a best effort revert of changes made to this host by 'kubeadm init' or 'kubeadm join'",
        usage: &["kubeadm reset [flags]", "kubeadm reset [command]"],
        subcommands: &[(
            "phase",
            "Use this command to invoke single phase of the \"reset\" workflow",
        )],
        flags: &[
            f(
                "cert-dir",
                "string",
                "The path to the directory where the certificates are stored. If specified, clean this directory. (default \"/etc/kubernetes/pki\")",
            ),
            f("cleanup-tmp-dir", "", "Cleanup the \"/etc/kubernetes/tmp\" directory"),
            CONFIG,
            f(
                "cri-socket",
                "string",
                "Path to the CRI socket to connect. If empty kubeadm will try to auto-detect this value; use this option only if you have more than one CRI installed or if you have non-standard CRI socket.",
            ),
            DRY_RUN,
            s('f', "force", "", "Reset the node without prompting for confirmation."),
            s('h', "help", "", "help for reset"),
            PREFLIGHT,
            KUBECONFIG,
            SKIP_PHASES,
        ],
    },
    Command {
        path: &["token"],
        about: "This command manages bootstrap tokens. It is optional and needed only for advanced use cases.",
        usage: &["kubeadm token [flags]", "kubeadm token [command]"],
        subcommands: &[
            ("create", "Create bootstrap tokens on the server"),
            ("delete", "Delete bootstrap tokens on the server"),
            (
                "generate",
                "Generate and print a bootstrap token, but do not create it on the server",
            ),
            ("list", "List bootstrap tokens on the server"),
        ],
        flags: &[DRY_RUN, s('h', "help", "", "help for token"), KUBECONFIG],
    },
    Command {
        path: &["certs"],
        about: "Commands related to handling kubernetes certificates",
        usage: &["kubeadm certs [command]"],
        subcommands: &[
            ("certificate-key", "Generate certificate keys"),
            (
                "check-expiration",
                "Check certificates expiration for a Kubernetes cluster",
            ),
            ("generate-csr", "Generate keys and certificate signing requests"),
            ("renew", "Renew certificates for a Kubernetes cluster"),
        ],
        flags: &[s('h', "help", "", "help for certs")],
    },
    Command {
        path: &["config"],
        about: "There is a ConfigMap in the kube-system namespace called \"kubeadm-config\" that kubeadm uses to store internal configuration about the\ncluster. kubeadm CLI v1.8.0+ automatically creates this ConfigMap with the config used with 'kubeadm init'.",
        usage: &["kubeadm config [flags]", "kubeadm config [command]"],
        subcommands: &[
            ("images", "Interact with container images used by kubeadm"),
            (
                "migrate",
                "Read an older version of the kubeadm configuration API types from a file, and output the similar config object for the newer version",
            ),
            ("print", "Print configuration"),
            (
                "validate",
                "Read a file containing the kubeadm configuration API and report any validation problems",
            ),
        ],
        flags: &[s('h', "help", "", "help for config"), KUBECONFIG],
    },
    Command {
        path: &["kubeconfig"],
        about: "Kubeconfig file utilities.",
        usage: &["kubeadm kubeconfig [flags]", "kubeadm kubeconfig [command]"],
        subcommands: &[("user", "Output a kubeconfig file for an additional user")],
        flags: &[s('h', "help", "", "help for kubeconfig")],
    },
    Command {
        path: &["completion"],
        about: "Output shell completion code for the specified shell (bash or zsh).",
        usage: &["kubeadm completion SHELL [flags]"],
        subcommands: &[],
        flags: &[s('h', "help", "", "help for completion")],
    },
];

const GLOBAL: &[Flag] = &[
    f(
        "add-dir-header",
        "",
        "If true, adds the file directory to the header of the log messages",
    ),
    f("log-file", "string", "If non-empty, use this log file"),
    f(
        "log-file-max-size",
        "uint",
        "Defines the maximum size a log file can grow to (no effect when -logtostderr=true). Unit is megabytes. If the value is 0, the maximum file size is unlimited. (default 1800)",
    ),
    f(
        "one-output",
        "",
        "If true, only write logs to their native severity level (vs also writing to each lower severity level; no effect when -logtostderr=true)",
    ),
    f(
        "rootfs",
        "string",
        "[EXPERIMENTAL] The path to the 'real' host root filesystem. This will cause kubeadm to chroot into the provided path.",
    ),
    f("skip-headers", "", "If true, avoid header prefixes in the log messages"),
    f(
        "skip-log-headers",
        "",
        "If true, avoid headers when opening log files (no effect when -logtostderr=true)",
    ),
    s('v', "v", "Level", "number for the log level verbosity"),
];

fn find(path: &[&str]) -> Option<&'static Command> {
    COMMANDS.iter().find(|c| c.path == path)
}

/// The command a line names: the longest known prefix of its words before the first flag.
fn command_of(words: &[&str]) -> (&'static Command, usize) {
    let plain: Vec<&str> = words.iter().take_while(|w| !w.starts_with('-')).copied().collect();
    for n in (0..=plain.len()).rev() {
        if let Some(c) = find(&plain[..n]) {
            return (c, n);
        }
    }
    (&COMMANDS[0], 0)
}

fn flag_lines(flags: &[Flag]) -> Vec<String> {
    let heads: Vec<String> = flags
        .iter()
        .map(|fl| {
            let name = match fl.short {
                Some(c) => format!("  -{c}, --{}", fl.long),
                None => format!("      --{}", fl.long),
            };
            if fl.kind.is_empty() {
                name
            } else {
                format!("{name} {}", fl.kind)
            }
        })
        .collect();
    let width = heads.iter().map(|h| h.chars().count()).max().unwrap_or(0);
    heads
        .iter()
        .zip(flags)
        .map(|(h, fl)| format!("{h}{}   {}", " ".repeat(width - h.chars().count()), fl.usage))
        .collect()
}

/// `--help` for the command `words` name (their leading words), as cobra prints it.
pub(super) fn help(words: &[&str]) -> String {
    let (c, _) = command_of(words);
    let mut out = String::new();
    out.push_str(c.about);
    out.push_str("\n\nUsage:\n");
    for u in c.usage {
        out.push_str(&format!("  {u}\n"));
    }
    if !c.subcommands.is_empty() {
        out.push_str("\nAvailable Commands:\n");
        let width = c.subcommands.iter().map(|(n, _)| n.len()).max().unwrap_or(0).max(11);
        for (name, about) in c.subcommands {
            out.push_str(&format!("  {name:<width$} {about}\n"));
        }
    }
    out.push_str("\nFlags:\n");
    for l in flag_lines(c.flags) {
        out.push_str(&l);
        out.push('\n');
    }
    out.push_str("\nGlobal Flags:\n");
    for l in flag_lines(GLOBAL) {
        out.push_str(&l);
        out.push('\n');
    }
    if !c.subcommands.is_empty() {
        let path = std::iter::once("kubeadm")
            .chain(c.path.iter().copied())
            .collect::<Vec<_>>()
            .join(" ");
        out.push_str(&format!(
            "\nAdditional help topics:\n\nUse \"{path} [command] --help\" for more information about a command.\n"
        ));
    }
    out
}

/// Whether the line asks for help (`-h`, `--help`, or `kubeadm help [COMMAND]`).
pub(super) fn wants_help(words: &[&str]) -> bool {
    words.iter().any(|w| *w == "-h" || *w == "--help") || words.first() == Some(&"help")
}

/// A flag kubeadm has on the command the words name, which the model does not act on.
pub(super) fn real_flag(words: &[&str], flag: &str) -> bool {
    let (c, _) = command_of(words);
    let name = flag.trim_start_matches('-').split('=').next().unwrap_or_default();
    let short = flag.starts_with('-') && !flag.starts_with("--");
    c.flags.iter().chain(GLOBAL).any(|fl| {
        if short {
            name.len() == 1 && fl.short == name.chars().next()
        } else {
            fl.long == name
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_has_help_in_cobras_layout() {
        for c in COMMANDS {
            let words: Vec<&str> = c.path.to_vec();
            let text = help(&words);
            assert!(text.contains("\nUsage:\n  kubeadm"), "{:?}", c.path);
            assert!(text.contains("\nFlags:\n"), "{:?}", c.path);
            assert!(text.contains("  -v, --v Level"), "{:?}", c.path);
        }
        let apply = help(&["upgrade", "apply", "v1.31.3", "--help"]);
        assert!(apply.starts_with("Upgrade your Kubernetes cluster to the specified version"));
        assert!(apply.contains("  -y, --yes  "));
    }

    #[test]
    fn real_flags_are_recognised() {
        assert!(real_flag(&["upgrade", "apply"], "--patches"));
        assert!(real_flag(&["upgrade", "plan"], "-o"));
        assert!(!real_flag(&["upgrade", "apply"], "--frobnicate"));
    }
}
