//! Rewind: `undo`, `history`, `rewind N`, `branch` and `timelines` give back exactly the state
//! a fresh session reaches with the same lines, and a mock exam refuses all of them.

mod common;

use common::{lab, type_line};
use kubedrill_labs::{Reply, Session};
use kubedrill_sim::trace;

/// Everything a student (or a grader) could tell two sessions apart by.
#[derive(Debug, PartialEq, Eq)]
struct Fingerprint {
    trace_digest: u64,
    trace_len: usize,
    now_ms: u64,
    prompt: String,
    map: String,
    grade: String,
    violations: usize,
}

fn fingerprint(s: &Session) -> Fingerprint {
    let sim = s.sim();
    let mut grade = s.grade();
    // Hints and the solution are the student's record, not the cluster's state.
    grade.hints_used = 0;
    grade.solution_viewed = false;
    Fingerprint {
        trace_digest: trace::digest(sim.trace()),
        trace_len: sim.trace().len(),
        now_ms: sim.now().ms(),
        prompt: s.prompt(),
        map: s.map(),
        grade: grade.to_string(),
        violations: sim.violations().len(),
    }
}

fn text(r: Reply) -> (String, i32) {
    match r {
        Reply::Output { text, status } => (text, status),
        other => panic!("expected output, got {other:?}"),
    }
}

fn started(l: &kubedrill_labs::Lab, replay_only: bool) -> Session {
    let s = Session::start(l, l.default_seed()).unwrap();
    if replay_only { s.replay_only() } else { s }
}

/// The state after each prefix of the lab's solution, from a fresh session typing it.
fn prefixes(id: &str) -> (Vec<String>, Vec<Fingerprint>) {
    let l = lab(id);
    let lines: Vec<String> = l.solution_lines().into_iter().map(|(_, line)| line).collect();
    let mut s = Session::start(&l, l.default_seed()).unwrap();
    let mut fps = vec![fingerprint(&s)];
    for line in &lines {
        type_line(&mut s, line);
        fps.push(fingerprint(&s));
    }
    (lines, fps)
}

#[test]
fn rewinding_to_any_step_gives_the_state_a_fresh_session_had_there() {
    // Goal: rewind is exact. Method: play a lab's whole solution, then rewind to every step from
    // the last to the first and compare with a fresh session that typed only the lines before
    // that step (trace digest, time, prompt, map, grade). Labs with many steps, ssh and waits;
    // with the copies kept along the timeline, and replaying from the start (`replay_only`),
    // which is what the copies stand in for.
    for (id, replay_only) in [
        ("drain-pdb-blocked", false),
        ("upgrade-cluster", false),
        ("upgrade-cluster", true),
        ("etcd-restore", true),
        ("etcd-quorum-lost", true),
        ("etcd-replace-member", false),
    ] {
        let (lines, fps) = prefixes(id);
        let l = lab(id);
        let mut s = started(&l, replay_only);
        for line in &lines {
            type_line(&mut s, line);
        }
        assert_eq!(fingerprint(&s), fps[lines.len()], "{id}: the full solution");
        for step in (1..=lines.len()).rev() {
            let (out, status) = text(s.input(&format!("rewind {step}")));
            assert_eq!(status, 0, "{id}: rewind {step}: {out}");
            assert_eq!(s.history().len(), step - 1, "{id}: rewind {step}");
            assert_eq!(fingerprint(&s), fps[step - 1], "{id}: rewind {step}");
        }
    }
}

#[test]
fn a_rewound_timeline_played_again_ends_where_the_first_play_ended() {
    // Goal: rewinding into the middle and typing the rest again (replayed from the start)
    // reaches the same end state. Also `history` numbers the steps with their virtual times.
    let id = "upgrade-cluster";
    let (lines, fps) = prefixes(id);
    let l = lab(id);
    let mut s = started(&l, true);
    for line in &lines {
        type_line(&mut s, line);
    }
    for back_to in [lines.len() / 2, 3, lines.len() - 1] {
        text(s.input(&format!("rewind {back_to}")));
        for line in &lines[back_to - 1..] {
            type_line(&mut s, line);
        }
        assert_eq!(
            fingerprint(&s),
            fps[lines.len()],
            "{id}: rewound to {back_to} and replayed"
        );
    }
    let (history, _) = text(s.input("history"));
    assert!(history.contains("1  +0s "), "{history}");
    let last = &s.history()[lines.len() - 1];
    assert!(last.at > s.started_at(), "the last step runs after virtual time passed");
    assert!(
        history.contains(&format!(
            "{}  +{}",
            lines.len(),
            last.at.saturating_sub(s.started_at()).go_string()
        )),
        "{history}"
    );
}

