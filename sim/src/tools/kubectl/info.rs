//! kubectl's questions about the cluster and the client itself: `api-resources`,
//! `api-versions`, `cluster-info`, `top` (a kubeadm cluster has no metrics-server),
//! `config view|current-context|get-contexts|use-context`, `auth can-i` and `explain`.

use super::flags::{self, Kind, flag};
use super::{fail, stdout, usage_error};
use crate::release::api;
use crate::shell::CommandOutput;
use crate::tabwriter::render;
use crate::tools::api::KubeApi;

const CONTEXT: &str = "kubernetes-admin@kubernetes";

fn endpoint(api: &dyn KubeApi) -> String {
    let c = api.cluster();
    let ip = c
        .control_plane_ids()
        .iter()
        .find(|id| c.node_exists(**id))
        .map(|id| c.node(*id).internal_ip.clone())
        .unwrap_or_else(|| "127.0.0.1".into());
    format!("https://{ip}:6443")
}

pub(crate) fn api_resources(api: &mut dyn KubeApi, args: &[String]) -> CommandOutput {
    const SPECS: &[flags::Spec] = &[
        flag("output", Some('o'), Kind::Str),
        flag("namespaced", None, Kind::Str),
        flag("api-group", None, Kind::Str),
        flag("no-headers", None, Kind::Bool),
        flag("sort-by", None, Kind::Str),
        flag("verbs", None, Kind::List),
        flag("cached", None, Kind::Bool),
    ];
    let p = match flags::parse(args, SPECS) {
        Ok(p) => p,
        Err(e) => return usage_error(api, "api-resources", &e),
    };
    let output = p.str("output").unwrap_or("");
    if !matches!(output, "" | "wide" | "name") {
        return fail(format!("error: --output {output} is not available"));
    }
    let namespaced = match p.str("namespaced") {
        None => None,
        Some(v) => match flags::parse_bool(v) {
            Some(b) => Some(b),
            None => {
                return fail(format!(
                    "error: invalid argument \"{v}\" for \"--namespaced\" flag: strconv.ParseBool: parsing \"{v}\": invalid syntax"
                ));
            }
        },
    };
    let mut rows: Vec<api::Served> = api::preferred(&api.cluster().version)
        .into_iter()
        .filter(|s| namespaced.is_none_or(|n| s.namespaced == n))
        .filter(|s| p.str("api-group").is_none_or(|g| s.group == g))
        .collect();
    match p.str("sort-by") {
        None | Some("") => {}
        Some("name") => rows.sort_by(|a, b| (a.resource, a.group).cmp(&(b.resource, b.group))),
        Some("kind") => rows.sort_by(|a, b| (a.kind, a.resource).cmp(&(b.kind, b.resource))),
        Some(_) => return fail("error: --sort-by accepts only name or kind"),
    }
    let mut out = CommandOutput::default();
    if output == "name" {
        for s in rows {
            let name = if s.group.is_empty() {
                s.resource.to_string()
            } else {
                format!("{}.{}", s.resource, s.group)
            };
            stdout(&mut out, name);
        }
        return out;
    }
    let new_columns = api.kubectl().minor >= 20;
    let mut table: Vec<Vec<String>> = Vec::new();
    if !p.bool("no-headers") {
        let mut h = vec![
            "NAME",
            "SHORTNAMES",
            if new_columns { "APIVERSION" } else { "APIGROUP" },
            "NAMESPACED",
            "KIND",
        ];
        if output == "wide" {
            h.extend(["VERBS", "CATEGORIES"]);
        }
        table.push(h.into_iter().map(String::from).collect());
    }
    for s in rows {
        let mut r = vec![
            s.resource.to_string(),
            s.short_names.to_string(),
            if new_columns {
                s.group_version()
            } else {
                s.group.to_string()
            },
            s.namespaced.to_string(),
            s.kind.to_string(),
        ];
        if output == "wide" {
            r.push("[create delete deletecollection get list patch update watch]".into());
            r.push(String::new());
        }
        table.push(r);
    }
    for l in render(&table, api.kubectl().table_min_width) {
        stdout(&mut out, l);
    }
    out
}

pub(crate) fn api_versions(api: &mut dyn KubeApi, args: &[String]) -> CommandOutput {
    if let Err(e) = flags::parse(args, &[]) {
        return usage_error(api, "api-versions", &e);
    }
    let mut out = CommandOutput::default();
    for gv in api::group_versions(&api.cluster().version) {
        stdout(&mut out, gv);
    }
    out
}

