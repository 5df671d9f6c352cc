//! `apt-get`, `apt-mark`, `apt-cache` and `apt` over a node's [`PackageState`].
//!
//! Wording follows apt 2.4 (Ubuntu 22.04) captures of the kubeadm upgrade procedure, apt 1.2
//! where the node runs xenial (transcripts apt-001, apt-003, apt-006), and apt's source
//! (`apt-private-install.cc`, `cacheset.cc`, `apt-cache.cc`) where no capture shows a line;
//! such lines are marked *unconfirmed*. Errors go to stderr and make `apt-get` exit 100; a
//! command that fails leaves the state untouched.

use crate::model::packages::debver::{DebVersion, size_to_str};
use crate::model::packages::{AptRelease, KubePackage, KubeSource, PackageState};
use crate::shell::{CommandOutput, Stream};
use std::collections::BTreeMap;

/// apt-get's status for any error.
pub(crate) const APT_ERROR: i32 = 100;

const HELD_ERROR: &str = "E: Held packages were changed and -y was used without --allow-change-held-packages.";
const DOWNGRADE_ERROR: &str = "E: Packages were downgraded and -y was used without --allow-downgrades.";
const CLI_WARNING: &str = "WARNING: apt does not have a stable CLI interface. Use with caution in scripts.";

/// Runs `argv` if it is one of the apt tools; `None` for any other command.
pub(crate) fn run(state: &mut PackageState, argv: &[String]) -> Option<CommandOutput> {
    let (cmd, args) = argv.split_first()?;
    Some(match cmd.as_str() {
        "apt-get" => apt_get(state, args),
        "apt-mark" => apt_mark(state, args),
        "apt-cache" => apt_cache(state, args),
        "apt" => apt(state, args),
        _ => return None,
    })
}

/// The options the modelled commands understand, parsed with apt's rules: short options may be
/// bundled (`-qy`), options may come anywhere on the line.
#[derive(Debug, Default)]
struct Opts {
    yes: bool,
    quiet: u32,
    allow_held: bool,
    allow_downgrades: bool,
    force_yes: bool,
    installed: bool,
    upgradable: bool,
    all_versions: bool,
    positional: Vec<String>,
}

fn parse_opts(args: &[String]) -> Result<Opts, String> {
    let mut o = Opts::default();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        if let Some(long) = arg.strip_prefix("--") {
            let name = long.split_once('=').map_or(long, |(n, _)| n);
            match name {
                "yes" | "assume-yes" => o.yes = true,
                "quiet" => o.quiet += 1,
                "allow-change-held-packages" => o.allow_held = true,
                "allow-downgrades" => o.allow_downgrades = true,
                "force-yes" => o.force_yes = true,
                "installed" => o.installed = true,
                "upgradable" => o.upgradable = true,
                "all-versions" => o.all_versions = true,
                "no-install-recommends"
                | "install-recommends"
                | "allow-unauthenticated"
                | "fix-missing"
                | "fix-broken"
                | "no-upgrade"
                | "only-upgrade"
                | "verbose-versions" => {}
                _ => {
                    return Err(format!(
                        "E: Command line option {arg} is not understood in combination with the other options"
                    ));
                }
            }
        } else if let Some(shorts) = arg.strip_prefix('-').filter(|s| !s.is_empty()) {
            for c in shorts.chars() {
                match c {
                    'y' => o.yes = true,
                    'q' => o.quiet += 1,
                    'a' => o.all_versions = true,
                    'f' | 'm' => {}
                    'o' | 'c' => {
                        // `-o Key=Value` and `-c FILE` take the next word; their settings are
                        // not modelled.
                        let _ = it.next();
                    }
                    _ => return Err(format!("E: Command line option '{c}' [from {arg}] is not known.")),
                }
            }
        } else {
            o.positional.push(arg.clone());
        }
    }
    Ok(o)
}

fn fail_with(lines: &[String]) -> CommandOutput {
    let mut out = CommandOutput::fail(APT_ERROR);
    for l in lines {
        out.push_line(Stream::Stderr, l);
    }
    out
}

fn not_modelled(what: &str) -> CommandOutput {
    CommandOutput::fail(2).line_err(&format!("kubedrill: '{what}' is not supported in the simulator"))
}

