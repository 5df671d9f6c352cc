//! Kubernetes' custom etcd rollback tool (`cluster/images/etcd/rollback`, Kubernetes 1.5–1.7;
//! later `migrate/rollback_v2.go`), the only way back from etcd 3.0 to 2.x, and the limits the
//! lab guide lists for it.
//!
//! What the real tool does (rollback.go, as read at kubernetes/kubernetes): it reads the v3
//! keyspace from `member/snap/db`, writes every live key into a fresh v2 store (keys that had a
//! lease get an expiry of `--ttl`, default 1h), rebuilds membership from the WAL, sets the
//! cluster version key `/0/version` to its `rollbackVersion` constant `2.2.0`, renames the data
//! dir to `<data-dir>.rollback.backup`, writes a v2.2.1-format WAL and snapshot, and prints
//! `Finished successfully`. It checks neither versions nor media types; the etcd image's
//! `migrate-if-needed.sh` only calls it for 3.0.x → 2.2.1.
//!
//! Its only flags are `--data-dir` and `--ttl`. `--ttl-keys-prefix` and `--lease-duration` are
//! the forward migration's `attachlease` tool, and no `--leader-ttl` exists in either.

use super::version::EtcdVersion;
use std::fmt;

/// A command-line flag of one of Kubernetes' etcd helper tools, as Go's `flag` defines it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ToolFlag {
    pub name: &'static str,
    /// Go's rendering of the default (`time.Hour` prints as `1h0m0s`).
    pub default: &'static str,
    pub usage: &'static str,
}

/// `rollback` (rollback.go).
pub const ROLLBACK_FLAGS: &[ToolFlag] = &[
    ToolFlag {
        name: "data-dir",
        default: "",
        usage: "Path to the data directory",
    },
    ToolFlag {
        name: "ttl",
        default: "1h0m0s",
        usage: "TTL of event keys (default 1 hour)",
    },
];

/// `attachlease` (cluster/images/etcd/attachlease), run after `etcdctl migrate` on the way *up*
/// to v3: it attaches every key under the prefix to one lease, so events keep expiring.
pub const ATTACHLEASE_FLAGS: &[ToolFlag] = &[
    ToolFlag {
        name: "etcd-address",
        default: "",
        usage: "Etcd address",
    },
    ToolFlag {
        name: "ttl-keys-prefix",
        default: "",
        usage: "Prefix for TTL keys",
    },
    ToolFlag {
        name: "lease-duration",
        default: "1h0m0s",
        usage: "Lease duration (seconds granularity)",
    },
];

/// The only media type the rolled-back data works with: a 1.5-era apiserver on etcd2 reads JSON.
pub const JSON_MEDIA_TYPE: &str = "application/json";

/// kube-apiserver's `--storage-media-type` default with the etcd3 backend from 1.6 on.
pub const PROTOBUF_MEDIA_TYPE: &str = "application/vnd.kubernetes.protobuf";

/// What the tool writes into `/0/version`.
const ROLLBACK_CLUSTER_VERSION: (u32, u32) = (2, 2);

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RollbackError {
    /// rollback.go: `glog.Fatal("need to set '--data-dir'")`.
    #[error("need to set '--data-dir'")]
    MissingDataDir,
    /// Go's `flag` package.
    #[error("flag provided but not defined: -{0}")]
    UnknownFlag(String),
    /// Go's `flag` package.
    #[error("flag needs an argument: -{0}")]
    MissingValue(String),
    /// Go's `flag` package as built for Kubernetes 1.6 (Go 1.7/1.8, before Go 1.15 quoted the
    /// value in `time: invalid duration`); the exact Go release is unconfirmed.
    #[error("invalid value \"{0}\" for flag -ttl: time: invalid duration {0}")]
    BadTtl(String),
    /// migrate-if-needed.sh's own line. The script then `return`s 0, so the etcd container goes
    /// on starting on the unchanged 3.x data; callers decide whether to treat it as fatal.
    #[error("etcd3 -> etcd2 downgrade is supported only between 3.0.x and 2.2.1")]
    UnsupportedVersions { data: EtcdVersion, target: EtcdVersion },
    /// Ours: the data was never moved to the v3 API, so there is nothing to roll back (the script
    /// skips rollback unless the storage is `etcd3`).
    #[error("no etcd3 data to roll back: the data directory is etcd {data} (v2 API)")]
    NoV3Data { data: EtcdVersion },
    /// Ours. The real tool copies values verbatim and succeeds; it is the etcd2-era apiserver that
    /// then cannot decode protobuf values. We refuse up front so the limit is visible.
    #[error(
        "the rollback tool only works if the data is stored in application/json format, but kube-apiserver wrote {media_type}: set --storage-media-type=application/json and rewrite every object before rolling back"
    )]
    NotJson { media_type: String },
}

