//! `kubectl --help` and `kubectl COMMAND --help`: the pages kubectl 1.31 prints, for every
//! kubectl from 1.27 (the pages changed little across 1.27–1.33; older releases keep the
//! short usage the model had before). Captured from the real binary's output, like the
//! transcripts the tools are checked against. Subcommands (`rollout status --help`) have no
//! page here.

/// The page for `kubectl COMMAND --help` (`""`: `kubectl --help`), if there is one.
pub(crate) fn page(command: &str) -> Option<&'static str> {
    Some(match command {
        "" => include_str!("help/kubectl.txt"),
        "annotate" => include_str!("help/annotate.txt"),
        "api-resources" => include_str!("help/api-resources.txt"),
        "api-versions" => include_str!("help/api-versions.txt"),
        "apply" => include_str!("help/apply.txt"),
        "auth" => include_str!("help/auth.txt"),
        "cluster-info" => include_str!("help/cluster-info.txt"),
        "config" => include_str!("help/config.txt"),
        "cordon" => include_str!("help/cordon.txt"),
        "create" => include_str!("help/create.txt"),
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
        "run" => include_str!("help/run.txt"),
        "scale" => include_str!("help/scale.txt"),
        "set" => include_str!("help/set.txt"),
        "taint" => include_str!("help/taint.txt"),
        "top" => include_str!("help/top.txt"),
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
        assert_eq!(page("nosuch"), None);
    }
}
