//! `kubeadm upgrade apply vX.Y.Z`: the version policy (reference §3.3) and how kubeadm prints
//! its verdict, by release.
//!
//! kubeadm sorts its findings into *mandatory* errors (never bypassed) and *skippable* ones
//! (bypassed by `--force`, which then prints them as a notice and carries on). The texts below
//! are kubeadm's own, including its quirks: rule 1 quotes the cluster version where it means the
//! minimum, and the "too old kubelets" list is Go's `%v` of a string slice.

use crate::release::version::KubeVersion;
use std::cmp::Ordering;

/// The kubelet versions kubeadm read from the Node objects, or why it could not read them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum KubeletVersions<'a> {
    Known(&'a [KubeVersion]),
    /// The error text of the failed lookup (a skippable error, rule 9). The simulated API
    /// always lists nodes for kubeadm; the policy table's tests cover the rule.
    #[cfg_attr(not(test), allow(dead_code))]
    Unavailable(&'a str),
}

/// Everything kubeadm's policy looks at.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PolicyInput<'a> {
    /// The control plane's version as kubeadm reads it (`[upgrade/versions] Cluster version`).
    pub cluster: &'a KubeVersion,
    /// The version given to `kubeadm upgrade apply`.
    pub target: &'a KubeVersion,
    /// The kubeadm binary's own version.
    pub kubeadm: &'a KubeVersion,
    pub kubelets: KubeletVersions<'a>,
    /// `--allow-experimental-upgrades`: any pre-release is fine.
    pub allow_experimental: bool,
    /// `--allow-release-candidate-upgrades`: `-rc.N` pre-releases are fine.
    pub allow_rc: bool,
}

/// Which of kubeadm's checks fired (numbered as in reference §3.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Rule {
    /// 1: the target is below kubeadm's minimum control-plane version.
    BelowMinimum,
    /// 2: more than one minor up.
    SkipsMinor,
    /// 3: more than one minor down.
    DowngradeTooFar,
    /// 4: the target's minor is newer than kubeadm's.
    NewerMinorThanKubeadm,
    /// 5: same minor as kubeadm, newer patch.
    NewerPatchThanKubeadm,
    /// 6: kubeadm's minor is newer than the target's.
    OlderMinorThanKubeadm,
    /// 7: a pre-release target without the `--allow-*-upgrades` flag for it.
    Unstable,
    /// 8: kubelets that would fall outside kubeadm's kubelet skew.
    KubeletsTooOld,
    /// 9: the kubelet versions could not be read.
    KubeletsUnavailable,
}

/// One finding, with kubeadm's exact text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PolicyError {
    pub rule: Rule,
    pub message: String,
}

/// kubeadm's findings in the order it reports them. Empty lists mean the upgrade may go ahead.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct PolicyOutcome {
    pub mandatory: Vec<PolicyError>,
    pub skippable: Vec<PolicyError>,
}

/// What apply does with the outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    Proceed,
    /// Only skippable errors and `--force` was given: they are printed, then apply goes on.
    ProceedForced,
    /// At least one mandatory error; `--force` makes no difference.
    RefusedMandatory,
    /// Only skippable errors, no `--force`.
    RefusedSkippable,
}

impl PolicyOutcome {
    pub(crate) fn verdict(&self, force: bool) -> Verdict {
        match (self.mandatory.is_empty(), self.skippable.is_empty(), force) {
            (false, _, _) => Verdict::RefusedMandatory,
            (true, true, _) => Verdict::Proceed,
            (true, false, true) => Verdict::ProceedForced,
            (true, false, false) => Verdict::RefusedSkippable,
        }
    }
}

// kubeadm's constants: one minor up or down per upgrade.
const MAX_MINOR_UP: u32 = 1;
const MAX_MINOR_DOWN: u32 = 1;

/// How many minors a kubelet may lag the target before apply complains. kubeadm 1.29 adopted the
/// n-3 kubelet skew of KEP-3935 (kubernetes#120825); before that it allowed one.
fn kubelet_skew(kubeadm: &KubeVersion) -> u32 {
    if kubeadm.at_least(29) { 3 } else { 1 }
}