/// Parsed `rollback` arguments. Go's `flag` accepts `-flag` and `--flag`, with `=value` or the
/// value as the next argument, and stops at the first non-flag argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RollbackArgs {
    pub data_dir: String,
    pub ttl: String,
}

pub fn parse_args(args: &[&str]) -> Result<RollbackArgs, RollbackError> {
    let mut data_dir = String::new();
    let mut ttl = "1h".to_string();
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        let Some(flag) = arg.strip_prefix("--").or_else(|| arg.strip_prefix('-')) else {
            break;
        };
        if flag.is_empty() {
            // A lone "--" ends the flags.
            break;
        }
        let (name, inline) = match flag.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (flag, None),
        };
        if !ROLLBACK_FLAGS.iter().any(|f| f.name == name) {
            return Err(RollbackError::UnknownFlag(name.to_string()));
        }
        let value = match inline {
            Some(v) => v,
            None => {
                i += 1;
                args.get(i)
                    .map(|v| (*v).to_string())
                    .ok_or_else(|| RollbackError::MissingValue(name.to_string()))?
            }
        };
        if name == "ttl" {
            if !is_go_duration(&value) {
                return Err(RollbackError::BadTtl(value));
            }
            ttl = value;
        } else {
            data_dir = value;
        }
        i += 1;
    }
    if data_dir.is_empty() {
        return Err(RollbackError::MissingDataDir);
    }
    Ok(RollbackArgs { data_dir, ttl })
}

/// Go `time.ParseDuration` syntax: an optional sign, then one or more decimal numbers each with
/// a unit; a bare `0` is allowed.
fn is_go_duration(s: &str) -> bool {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    if body == "0" {
        return true;
    }
    let mut rest = body;
    if rest.is_empty() {
        return false;
    }
    while !rest.is_empty() {
        let num_len = rest.bytes().take_while(|b| b.is_ascii_digit() || *b == b'.').count();
        let num = &rest[..num_len];
        if num.is_empty() || num == "." || num.matches('.').count() > 1 {
            return false;
        }
        rest = &rest[num_len..];
        let Some(unit) = ["ns", "us", "µs", "μs", "ms", "s", "m", "h"]
            .iter()
            .filter(|u| rest.starts_with(**u))
            .max_by_key(|u| u.len())
        else {
            return false;
        };
        rest = &rest[unit.len()..];
    }
    true
}

/// What a rollback leaves behind and what the operator must know about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RollbackReport {
    /// Keys written into the v2 store.
    pub objects: u64,
    /// The cluster version now recorded in the data (start it with etcd 2.2.1).
    pub cluster_version: (u32, u32),
    /// migrate-if-needed.sh's `version.txt` afterwards.
    pub version_txt: &'static str,
    /// The old data dir survives as `<data-dir>` + this.
    pub backup_suffix: &'static str,
    /// Output, in order: migrate-if-needed.sh's lines around the tool's own.
    pub output: Vec<&'static str>,
    pub warnings: Vec<RollbackWarning>,
}

/// Limits that do not stop the rollback but change the result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RollbackWarning {
    /// Lab guide: "Rollback doesn't preserve resource versions of objects stored in etcd."
    /// (README: "The tool doesn't preserve versions of keys."): every object gets a new
    /// resourceVersion, so clients' watches and caches must relist.
    ResourceVersionsNotPreserved { objects: u64 },
    /// Keys that had a lease (events) get an expiry of `--ttl` from the moment of rollback.
    LeasedKeysGetTtl { ttl: String },
    /// README: "If any v2 data exists before rollback, they will be wiped out."
    V2DataWipedOut,
    /// Lab guide: not part of the etcd repo, tested only in a couple of end-to-end tests, with
    /// community support only.
    CommunitySupportOnly,
}

impl fmt::Display for RollbackWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ResourceVersionsNotPreserved { objects } => write!(
                f,
                "resource versions are not preserved: {objects} objects get new resourceVersions"
            ),
            Self::LeasedKeysGetTtl { ttl } => write!(f, "keys that had a lease expire {ttl} after the rollback"),
            Self::V2DataWipedOut => f.write_str("v2 data that existed before the rollback is wiped out"),
            Self::CommunitySupportOnly => {
                f.write_str("the rollback tool is not part of etcd and has only community support")
            }
        }
    }
}