/// The sources, or apt's two errors for a file it cannot read.
fn sources_or_errors(state: &PackageState) -> Result<Vec<KubeSource>, Vec<String>> {
    state.sources().map_err(|errs| {
        let mut lines: Vec<String> = errs.iter().map(|e| format!("E: {e}")).collect();
        lines.push("E: The list of sources could not be read.".to_owned());
        lines
    })
}

fn prelude(out: &mut CommandOutput, apt: AptRelease) {
    out.push_line(Stream::Stdout, "Reading package lists... Done");
    out.push_line(
        Stream::Stdout,
        match apt {
            AptRelease::Xenial => "Building dependency tree",
            AptRelease::Jammy => "Building dependency tree... Done",
        },
    );
    out.push_line(Stream::Stdout, "Reading state information... Done");
}

// ---------------------------------------------------------------------------------------
// apt-get

pub(crate) fn apt_get(state: &mut PackageState, args: &[String]) -> CommandOutput {
    let opts = match parse_opts(args) {
        Ok(o) => o,
        Err(e) => return fail_with(&[e]),
    };
    let Some((op, rest)) = opts.positional.split_first() else {
        // apt-get without an operation prints its help and exits 1 (help text shortened).
        return CommandOutput::fail(1)
            .line_out("apt 2.4.13 (amd64)")
            .line_out("Usage: apt-get [options] command")
            .line_out("       apt-get [options] install|remove pkg1 [pkg2 ...]")
            .line_out("       apt-get [options] source pkg1 [pkg2 ...]");
    };
    match op.as_str() {
        "update" => update(state, rest, false),
        "install" => install(state, &opts, rest),
        "upgrade" => upgrade(state, &opts, rest),
        "remove" | "purge" | "autoremove" | "dist-upgrade" | "full-upgrade" | "clean" | "autoclean" | "check"
        | "source" | "build-dep" | "download" | "changelog" | "satisfy" | "reinstall" => {
            not_modelled(&format!("apt-get {op}"))
        }
        _ => fail_with(&[format!("E: Invalid operation {op}")]),
    }
}

/// `apt-get update` (and `apt update` with `full`: the extra summary lines `apt` prints).
fn update(state: &mut PackageState, rest: &[String], full: bool) -> CommandOutput {
    if !rest.is_empty() {
        return fail_with(&["E: The update command takes no arguments".to_owned()]);
    }
    let sources = match sources_or_errors(state) {
        Ok(s) => s,
        Err(lines) => return fail_with(&lines),
    };
    let mut out = CommandOutput::ok();
    let codename = match state.apt {
        AptRelease::Xenial => "xenial",
        AptRelease::Jammy => "jammy",
    };
    let mut n = 0;
    let mut next = || {
        n += 1;
        n
    };
    // The distribution's own sources are always up to date: nothing in the simulation changes
    // them.
    for (site, suite) in [
        ("http://archive.ubuntu.com/ubuntu", ""),
        ("http://archive.ubuntu.com/ubuntu", "-updates"),
        ("http://archive.ubuntu.com/ubuntu", "-backports"),
        ("http://security.ubuntu.com/ubuntu", "-security"),
    ] {
        out.push_line_fmt(
            Stream::Stdout,
            format_args!("Hit:{} {site} {codename}{suite} InRelease", next()),
        );
    }
    let mut fetched_bytes: u64 = 0;
    let mut errors = Vec::new();
    let mut seen: Vec<&KubeSource> = Vec::new();
    for src in &sources {
        if seen.contains(&src) {
            continue;
        }
        seen.push(src);
        let site = src.fetch_site();
        if !src.published() {
            // Unconfirmed: the shape apt 2.x prints for a repository answering 403.
            out.push_line_fmt(Stream::Stdout, format_args!("Ign:{} {site} InRelease", next()));
            out.push_line_fmt(Stream::Stdout, format_args!("Err:{} {site} Release", next()));
            out.push_line(Stream::Stdout, "  403  Forbidden");
            let release = src.describe().replace("Packages", "Release");
            errors.push(format!("E: The repository '{release}' does not have a Release file."));
            errors.push(
                "N: Updating from such a repository can't be done securely, and is therefore disabled by default."
                    .to_owned(),
            );
            errors.push(
                "N: See apt-secure(8) manpage for repository creation and user configuration details.".to_owned(),
            );
        } else if state.fetched.contains(src) {
            out.push_line_fmt(Stream::Stdout, format_args!("Hit:{} {site} InRelease", next()));
        } else {
            let (release_bytes, packages_bytes) = index_sizes(src);
            out.push_line_fmt(
                Stream::Stdout,
                format_args!("Get:{} {site} InRelease [{}]", next(), size_to_str(release_bytes)),
            );
            let packages = match src {
                KubeSource::Legacy { uri } => format!("{uri} kubernetes-xenial/main amd64 Packages"),
                _ => format!("{site} Packages"),
            };
            out.push_line_fmt(
                Stream::Stdout,
                format_args!("Get:{} {packages} [{}]", next(), size_to_str(packages_bytes)),
            );
            fetched_bytes += release_bytes + packages_bytes;
        }
    }
    if fetched_bytes > 0 {
        let s = size_to_str(fetched_bytes);
        out.push_line_fmt(Stream::Stdout, format_args!("Fetched {s} in 1s ({s}/s)"));
    }
    out.push_line(Stream::Stdout, "Reading package lists... Done");
    if !errors.is_empty() {
        for e in &errors {
            out.push_line(Stream::Stderr, e);
        }
        out.status = APT_ERROR;
        return out;
    }
    state.mark_updated();
    if full {
        out.push_line(Stream::Stdout, "Building dependency tree... Done");
        out.push_line(Stream::Stdout, "Reading state information... Done");
        let n = KubePackage::ALL
            .iter()
            .filter(|p| upgradable_to(state, **p).is_some())
            .count();
        let line = match n {
            0 => "All packages are up to date.".to_owned(),
            1 => "1 package can be upgraded. Run 'apt list --upgradable' to see it.".to_owned(),
            n => format!("{n} packages can be upgraded. Run 'apt list --upgradable' to see them."),
        };
        out.push_line(Stream::Stdout, &line);
    }
    out
}

