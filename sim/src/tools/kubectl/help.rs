//! `kubectl --help` and `kubectl COMMAND --help`: the pages kubectl 1.31 prints, for every
//! kubectl from 1.27 (the pages changed little across 1.27–1.33; older releases keep the
//! short usage the model had before). Captured from the real binary's output, like the
//! transcripts the tools are checked against: the top level, 31 commands and the subcommands
//! of rollout, set, create, config, top and auth that the labs use.

/// The page for `kubectl COMMAND [SUBCOMMAND] --help` (`""`: `kubectl --help`; `"rollout
/// status"`), if there is one.
pub(crate) fn page(command: &str) -> Option<&'static str> {
    Some(match command {
        "" => include_str!("help/kubectl.txt"),
        "annotate" => include_str!("help/annotate.txt"),
        "api-resources" => include_str!("help/api-resources.txt"),
        "api-versions" => include_str!("help/api-versions.txt"),
        "apply" => include_str!("help/apply.txt"),
        "auth" => include_str!("help/auth.txt"),
        "auth can-i" => include_str!("help/auth_can-i.txt"),
        "cluster-info" => include_str!("help/cluster-info.txt"),
        "config" => include_str!("help/config.txt"),
        "config current-context" => include_str!("help/config_current-context.txt"),
        "config get-contexts" => include_str!("help/config_get-contexts.txt"),
        "config use-context" => include_str!("help/config_use-context.txt"),
        "config view" => include_str!("help/config_view.txt"),
        "cordon" => include_str!("help/cordon.txt"),
        "create" => include_str!("help/create.txt"),
        "create configmap" => include_str!("help/create_configmap.txt"),
        "create deployment" => include_str!("help/create_deployment.txt"),
        "create secret" => include_str!("help/create_secret.txt"),
        "delete" => include_str!("help/delete.txt"),
        "describe" => include_str!("help/describe.txt"),
        "drain" => include_str!("help/drain.txt"),
        "edit" => include_str!("help/edit.txt"),
        "events" => include_str!("help/events.txt"),
        "explain" => include_str!("help/explain.txt"),
        "expose" => include_str!("help/expose.txt"),
        "get" => include_str!("help/get.txt"),
        "label" => include_str!("help/label.txt"),
        "logs" => include_str!("help/logs.txt"),
        "patch" => include_str!("help/patch.txt"),
        "replace" => include_str!("help/replace.txt"),
        "rollout" => include_str!("help/rollout.txt"),
        "rollout history" => include_str!("help/rollout_history.txt"),
        "rollout pause" => include_str!("help/rollout_pause.txt"),
        "rollout restart" => include_str!("help/rollout_restart.txt"),
        "rollout resume" => include_str!("help/rollout_resume.txt"),
        "rollout status" => include_str!("help/rollout_status.txt"),
        "rollout undo" => include_str!("help/rollout_undo.txt"),
        "run" => include_str!("help/run.txt"),
        "scale" => include_str!("help/scale.txt"),
        "set" => include_str!("help/set.txt"),
        "set env" => include_str!("help/set_env.txt"),
        "set image" => include_str!("help/set_image.txt"),
        "set resources" => include_str!("help/set_resources.txt"),
        "taint" => include_str!("help/taint.txt"),
        "top" => include_str!("help/top.txt"),
        "top node" => include_str!("help/top_node.txt"),
        "top pod" => include_str!("help/top_pod.txt"),
        "uncordon" => include_str!("help/uncordon.txt"),
        "version" => include_str!("help/version.txt"),
        "wait" => include_str!("help/wait.txt"),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_page_starts_with_its_summary_and_names_its_usage() {
        assert!(page("").is_some_and(|p| p.starts_with("kubectl controls the Kubernetes cluster manager.")));
        let drain = page("drain").expect("drain has a page");
        assert!(drain.starts_with("Drain node in preparation for maintenance."));
        assert!(drain.contains("Usage:\n  kubectl drain NODE [options]"));
        for c in ["cordon", "uncordon", "get", "describe", "delete", "rollout", "taint"] {
            assert!(page(c).is_some_and(|p| p.contains(&format!("kubectl {c}"))), "{c}");
        }
        assert!(page("rollout status").is_some_and(|p| p.starts_with("Show the status of the rollout.")));
        assert_eq!(page("nosuch"), None);
    }
}
