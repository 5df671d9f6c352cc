//! Writing to the terminal without panicking.
//!
//! `println!` panics when standard output is a closed pipe (`kubedrill validate … | head -1`);
//! these macros return the error instead, so it travels up to `cli::main`, which treats a broken
//! pipe as success, as ripgrep does: the reader has seen all it wanted. Messages to standard
//! error ignore a failure to write: there is nowhere left to report it, and the command's own
//! outcome (its exit status, a lab's saved progress) must not depend on it.

/// `writeln!` to standard output: `io::Result<()>`.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout(), $($arg)*)
    }};
}

/// `write!` to standard output, flushed (a prompt or a reply must show before the next read):
/// `io::Result<()>`.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let mut stdout = std::io::stdout();
        write!(stdout, $($arg)*).and_then(|()| stdout.flush())
    }};
}

/// `eprintln!` that never panics.
macro_rules! errln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

/// `eprint!` that never panics.
macro_rules! err {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stderr(), $($arg)*);
    }};
}

pub(crate) use {err, errln, out, outln};

/// Whether `e` (or an error it wraps) is a write to a closed pipe, also through serde_json.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    let broken = Some(std::io::ErrorKind::BrokenPipe);
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>().map(std::io::Error::kind) == broken
            || c.downcast_ref::<serde_json::Error>()
                .and_then(serde_json::Error::io_error_kind)
                == broken
    })
}
