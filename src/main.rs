//! The `kubedrill` command. All IO lives here and in `kubedrill::cli`; the model is sans-IO.

use std::process::ExitCode;

// The simulator allocates and frees small objects (pods, names, trace records, parsed
// lines) at a high rate; mimalloc does that in a fraction of glibc malloc's instructions.
#[global_allocator]
static ALLOCATOR: Mimalloc = Mimalloc;

/// mimalloc through its plain entry points. The `mimalloc` crate's allocator passes every
/// request through mimalloc's aligned path, which costs a fifth more per allocation; nearly
/// every Rust allocation asks for no more than the alignment every mimalloc block has.
struct Mimalloc;

/// Alignment every block from `mi_malloc` has, whatever its size: a pointer's (8 bytes on
/// 64-bit targets, 4 on 32-bit ones).
const PLAIN_ALIGN: usize = size_of::<usize>();

// SAFETY: each method forwards to the mimalloc call with the same contract; requests needing
// more than PLAIN_ALIGN go to the aligned calls, and mi_free takes blocks from either.
unsafe impl std::alloc::GlobalAlloc for Mimalloc {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        if layout.align() <= PLAIN_ALIGN {
            unsafe { libmimalloc_sys::mi_malloc(layout.size()).cast() }
        } else {
            unsafe { libmimalloc_sys::mi_malloc_aligned(layout.size(), layout.align()).cast() }
        }
    }

    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        if layout.align() <= PLAIN_ALIGN {
            unsafe { libmimalloc_sys::mi_zalloc(layout.size()).cast() }
        } else {
            unsafe { libmimalloc_sys::mi_zalloc_aligned(layout.size(), layout.align()).cast() }
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, _layout: std::alloc::Layout) {
        unsafe { libmimalloc_sys::mi_free(ptr.cast()) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new_size: usize) -> *mut u8 {
        if layout.align() <= PLAIN_ALIGN {
            unsafe { libmimalloc_sys::mi_realloc(ptr.cast(), new_size).cast() }
        } else {
            unsafe { libmimalloc_sys::mi_realloc_aligned(ptr.cast(), new_size, layout.align()).cast() }
        }
    }
}

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