pub(crate) fn cluster_info(api: &mut dyn KubeApi, args: &[String]) -> CommandOutput {
    if args.first().is_some_and(|a| a == "dump") {
        return fail(
            "kubedrill: `kubectl cluster-info dump` is not modelled (it prints every object and log of the cluster)",
        );
    }
    if let Err(e) = flags::parse(args, &[]) {
        return usage_error(api, "cluster-info", &e);
    }
    let url = endpoint(api);
    let mut out = CommandOutput::default();
    let cp = if api.kubectl().minor >= 20 {
        "Kubernetes control plane"
    } else {
        "Kubernetes master"
    };
    stdout(&mut out, format!("{cp} is running at {url}"));
    let dns = api
        .get(
            crate::model::objects::ResourceKind::Services,
            Some("kube-system"),
            "kube-dns",
        )
        .ok()
        .and_then(|o| o.metadata().labels.clone())
        .and_then(|l| l.get("kubernetes.io/name").cloned());
    if let Some(name) = dns {
        stdout(
            &mut out,
            format!("{name} is running at {url}/api/v1/namespaces/kube-system/services/kube-dns:dns/proxy"),
        );
    }
    stdout(&mut out, "");
    stdout(
        &mut out,
        "To further debug and diagnose cluster problems, use 'kubectl cluster-info dump'.",
    );
    out
}

/// `kubectl top`: kubeadm installs no metrics-server, so the Metrics API is not there.
pub(crate) fn top(api: &mut dyn KubeApi, args: &[String]) -> CommandOutput {
    match args.iter().find(|a| !a.starts_with('-')).map(String::as_str) {
        Some("node" | "nodes" | "no" | "pod" | "pods" | "po") => fail("error: Metrics API not available"),
        Some(other) => fail(format!("error: unknown command \"{other}\" for \"kubectl top\"")),
        None => usage_error(api, "top", "Required resource not specified."),
    }
}

pub(crate) fn config(api: &mut dyn KubeApi, args: &[String]) -> CommandOutput {
    let Some((sub, rest)) = args.split_first() else {
        return usage_error(api, "config", "unknown command \"\" for \"kubectl config\"");
    };
    let mut out = CommandOutput::default();
    match sub.as_str() {
        "current-context" => stdout(&mut out, CONTEXT),
        "get-contexts" => {
            let names: Vec<&String> = rest.iter().filter(|a| !a.starts_with('-')).collect();
            if let Some(n) = names.iter().find(|n| n.as_str() != CONTEXT) {
                return fail(format!("error: context {n} not found"));
            }
            let rows = vec![
                ["CURRENT", "NAME", "CLUSTER", "AUTHINFO", "NAMESPACE"]
                    .map(String::from)
                    .to_vec(),
                ["*", CONTEXT, "kubernetes", "kubernetes-admin", ""]
                    .map(String::from)
                    .to_vec(),
            ];
            for l in render(&rows, 6) {
                stdout(&mut out, l);
            }
        }
        "get-clusters" => {
            stdout(&mut out, "NAME");
            stdout(&mut out, "kubernetes");
        }
        "use-context" => match rest.iter().find(|a| !a.starts_with('-')) {
            Some(c) if c == CONTEXT => stdout(&mut out, format!("Switched to context \"{c}\".")),
            Some(c) => return fail(format!("error: no context exists with the name: \"{c}\"")),
            None => return usage_error(api, "config use-context", "Unexpected args: []"),
        },
        "view" => {
            let raw = rest.iter().any(|a| a == "--raw");
            let data = if raw {
                "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUMvakNDQWVhZ0F3SUJBZ0lCQURBTkJna3Foa2lHOXcwQkFRc0ZBREFWTVJNd0VRWURWUVFERXdwcmRXSmwKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo="
            } else {
                "DATA+OMITTED"
            };
            let text = format!(
                "apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: {data}\n    server: {}\n  name: kubernetes\ncontexts:\n- context:\n    cluster: kubernetes\n    user: kubernetes-admin\n  name: {CONTEXT}\ncurrent-context: {CONTEXT}\nkind: Config\npreferences: {{}}\nusers:\n- name: kubernetes-admin\n  user:\n    client-certificate-data: {data}\n    client-key-data: {data}",
                endpoint(api)
            );
            for l in text.lines() {
                stdout(&mut out, l);
            }
        }
        other => {
            return fail(format!(
                "kubedrill: `kubectl config {other}` is not modelled (modelled: view, current-context, get-contexts, get-clusters, use-context); the kubeconfig is kubeadm's admin.conf with one context"
            ));
        }
    }
    out
}

