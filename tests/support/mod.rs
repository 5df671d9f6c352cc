//! What several test binaries need to run the `kubedrill` binary as a person would.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_kubedrill");

/// A fresh state directory (progress files land there) for one test of one binary.
pub(crate) fn state_dir(binary: &str, test: &str) -> PathBuf {
    let d = std::env::temp_dir()
        .join(format!("kubedrill-{binary}-tests"))
        .join(format!("{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// `kubedrill lab ARGS` with `input` piped in: (exit code, stdout, stderr).
pub(crate) fn lab(state: &Path, args: &[&str], input: impl AsRef<[u8]>) -> (i32, String, String) {
    let mut child = Command::new(BIN)
        .arg("lab")
        .args(args)
        .env("KUBEDRILL_STATE_DIR", state)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(input.as_ref())
        .expect("the session reads its input");
    let out = child.wait_with_output().expect("the binary ends");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