/// Plausible `(InRelease, Packages)` sizes: the Packages index grows with what it lists.
fn index_sizes(src: &KubeSource) -> (u64, u64) {
    let versions: u64 = KubePackage::ALL.iter().map(|p| src.offered(*p).len() as u64).sum();
    match src {
        KubeSource::Legacy { .. } => (9_383, 180 * versions + 1_000),
        _ => (1_186, 95 * versions + 1_000),
    }
}

/// The candidate of an installed package when it is newer than what is installed.
fn upgradable_to(state: &PackageState, pkg: KubePackage) -> Option<DebVersion> {
    let installed = state.installed(pkg)?;
    state.candidate(pkg).filter(|c| c > installed)
}

/// What one `install`/`upgrade` will do to one package.
struct Change {
    old: Option<DebVersion>,
    new: DebVersion,
    source: KubeSource,
}

fn is_glob(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

/// fnmatch without flags, enough for `1.31.2-*` and `kube*`; `[` is taken literally.
fn glob_match(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0usize, 0usize);
    let (mut star, mut star_t) = (None::<usize>, 0usize);
    while t < text.len() {
        match pattern.get(p) {
            Some(b'*') => {
                star = Some(p);
                star_t = t;
                p += 1;
            }
            Some(&c) if c == b'?' || c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some(s) => {
                    p = s + 1;
                    star_t += 1;
                    t = star_t;
                }
                None => return false,
            },
        }
    }
    pattern[p.min(pattern.len())..].iter().all(|&c| c == b'*')
}