#[test]
fn undo_takes_back_exactly_the_last_command() {
    let l = lab("drain-bare-pod-force");
    let mut s = Session::start(&l, l.default_seed()).unwrap();
    let start = fingerprint(&s);
    let (out, status) = text(s.input("undo"));
    assert_eq!(status, 1, "nothing to take back: {out}");
    assert_eq!(fingerprint(&s), start, "a refused undo changes nothing");

    type_line(&mut s, "kubectl cordon node01");
    let cordoned = fingerprint(&s);
    type_line(&mut s, "kubectl drain node01 --ignore-daemonsets --force");
    assert!(s.grade().objectives[1].passed, "drained");
    // Lab commands are not steps: they are not taken back.
    type_line(&mut s, "check");
    type_line(&mut s, "map");
    let (out, status) = text(s.input("undo"));
    assert_eq!(status, 0, "{out}");
    assert!(out.contains("Took back step 2: kubectl drain node01"), "{out}");
    assert_eq!(fingerprint(&s), cordoned);
    assert!(
        !s.grade().objectives[1].passed,
        "grading sees the timeline as it is now"
    );
    text(s.input("undo"));
    assert_eq!(fingerprint(&s), start);
}

#[test]
fn a_branch_keeps_the_old_timeline_and_grading_follows_the_one_you_end_on() {
    // Goal: `branch` keeps a timeline to come back to; `timeline N` returns to it exactly; the
    // grade is the current timeline's.
    let l = lab("drain-bare-pod-force");
    let mut s = Session::start(&l, l.default_seed()).unwrap();
    type_line(&mut s, "kubectl drain node01 --ignore-daemonsets");
    // Graded as available only once the moved api pod is Ready again.
    type_line(
        &mut s,
        "kubectl drain node01 --ignore-daemonsets --force && kubectl rollout status deployment/api",
    );
    let solved = fingerprint(&s);
    assert_eq!(s.grade().score, 100);

    let (out, status) = text(s.input("branch 2"));
    assert_eq!(status, 0, "{out}");
    assert!(out.contains("Timeline 1 is kept as it was (2 steps)"), "{out}");
    assert_eq!(s.history().len(), 1, "the branch starts before step 2");
    type_line(&mut s, "kubectl uncordon node01");
    assert!(s.grade().score < 100, "the other path is graded: {}", s.grade());

    let (list, _) = text(s.input("timelines"));
    assert!(list.contains("  timeline 1: 2 steps"), "{list}");
    assert!(
        list.contains("* timeline 2: 2 steps, branched from timeline 1 after step 1, last: kubectl uncordon node01"),
        "{list}"
    );
    text(s.input("timeline 1"));
    assert_eq!(fingerprint(&s), solved, "timeline 1 is where it was");
    assert_eq!(s.grade().score, 100);
    text(s.input("timeline 2"));
    assert_eq!(
        s.history().last().map(|st| st.line.as_str()),
        Some("kubectl uncordon node01")
    );
}

/// `/root/notes.txt` on the control plane, read from the model's files.
fn notes(s: &Session) -> Option<String> {
    let c = s.sim().cluster();
    let id = c.node_id(s.sim().current_host())?;
    match c.node(id).fs.get("/root/notes.txt") {
        Some(kubedrill_sim::hostfs::Entry::Text(t)) => Some(t.clone()),
        _ => None,
    }
}

#[test]
fn edits_are_steps_and_are_replayed() {
    // Goal: a `vi FILE` step keeps the saved text across a rewind of a later step, and undoing
    // it removes the file again; from the copies and replayed.
    for replay_only in [false, true] {
        edit_then_undo(replay_only);
    }
}

