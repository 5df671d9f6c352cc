//! POSIX path helpers shared by the model's files and the shell (no filesystem here).

/// Normalises `a/./b/../c` and trailing slashes; relative paths are the caller's job.
pub fn normalize(path: &str) -> String {
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