/// kubeadm refuses to deploy control planes older than one minor below itself.
fn minimum_control_plane(kubeadm: &KubeVersion) -> KubeVersion {
    KubeVersion::new(kubeadm.major, kubeadm.minor.saturating_sub(1), 0)
}

/// Runs kubeadm's version policy. `--force` is not an input: it changes what apply does with
/// the findings ([`PolicyOutcome::verdict`]), not the findings.
pub(crate) fn enforce_version_policy(input: &PolicyInput<'_>) -> PolicyOutcome {
    let PolicyInput {
        cluster,
        target,
        kubeadm,
        kubelets,
        allow_experimental,
        allow_rc,
    } = *input;
    let mut out = PolicyOutcome::default();
    let pre = !target.pre.is_empty();
    let err = |rule, message| PolicyError { rule, message };

    // kubeadm looks the kubelets up before any check, so this failure is listed first.
    if let KubeletVersions::Unavailable(why) = kubelets {
        out.skippable.push(err(
            Rule::KubeletsUnavailable,
            format!("Unable to fetch kubelet version: {why}"),
        ));
    }

    // Until 1.15 the minimum itself was refused too (the message still says "equal to or
    // lower"); kubernetes#81836 (1.16) let the minimum through.
    let min = minimum_control_plane(kubeadm);
    let below_min = match target.cmp(&min) {
        Ordering::Less => true,
        Ordering::Equal => !kubeadm.at_least(16),
        Ordering::Greater => false,
    };
    if below_min {
        out.mandatory.push(err(
            Rule::BelowMinimum,
            format!(
                "Specified version to upgrade to \"{target}\" is equal to or lower than the minimum supported version \"{cluster}\". Please specify a higher version to upgrade to"
            ),
        ));
    }

    // Rules 2–4 are only skippable for pre-releases, which kubeadm treats as CI builds.
    let mut mandatory_unless_pre = |e: PolicyError| {
        if pre {
            out.skippable.push(e);
        } else {
            out.mandatory.push(e);
        }
    };
    if target.minor > cluster.minor + MAX_MINOR_UP {
        mandatory_unless_pre(err(
            Rule::SkipsMinor,
            format!(
                "Specified version to upgrade to \"{target}\" is too high; kubeadm can upgrade only {MAX_MINOR_UP} minor version at a time"
            ),
        ));
    }
    if target.minor + MAX_MINOR_DOWN < cluster.minor {
        mandatory_unless_pre(err(
            Rule::DowngradeTooFar,
            format!(
                "Specified version to downgrade to \"{target}\" is too low; kubeadm can downgrade only {MAX_MINOR_DOWN} minor version at a time"
            ),
        ));
    }
    if kubeadm.cmp(target) == Ordering::Less {
        if target.minor > kubeadm.minor {
            mandatory_unless_pre(err(
                Rule::NewerMinorThanKubeadm,
                format!(
                    "Specified version to upgrade to \"{target}\" is at least one minor release higher than the kubeadm minor release ({} > {}). Such an upgrade is not supported",
                    target.minor, kubeadm.minor
                ),
            ));
        } else {
            out.skippable.push(err(
                Rule::NewerPatchThanKubeadm,
                format!(
                    "Specified version to upgrade to \"{target}\" is higher than the kubeadm version \"{kubeadm}\". Upgrade kubeadm first using the tool you used to install kubeadm"
                ),
            ));
        }
    }
    if kubeadm.major > target.major || kubeadm.minor > target.minor {
        out.skippable.push(err(
            Rule::OlderMinorThanKubeadm,
            format!(
                "Kubeadm version {kubeadm} can only be used to upgrade to Kubernetes version {}.{}",
                kubeadm.major, kubeadm.minor
            ),
        ));
    }
    let unstable_allowed = allow_experimental || (allow_rc && target.pre.starts_with("rc"));
    if pre && !unstable_allowed {
        out.skippable.push(err(
            Rule::Unstable,
            format!(
                "Specified version to upgrade to \"{target}\" is an unstable version and such upgrades weren't allowed via setting the --allow-*-upgrades flags"
            ),
        ));
    }
    if let KubeletVersions::Known(versions) = kubelets {
        let skew = kubelet_skew(kubeadm);
        // kubeadm collects distinct versions from a Go map, so its order is random; sorted
        // ascending is our deterministic choice.
        let mut old: Vec<&KubeVersion> = versions.iter().filter(|k| target.minor > k.minor + skew).collect();
        old.sort();
        old.dedup();
        if !old.is_empty() {
            let list: Vec<String> = old.iter().map(|v| v.to_string()).collect();
            out.skippable.push(err(
                Rule::KubeletsTooOld,
                format!(
                    "There are kubelets in this cluster that are too old that have these versions [{}]",
                    list.join(" ")
                ),
            ));
        }
    }
    out
}