fn edit_then_undo(replay_only: bool) {
    let l = lab("etcd-snapshot");
    let mut s = started(&l, replay_only);
    let path = match s.input("vi /root/notes.txt") {
        Reply::Edit { path, content } => {
            assert!(content.is_empty());
            path
        }
        other => panic!("{other:?}"),
    };
    text(s.finish_edit(&path, "drain first\n"));
    type_line(&mut s, "cat /root/notes.txt");
    assert_eq!(s.history().len(), 2);
    assert_eq!(
        s.history()[0].edit.as_ref().map(|e| e.text.as_str()),
        Some("drain first\n")
    );
    text(s.input("undo"));
    assert_eq!(notes(&s).as_deref(), Some("drain first\n"));
    let (history, _) = text(s.input("history"));
    assert!(history.contains("vi /root/notes.txt  (saved 1 lines)"), "{history}");
    text(s.input("undo"));
    assert_eq!(notes(&s), None);
}

#[test]
fn bad_rewind_arguments_are_refused_and_change_nothing() {
    let l = lab("drain-bare-pod-force");
    let mut s = Session::start(&l, l.default_seed()).unwrap();
    type_line(&mut s, "kubectl cordon node01");
    let before = fingerprint(&s);
    for (line, want) in [
        ("rewind", "which step?"),
        ("rewind 0", "no step 0: steps are 1 to 1"),
        ("rewind 9", "no step 9"),
        ("rewind x", "\"x\" is not a step number"),
        ("rewind 1 2", "too many arguments"),
        ("branch 5", "no step 5"),
        ("timeline 7", "no timeline 7: they are 1 to 1"),
        ("undo now", "takes no arguments"),
        ("history 3", "takes no arguments"),
    ] {
        let (out, status) = text(s.input(line));
        assert_ne!(status, 0, "{line}: {out}");
        assert!(out.contains(want), "{line}: {out}");
        assert_eq!(fingerprint(&s), before, "{line} changed the state");
        assert_eq!(s.timelines().len(), 1, "{line}");
    }
}

#[test]
fn timelines_are_bounded() {
    let l = lab("drain-bare-pod-force");
    let mut s = Session::start(&l, l.default_seed()).unwrap();
    for _ in 1..16 {
        assert_eq!(text(s.input("branch")).1, 0);
    }
    let (out, status) = text(s.input("branch"));
    assert_eq!(status, 1);
    assert!(out.contains("at most 16 timelines"), "{out}");
    assert_eq!(s.timelines().len(), 16);
}

#[test]
fn hints_seen_stay_seen_after_a_rewind() {
    let l = lab("drain-bare-pod-force");
    let mut s = Session::start(&l, l.default_seed()).unwrap();
    type_line(&mut s, "kubectl cordon node01");
    type_line(&mut s, "hint");
    text(s.input("rewind 1"));
    text(s.input("reset"));
    assert_eq!(s.grade().hints_used, 1);
}

#[test]
fn a_mock_exam_has_no_why_and_no_rewind() {
    let l = lab("drain-bare-pod-force");
    let mut s = Session::start(&l, l.default_seed()).unwrap().for_exam();
    type_line(&mut s, "kubectl cordon node01");
    let before = fingerprint(&s);
    for line in [
        "why",
        "why node01",
        "undo",
        "history",
        "rewind 1",
        "branch",
        "timelines",
        "timeline 1",
    ] {
        let (out, status) = text(s.input(line));
        assert_eq!(status, 1, "{line}: {out}");
        assert!(out.contains("not available in a mock exam"), "{line}: {out}");
        assert_eq!(fingerprint(&s), before, "{line}");
    }
    assert_eq!(s.history().len(), 1);
}

#[test]
fn a_session_changed_from_outside_refuses_to_go_back_but_still_explains() {
    let l = lab("drain-bare-pod-force");
    let mut s = Session::start(&l, l.default_seed())
        .unwrap()
        .without_rewind("a real kubectl changes this cluster too");
    type_line(&mut s, "kubectl cordon node01");
    let before = fingerprint(&s);
    for line in ["undo", "rewind 1", "branch", "timeline 1"] {
        let (out, status) = text(s.input(line));
        assert_eq!(status, 1, "{line}: {out}");
        assert!(out.contains("a real kubectl changes this cluster too"), "{line}: {out}");
        assert_eq!(fingerprint(&s), before, "{line}");
    }
    let (why, status) = text(s.input("why"));
    assert_eq!(status, 0, "{why}");
    let (history, _) = text(s.input("history"));
    assert!(history.contains("kubectl cordon node01"), "{history}");
}