/// Rolls `objects` keys of etcd `data_version` data, written by kube-apiserver as
/// `storage_media_type` (empty = apiserver's etcd3 default, protobuf), back to `target`.
///
/// Checks, in the order they bite: the data must be etcd3 data, the versions exactly 3.0.x →
/// 2.2.1, the media type application/json.
pub fn rollback(
    data_version: &EtcdVersion,
    target: &EtcdVersion,
    storage_media_type: &str,
    objects: u64,
) -> Result<RollbackReport, RollbackError> {
    if data_version.major < 3 {
        return Err(RollbackError::NoV3Data {
            data: data_version.without_v(),
        });
    }
    if data_version.minor_key() != (3, 0) || target.binary_version() != EtcdVersion::new(2, 2, 1) {
        return Err(RollbackError::UnsupportedVersions {
            data: data_version.clone(),
            target: target.clone(),
        });
    }
    let media_type = if storage_media_type.is_empty() {
        PROTOBUF_MEDIA_TYPE
    } else {
        storage_media_type
    };
    if !media_type.eq_ignore_ascii_case(JSON_MEDIA_TYPE) {
        return Err(RollbackError::NotJson {
            media_type: media_type.to_string(),
        });
    }
    Ok(RollbackReport {
        objects,
        cluster_version: ROLLBACK_CLUSTER_VERSION,
        version_txt: "2.2.1/etcd2",
        backup_suffix: ".rollback.backup",
        output: vec![
            "Backup and remove all existing v2 data",
            "Performing etcd3 -> etcd2 rollback",
            "Finished successfully",
        ],
        warnings: vec![
            RollbackWarning::ResourceVersionsNotPreserved { objects },
            RollbackWarning::LeasedKeysGetTtl { ttl: "1h".to_string() },
            RollbackWarning::V2DataWipedOut,
            RollbackWarning::CommunitySupportOnly,
        ],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::etcd::upgrade::{DataDirState, check_upgrade_path, start_member};
    use proptest::prelude::*;

    fn v(s: &str) -> EtcdVersion {
        EtcdVersion::parse(s).unwrap()
    }

    #[test]
    fn rolls_3_0_json_data_back_to_2_2_1() {
        let r = rollback(&v("3.0.17"), &v("2.2.1"), "application/json", 1234).unwrap();
        assert_eq!(r.cluster_version, (2, 2));
        assert_eq!(r.version_txt, "2.2.1/etcd2");
        assert_eq!(r.backup_suffix, ".rollback.backup");
        assert_eq!(r.output.last(), Some(&"Finished successfully"));
        assert_eq!(
            r.warnings[0],
            RollbackWarning::ResourceVersionsNotPreserved { objects: 1234 }
        );
        assert_eq!(
            r.warnings[0].to_string(),
            "resource versions are not preserved: 1234 objects get new resourceVersions"
        );
        for w in &r.warnings {
            assert!(!w.to_string().is_empty());
        }
    }

    #[test]
    fn rolled_back_data_starts_with_2_2_1_and_not_with_3_0() {
        let r = rollback(&v("3.0.17"), &v("2.2.1"), "application/json", 1).unwrap();
        let data = DataDirState::Written {
            cluster_version: r.cluster_version,
        };
        assert_eq!(start_member(&v("2.2.1"), &data, None).unwrap().cluster_version, (2, 2));
        // The same step is the one check_upgrade_path allows.
        assert_eq!(
            check_upgrade_path(&v("3.0.17"), &v("2.2.1")).unwrap(),
            crate::etcd::upgrade::PathKind::RollbackTool
        );
    }

    #[test]
    fn only_3_0_x_to_2_2_1() {
        for (data, target) in [
            ("3.1.12", "2.2.1"),
            ("3.0.17", "2.3.7"),
            ("3.0.17", "2.2.0"),
            ("3.5.15", "3.4.13"),
        ] {
            let err = rollback(&v(data), &v(target), "application/json", 1).unwrap_err();
            assert_eq!(
                err.to_string(),
                "etcd3 -> etcd2 downgrade is supported only between 3.0.x and 2.2.1",
                "{data} -> {target}"
            );
        }
        assert!(rollback(&v("v3.0.0"), &v("v2.2.1"), "application/json", 0).is_ok());
    }

    #[test]
    fn v2_data_has_nothing_to_roll_back() {
        let err = rollback(&v("v2.3.7"), &v("2.2.1"), "application/json", 1).unwrap_err();
        assert_eq!(
            err.to_string(),
            "no etcd3 data to roll back: the data directory is etcd 2.3.7 (v2 API)"
        );
    }

    #[test]
    fn protobuf_data_is_refused() {
        for media in ["application/vnd.kubernetes.protobuf", ""] {
            let err = rollback(&v("3.0.17"), &v("2.2.1"), media, 1).unwrap_err();
            assert_eq!(
                err.to_string(),
                "the rollback tool only works if the data is stored in application/json format, but kube-apiserver wrote application/vnd.kubernetes.protobuf: set --storage-media-type=application/json and rewrite every object before rolling back"
            );
        }
        assert!(matches!(
            rollback(&v("3.0.17"), &v("2.2.1"), "application/yaml", 1),
            Err(RollbackError::NotJson { .. })
        ));
        // Versions are checked before the media type, as the script would never reach the tool.
        assert!(matches!(
            rollback(&v("3.1.0"), &v("2.2.1"), "application/yaml", 1),
            Err(RollbackError::UnsupportedVersions { .. })
        ));
    }

    #[test]
    fn flags_are_the_tools_own() {
        let names: Vec<_> = ROLLBACK_FLAGS.iter().map(|f| f.name).collect();
        assert_eq!(names, ["data-dir", "ttl"]);
        let names: Vec<_> = ATTACHLEASE_FLAGS.iter().map(|f| f.name).collect();
        assert_eq!(names, ["etcd-address", "ttl-keys-prefix", "lease-duration"]);
    }

    #[test]
    fn parses_arguments_like_go_flag() {
        let want = RollbackArgs {
            data_dir: "/var/lib/etcd".into(),
            ttl: "1h".into(),
        };
        assert_eq!(parse_args(&["--data-dir", "/var/lib/etcd"]).unwrap(), want);
        assert_eq!(parse_args(&["-data-dir=/var/lib/etcd"]).unwrap(), want);
        assert_eq!(
            parse_args(&["--data-dir=/d", "--ttl", "90m"]).unwrap(),
            RollbackArgs {
                data_dir: "/d".into(),
                ttl: "90m".into()
            }
        );
        assert_eq!(parse_args(&["--data-dir=/d", "--ttl=1h30m"]).unwrap().ttl, "1h30m");
        assert_eq!(parse_args(&["--data-dir=/d", "--ttl=1.5h"]).unwrap().ttl, "1.5h");
        assert_eq!(parse_args(&[]).unwrap_err().to_string(), "need to set '--data-dir'");
        assert_eq!(
            parse_args(&["--ttl", "1h"]).unwrap_err().to_string(),
            "need to set '--data-dir'"
        );
        assert_eq!(
            parse_args(&["--data-dir", "/d", "--leader-ttl", "5s"])
                .unwrap_err()
                .to_string(),
            "flag provided but not defined: -leader-ttl"
        );
        assert_eq!(
            parse_args(&["--ttl-keys-prefix=/registry/events"])
                .unwrap_err()
                .to_string(),
            "flag provided but not defined: -ttl-keys-prefix"
        );
        assert_eq!(
            parse_args(&["--data-dir"]).unwrap_err().to_string(),
            "flag needs an argument: -data-dir"
        );
        assert_eq!(
            parse_args(&["--data-dir=/d", "--ttl=soon"]).unwrap_err().to_string(),
            "invalid value \"soon\" for flag -ttl: time: invalid duration soon"
        );
        // Go's flag stops at the first non-flag argument.
        assert_eq!(
            parse_args(&["stray", "--data-dir=/d"]).unwrap_err(),
            RollbackError::MissingDataDir
        );
    }

    #[test]
    fn go_durations() {
        for ok in ["0", "1h", "90m", "1h30m", "1.5h", "300ms", "-1s", "2us", "2µs"] {
            assert!(is_go_duration(ok), "{ok}");
        }
        for bad in ["", "1", "h", "1x", "1..5h", ".h", "1h 2m", "+"] {
            assert!(!is_go_duration(bad), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn prop_only_the_one_pair_succeeds(
            dm in 2u32..4, dn in 0u32..7, dp in 0u32..20,
            tm in 2u32..4, tn in 0u32..7, tp in 0u32..20,
            json in any::<bool>(), objects in any::<u64>(),
        ) {
            let media = if json { JSON_MEDIA_TYPE } else { PROTOBUF_MEDIA_TYPE };
            let (d, t) = (EtcdVersion::new(dm, dn, dp), EtcdVersion::new(tm, tn, tp));
            let r = rollback(&d, &t, media, objects);
            let allowed = (dm, dn) == (3, 0) && (tm, tn, tp) == (2, 2, 1) && json;
            prop_assert_eq!(r.is_ok(), allowed);
            if let Ok(report) = r {
                let kept = RollbackWarning::ResourceVersionsNotPreserved { objects };
                prop_assert!(report.warnings.contains(&kept));
            }
        }
    }
}
