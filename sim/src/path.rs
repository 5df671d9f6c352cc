//! POSIX path helpers shared by the model's files and the shell (no filesystem here).

/// Normalises `a/./b/../c` and trailing slashes; relative paths are the caller's job.
pub fn normalize(path: &str) -> String {
    normalized(path).into_owned()
}

/// [`normalize`], borrowing `path` when it is already normal: a lookup by path (most of them
/// are) then allocates nothing.
pub fn normalized(path: &str) -> std::borrow::Cow<'_, str> {
    if is_normal(path) {
        return std::borrow::Cow::Borrowed(path);
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
    std::borrow::Cow::Owned(format!("/{}", parts.join("/")))
}

/// Already what `normalize` makes: absolute, no empty, `.` or `..` part, no trailing slash.
/// Most paths the model hands around are, so they skip the split and the join.
/// One pass over the bytes: each `/` must start a part that is not empty, `.` or `..`.
fn is_normal(path: &str) -> bool {
    if path == "/" {
        return true;
    }
    let b = path.as_bytes();
    if b.first() != Some(&b'/') {
        return false;
    }
    let part_end = |i: usize| b.get(i).is_none_or(|&c| c == b'/');
    b.iter().enumerate().all(|(i, &c)| {
        c != b'/'
            || !(part_end(i + 1)
                || (b.get(i + 1) == Some(&b'.')
                    && (part_end(i + 2) || (b.get(i + 2) == Some(&b'.') && part_end(i + 3)))))
    })
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
    use super::{is_normal, normalize};

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

    #[test]
    fn is_normal_is_what_normalize_leaves_alone() {
        for path in [
            "/", "", "/a", "/a/", "//", "/.", "/..", "/...", "/a/.", "/a/..", "/a/.b", "/a/..b", "/a/b.", "/a/b..",
            "/a//b", "/a/./b", "/a/../b", "a", "./a", "/a/b/c", "/.a", "/..a/",
        ] {
            assert_eq!(is_normal(path), normalize(path) == path, "{path:?}");
        }
    }
}
