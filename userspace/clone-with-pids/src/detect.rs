//! Whether the running kernel has `clone_with_pids()`, found out without
//! ever making a system call that could mean something else.
//!
//! The call is not in mainline, so its number
//! ([`SYS_CLONE_WITH_PIDS`](crate::raw::SYS_CLONE_WITH_PIDS)) is one that no
//! mainline release had assigned when the series was written; a later
//! release may give it to another call, and a kernel without the series
//! answers whatever that call answers. So the number is only used when both
//! hold:
//!
//! 1. the running kernel is a 6.12.y release (`uname(2)`: the release
//!    starts with `"6.12."`): the series is for 6.12, and no 6.12 kernel
//!    has another call at that number (the 6.12 tables end at 462);
//! 2. a probe that the series refuses before doing anything is refused as
//!    it refuses it: `flags = 1 << 32` (v2 rejects any flag above bit 31
//!    with EINVAL, before the pid set is read and before anything is
//!    created) answers EINVAL. A 32-bit caller cannot pass bit 32; it
//!    probes with exit signal 65 instead, which v2 refuses the same way.
//!
//! ENOSYS (a 6.12 kernel without the series, or with
//! `CONFIG_CLONE_WITH_PIDS=n`) and any other answer (a seccomp filter's
//! EPERM, say) mean "unsupported", and the crate then never issues the
//! call: every call fails with ENOSYS without entering the kernel. The
//! answer is found once per process and kept (forked children inherit it).

use std::io;
use std::sync::atomic::{AtomicI32, Ordering};

use libc::{c_long, c_ulong};

use crate::raw::{self, SYS_CLONE_WITH_PIDS};

/// The system call number to use on this target, where there is one.
///
/// The series gives the call the same table number on every architecture;
/// x32 adds its ABI bit to it. MIPS numbers its ABIs from 4000, 5000 and
/// 6000, where the table value alone means nothing (and the kernel side
/// has no Rust there anyway): the crate never calls it there.
pub(crate) const fn syscall_nr() -> Option<c_long> {
    if cfg!(any(
        target_arch = "mips",
        target_arch = "mips64",
        target_arch = "mips32r6",
        target_arch = "mips64r6"
    )) {
        None
    } else if cfg!(all(target_arch = "x86_64", target_pointer_width = "32")) {
        // __X32_SYSCALL_BIT
        Some(SYS_CLONE_WITH_PIDS | 0x4000_0000)
    } else {
        Some(SYS_CLONE_WITH_PIDS)
    }
}

/// The flags of the probe: invalid in v2 whatever the rest, so the kernel
/// refuses it first, with EINVAL, and creates nothing.
#[cfg(target_pointer_width = "64")]
const PROBE_FLAGS: c_ulong = 1 << 32;
/// A 32-bit caller's flags have no bit 32: exit signal 65 (> `_NSIG`).
#[cfg(not(target_pointer_width = "64"))]
const PROBE_FLAGS: c_ulong = 65;

// A bit above 31 or an exit signal above 64, so refused first; and
// nothing that would make a probe that got through share memory or write
// through a pointer.
const _: () = assert!(
    (PROBE_FLAGS >> 31 > 1 || (PROBE_FLAGS & 0xff) as libc::c_int > crate::MAX_EXIT_SIGNAL)
        && PROBE_FLAGS & 0xffff_ff00 == 0
);

/// Whether a `uname(2)` release string is one of a kernel the series can
/// be in: 6.12.y.
pub(crate) fn release_may_have_it(release: &[u8]) -> bool {
    release.starts_with(b"6.12.")
}

// The cached answer: not known yet, supported, or why not.
const UNKNOWN: i32 = 0;
const SUPPORTED: i32 = 1;
const NOT_6_12: i32 = 2;
const NO_NUMBER: i32 = 3;
const MADE_A_CHILD: i32 = 4;
/// `ANSWERED + errno`: the probe got that errno instead of EINVAL.
const ANSWERED: i32 = 1000;

static STATE: AtomicI32 = AtomicI32::new(UNKNOWN);

fn running_release_may_have_it() -> bool {
    release_may_have_it(rustix::system::uname().release().to_bytes())
}