fn install(state: &mut PackageState, opts: &Opts, specs: &[String]) -> CommandOutput {
    if let Err(lines) = sources_or_errors(state) {
        // Unconfirmed: apt reads the sources while building the cache, after this line starts.
        let mut out = fail_with(&lines);
        out.chunks.insert(
            0,
            crate::shell::Chunk {
                stream: Stream::Stdout,
                text: "Reading package lists... Error!\n".to_owned(),
            },
        );
        return out;
    }
    let mut out = CommandOutput::ok();
    prelude(&mut out, state.apt);
    let mut errors = Vec::new();
    let mut targets: BTreeMap<KubePackage, (DebVersion, Option<KubeSource>)> = BTreeMap::new();
    for spec in specs {
        // apt splits at the last `=`, so `kubeadm=1.31.2=1.1` asks for package `kubeadm=1.31.2`.
        let (name, wanted) = match spec.rfind('=') {
            Some(at) => (&spec[..at], Some(&spec[at + 1..])),
            None => (spec.as_str(), None),
        };
        let Some(pkg) = KubePackage::parse(name).filter(|p| state.knows(*p)) else {
            errors.push(format!("E: Unable to locate package {name}"));
            continue;
        };
        let mut versions: Vec<(DebVersion, Option<KubeSource>)> =
            state.available(pkg).into_iter().map(|(v, s)| (v, Some(s))).collect();
        if let Some(inst) = state.installed(pkg)
            && !versions.iter().any(|(v, _)| v.same_text(inst))
        {
            // Into its place in the newest-first list (after versions equal to it, where a
            // stable sort would put it).
            let at = versions.partition_point(|(v, _)| v >= inst);
            versions.insert(at, (inst.clone(), None));
        }
        let chosen = match wanted {
            None => versions.first().cloned(),
            Some(w) if is_glob(w) => {
                let found = versions
                    .iter()
                    .find(|(v, _)| glob_match(w.as_bytes(), v.to_string().as_bytes()))
                    .cloned();
                if let Some((v, Some(src))) = &found {
                    out.push_line_fmt(
                        Stream::Stdout,
                        format_args!("Selected version '{v}' ({}) for '{name}'", src.release_str()),
                    );
                }
                found
            }
            Some(w) => versions.iter().find(|(v, _)| v.is_text(w)).cloned(),
        };
        match chosen {
            Some(t) => {
                targets.insert(pkg, t);
            }
            None => errors.push(format!(
                "E: Version '{}' for '{name}' was not found",
                wanted.unwrap_or("")
            )),
        }
    }
    if !errors.is_empty() {
        for e in &errors {
            out.push_line(Stream::Stderr, e);
        }
        out.status = APT_ERROR;
        return out;
    }
    let mut plan = BTreeMap::new();
    for (pkg, (new, source)) in targets {
        let old = state.installed(pkg).cloned();
        if old.as_ref().is_some_and(|o| o.same_text(&new)) {
            out.push_line_fmt(
                Stream::Stdout,
                format_args!("{} is already the newest version ({new}).", pkg.name()),
            );
            continue;
        }
        let Some(source) = source else {
            continue;
        };
        plan.insert(pkg, Change { old, new, source });
    }
    execute(state, opts, plan, &[], out)
}

fn upgrade(state: &mut PackageState, opts: &Opts, rest: &[String]) -> CommandOutput {
    if !rest.is_empty() {
        // `apt-get upgrade PKG` upgrades only those packages; not modelled.
        return not_modelled("apt-get upgrade PACKAGE");
    }
    if let Err(lines) = sources_or_errors(state) {
        return fail_with(&lines);
    }
    let mut out = CommandOutput::ok();
    prelude(&mut out, state.apt);
    out.push_line(Stream::Stdout, "Calculating upgrade... Done");
    let mut plan = BTreeMap::new();
    let mut kept = Vec::new();
    for pkg in KubePackage::ALL {
        let Some(new) = upgradable_to(state, pkg) else {
            continue;
        };
        if state.is_held(pkg) {
            kept.push(pkg);
            continue;
        }
        let source = state
            .available(pkg)
            .into_iter()
            .find(|(v, _)| *v == new)
            .map(|(_, s)| s);
        if let Some(source) = source {
            plan.insert(
                pkg,
                Change {
                    old: state.installed(pkg).cloned(),
                    new,
                    source,
                },
            );
        }
    }
    execute(state, opts, plan, &kept, out)
}

fn name_list(out: &mut CommandOutput, header: &str, names: &[&str]) {
    if names.is_empty() {
        return;
    }
    out.push_line(Stream::Stdout, header);
    out.push_line_fmt(Stream::Stdout, format_args!("  {}", names.join(" ")));
}

