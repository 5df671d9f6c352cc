//! The `kubedrill` command. All IO lives here and in `kubedrill::cli`; the model is sans-IO.

use std::process::ExitCode;

// The simulator allocates and frees small objects (pods, names, trace records, parsed
// lines) at a high rate; mimalloc does that in a fraction of glibc malloc's instructions.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    kubedrill::cli::main()
}
