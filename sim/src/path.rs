//! POSIX path helpers shared by the model's files and the shell (no filesystem here).

/// Normalises `a/./b/../c` and trailing slashes; relative paths are the caller's job.
pub fn normalize(path: &str) -> String {
    if is_normal(path) {
        return path.to_string();
    }
    let mut parts: Vec<&str> = Vec::new();
    for p in path.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

/// Already what `normalize` makes: absolute, no empty, `.` or `..` part, no trailing slash.
/// Most paths the model hands around are, so they skip the split and the join.
fn is_normal(path: &str) -> bool {
    if path == "/" {
        return true;
    }
    let Some(rest) = path.strip_prefix('/') else {
        return false;
    };
    rest.split('/').all(|p| !matches!(p, "" | "." | ".."))
}

pub fn parent(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) => "/",
        Some(i) => &path[..i],
        None => "/",
    }
}

pub fn base(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn normal_paths_come_back_as_they_are_and_others_are_normalised() {
        for (input, want) in [
            ("/", "/"),
            ("/etc/kubernetes/manifests", "/etc/kubernetes/manifests"),
            ("/etc/", "/etc"),
            ("//etc//kubernetes", "/etc/kubernetes"),
            ("/etc/./kubernetes/.", "/etc/kubernetes"),
            ("/etc/kubernetes/../hosts", "/etc/hosts"),
            ("/..", "/"),
            ("/a/..b/.c", "/a/..b/.c"),
            ("etc/hosts", "/etc/hosts"),
            ("", "/"),
        ] {
            assert_eq!(normalize(input), want, "{input:?}");
        }
    }
}