/// Shows the plan, applies apt's fail-safe checks, then "downloads" and "unpacks".
fn execute(
    state: &mut PackageState,
    opts: &Opts,
    plan: BTreeMap<KubePackage, Change>,
    kept_back: &[KubePackage],
    mut out: CommandOutput,
) -> CommandOutput {
    let names = |f: &dyn Fn(&KubePackage, &Change) -> bool| -> Vec<&'static str> {
        plan.iter().filter(|(p, c)| f(p, c)).map(|(p, _)| p.name()).collect()
    };
    let new = names(&|_, c| c.old.is_none());
    let held = names(&|p, _| state.is_held(*p));
    let upgraded = names(&|_, c| c.old.as_ref().is_some_and(|o| *o < c.new));
    let downgraded = names(&|_, c| c.old.as_ref().is_some_and(|o| *o > c.new));
    let kept: Vec<&str> = kept_back.iter().map(|p| p.name()).collect();
    name_list(&mut out, "The following packages have been kept back:", &kept);
    name_list(&mut out, "The following NEW packages will be installed:", &new);
    name_list(&mut out, "The following held packages will be changed:", &held);
    name_list(&mut out, "The following packages will be upgraded:", &upgraded);
    name_list(&mut out, "The following packages will be DOWNGRADED:", &downgraded);
    let not_upgraded = KubePackage::ALL
        .iter()
        .filter(|p| !plan.contains_key(p) && upgradable_to(state, **p).is_some())
        .count();
    let mut stats = format!("{} upgraded, {} newly installed, ", upgraded.len(), new.len());
    if !downgraded.is_empty() {
        stats.push_str(&format!("{} downgraded, ", downgraded.len()));
    }
    stats.push_str(&format!("0 to remove and {not_upgraded} not upgraded."));
    out.push_line(Stream::Stdout, &stats);
    if plan.is_empty() {
        return out;
    }

    let (hold, downgrade) = (!held.is_empty(), !downgraded.is_empty());
    let assume_yes = opts.yes || opts.quiet >= 2;
    if opts.force_yes {
        out.push_line(
            Stream::Stderr,
            "W: --force-yes is deprecated, use one of the options starting with --allow instead.",
        );
    } else if assume_yes {
        if downgrade && !opts.allow_downgrades {
            out.push_line(Stream::Stderr, DOWNGRADE_ERROR);
            out.status = APT_ERROR;
            return out;
        }
        if hold && !opts.allow_held {
            out.push_line(Stream::Stderr, HELD_ERROR);
            out.status = APT_ERROR;
            return out;
        }
    }

    let sizes: Vec<(u64, u64, u64)> = plan
        .iter()
        .map(|(p, c)| {
            let (dl, inst) = p.sizes(&c.new);
            let old_inst = c.old.as_ref().map_or(0, |o| p.sizes(o).1);
            (dl, inst, old_inst)
        })
        .collect();
    let download: u64 = sizes.iter().map(|s| s.0).sum();
    let grow: i128 = sizes.iter().map(|s| i128::from(s.1) - i128::from(s.2)).sum();
    out.push_line_fmt(
        Stream::Stdout,
        format_args!("Need to get {} of archives.", size_to_str(download)),
    );
    if grow >= 0 {
        let grow = u64::try_from(grow).unwrap_or(u64::MAX);
        out.push_line_fmt(
            Stream::Stdout,
            format_args!(
                "After this operation, {} of additional disk space will be used.",
                size_to_str(grow)
            ),
        );
    } else {
        let shrink = u64::try_from(-grow).unwrap_or(u64::MAX);
        out.push_line_fmt(
            Stream::Stdout,
            format_args!(
                "After this operation, {} disk space will be freed.",
                size_to_str(shrink)
            ),
        );
    }
    if !assume_yes && !opts.force_yes && (hold || downgrade) {
        // Nobody answers the prompt: apt reads end-of-file and aborts (unconfirmed wording of the
        // EOF case; the prompt itself is apt's).
        out.push(Stream::Stdout, "Do you want to continue? [Y/n] ");
        out.push_line(Stream::Stdout, "Abort.");
        out.status = 1;
        return out;
    }

    for (i, ((pkg, c), (dl, _, _))) in plan.iter().zip(&sizes).enumerate() {
        out.push_line_fmt(
            Stream::Stdout,
            format_args!(
                "Get:{} {} [{}]",
                i + 1,
                c.source.fetch_package(*pkg, &c.new),
                size_to_str(*dl)
            ),
        );
    }
    let s = size_to_str(download);
    out.push_line_fmt(Stream::Stdout, format_args!("Fetched {s} in 1s ({s}/s)"));
    out.push_line(
        Stream::Stdout,
        "(Reading database ... 74158 files and directories currently installed.)",
    );
    for (pkg, c) in &plan {
        let name = pkg.name();
        if c.old.is_none() {
            out.push_line_fmt(
                Stream::Stdout,
                format_args!("Selecting previously unselected package {name}."),
            );
        }
        out.push_line_fmt(
            Stream::Stdout,
            format_args!("Preparing to unpack .../{name}_{}_amd64.deb ...", c.new),
        );
        match &c.old {
            Some(old) => out.push_line_fmt(
                Stream::Stdout,
                format_args!("Unpacking {name} ({}) over ({old}) ...", c.new),
            ),
            None => out.push_line_fmt(Stream::Stdout, format_args!("Unpacking {name} ({}) ...", c.new)),
        }
    }
    for (pkg, c) in &plan {
        out.push_line_fmt(
            Stream::Stdout,
            format_args!("Setting up {} ({}) ...", pkg.name(), c.new),
        );
        if *pkg == KubePackage::Kubelet && c.old.is_none() {
            let unit = "/etc/systemd/system/multi-user.target.wants/kubelet.service";
            let target = "/lib/systemd/system/kubelet.service";
            let line = match state.apt {
                AptRelease::Xenial => format!("Created symlink from {unit} to {target}."),
                AptRelease::Jammy => format!("Created symlink {unit} \u{2192} {target}."),
            };
            out.push_line(Stream::Stdout, &line);
        }
    }
    for (pkg, c) in plan {
        state.installed.insert(pkg, c.new);
    }
    out
}

