//! What `kubeadm upgrade apply` does with a local (stacked) etcd: pin the image tag of the target
//! minor, never go down, and do nothing with `--etcd-upgrade=false` or an external etcd.

use crate::etcd::version::EtcdVersion;
use crate::release::version::KubeVersion;
use crate::release::versions::default_etcd_for;
use std::cmp::Ordering;

/// kubeadm's decision for the etcd static pod during apply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum EtcdStep {
    /// `--etcd-upgrade=false`: etcd is left alone, without a message.
    FlagDisabled,
    /// External etcd is the operator's job; kubeadm does not touch it.
    External,
    /// Already at the pinned version.
    Unchanged {
        version: String,
    },
    Upgrade {
        from: String,
        to: String,
    },
    /// The running etcd is newer than the pin: apply prints `notice` and carries on without etcd.
    WontDowngrade {
        desired: String,
        current: String,
        notice: String,
    },
    /// The current version does not parse; kubeadm fails its etcd step. How apply reports
    /// that is left to the wiring.
    Unparseable {
        current: String,
    },
}

/// Decides etcd's fate for `kubeadm upgrade apply <target>`.
///
/// `current_etcd` is the version as this kubeadm reads it. Older kubeadm (seen in 1.16–1.18)
/// asked the etcd server, which answers without the image's `-0` suffix, so a pin of `3.4.3-0`
/// against a running `3.4.3` was a "downgrade" (a pre-release sorts lower) and printed the
/// notice every time; newer kubeadm compares image tags. The caller chooses which string to pass.
pub(crate) fn etcd_step(target: &KubeVersion, current_etcd: &str, etcd_upgrade: bool, external: bool) -> EtcdStep {
    if !etcd_upgrade {
        return EtcdStep::FlagDisabled;
    }
    if external {
        return EtcdStep::External;
    }
    let desired = default_etcd_for(target);
    let (Ok(want), Ok(have)) = (EtcdVersion::parse(desired), EtcdVersion::parse(current_etcd)) else {
        return EtcdStep::Unparseable {
            current: current_etcd.to_string(),
        };
    };
    match want.cmp(&have) {
        Ordering::Less => EtcdStep::WontDowngrade {
            desired: desired.to_string(),
            current: current_etcd.to_string(),
            notice: format!(
                "[upgrade/etcd] Non fatal issue encountered during upgrade: the desired etcd version for this Kubernetes version \"{target}\" is \"{desired}\", but the current etcd version is \"{current_etcd}\". Won't downgrade etcd, instead just continue"
            ),
        },
        // Same version, different spelling cannot happen: equal semver means equal text here.
        Ordering::Equal => EtcdStep::Unchanged {
            version: current_etcd.to_string(),
        },
        Ordering::Greater => EtcdStep::Upgrade {
            from: current_etcd.to_string(),
            to: desired.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(s: &str) -> KubeVersion {
        KubeVersion::parse(s).unwrap()
    }

    #[test]
    fn pins_and_upgrades() {
        assert_eq!(
            etcd_step(&k("v1.14.0"), "3.2.24", true, false),
            EtcdStep::Upgrade {
                from: "3.2.24".into(),
                to: "3.3.10".into()
            }
        );
        assert_eq!(
            etcd_step(&k("v1.32.1"), "3.5.15-0", true, false),
            EtcdStep::Upgrade {
                from: "3.5.15-0".into(),
                to: "3.5.16-0".into()
            }
        );
    }

    #[test]
    fn same_tag_is_unchanged() {
        assert_eq!(
            etcd_step(&k("v1.18.0"), "3.4.3-0", true, false),
            EtcdStep::Unchanged {
                version: "3.4.3-0".into()
            }
        );
    }

    #[test]
    fn server_version_without_suffix_is_not_downgraded() {
        // The real 1.18 line (kubeadm-apply-003): 3.4.3-0 sorts below 3.4.3.
        let EtcdStep::WontDowngrade { notice, .. } = etcd_step(&k("v1.18.0"), "3.4.3", true, false) else {
            panic!("expected WontDowngrade")
        };
        assert_eq!(
            notice,
            "[upgrade/etcd] Non fatal issue encountered during upgrade: the desired etcd version for this Kubernetes version \"v1.18.0\" is \"3.4.3-0\", but the current etcd version is \"3.4.3\". Won't downgrade etcd, instead just continue"
        );
    }

    #[test]
    fn newer_etcd_is_kept() {
        // Someone ran etcd 3.3.10 on a 1.13 cluster; a 1.13 patch upgrade pins 3.2.24.
        assert!(matches!(
            etcd_step(&k("v1.13.2"), "3.3.10", true, false),
            EtcdStep::WontDowngrade { ref desired, ref current, .. } if desired == "3.2.24" && current == "3.3.10"
        ));
    }

    #[test]
    fn minor_downgrade_keeps_etcd_3_6() {
        // Back from 1.34 to 1.33 (allowed with --force): the 3.5 pin would go down a minor.
        assert!(matches!(
            etcd_step(&k("v1.33.4"), "3.6.4-0", true, false),
            EtcdStep::WontDowngrade { ref desired, .. } if desired == "3.5.21-0"
        ));
        assert_eq!(
            etcd_step(&k("v1.34.0"), "3.5.21-0", true, false),
            EtcdStep::Upgrade {
                from: "3.5.21-0".into(),
                to: "3.6.4-0".into()
            }
        );
    }

    #[test]
    fn flag_and_external_skip_etcd() {
        assert_eq!(
            etcd_step(&k("v1.31.2"), "3.5.12-0", false, false),
            EtcdStep::FlagDisabled
        );
        assert_eq!(etcd_step(&k("v1.31.2"), "3.5.12-0", true, true), EtcdStep::External);
        // The flag wins even over a version kubeadm could not read.
        assert_eq!(
            etcd_step(&k("v1.31.2"), "garbage", false, false),
            EtcdStep::FlagDisabled
        );
    }

    #[test]
    fn unreadable_version() {
        assert_eq!(
            etcd_step(&k("v1.31.2"), "3.5", true, false),
            EtcdStep::Unparseable { current: "3.5".into() }
        );
    }

    #[test]
    fn etcd_version_order() {
        let p = |s: &str| EtcdVersion::parse(s).unwrap();
        assert_eq!(p("3.4.3-0").cmp(&p("3.4.3")), Ordering::Less);
        assert_eq!(p("3.5.9-0").cmp(&p("3.5.10-0")), Ordering::Less);
        assert_eq!(p("3.6.4-0").cmp(&p("3.5.24-0")), Ordering::Greater);
        assert!(EtcdVersion::parse("3.5.").is_err());
        assert!(EtcdVersion::parse("3.5.1-").is_err());
    }
}