/// Runs the detection. Allocation-free and async-signal-safe (`uname`,
/// the probe, `waitpid`, `_exit`), so that a child forked from a
/// multi-threaded program may come here first.
fn probe() -> i32 {
    let Some(nr) = syscall_nr() else {
        return NO_NUMBER;
    };
    if !running_release_may_have_it() {
        return NOT_6_12;
    }
    // SAFETY: v2 refuses these flags before anything else. Should a kernel
    // create a process anyway, it is a fork (no CLONE_VM, no stack, no
    // pointer-taking flag, no pid set) whose child only calls _exit().
    let ret = unsafe { raw::probe(nr, PROBE_FLAGS) };
    match ret {
        // We are such a child: leave at once.
        Ok(0) => crate::process::exit_now(0),
        Ok(child) => {
            // It has no exit signal; reap() waits with __WALL, which finds
            // it. Nothing to do if that fails: the answer stands.
            if let Some(child) = crate::pid_from_raw(child) {
                let _ = crate::process::reap(child);
            }
            MADE_A_CHILD
        }
        Err(e) => match e.raw_os_error() {
            Some(libc::EINVAL) => SUPPORTED,
            Some(errno) => ANSWERED + errno,
            None => ANSWERED + libc::ENOSYS,
        },
    }
}

fn state() -> i32 {
    match STATE.load(Ordering::Relaxed) {
        UNKNOWN => {
            // Two threads may both probe; both get the same answer.
            let s = probe();
            STATE.store(s, Ordering::Relaxed);
            s
        }
        s => s,
    }
}

/// The number to call, when the running kernel has the call: `None` means
/// the crate must not make it. Cheap after the first use.
pub(crate) fn usable_nr() -> Option<c_long> {
    if state() == SUPPORTED {
        syscall_nr()
    } else {
        None
    }
}

/// Asks whether the running kernel has `clone_with_pids()`, without
/// creating a process and without making any call on a kernel that could
/// have something else at its number (see the [crate docs](crate) for the
/// rule: a 6.12.y kernel, then a probe the series must refuse with EINVAL).
///
/// Returns `Ok(())` when the call is there. Otherwise the error has
/// [`io::ErrorKind::Unsupported`]: ENOSYS when the kernel is not 6.12.y or
/// answered ENOSYS; a message naming the answer when the probe got
/// something else (a seccomp filter or LSM, most likely). Either way the
/// crate's calls then fail with ENOSYS without entering the kernel.
///
/// ```
/// match clone_with_pids::check_support() {
///     Ok(()) => println!("clone_with_pids() is available"),
///     Err(e) => println!("not available: {}", clone_with_pids::explain(&e)),
/// }
/// ```
pub fn check_support() -> io::Result<()> {
    match state() {
        SUPPORTED => Ok(()),
        MADE_A_CHILD => Err(io::Error::new(
            io::ErrorKind::Unsupported,
            format!(
                "the running kernel has no clone_with_pids() as the crate knows it: \
                 system call {SYS_CLONE_WITH_PIDS} with flags {PROBE_FLAGS:#x} created a \
                 process instead of failing with EINVAL"
            ),
        )),
        s if s > ANSWERED && s != ANSWERED + libc::ENOSYS => {
            let answer = io::Error::from_raw_os_error(s - ANSWERED);
            Err(io::Error::new(
                io::ErrorKind::Unsupported,
                format!(
                    "the running kernel has no clone_with_pids() usable here: its probe \
                     (system call {SYS_CLONE_WITH_PIDS}, flags {PROBE_FLAGS:#x}) answered \
                     \"{answer}\" instead of EINVAL (a seccomp filter or an LSM?)"
                ),
            ))
        }
        // Not 6.12.y, no number on this architecture, or ENOSYS.
        _ => Err(io::Error::from_raw_os_error(libc::ENOSYS)),
    }
}

/// The errno for a call the crate does not make.
pub(crate) fn unsupported() -> io::Error {
    io::Error::from_raw_os_error(libc::ENOSYS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_6_12_releases_qualify() {
        for yes in ["6.12.117+", "6.12.0-rc3", "6.12.1-amd64", "6.12.0"] {
            assert!(release_may_have_it(yes.as_bytes()), "{yes}");
        }
        for no in [
            "6.1.0-28-amd64",
            "6.13.2",
            "6.18.44",
            "6.120.1",
            "16.12.1",
            "5.12.1",
            "6.12",
            "",
        ] {
            assert!(!release_may_have_it(no.as_bytes()), "{no}");
        }
    }

    #[test]
    fn the_number_is_the_const() {
        #[cfg(all(target_arch = "x86_64", target_pointer_width = "64"))]
        assert_eq!(syscall_nr(), Some(SYS_CLONE_WITH_PIDS));
        #[cfg(target_arch = "aarch64")]
        assert_eq!(syscall_nr(), Some(SYS_CLONE_WITH_PIDS));
    }

    /// On a kernel that is not 6.12.y (this host, most likely) the answer
    /// is ENOSYS, found without making the call.
    #[test]
    fn other_kernels_are_unsupported() {
        if running_release_may_have_it() {
            return;
        }
        let err = check_support().unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::ENOSYS));
        assert_eq!(err.kind(), io::ErrorKind::Unsupported);
        assert_eq!(usable_nr(), None);
    }
}