// ---------------------------------------------------------------------------------------
// apt-mark

pub(crate) fn apt_mark(state: &mut PackageState, args: &[String]) -> CommandOutput {
    let opts = match parse_opts(args) {
        Ok(o) => o,
        Err(e) => return fail_with(&[e]),
    };
    let Some((op, names)) = opts.positional.split_first() else {
        // Help text shortened; unconfirmed status.
        return CommandOutput::fail(1)
            .line_out("apt 2.4.13 (amd64)")
            .line_out("Usage: apt-mark [options] {auto|manual} pkg1 [pkg2 ...]");
    };
    if let Err(lines) = sources_or_errors(state) {
        return fail_with(&lines);
    }
    match op.as_str() {
        "hold" | "unhold" => {
            if names.is_empty() {
                return fail_with(&["E: No packages found".to_owned()]);
            }
            // All or nothing: apt-mark's behaviour with a mix of known and unknown names is
            // unconfirmed, and refusing the whole line keeps a failed command side-effect free.
            let mut pkgs = Vec::new();
            let mut errors = Vec::new();
            for n in names {
                match KubePackage::parse(n).filter(|p| state.knows(*p)) {
                    Some(p) => pkgs.push(p),
                    None => errors.push(format!("E: Unable to locate package {n}")),
                }
            }
            if !errors.is_empty() {
                return fail_with(&errors);
            }
            let mut out = CommandOutput::ok();
            for p in pkgs {
                let name = p.name();
                let line = match (op.as_str(), state.is_held(p)) {
                    ("hold", true) => format!("{name} was already set on hold."),
                    ("hold", false) => format!("{name} set on hold."),
                    (_, true) => format!("Canceled hold on {name}."),
                    (_, false) => format!("{name} was already not on hold."),
                };
                state.set_held(p, op == "hold");
                out.push_line(Stream::Stdout, &line);
            }
            out
        }
        "showhold" | "showmanual" | "showauto" => {
            let mut out = CommandOutput::ok();
            for p in KubePackage::ALL {
                let listed = match op.as_str() {
                    "showhold" => state.is_held(p),
                    // Every modelled package counts as manually installed (no dependencies).
                    "showmanual" => state.installed(p).is_some(),
                    _ => false,
                };
                let wanted = names.is_empty() || names.iter().any(|n| n == p.name());
                if listed && wanted {
                    out.push_line(Stream::Stdout, p.name());
                }
            }
            out
        }
        "auto" | "manual" | "minimize-manual" | "install" | "deinstall" | "purge" | "showinstall" | "showdeinstall"
        | "showpurge" => not_modelled(&format!("apt-mark {op}")),
        _ => fail_with(&[format!("E: Invalid operation {op}")]),
    }
}

