//! The `kubedrill` command. All IO lives here and in `kubedrill::cli`; the model is sans-IO.

use std::process::ExitCode;

// The simulator allocates and frees small objects (pods, names, trace records, parsed
// lines) at a high rate; mimalloc does that in a fraction of glibc malloc's instructions.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (its place in `mi_option_e`, mimalloc.h of the v3
/// sources the locked `libmimalloc-sys` builds; the test below checks its default).
const MI_OPTION_PURGE_DELAY: std::ffi::c_int = 15;

unsafe extern "C" {
    fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
}

/// Keeps freed memory for reuse instead of handing it back to the OS a second later. A drain
/// or upgrade frees and allocates pods by the thousand: each purge made the kernel zero the
/// pages again at the next allocation (a fifth of a 5,000-node sweep's wall-clock time went
/// to clearing pages). `MIMALLOC_PURGE_DELAY` in the environment still decides if set.
fn keep_freed_memory() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: plain option calls into the allocator this binary links; the option is
        // read at each purge decision, so setting it at start takes effect.
        unsafe { mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
    }
}

fn main() -> ExitCode {
    keep_freed_memory();
    kubedrill::cli::main()
}

#[cfg(test)]
mod tests {
    use super::*;

    unsafe extern "C" {
        fn mi_option_get(option: std::ffi::c_int) -> std::ffi::c_long;
    }

    // The option index is mimalloc's enum order: its default (1,000 ms in the v3 sources'
    // options table) is where we look, and a set is read back, so a mimalloc that moved the
    // option fails here.
    #[test]
    fn the_purge_delay_option_is_where_we_set_it() {
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
            return;
        }
        unsafe {
            assert_eq!(
                mi_option_get(MI_OPTION_PURGE_DELAY),
                1000,
                "mimalloc's default purge delay"
            );
            keep_freed_memory();
            assert_eq!(mi_option_get(MI_OPTION_PURGE_DELAY), -1);
        }
    }
}
