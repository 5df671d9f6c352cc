//! The `kubedrill` command. All IO lives here and in `kubedrill::cli`; the model is sans-IO.

use std::process::ExitCode;

fn main() -> ExitCode {
    kubedrill::cli::main()
}