/// How kubeadm presents a failed version check, by release.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Era {
    /// ≤1.12: `[upgrade/version] FATAL: The --version argument …`, no stack-trace hint.
    Legacy,
    /// 1.13–1.31: lower-case `the --version argument`, plus the `--v=5` hint.
    Wrapped,
    /// 1.32–1.33: apply runs as phases: `error execution phase preflight: the version argument …`.
    Phases,
    /// 1.34+: the same with an `error: ` prefix.
    PhasesErrorPrefix,
}

impl Era {
    pub(crate) fn for_kubeadm(kubeadm: &KubeVersion) -> Self {
        // The 1.12/1.13 boundary (pkg/errors adoption) and kubeadm 1.33 sitting with 1.32 are
        // unconfirmed; 1.9, 1.14, 1.32.1 and 1.34.1 are seen in real output.
        if kubeadm.at_least(34) {
            Era::PhasesErrorPrefix
        } else if kubeadm.at_least(32) {
            Era::Phases
        } else if kubeadm.at_least(13) {
            Era::Wrapped
        } else {
            Era::Legacy
        }
    }
}

/// What apply prints for the policy step, and whether it goes on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PolicyRender {
    pub stdout: String,
    pub stderr: String,
    /// 1 when apply stops here, 0 while it may go on.
    pub exit_code: i32,
    pub proceed: bool,
}

/// kubeadm's bullet list: a tab, a dash, the text, a newline, per error.
fn bullets(errors: &[PolicyError]) -> String {
    errors.iter().map(|e| format!("\t- {}\n", e.message)).collect()
}

/// Renders the outcome as that kubeadm release prints it, right after its `kubeadm version:` line.
pub(crate) fn render_policy(outcome: &PolicyOutcome, kubeadm: &KubeVersion, force: bool) -> PolicyRender {
    let era = Era::for_kubeadm(kubeadm);
    let subject = match era {
        Era::Legacy => "The --version argument",
        Era::Wrapped => "the --version argument",
        Era::Phases | Era::PhasesErrorPrefix => "the version argument",
    };
    let body = match outcome.verdict(force) {
        Verdict::Proceed => return ok(String::new()),
        Verdict::ProceedForced => {
            return ok(format!(
                "[upgrade/version] Found {} potential version compatibility errors but skipping since the --force flag is set: \n\n{}",
                outcome.skippable.len(),
                bullets(&outcome.skippable)
            ));
        }
        Verdict::RefusedMandatory => format!(
            "{subject} is invalid due to these fatal errors:\n\n{}\nPlease fix the misalignments highlighted above and try upgrading again",
            bullets(&outcome.mandatory)
        ),
        Verdict::RefusedSkippable => format!(
            "{subject} is invalid due to these errors:\n\n{}\nCan be bypassed if you pass the --force flag",
            bullets(&outcome.skippable)
        ),
    };
    let wrapped = match era {
        Era::Legacy | Era::Wrapped => format!("[upgrade/version] FATAL: {body}"),
        Era::Phases => format!("error execution phase preflight: {body}"),
        Era::PhasesErrorPrefix => format!("error: error execution phase preflight: {body}"),
    };
    let stderr = match era {
        Era::Legacy => format!("{wrapped}\n"),
        _ => format!("{wrapped}\nTo see the stack trace of this error execute with --v=5 or higher\n"),
    };
    PolicyRender {
        stdout: String::new(),
        stderr,
        exit_code: 1,
        proceed: false,
    }
}

