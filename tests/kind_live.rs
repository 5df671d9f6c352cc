//! The kind backend against a real kind cluster: a scenario replayed end to end and compared
//! step by step. It runs only where `kind version` and `docker info` succeed (and kubectl is
//! on PATH); anywhere else it prints `SKIPPED kind_live: <why>` to the terminal and passes
//! without claiming anything. A run pulls node images and takes several minutes.

use std::io::Write as _;
use std::process::Command;

fn say(line: &str) {
    // Straight to the terminal: libtest captures print!, and a skip must be seen.
    let _ = std::io::stderr().lock().write_all(format!("{line}\n").as_bytes());
}

/// Why a live run cannot happen here, if it cannot.
fn unavailable() -> Option<String> {
    let works = |program: &str, args: &[&str]| {
        Command::new(program)
            .args(args)
            .output()
            .map_err(|e| format!("`{program}` cannot run ({e})"))
            .and_then(|o| {
                if o.status.success() {
                    Ok(())
                } else {
                    Err(format!(
                        "`{program} {}` failed: {}",
                        args.join(" "),
                        String::from_utf8_lossy(&o.stderr).lines().next().unwrap_or("")
                    ))
                }
            })
    };
    works("kind", &["version"])
        .and_then(|()| works("docker", &["info", "--format", "{{.ServerVersion}}"]))
        .and_then(|()| works("kubectl", &["version", "--client"]))
        .err()
}

#[test]
fn a_drain_under_a_budget_replayed_on_kind_agrees_with_the_simulator() {
    if let Some(why) = unavailable() {
        say(&format!(
            "SKIPPED kind_live: {why}; the kind backend was not run against a real cluster"
        ));
        return;
    }
    let out = Command::new(env!("CARGO_BIN_EXE_kubedrill"))
        .args([
            "run",
            "scenarios/maintenance/07-pdb-one-at-a-time.yaml",
            "--backend",
            "kind",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    say(&format!("kind_live transcript:\n{stdout}\n{stderr}"));
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains("# kind backend: agrees (before step 1"), "{stdout}");
    assert!(!stdout.contains("DISAGREES"), "{stdout}");
    assert!(stderr.contains("kind backend: deleting the cluster"), "{stderr}");
}