// ---------------------------------------------------------------------------------------
// apt-cache

pub(crate) fn apt_cache(state: &mut PackageState, args: &[String]) -> CommandOutput {
    let opts = match parse_opts(args) {
        Ok(o) => o,
        Err(e) => return fail_with(&[e]),
    };
    let Some((op, names)) = opts.positional.split_first() else {
        return CommandOutput::fail(1)
            .line_out("apt 2.4.13 (amd64)")
            .line_out("Usage: apt-cache [options] command");
    };
    if let Err(lines) = sources_or_errors(state) {
        return fail_with(&lines);
    }
    match op.as_str() {
        "madison" => madison(state, names),
        "policy" if !names.is_empty() => policy(state, names),
        "policy" | "show" | "search" | "depends" | "rdepends" | "pkgnames" | "showpkg" | "showsrc" | "stats"
        | "dump" | "dumpavail" | "unmet" | "gencaches" => not_modelled(&format!("apt-cache {op}")),
        _ => fail_with(&[format!("E: Invalid operation {op}")]),
    }
}

/// Looks a name up the way apt-cache does; unknown names are a notice, not an error
/// (unconfirmed: apt-cache's exit status stays 0).
fn lookup(state: &PackageState, name: &str, out: &mut CommandOutput) -> Option<KubePackage> {
    let found = KubePackage::parse(name).filter(|p| state.knows(*p));
    if found.is_none() {
        out.push_line_fmt(Stream::Stderr, format_args!("N: Unable to locate package {name}"));
    }
    found
}

/// `apt-cache madison`: apt's `setw(10)` right-aligned columns; versions only known from the
/// dpkg status file are not listed.
fn madison(state: &PackageState, names: &[String]) -> CommandOutput {
    let mut out = CommandOutput::ok();
    for name in names {
        let Some(pkg) = lookup(state, name, &mut out) else {
            continue;
        };
        for (ver, src) in state.available(pkg) {
            let ver = ver.to_string();
            out.push_line_fmt(
                Stream::Stdout,
                format_args!("{name:>10} | {ver:>10} | {}", src.describe()),
            );
        }
    }
    out
}