/// `kubectl auth can-i VERB RESOURCE`: kubeadm's admin is in `system:masters` (before 1.29)
/// or bound to `cluster-admin`, so it may do everything; an impersonated service account
/// has no rights beyond discovery.
pub(crate) fn auth(api: &mut dyn KubeApi, args: &[String]) -> CommandOutput {
    const SPECS: &[flags::Spec] = &[
        flag("as", None, Kind::Str),
        flag("as-group", None, Kind::List),
        flag("all-namespaces", Some('A'), Kind::Bool),
        flag("list", None, Kind::Bool),
        flag("quiet", Some('q'), Kind::Bool),
        flag("subresource", None, Kind::Str),
        flag("no-headers", None, Kind::Bool),
    ];
    let p = match flags::parse(args, SPECS) {
        Ok(p) => p,
        Err(e) => return usage_error(api, "auth can-i", &e),
    };
    let mut words = p.positional.iter();
    match words.next().map(String::as_str) {
        Some("can-i") => {}
        Some("whoami") if api.kubectl().minor >= 27 => {
            let mut out = CommandOutput::default();
            for l in render(
                &[
                    vec!["ATTRIBUTE".into(), "VALUE".into()],
                    vec!["Username".into(), "kubernetes-admin".into()],
                    vec![
                        "Groups".into(),
                        if api.kubectl().minor >= 29 {
                            "[kubeadm:cluster-admins system:authenticated]".into()
                        } else {
                            "[system:masters system:authenticated]".into()
                        },
                    ],
                ],
                6,
            ) {
                stdout(&mut out, l);
            }
            return out;
        }
        Some(other) => {
            return fail(format!(
                "kubedrill: `kubectl auth {other}` is not modelled (modelled: can-i, whoami)"
            ));
        }
        None => return usage_error(api, "auth", "unknown command \"\" for \"kubectl auth\""),
    }
    let admin = p.str("as").is_none_or(|a| a == "kubernetes-admin");
    let mut out = CommandOutput::default();
    if p.bool("list") {
        let rows: Vec<Vec<String>> = if admin {
            vec![
                vec![
                    "Resources".into(),
                    "Non-Resource URLs".into(),
                    "Resource Names".into(),
                    "Verbs".into(),
                ],
                vec!["*.*".into(), "[]".into(), "[]".into(), "[*]".into()],
                vec![String::new(), "[*]".into(), "[]".into(), "[*]".into()],
            ]
        } else {
            vec![
                vec![
                    "Resources".into(),
                    "Non-Resource URLs".into(),
                    "Resource Names".into(),
                    "Verbs".into(),
                ],
                vec![
                    "selfsubjectreviews.authentication.k8s.io".into(),
                    "[]".into(),
                    "[]".into(),
                    "[create]".into(),
                ],
                vec![
                    "selfsubjectaccessreviews.authorization.k8s.io".into(),
                    "[]".into(),
                    "[]".into(),
                    "[create]".into(),
                ],
                vec![
                    "selfsubjectrulesreviews.authorization.k8s.io".into(),
                    "[]".into(),
                    "[]".into(),
                    "[create]".into(),
                ],
                vec![String::new(), "[/api/*]".into(), "[]".into(), "[get]".into()],
                vec![String::new(), "[/api]".into(), "[]".into(), "[get]".into()],
                vec![String::new(), "[/healthz]".into(), "[]".into(), "[get]".into()],
                vec![String::new(), "[/version]".into(), "[]".into(), "[get]".into()],
            ]
        };
        for l in render(&rows, 6) {
            stdout(&mut out, l);
        }
        return out;
    }
    let (Some(verb), Some(resource)) = (words.next(), words.next()) else {
        return usage_error(
            api,
            "auth can-i",
            "you must specify two arguments: verb resource or verb resource/resourceName.",
        );
    };
    let word = resource.split('/').next().unwrap_or(resource);
    if verb != "*"
        && !matches!(
            verb.as_str(),
            "get"
                | "list"
                | "watch"
                | "create"
                | "update"
                | "patch"
                | "delete"
                | "deletecollection"
                | "use"
                | "bind"
                | "escalate"
                | "impersonate"
                | "approve"
                | "sign"
        )
    {
        crate::shell::output::stderr(&mut out, format!("Warning: verb '{verb}' is not a known verb\n"));
    }
    if word != "*"
        && crate::model::objects::ResourceKind::parse(word).is_none()
        && !api::served(&api.cluster().version)
            .iter()
            .any(|s| s.resource == word || s.short_names.split(',').any(|n| n == word))
    {
        crate::shell::output::stderr(
            &mut out,
            format!("Warning: the server doesn't have a resource type '{word}'\n"),
        );
    }
    if admin {
        if !p.bool("quiet") {
            stdout(&mut out, "yes");
        }
    } else {
        if !p.bool("quiet") {
            stdout(&mut out, "no");
        }
        out.status = 1;
    }
    out
}

/// `kubectl explain KIND[.field…]`: the fields of the modelled kinds, with their types.
pub(crate) fn explain(api: &mut dyn KubeApi, args: &[String]) -> CommandOutput {
    const SPECS: &[flags::Spec] = &[
        flag("recursive", None, Kind::Bool),
        flag("api-version", None, Kind::Str),
        flag("output", Some('o'), Kind::Str),
    ];
    let p = match flags::parse(args, SPECS) {
        Ok(p) => p,
        Err(e) => return usage_error(api, "explain", &e),
    };
    let Some(path) = p.positional.first() else {
        return usage_error(
            api,
            "explain",
            "You must specify the type of resource to explain. Use \"kubectl api-resources\" for a complete list of supported resources.",
        );
    };
    let mut parts = path.split('.');
    let word = parts.next().unwrap_or_default();
    let Some(kind) = crate::model::objects::ResourceKind::parse(word) else {
        return fail(format!("error: the server doesn't have a resource type \"{word}\""));
    };
    let fields: Vec<&str> = parts.collect();
    match super::explain::explain(kind, &fields, p.bool("recursive"), api.kubectl().minor) {
        Ok(lines) => {
            let mut out = CommandOutput::default();
            for l in lines {
                stdout(&mut out, l);
            }
            out
        }
        Err(e) => fail(e),
    }
}
