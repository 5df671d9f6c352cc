//! Helpers shared by the lab tests: playing lines through a session as a terminal would show
//! them.

#![allow(dead_code, unreachable_pub)]

use kubedrill_labs::{Lab, Reply, Session};

/// Types `line` at the session's prompt and returns what a terminal shows: the prompt and the
/// line, then the reply.
pub fn type_line(session: &mut Session, line: &str) -> String {
    let mut out = format!("{}{line}\n", session.prompt());
    match session.input(line) {
        Reply::Output { text, .. } => out.push_str(&text),
        Reply::Edit { path, .. } => out.push_str(&format!("[editor opens {path}]\n")),
        Reply::Exit => out.push_str("[session ends]\n"),
    }
    out
}

/// Runs the lab's solution from a fresh start; returns the session and its transcript.
pub fn solve(lab: &Lab, seed: u64) -> (Session, String) {
    let mut s = Session::start(lab, seed).unwrap_or_else(|e| panic!("{}: {e}", lab.id));
    let mut transcript = String::new();
    for (host, line) in lab.solution_lines() {
        assert_eq!(
            s.sim().current_host(),
            host,
            "{}: the solution expects to type {line:?} on {host}",
            lab.id
        );
        transcript.push_str(&type_line(&mut s, &line));
    }
    (s, transcript)
}

pub fn lab(id: &str) -> Lab {
    kubedrill_labs::catalogue()
        .expect("the catalogue is valid")
        .into_iter()
        .find(|l| l.id == id)
        .unwrap_or_else(|| panic!("no lab {id}"))
}
