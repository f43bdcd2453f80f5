//! The raw system call, for callers that need arguments the safe wrappers
//! do not offer (a stack, TLS, `CLONE_PIDFD`, ...).

use std::io;
use std::ptr;

use libc::{c_int, c_long, c_ulong, c_void, pid_t};

/// `__NR_clone_with_pids`: 463 on x86_64 (and on i386 for 32-bit callers).
///
/// `None` where the number is not known, so every call fails with ENOSYS.
#[cfg(target_arch = "x86_64")]
pub const SYS_CLONE_WITH_PIDS: Option<c_long> = Some(463);
/// `__NR_clone_with_pids`: unknown on this architecture.
#[cfg(not(target_arch = "x86_64"))]
pub const SYS_CLONE_WITH_PIDS: Option<c_long> = None;

/// `struct target_pid_set` of `<linux/clone_with_pids.h>`, in the caller's
/// own layout (the kernel reads the 64-bit and the 32-bit one alike).
#[repr(C)]
#[derive(Debug)]
pub struct TargetPidSet {
    /// Number of entries in `target_pids`.
    pub num_pids: c_int,
    /// The wanted pids, oldest namespace first, 0 = any.
    pub target_pids: *mut pid_t,
}

impl TargetPidSet {
    /// The raw view of `pids`, valid while `pids` is alive and unmoved.
    pub fn new(pids: &[pid_t]) -> Self {
        Self {
            // A slice never exceeds MAX_PIDS entries when it comes from a
            // PidSet; anything larger is the kernel's to refuse (EINVAL).
            num_pids: c_int::try_from(pids.len()).unwrap_or(c_int::MAX),
            target_pids: if pids.is_empty() {
                ptr::null_mut()
            } else {
                // The kernel only reads through this pointer.
                pids.as_ptr().cast_mut()
            },
        }
    }
}

/// `syscall(__NR_clone_with_pids, flags, stack, parent_tid, child_tid, tls,
/// pid_set)`: returns the child's pid in the parent, 0 in the child.
///
/// Errors come back as [`io::Error`] from errno, except one translation: on
/// kernels 6.13 and later without the series, 463 is `setxattrat()`, which
/// refuses a sixth argument larger than a page (any pointer) with E2BIG
/// before touching anything. `clone_with_pids()` itself never returns
/// E2BIG, so it is reported as ENOSYS ("this kernel has no
/// clone_with_pids"). Pass a non-null `pid_set` for that to work: with a
/// null one such kernels answer EINVAL.
///
/// # Safety
///
/// Everything `clone(2)` requires for these arguments: with `CLONE_VM` a
/// valid stack that the child may own, valid `parent_tid`/`child_tid`/`tls`
/// for the flags that use them, and, when the caller has more than one
/// thread, only async-signal-safe calls in the child until it execs or
/// exits. `pid_set` must be null or point to a valid [`TargetPidSet`].
pub unsafe fn clone_with_pids(
    flags: c_ulong,
    stack: *mut c_void,
    parent_tid: *mut c_int,
    child_tid: *mut c_int,
    tls: c_ulong,
    pid_set: *const TargetPidSet,
) -> io::Result<pid_t> {
    let Some(nr) = SYS_CLONE_WITH_PIDS else {
        return Err(io::Error::from_raw_os_error(libc::ENOSYS));
    };
    // SAFETY: the caller upholds clone(2)'s rules for these arguments.
    let ret = unsafe { libc::syscall(nr, flags, stack, parent_tid, child_tid, tls, pid_set) };
    if ret < 0 {
        let err = io::Error::last_os_error();
        if err.raw_os_error() == Some(libc::E2BIG) {
            return Err(io::Error::from_raw_os_error(libc::ENOSYS));
        }
        return Err(err);
    }
    // A pid always fits pid_t; the kernel returns nothing larger.
    Ok(ret as pid_t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::{offset_of, size_of};

    #[test]
    fn layout_matches_the_uapi_header() {
        // int num_pids; then a pointer, naturally aligned.
        assert_eq!(offset_of!(TargetPidSet, num_pids), 0);
        assert_eq!(
            offset_of!(TargetPidSet, target_pids),
            size_of::<*mut pid_t>()
        );
        assert_eq!(size_of::<TargetPidSet>(), 2 * size_of::<*mut pid_t>());
    }

    #[test]
    fn empty_set_passes_a_null_array() {
        let raw = TargetPidSet::new(&[]);
        assert_eq!(raw.num_pids, 0);
        assert!(raw.target_pids.is_null());
        let pids = [0, 5];
        let raw = TargetPidSet::new(&pids);
        assert_eq!(raw.num_pids, 2);
        assert_eq!(raw.target_pids.cast_const(), pids.as_ptr());
    }
}
