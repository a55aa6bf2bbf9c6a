//! Ending the process without freeing what it built.
//!
//! Freeing a corpus of 10,000 manifests, its vocabulary and 10,000 plan reports is millions
//! of small `free` calls, on one thread, after the output is written: a sixth of a one-plan
//! run once was spent there. The operating system takes the whole heap back at exit at
//! once, so the binary, whose process ends when the command returns, asks for big values
//! to be left alone instead (`leak_at_exit`). A library caller that does not ask gets every
//! value dropped as usual.
//!
//! Only values whose drop frees memory and nothing else are handed to `discard`: nothing
//! that removes a temporary file, releases a lock, restores a terminal or flushes output.
//! Open file descriptors and libgit2 handles inside them are closed by the exit itself.

use std::sync::atomic::{AtomicBool, Ordering};

static LEAK: AtomicBool = AtomicBool::new(false);

/// Called by the binary: values passed to `discard` from now on are not freed, because the
/// process ends right after the command.
pub fn leak_at_exit() {
    LEAK.store(true, Ordering::Relaxed);
}

/// Drops `value`, or, once `leak_at_exit` was called, leaves its memory to the end of the
/// process (on purpose: `std::mem::forget`).
pub fn discard<T>(value: T) {
    if LEAK.load(Ordering::Relaxed) {
        std::mem::forget(value);
    } else {
        drop(value);
    }
}
