//! The raw system call, for callers that need arguments the safe wrappers
//! do not offer (a stack, TLS, `CLONE_PIDFD`, ...).

use std::io;
use std::ptr;

use libc::{c_int, c_long, c_ulong, c_void};
use rustix::process::RawPid;

use crate::detect;

/// `__NR_clone_with_pids`: the system call's number in the clone_with_pids
/// series (v2), the same table number on every architecture (x32 adds its
/// ABI bit; on MIPS the crate does not call it: see the [crate docs](crate)).
///
/// Not a mainline number: it was the next one free after the highest that
/// any mainline release had assigned, and it must move again on merge. The
/// crate therefore only calls it on a kernel that has the series, found
/// out as the [crate docs](crate) describe; this is the one place the
/// crate states it.
pub const SYS_CLONE_WITH_PIDS: c_long = 472;

/// `struct target_pid_set` of `<linux/clone_with_pids.h>`, in the caller's
/// own layout (the kernel reads the 64-bit and the 32-bit one alike).
#[repr(C)]
#[derive(Debug)]
pub struct TargetPidSet {
    /// Number of entries in `target_pids`.
    pub num_pids: c_int,
    /// The wanted pids, oldest namespace first, 0 = any.
    pub target_pids: *mut RawPid,
}

impl TargetPidSet {
    /// The raw view of `pids`, valid while `pids` is alive and unmoved.
    pub fn new(pids: &[RawPid]) -> Self {
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
/// Errors are the kernel's, as [`io::Error`] from errno, unchanged (flags
/// above bit 31 and exit signals above 64 included: the kernel refuses
/// them with EINVAL before reading the set); nothing is rewritten. The one
/// case where the kernel is not asked: when the running kernel does not
/// have the call, as [`check_support`](crate::check_support) finds out on
/// first use, the number may mean another system call there, so the call
/// is not made and the error is ENOSYS.
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
) -> io::Result<RawPid> {
    let Some(nr) = detect::usable_nr() else {
        return Err(detect::unsupported());
    };
    // SAFETY: the caller upholds clone(2)'s rules for these arguments, and
    // `nr` is the call on this kernel (detect::usable_nr); every argument
    // is register-sized, as a variadic syscall() needs.
    result(unsafe { libc::syscall(nr, flags, stack, parent_tid, child_tid, tls, pid_set) })
}

/// The support probe: system call `nr` with `flags` and every other
/// argument 0 (no stack, no pointer, no pid set).
///
/// # Safety
///
/// `nr` must be a clone-like call and `flags` such that the call, should
/// it create a process, is a `fork()` whose child the caller ends at once.
pub(crate) unsafe fn probe(nr: c_long, flags: c_ulong) -> io::Result<RawPid> {
    let null: c_ulong = 0;
    // SAFETY: as the caller promises, at worst a fork() without pointers.
    result(unsafe { libc::syscall(nr, flags, null, null, null, null, null) })
}

/// The pid a clone-like call returned, or its errno, unchanged.
fn result(ret: c_long) -> io::Result<RawPid> {
    if ret < 0 {
        return Err(io::Error::last_os_error());
    }
    // A pid always fits a RawPid; the kernel returns nothing larger.
    RawPid::try_from(ret).map_err(|_| io::Error::from_raw_os_error(libc::EOVERFLOW))
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
            size_of::<*mut RawPid>()
        );
        assert_eq!(size_of::<TargetPidSet>(), 2 * size_of::<*mut RawPid>());
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
