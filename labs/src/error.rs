//! What can go wrong with a lab: a file that cannot be used (with its file, line and column),
//! or a setup that does not run as the lab says it does.

use std::fmt;

/// A lab that cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LabError {
    /// The lab file is not valid YAML, does not have the lab's shape, or says something that
    /// cannot be (a check on a node the cluster does not have, an unknown invariant, ...).
    #[error("{file}{}: {message}", Position(*.line, *.column))]
    File {
        file: String,
        /// 1-based; `None` when the problem has no place in the text (an empty file).
        line: Option<usize>,
        /// 1-based, in characters.
        column: Option<usize>,
        message: String,
    },
    /// The setup scenario failed when it ran (a command it expects to work did not): the lab
    /// is broken, not the student.
    #[error("lab {lab}: the setup failed: {message}")]
    Setup { lab: String, message: String },
}

impl LabError {
    pub(crate) fn file(file: &str, pos: Option<(usize, usize)>, message: impl Into<String>) -> Self {
        Self::File {
            file: file.to_string(),
            line: pos.map(|p| p.0),
            column: pos.map(|p| p.1),
            message: message.into(),
        }
    }

    /// The line the problem is on, if it has one.
    pub fn line(&self) -> Option<usize> {
        match self {
            Self::File { line, .. } => *line,
            Self::Setup { .. } => None,
        }
    }

    /// The column the problem is at, if it has one.
    pub fn column(&self) -> Option<usize> {
        match self {
            Self::File { column, .. } => *column,
            Self::Setup { .. } => None,
        }
    }

    /// What is wrong, without the place.
    pub fn message(&self) -> &str {
        match self {
            Self::File { message, .. } | Self::Setup { message, .. } => message,
        }
    }
}

/// `:line:col`, `:line` or nothing.
struct Position(Option<usize>, Option<usize>);

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.0, self.1) {
            (Some(line), Some(column)) => write!(f, ":{line}:{column}"),
            (Some(line), None) => write!(f, ":{line}"),
            _ => Ok(()),
        }
    }
}

/// yaml_serde's message without the ` at line L column C` it appends (the position goes in
/// front, as `file:line:col:`).
pub(crate) fn yaml_message(e: &yaml_serde::Error) -> String {
    let text = e.to_string();
    if let Some(i) = text.rfind(" at line ") {
        let tail = &text[i + " at line ".len()..];
        let well_formed = tail
            .split_once(" column ")
            .is_some_and(|(l, c)| l.bytes().all(|b| b.is_ascii_digit()) && c.bytes().all(|b| b.is_ascii_digit()));
        if well_formed {
            return text[..i].to_string();
        }
    }
    text
}
