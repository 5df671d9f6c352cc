//! The fuzz smoke test on stable: every file of the committed corpora (`fuzz/corpus/TARGET/`)
//! goes through the same function its fuzz target calls (`kubedrill::fuzzing`). The corpora
//! hold the seeds and what fuzzing kept (inputs that reached new code, and every crash found,
//! once fixed), so a regression of any of them fails here without nightly or libFuzzer.
//!
//! See: issue 17.

use std::path::Path;

#[test]
fn every_corpus_input_runs_through_its_target() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    for (target, body) in kubedrill::fuzzing::TARGETS {
        let dir = corpus.join(target);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .flatten()
            .map(|e| e.path())
            .collect();
        files.sort();
        assert!(!files.is_empty(), "{target}: an empty corpus tests nothing");
        for file in files {
            let data = std::fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            let outcome = std::panic::catch_unwind(|| body(&data));
            assert!(outcome.is_ok(), "{target}: {} fails", file.display());
        }
    }
}
