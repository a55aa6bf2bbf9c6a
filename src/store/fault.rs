//! Injected write failures: the test seam that proves writes are all-or-nothing.
//!
//! In debug builds (the binary the tests run), `BACKOUT_FAIL_WRITE=STEP:N[:KIND]` makes
//! the N-th operation of STEP fail: `stage` (writing a temporary file), `rename` (moving one
//! into place), `link` (keeping the file a rename replaces). KIND is `io` (default),
//! `readonly` (permission denied) or `full` (no space left). Release builds ignore it.

use std::io;

/// A step of a write that can fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Stage,
    Rename,
    Link,
}

/// Fails when the seam says this operation must.
#[cfg(debug_assertions)]
pub fn check(step: Step) -> io::Result<()> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static COUNTS: [AtomicUsize; 3] = [
        AtomicUsize::new(0),
        AtomicUsize::new(0),
        AtomicUsize::new(0),
    ];
    let Ok(spec) = std::env::var("BACKOUT_FAIL_WRITE") else {
        return Ok(());
    };
    let mut parts = spec.split(':');
    let (Some(name), Some(n)) = (parts.next(), parts.next()) else {
        return Ok(());
    };
    let wanted = match name {
        "stage" => Step::Stage,
        "rename" => Step::Rename,
        "link" => Step::Link,
        _ => return Ok(()),
    };
    let index = step as usize;
    let count = COUNTS[index].fetch_add(1, Ordering::SeqCst) + 1;
    if wanted != step || n.parse::<usize>().ok() != Some(count) {
        return Ok(());
    }
    Err(match parts.next() {
        Some("readonly") => io::Error::from(io::ErrorKind::PermissionDenied),
        Some("full") => io::Error::from(io::ErrorKind::StorageFull),
        _ => io::Error::other("injected failure (BACKOUT_FAIL_WRITE)"),
    })
}

/// Release builds have no seam.
#[cfg(not(debug_assertions))]
#[inline]
pub fn check(_step: Step) -> io::Result<()> {
    Ok(())
}
