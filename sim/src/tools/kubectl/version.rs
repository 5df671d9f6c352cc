//! `kubectl version`, in each era's format (semantics §1.10, research notes §6).

use super::flags::{self, Kind, flag};
use super::{stderr, stdout, usage_error};
use crate::release::version::KubeVersion;
use crate::shell::CommandOutput;
use crate::tools::api::KubeApi;

const SPECS: &[flags::Spec] = &[
    flag("client", None, Kind::Bool),
    flag("short", None, Kind::Bool),
    flag("output", Some('o'), Kind::Str),
];

fn go_version(v: &KubeVersion) -> &'static str {
    match v.minor {
        0..=8 => "go1.8.3",
        9..=10 => "go1.9.3",
        11..=12 => "go1.10.3",
        13..=14 => "go1.11.5",
        15 => "go1.12.5",
        16..=17 => "go1.13.9",
        18..=19 => "go1.15.2",
        20..=21 => "go1.16.7",
        22..=23 => "go1.17.13",
        24..=25 => "go1.19.4",
        26..=27 => "go1.20.4",
        _ => "go1.21.5",
    }
}

/// The `version.Info{...}` dump of kubectl ≤1.27. GitCommit and BuildDate are kubedrill's own
/// stand-ins (stable per version), not the real release values.
fn info(v: &KubeVersion) -> String {
    let commit: String = format!(
        "{:040x}",
        (v.major as u128) << 64 | (v.minor as u128) << 32 | v.patch as u128
    );
    format!(
        "version.Info{{Major:\"{}\", Minor:\"{}\", GitVersion:\"{v}\", GitCommit:\"{commit}\", GitTreeState:\"clean\", BuildDate:\"2024-01-01T00:00:00Z\", GoVersion:\"{}\", Compiler:\"gc\", Platform:\"linux/amd64\"}}",
        v.major,
        v.minor,
        go_version(v)
    )
}

/// `kubectl version` when the server does not answer: the client part, then the caller's error.
pub(crate) fn run_client_only(api: &mut dyn KubeApi, args: &[String]) -> CommandOutput {
    let mut with_client: Vec<String> = args.to_vec();
    with_client.push("--client".into());
    let mut out = run(api, &with_client);
    // The deprecation notices of --short/--client are the real command's, not this helper's.
    out.chunks.retain(|c| c.stream == crate::shell::Stream::Stdout);
    out
}

pub(crate) fn run(api: &mut dyn KubeApi, args: &[String]) -> CommandOutput {
    let k = api.kubectl().clone();
    let p = match flags::parse(args, SPECS) {
        Ok(p) => p,
        Err(e) => return usage_error(api, "version", &e),
    };
    if p.has("short") && k.version_short_default {
        return usage_error(api, "version", "unknown flag: --short");
    }
    let client = api.cluster().kubectl_version.clone();
    let server = api.cluster().version.clone();
    let mut out = CommandOutput::default();
    let short = k.version_short_default || p.bool("short");
    if p.has("short") {
        if k.minor >= 24 {
            stderr(
                &mut out,
                "Flag --short has been deprecated, and will be removed in the future. The --short output will become the default.",
            );
        }
    } else if !short && k.minor >= 24 {
        stderr(
            &mut out,
            "WARNING: This version information is deprecated and will be replaced with the output from kubectl version --short.  Use --output=yaml|json to get the full version.",
        );
    }
    if short {
        stdout(&mut out, format!("Client Version: {client}"));
    } else {
        stdout(&mut out, format!("Client Version: {}", info(&client)));
    }
    if let Some(kz) = k.kustomize {
        stdout(&mut out, format!("Kustomize Version: {kz}"));
    }
    if p.bool("client") {
        return out;
    }
    if short {
        stdout(&mut out, format!("Server Version: {server}"));
    } else {
        stdout(&mut out, format!("Server Version: {}", info(&server)));
    }
    if let Some(prefix) = k.version_skew_warning
        && client.minor.abs_diff(server.minor) > 1
    {
        stderr(
            &mut out,
            format!(
                "{prefix} version difference between client ({}.{}) and server ({}.{}) exceeds the supported minor version skew of +/-1",
                client.major, client.minor, server.major, server.minor
            ),
        );
    }
    out
}