/// `apt-cache policy PKG`, as in transcript apt-006.
fn policy(state: &PackageState, names: &[String]) -> CommandOutput {
    let mut out = CommandOutput::ok();
    for name in names {
        let Some(pkg) = lookup(state, name, &mut out) else {
            continue;
        };
        let installed = state.installed(pkg).cloned();
        let available = state.available(pkg);
        let candidate = match (available.first(), &installed) {
            (Some((a, _)), Some(i)) if i > a => Some(i.clone()),
            (Some((a, _)), _) => Some(a.clone()),
            (None, i) => i.clone(),
        };
        let show = |v: &Option<DebVersion>| v.as_ref().map_or_else(|| "(none)".to_owned(), ToString::to_string);
        out.push_line_fmt(Stream::Stdout, format_args!("{name}:"));
        out.push_line_fmt(Stream::Stdout, format_args!("  Installed: {}", show(&installed)));
        out.push_line_fmt(Stream::Stdout, format_args!("  Candidate: {}", show(&candidate)));
        out.push_line(Stream::Stdout, "  Version table:");
        let mut table: Vec<(DebVersion, Option<KubeSource>)> =
            available.into_iter().map(|(v, s)| (v, Some(s))).collect();
        if let Some(i) = &installed
            && !table.iter().any(|(v, _)| v == i)
        {
            table.push((i.clone(), None));
            table.sort_by(|a, b| b.0.cmp(&a.0));
        }
        for (ver, src) in table {
            let is_installed = installed.as_ref() == Some(&ver);
            let mark = if is_installed { " *** " } else { "     " };
            let prio = if src.is_some() { 500 } else { 100 };
            out.push_line_fmt(Stream::Stdout, format_args!("{mark}{ver} {prio}"));
            if let Some(src) = src {
                out.push_line_fmt(Stream::Stdout, format_args!("        500 {}", src.describe()));
            }
            if is_installed {
                out.push_line(Stream::Stdout, "        100 /var/lib/dpkg/status");
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// apt

pub(crate) fn apt(state: &mut PackageState, args: &[String]) -> CommandOutput {
    let opts = match parse_opts(args) {
        Ok(o) => o,
        Err(e) => return fail_with(&[e]),
    };
    let Some((op, rest)) = opts.positional.split_first() else {
        return CommandOutput::fail(1)
            .line_out("apt 2.4.13 (amd64)")
            .line_out("Usage: apt [options] command");
    };
    match op.as_str() {
        "list" => list(state, &opts, rest),
        "update" => update(state, rest, true),
        "install" => install(state, &opts, rest),
        "upgrade" => upgrade(state, &opts, rest),
        "policy" => apt_cache(state, args),
        "remove" | "purge" | "autoremove" | "full-upgrade" | "search" | "show" | "edit-sources" | "reinstall"
        | "satisfy" => not_modelled(&format!("apt {op}")),
        _ => fail_with(&[format!("E: Invalid operation {op}")]),
    }
}

/// `apt list [--installed|--upgradable] [-a] [PATTERN...]`.
fn list(state: &PackageState, opts: &Opts, patterns: &[String]) -> CommandOutput {
    let mut out = CommandOutput::ok();
    // apt prints this only when stdout is not a terminal; `apt list` is nearly always piped.
    out.push(Stream::Stderr, "\n");
    out.push_line(Stream::Stderr, CLI_WARNING);
    out.push(Stream::Stderr, "\n");
    if let Err(lines) = sources_or_errors(state) {
        let mut failed = fail_with(&lines);
        failed.chunks.splice(0..0, out.chunks);
        return failed;
    }
    // Unconfirmed: piped, the progress line ends without "Done".
    out.push_line(Stream::Stdout, "Listing...");
    for pkg in KubePackage::ALL {
        if !state.knows(pkg) {
            continue;
        }
        if !patterns.is_empty() && !patterns.iter().any(|p| glob_match(p.as_bytes(), pkg.name().as_bytes())) {
            continue;
        }
        let installed = state.installed(pkg).cloned();
        let upgrade = upgradable_to(state, pkg);
        if opts.installed && installed.is_none() || opts.upgradable && upgrade.is_none() {
            continue;
        }
        let versions: Vec<DebVersion> = if opts.all_versions {
            let mut all: Vec<DebVersion> = state.available(pkg).into_iter().map(|(v, _)| v).collect();
            if let Some(i) = &installed
                && !all.contains(i)
            {
                all.push(i.clone());
                all.sort_by(|a, b| b.cmp(a));
            }
            all
        } else if opts.installed {
            installed.iter().cloned().collect()
        } else {
            upgrade
                .clone()
                .or_else(|| state.candidate(pkg))
                .or_else(|| installed.clone())
                .into_iter()
                .collect()
        };
        for ver in versions {
            out.push_line(Stream::Stdout, &list_line(state, pkg, &ver));
        }
    }
    out
}

fn list_line(state: &PackageState, pkg: KubePackage, ver: &DebVersion) -> String {
    let mut archives: Vec<&str> = Vec::new();
    for (v, src) in state.available(pkg) {
        if v == *ver && !archives.contains(&src.archive()) {
            archives.push(src.archive());
        }
    }
    let from_repo = !archives.is_empty();
    let installed = state.installed(pkg);
    let is_installed = installed == Some(ver);
    if is_installed {
        archives.push("now");
    }
    let status = match (is_installed, upgradable_to(state, pkg)) {
        (true, _) if !from_repo => " [installed,local]".to_owned(),
        (true, Some(c)) => format!(" [installed,upgradable to: {c}]"),
        (true, None) => " [installed]".to_owned(),
        (false, Some(c)) if c == *ver => match installed {
            Some(i) => format!(" [upgradable from: {i}]"),
            None => String::new(),
        },
        (false, _) => String::new(),
    };
    format!("{}/{} {ver} amd64{status}", pkg.name(), archives.join(","))
}

#[cfg(test)]
mod tests;