fn ok(stdout: String) -> PolicyRender {
    PolicyRender {
        stdout,
        stderr: String::new(),
        exit_code: 0,
        proceed: true,
    }
}

/// The stdout lines apply prints just before the policy verdict: the chosen version, then
/// the cluster and kubeadm versions.
pub(crate) fn render_version_lines(kubeadm: &KubeVersion, cluster: &KubeVersion, target: &KubeVersion) -> String {
    // 1.9 and 1.14 are seen in real output; where 1.10–1.13 switched wording is unconfirmed.
    let chosen = if kubeadm.at_least(32) {
        format!("[upgrade/preflight] You have chosen to upgrade the cluster version to \"{target}\"")
    } else if kubeadm.at_least(10) {
        format!("[upgrade/version] You have chosen to change the cluster version to \"{target}\"")
    } else {
        format!("[upgrade/version] You have chosen to upgrade to version \"{target}\"")
    };
    format!("{chosen}\n[upgrade/versions] Cluster version: {cluster}\n[upgrade/versions] kubeadm version: {kubeadm}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> KubeVersion {
        KubeVersion::parse(s).unwrap()
    }

    struct Case {
        name: &'static str,
        cluster: &'static str,
        target: &'static str,
        kubeadm: &'static str,
        kubelets: &'static [&'static str],
        force: bool,
        verdict: Verdict,
        mandatory: &'static [&'static str],
        skippable: &'static [&'static str],
    }

    const fn case(
        name: &'static str,
        (cluster, target, kubeadm): (&'static str, &'static str, &'static str),
        kubelets: &'static [&'static str],
        force: bool,
        verdict: Verdict,
        mandatory: &'static [&'static str],
        skippable: &'static [&'static str],
    ) -> Case {
        Case {
            name,
            cluster,
            target,
            kubeadm,
            kubelets,
            force,
            verdict,
            mandatory,
            skippable,
        }
    }

    use Verdict::*;

    const CASES: &[Case] = &[
        case(
            "patch upgrade",
            ("v1.31.0", "v1.31.5", "v1.31.5"),
            &["v1.31.0"],
            false,
            Proceed,
            &[],
            &[],
        ),
        case(
            "minor+1 (CKA path)",
            ("v1.30.4", "v1.31.2", "v1.31.2"),
            &["v1.30.4", "v1.30.4"],
            false,
            Proceed,
            &[],
            &[],
        ),
        case(
            "old era minor+1",
            ("v1.8.1", "v1.9.0", "v1.9.0"),
            &["v1.8.1"],
            false,
            Proceed,
            &[],
            &[],
        ),
        case(
            "same version re-apply",
            ("v1.31.2", "v1.31.2", "v1.31.2"),
            &["v1.31.2"],
            false,
            Proceed,
            &[],
            &[],
        ),
        case(
            "patch downgrade passes silently",
            ("v1.31.5", "v1.31.2", "v1.31.5"),
            &["v1.31.5"],
            false,
            Proceed,
            &[],
            &[],
        ),
        case(
            "skipping a minor",
            ("v1.29.3", "v1.31.2", "v1.31.2"),
            &["v1.29.3"],
            true,
            RefusedMandatory,
            &[
                "Specified version to upgrade to \"v1.31.2\" is too high; kubeadm can upgrade only 1 minor version at a time",
            ],
            &[],
        ),
        case(
            "skipping a minor with a pre-release target is skippable",
            ("v1.29.3", "v1.31.0-rc.1", "v1.31.0-rc.1"),
            &["v1.30.0"],
            true,
            ProceedForced,
            &[],
            &[
                "Specified version to upgrade to \"v1.31.0-rc.1\" is too high; kubeadm can upgrade only 1 minor version at a time",
                "Specified version to upgrade to \"v1.31.0-rc.1\" is an unstable version and such upgrades weren't allowed via setting the --allow-*-upgrades flags",
            ],
        ),
        case(
            "one-minor downgrade needs --force (rule 6)",
            ("v1.32.0", "v1.31.5", "v1.32.1"),
            &["v1.31.0"],
            false,
            RefusedSkippable,
            &[],
            &["Kubeadm version v1.32.1 can only be used to upgrade to Kubernetes version 1.32"],
        ),
        case(
            "one-minor downgrade with --force",
            ("v1.32.0", "v1.31.5", "v1.32.1"),
            &["v1.31.0"],
            true,
            ProceedForced,
            &[],
            &["Kubeadm version v1.32.1 can only be used to upgrade to Kubernetes version 1.32"],
        ),
        case(
            "two-minor downgrade",
            ("v1.31.0", "v1.29.2", "v1.29.2"),
            &[],
            true,
            RefusedMandatory,
            &[
                "Specified version to downgrade to \"v1.29.2\" is too low; kubeadm can downgrade only 1 minor version at a time",
            ],
            &[],
        ),
        case(
            "target minor newer than kubeadm",
            ("v1.31.0", "v1.32.1", "v1.31.5"),
            &["v1.31.0"],
            true,
            RefusedMandatory,
            &[
                "Specified version to upgrade to \"v1.32.1\" is at least one minor release higher than the kubeadm minor release (32 > 31). Such an upgrade is not supported",
            ],
            &[],
        ),
        case(
            "target patch newer than kubeadm",
            ("v1.33.7", "v1.34.3", "v1.34.1"),
            &["v1.33.7"],
            false,
            RefusedSkippable,
            &[],
            &[
                "Specified version to upgrade to \"v1.34.3\" is higher than the kubeadm version \"v1.34.1\". Upgrade kubeadm first using the tool you used to install kubeadm",
            ],
        ),
        case(
            "kubeadm a minor newer than target (same-minor patch, real 1.32.1 run)",
            ("v1.31.0", "v1.31.5", "v1.32.1"),
            &["v1.31.0"],
            false,
            RefusedSkippable,
            &[],
            &["Kubeadm version v1.32.1 can only be used to upgrade to Kubernetes version 1.32"],
        ),
        case(
            "kubeadm two minors newer: below minimum and rule 6",
            ("v1.30.0", "v1.30.5", "v1.32.0"),
            &["v1.30.0"],
            true,
            RefusedMandatory,
            &[
                "Specified version to upgrade to \"v1.30.5\" is equal to or lower than the minimum supported version \"v1.30.0\". Please specify a higher version to upgrade to",
            ],
            &["Kubeadm version v1.32.0 can only be used to upgrade to Kubernetes version 1.32"],
        ),
        case(
            "target equal to the minimum passes rule 1 since 1.16",
            ("v1.31.0", "v1.31.0", "v1.32.0"),
            &["v1.31.0"],
            true,
            ProceedForced,
            &[],
            &["Kubeadm version v1.32.0 can only be used to upgrade to Kubernetes version 1.32"],
        ),
        case(
            "target equal to the minimum is refused before 1.16",
            ("v1.14.0", "v1.14.0", "v1.15.0"),
            &["v1.14.0"],
            true,
            RefusedMandatory,
            &[
                "Specified version to upgrade to \"v1.14.0\" is equal to or lower than the minimum supported version \"v1.14.0\". Please specify a higher version to upgrade to",
            ],
            &["Kubeadm version v1.15.0 can only be used to upgrade to Kubernetes version 1.15"],
        ),
        case(
            "rc target without the flag",
            ("v1.31.4", "v1.32.0-rc.1", "v1.32.0-rc.1"),
            &["v1.31.4"],
            false,
            RefusedSkippable,
            &[],
            &[
                "Specified version to upgrade to \"v1.32.0-rc.1\" is an unstable version and such upgrades weren't allowed via setting the --allow-*-upgrades flags",
            ],
        ),
        case(
            "rc target newer than a released kubeadm of its minor",
            ("v1.31.4", "v1.32.0-rc.1", "v1.31.4"),
            &["v1.31.4"],
            true,
            ProceedForced,
            &[],
            &[
                "Specified version to upgrade to \"v1.32.0-rc.1\" is at least one minor release higher than the kubeadm minor release (32 > 31). Such an upgrade is not supported",
                "Specified version to upgrade to \"v1.32.0-rc.1\" is an unstable version and such upgrades weren't allowed via setting the --allow-*-upgrades flags",
            ],
        ),
        case(
            "rc.10 sorts after rc.9 (kubeadm at rc.10 is not older)",
            ("v1.31.4", "v1.32.0-rc.9", "v1.32.0-rc.10"),
            &["v1.31.4"],
            true,
            ProceedForced,
            &[],
            &[
                "Specified version to upgrade to \"v1.32.0-rc.9\" is an unstable version and such upgrades weren't allowed via setting the --allow-*-upgrades flags",
            ],
        ),
        case(
            "kubelets two minors behind, kubeadm 1.28 (skew 1)",
            ("v1.27.6", "v1.28.2", "v1.28.2"),
            &["v1.26.9", "v1.27.6", "v1.26.1", "v1.26.9"],
            false,
            RefusedSkippable,
            &[],
            &["There are kubelets in this cluster that are too old that have these versions [v1.26.1 v1.26.9]"],
        ),
        case(
            "kubelets three minors behind are fine for kubeadm 1.29 (skew 3)",
            ("v1.28.14", "v1.29.9", "v1.29.9"),
            &["v1.26.3", "v1.28.14"],
            false,
            Proceed,
            &[],
            &[],
        ),
        case(
            "kubelets four minors behind, kubeadm 1.31",
            ("v1.30.2", "v1.31.1", "v1.31.1"),
            &["v1.27.16"],
            true,
            ProceedForced,
            &[],
            &["There are kubelets in this cluster that are too old that have these versions [v1.27.16]"],
        ),
        case(
            "1.8 -> 1.9 with a 1.7 kubelet (kubeadm#783)",
            ("v1.8.3", "v1.9.5", "v1.9.5"),
            &["v1.7.4", "v1.9.5"],
            true,
            ProceedForced,
            &[],
            &["There are kubelets in this cluster that are too old that have these versions [v1.7.4]"],
        ),
        case(
            "mandatory and skippable together",
            ("v1.29.0", "v1.31.0", "v1.31.0"),
            &["v1.27.0"],
            false,
            RefusedMandatory,
            &[
                "Specified version to upgrade to \"v1.31.0\" is too high; kubeadm can upgrade only 1 minor version at a time",
            ],
            &["There are kubelets in this cluster that are too old that have these versions [v1.27.0]"],
        ),
    ];

    #[test]
    fn policy_table() {
        for c in CASES {
            let kubelets: Vec<KubeVersion> = c.kubelets.iter().map(|s| v(s)).collect();
            let (cluster, target, kubeadm) = (v(c.cluster), v(c.target), v(c.kubeadm));
            let out = enforce_version_policy(&PolicyInput {
                cluster: &cluster,
                target: &target,
                kubeadm: &kubeadm,
                kubelets: KubeletVersions::Known(&kubelets),
                allow_experimental: false,
                allow_rc: false,
            });
            let texts = |es: &[PolicyError]| es.iter().map(|e| e.message.clone()).collect::<Vec<_>>();
            assert_eq!(out.verdict(c.force), c.verdict, "{}", c.name);
            assert_eq!(texts(&out.mandatory), c.mandatory, "{}: mandatory", c.name);
            assert_eq!(texts(&out.skippable), c.skippable, "{}: skippable", c.name);
        }
        assert!(CASES.len() >= 20);
    }

    fn run(cluster: &str, target: &str, kubeadm: &str, allow_experimental: bool, allow_rc: bool) -> PolicyOutcome {
        let (c, t, k) = (v(cluster), v(target), v(kubeadm));
        enforce_version_policy(&PolicyInput {
            cluster: &c,
            target: &t,
            kubeadm: &k,
            kubelets: KubeletVersions::Known(&[]),
            allow_experimental,
            allow_rc,
        })
    }

    #[test]
    fn allow_flags_admit_pre_releases() {
        let rc = |exp, rc| run("v1.31.4", "v1.32.0-rc.1", "v1.32.0-rc.1", exp, rc).verdict(false);
        assert_eq!(rc(false, true), Proceed);
        assert_eq!(rc(true, false), Proceed);
        let alpha = run("v1.31.4", "v1.32.0-alpha.2", "v1.32.0-alpha.2", false, true);
        assert_eq!(
            alpha.skippable.len(),
            1,
            "--allow-release-candidate-upgrades does not cover alpha"
        );
        assert_eq!(
            run("v1.31.4", "v1.32.0-alpha.2", "v1.32.0-alpha.2", true, false).verdict(false),
            Proceed
        );
    }

    #[test]
    fn unreadable_kubelets_are_skippable_and_listed_first() {
        let (c, t, k) = (v("v1.30.1"), v("v1.31.0"), v("v1.31.0-rc.0"));
        let out = enforce_version_policy(&PolicyInput {
            cluster: &c,
            target: &t,
            kubeadm: &k,
            kubelets: KubeletVersions::Unavailable("nodes is forbidden"),
            allow_experimental: false,
            allow_rc: false,
        });
        let rules: Vec<Rule> = out.skippable.iter().map(|e| e.rule).collect();
        assert_eq!(rules, [Rule::KubeletsUnavailable, Rule::NewerPatchThanKubeadm]);
        assert_eq!(
            out.skippable[0].message,
            "Unable to fetch kubelet version: nodes is forbidden"
        );
    }

    fn render(cluster: &str, target: &str, kubeadm: &str, force: bool) -> PolicyRender {
        let k = v(kubeadm);
        render_policy(&run(cluster, target, kubeadm, false, false), &k, force)
    }

    #[test]
    fn renders_the_1_32_refusal_as_seen() {
        let r = render("v1.31.0", "v1.31.5", "v1.32.1", false);
        assert_eq!(
            r.stderr,
            "error execution phase preflight: the version argument is invalid due to these errors:\n\n\t- Kubeadm version v1.32.1 can only be used to upgrade to Kubernetes version 1.32\n\nCan be bypassed if you pass the --force flag\nTo see the stack trace of this error execute with --v=5 or higher\n"
        );
        assert_eq!((r.stdout.as_str(), r.exit_code, r.proceed), ("", 1, false));
    }

    #[test]
    fn renders_the_1_34_refusal_with_error_prefix() {
        let r = render("v1.33.7", "v1.34.3", "v1.34.1", false);
        assert_eq!(
            r.stderr,
            "error: error execution phase preflight: the version argument is invalid due to these errors:\n\n\t- Specified version to upgrade to \"v1.34.3\" is higher than the kubeadm version \"v1.34.1\". Upgrade kubeadm first using the tool you used to install kubeadm\n\nCan be bypassed if you pass the --force flag\nTo see the stack trace of this error execute with --v=5 or higher\n"
        );
    }

    #[test]
    fn renders_pre_1_32_mandatory_refusal() {
        let r = render("v1.29.3", "v1.31.2", "v1.31.2", true);
        assert_eq!(
            r.stderr,
            "[upgrade/version] FATAL: the --version argument is invalid due to these fatal errors:\n\n\t- Specified version to upgrade to \"v1.31.2\" is too high; kubeadm can upgrade only 1 minor version at a time\n\nPlease fix the misalignments highlighted above and try upgrading again\nTo see the stack trace of this error execute with --v=5 or higher\n"
        );
        assert_eq!(r.exit_code, 1);
    }

    #[test]
    fn refusal_lists_only_the_mandatory_errors() {
        let (c, t, k) = (v("v1.29.0"), v("v1.31.0"), v("v1.31.0"));
        let kubelets = [v("v1.27.0")];
        let out = enforce_version_policy(&PolicyInput {
            cluster: &c,
            target: &t,
            kubeadm: &k,
            kubelets: KubeletVersions::Known(&kubelets),
            allow_experimental: false,
            allow_rc: false,
        });
        let r = render_policy(&out, &k, true);
        assert!(!r.stderr.contains("kubelets"), "{}", r.stderr);
        assert!(r.stderr.contains("fatal errors"));
    }

    #[test]
    fn renders_legacy_refusal_without_stack_hint() {
        let r = render("v1.7.4", "v1.9.0", "v1.9.0", false);
        assert_eq!(
            r.stderr,
            "[upgrade/version] FATAL: The --version argument is invalid due to these fatal errors:\n\n\t- Specified version to upgrade to \"v1.9.0\" is too high; kubeadm can upgrade only 1 minor version at a time\n\nPlease fix the misalignments highlighted above and try upgrading again\n"
        );
    }

    #[test]
    fn renders_forced_skip_notice_on_stdout() {
        let (c, t, k) = (v("v1.8.3"), v("v1.9.5"), v("v1.9.5"));
        let kubelets = [v("v1.7.4")];
        let out = enforce_version_policy(&PolicyInput {
            cluster: &c,
            target: &t,
            kubeadm: &k,
            kubelets: KubeletVersions::Known(&kubelets),
            allow_experimental: false,
            allow_rc: false,
        });
        let r = render_policy(&out, &k, true);
        assert_eq!(
            r.stdout,
            "[upgrade/version] Found 1 potential version compatibility errors but skipping since the --force flag is set: \n\n\t- There are kubelets in this cluster that are too old that have these versions [v1.7.4]\n"
        );
        assert_eq!((r.stderr.as_str(), r.exit_code, r.proceed), ("", 0, true));
    }

    #[test]
    fn clean_policy_prints_nothing() {
        let r = render("v1.30.4", "v1.31.2", "v1.31.2", false);
        assert_eq!(r, ok(String::new()));
    }

    #[test]
    fn version_lines_by_era() {
        assert_eq!(
            render_version_lines(&v("v1.33.2"), &v("v1.32.0"), &v("v1.33.2")),
            "[upgrade/preflight] You have chosen to upgrade the cluster version to \"v1.33.2\"\n[upgrade/versions] Cluster version: v1.32.0\n[upgrade/versions] kubeadm version: v1.33.2\n"
        );
        assert!(
            render_version_lines(&v("v1.14.0"), &v("v1.13.3"), &v("v1.14.0"))
                .starts_with("[upgrade/version] You have chosen to change the cluster version to \"v1.14.0\"\n")
        );
        assert!(
            render_version_lines(&v("v1.9.0"), &v("v1.8.1"), &v("v1.9.0"))
                .starts_with("[upgrade/version] You have chosen to upgrade to version \"v1.9.0\"\n")
        );
    }

    #[test]
    fn pre_release_order_is_semver() {
        assert_eq!(crate::semver::pre_release_cmp("rc.10", "rc.9"), Ordering::Greater);
        assert_eq!(crate::semver::pre_release_cmp("alpha.1", "beta.0"), Ordering::Less);
        assert_eq!(crate::semver::pre_release_cmp("0", ""), Ordering::Less);
        assert_eq!(crate::semver::pre_release_cmp("rc.1", "rc.1.1"), Ordering::Less);
        assert_eq!(crate::semver::pre_release_cmp("1", "rc"), Ordering::Less);
    }
}
