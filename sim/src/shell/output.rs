//! Appending lines to a [`CommandOutput`]: every tool prints through these.

use super::{Chunk, CommandOutput, Stream};

pub(crate) fn line(out: &mut CommandOutput, stream: Stream, text: impl Into<String>) {
    let mut text = text.into();
    text.push('\n');
    out.chunks.push(Chunk { stream, text });
}

/// A line that already ends in a newline (hot paths format it in one allocation).
pub(crate) fn raw(out: &mut CommandOutput, stream: Stream, text: String) {
    debug_assert!(text.ends_with('\n'));
    out.chunks.push(Chunk { stream, text });
}

/// The pieces as one string, sized once (std's `concat` measured twice as costly on the
/// lines a drain prints for every pod).
pub(crate) fn joined(parts: &[&str]) -> String {
    let mut text = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for part in parts {
        text.push_str(part);
    }
    text
}

pub(crate) fn stdout(out: &mut CommandOutput, text: impl Into<String>) {
    line(out, Stream::Stdout, text);
}

pub(crate) fn stderr(out: &mut CommandOutput, text: impl Into<String>) {
    line(out, Stream::Stderr, text);
}
