//! The server allocates with mimalloc (see `main.rs`), which keeps pages it freed for a while
//! in case they are wanted again and returns them as later allocations come by. After a bulk
//! import, which holds a whole body's lines and plans for seconds, that left a few hundred
//! megabytes resident until the next busy moment; the next import then started on top of them.
//! An export, page after page, leaves the same behind on a smaller scale.

/// Returns the memory the calling thread's heap freed, and any that idle threads left, to the
/// system now. Harmless where mimalloc is not the global allocator (the test binaries): its
/// heaps are then empty.
pub fn release_freed_memory() {
    // SAFETY: `mi_collect` takes no pointers and may be called from any thread at any time.
    unsafe { libmimalloc_sys::mi_collect(true) }
}
