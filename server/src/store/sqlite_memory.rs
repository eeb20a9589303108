//! Where SQLite's memory comes from: the same allocator as the rest of the server (mimalloc),
//! without SQLite's own statistics.
//!
//! A profile of the server under load spent about a sixth of its CPU in glibc's malloc and free
//! (SQLite's page cache and statements on five threads, and the server's own buffers), and SQLite
//! counted each allocation under one process-wide lock for statistics Tandem never reads, so its
//! threads woke one another for it. mimalloc keeps a heap per thread. Rust's allocations reach it
//! through `#[global_allocator]` in `main.rs`; SQLite's through `SQLITE_CONFIG_MALLOC` here. (The
//! crate's `override` feature would swap `malloc` itself, but libc would still free what it
//! allocated with its own, e.g. `realpath`'s result, through the wrong one.) It is built without
//! asking for transparent huge pages (`no_thp`): with them each thread's heap faulted in 2 MiB at
//! a time, zeroed by the kernel (9% of a profile's samples), and peak memory rose by 30–60 MiB.

use libmimalloc_sys::{mi_free, mi_malloc, mi_realloc, mi_usable_size};
use rusqlite::ffi;
use std::ffi::{c_int, c_void};

unsafe extern "C" fn alloc(n: c_int) -> *mut c_void {
    // SAFETY: SQLite asks for a positive size; mimalloc returns null when it cannot, as SQLite expects.
    unsafe { mi_malloc(n as usize) }
}

unsafe extern "C" fn free(p: *mut c_void) {
    // SAFETY: SQLite only frees what `alloc` or `realloc` gave it.
    unsafe { mi_free(p) }
}

unsafe extern "C" fn realloc(p: *mut c_void, n: c_int) -> *mut c_void {
    // SAFETY: as above.
    unsafe { mi_realloc(p, n as usize) }
}

unsafe extern "C" fn size(p: *mut c_void) -> c_int {
    // SAFETY: as above; an allocation SQLite made is under 2^31 bytes (its own limit).
    unsafe { mi_usable_size(p) as c_int }
}

extern "C" fn roundup(n: c_int) -> c_int {
    (n + 7) & !7
}

extern "C" fn init(_: *mut c_void) -> c_int {
    ffi::SQLITE_OK
}

extern "C" fn shutdown(_: *mut c_void) {}

/// For the server binary's `main`, first thing, before any thread could touch SQLite: SQLite's
/// allocator may only be set before its first use, and setting it while another thread is
/// initialising SQLite would mix two allocators. Library users and in-process tests don't call
/// it and keep the system allocator (a test that opened a database file while another test
/// opened a store crashed that way). Once SQLite is in use the call is refused and changes nothing.
pub fn configure() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let methods = ffi::sqlite3_mem_methods {
            xMalloc: Some(alloc),
            xFree: Some(free),
            xRealloc: Some(realloc),
            xSize: Some(size),
            xRoundup: Some(roundup),
            xInit: Some(init),
            xShutdown: Some(shutdown),
            pAppData: std::ptr::null_mut(),
        };
        // SAFETY: both options take the arguments given (SQLite copies the methods). sqlite3_config
        // must not run while another thread uses SQLite; `main` calls this before anything does.
        let refused = unsafe {
            ffi::sqlite3_config(ffi::SQLITE_CONFIG_MALLOC, &methods as *const ffi::sqlite3_mem_methods)
                | ffi::sqlite3_config(ffi::SQLITE_CONFIG_MEMSTATUS, 0 as c_int)
        };
        if refused != ffi::SQLITE_OK {
            tracing::debug!("SQLite was in use before the store opened; it keeps the system allocator");
        }
    });
}
