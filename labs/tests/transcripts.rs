//! Whole sessions as the terminal shows them: the prompt and each typed line, the reply, and
//! `check` at the end. A change in any command's output, a prompt, a grade or a detail shows
//! up here as a diff to review.

mod common;

use common::{lab, solve, type_line};

/// The lab's solution, then `check` (and `map` where it tells something).
fn transcript(id: &str, extra: &[&str]) -> String {
    let l = lab(id);
    let (mut s, mut t) = solve(&l, l.default_seed());
    for line in extra.iter().chain(&["check"]) {
        t.push_str(&type_line(&mut s, line));
    }
    t
}

#[test]
fn os_rolling_patch() {
    insta::assert_snapshot!(transcript("os-rolling-patch", &[]));
}

#[test]
fn drain_pdb_blocked() {
    insta::assert_snapshot!(transcript("drain-pdb-blocked", &[]));
}

#[test]
fn version_skew_trap() {
    insta::assert_snapshot!(transcript("version-skew-trap", &[]));
}

#[test]
fn etcd_restore() {
    insta::assert_snapshot!(transcript("etcd-restore", &["map"]));
}

#[test]
fn etcd_quorum_lost() {
    insta::assert_snapshot!(transcript("etcd-quorum-lost", &["map"]));
}

#[test]
fn a_first_attempt_that_goes_wrong() {
    // Goal: what a student sees when the drain is blocked and they reach for --force
    // without reading the task: the guard objectives fail and say why.
    let l = lab("drain-keep-bare-pod");
    let mut s = kubedrill_labs::Session::start(&l, l.default_seed()).unwrap();
    let mut t = String::new();
    for line in [
        "kubectl drain node01 --ignore-daemonsets",
        "hint",
        "kubectl drain node01 --ignore-daemonsets --force",
        "check",
    ] {
        t.push_str(&type_line(&mut s, line));
    }
    insta::assert_snapshot!(t);
}
