//! Fork-like calls: a new process with a copy of the caller's memory and
//! chosen pids, returning [`ForkResult`] like `nix::unistd::fork`.

use std::io;
use std::ops::BitOr;
use std::ptr;

use libc::{c_int, c_ulong, pid_t};

use crate::raw::{self, TargetPidSet};
use crate::PidSet;

/// What a fork-like call returns, in each of the two processes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ForkResult {
    /// In the caller: the child's pid as seen in the caller's own pid
    /// namespace.
    Parent {
        /// The new process.
        child: pid_t,
    },
    /// In the new process.
    Child,
}

impl ForkResult {
    /// True in the new process.
    pub fn is_child(self) -> bool {
        self == ForkResult::Child
    }
}

/// The highest exit signal: `_NSIG` (64), as the kernel's `valid_signal()`.
/// The kernel refuses a larger one (the low byte of the flags) with EINVAL;
/// [`clone_with_pids()`] refuses it before the call.
pub const MAX_EXIT_SIGNAL: c_int = 64;

/// `clone()` flags that make sense without a new stack: namespaces and the
/// process relations, nothing that shares memory or writes through pointers.
///
/// All of them lie in bits 8-31: the call takes `clone()`'s 32-bit flag
/// space (the low byte being the exit signal) and refuses any bit above 31
/// with EINVAL, so clone3-only flags such as `CLONE_CLEAR_SIGHAND` or
/// `CLONE_INTO_CGROUP` have no constant here, nor has `CLONE_NEWTIME`,
/// which overlaps the exit signal byte.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct CloneFlags(c_ulong);

impl CloneFlags {
    /// No flag: a plain fork.
    pub const EMPTY: Self = Self(0);
    /// The child is pid 1 of a new pid namespace, which takes no entry of
    /// the [`PidSet`].
    pub const NEWPID: Self = Self(libc::CLONE_NEWPID as c_ulong);
    /// A new mount namespace.
    pub const NEWNS: Self = Self(libc::CLONE_NEWNS as c_ulong);
    /// A new UTS namespace.
    pub const NEWUTS: Self = Self(libc::CLONE_NEWUTS as c_ulong);
    /// A new IPC namespace.
    pub const NEWIPC: Self = Self(libc::CLONE_NEWIPC as c_ulong);
    /// A new network namespace.
    pub const NEWNET: Self = Self(libc::CLONE_NEWNET as c_ulong);
    /// A new user namespace.
    pub const NEWUSER: Self = Self(libc::CLONE_NEWUSER as c_ulong);
    /// A new cgroup namespace.
    pub const NEWCGROUP: Self = Self(libc::CLONE_NEWCGROUP as c_ulong);
    /// The child's parent is the caller's parent.
    pub const PARENT: Self = Self(libc::CLONE_PARENT as c_ulong);

    /// Every bit a [`CloneFlags`] may hold: bits 8-31.
    const VALID: c_ulong = 0xffff_ff00;

    /// The raw bits.
    pub const fn bits(self) -> c_ulong {
        self.0
    }

    /// True when every flag of `other` is set.
    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }
}

impl BitOr for CloneFlags {
    type Output = Self;

    fn bitor(self, rhs: Self) -> Self {
        Self(self.0 | rhs.0)
    }
}

/// Creates a process like `clone(flags | exit_signal)` without a new stack
/// (so, like `fork()`), with the pids in `pids`.
///
/// `exit_signal` is the signal the parent gets when the child ends
/// (`Some(libc::SIGCHLD)` as for `fork()`; `None` for none, which makes
/// the child reapable only with `__WALL`/`__WCLONE`). A signal outside
/// 1..=[`MAX_EXIT_SIGNAL`] is refused before the call (the kernel would
/// answer EINVAL), with [`io::ErrorKind::InvalidInput`].
///
/// The set addresses the namespaces the child gets a pid in, youngest last
/// (see [`PidSet`]); with [`CloneFlags::NEWPID`] the new namespace takes no
/// entry, the child being its pid 1.
///
/// # Errors
///
/// errno as [`io::Error`]: ENOSYS when the kernel lacks the call (then it
/// is not made: see [`check_support`](crate::check_support)), EBUSY when a
/// wanted pid is taken, EPERM without `CAP_SYS_ADMIN` or
/// `CAP_CHECKPOINT_RESTORE` over a namespace where a pid is chosen (checked
/// before anything else creating the process could fail, `RLIMIT_NPROC`'s
/// EAGAIN included), EINVAL for a set longer than the child's levels or a
/// pid not below `pid_max`, ENOSPC when a new pid namespace would nest too
/// deep.
/// [`explain`](crate::explain) turns them into sentences.
///
/// # Safety
///
/// As for `fork()`: when the calling process has more than one thread, the
/// child is a copy of only the calling thread, and other threads may have
/// held locks (the allocator's, stdio's, ...) at the time of the call. The
/// child must then restrict itself to async-signal-safe functions until it
/// calls `execve()` or `_exit()`. In a single-threaded program the child
/// may do anything.
pub unsafe fn clone_with_pids(
    flags: CloneFlags,
    exit_signal: Option<c_int>,
    pids: &PidSet,
) -> io::Result<ForkResult> {
    let signal = match exit_signal {
        None => 0,
        Some(sig) if (1..=MAX_EXIT_SIGNAL).contains(&sig) => sig as c_ulong,
        Some(sig) => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("exit signal {sig} is not a signal (1..={MAX_EXIT_SIGNAL})"),
            ))
        }
    };
    let flags = flags.bits();
    // CloneFlags holds nothing else; the kernel would refuse it (EINVAL).
    debug_assert_eq!(flags & !CloneFlags::VALID, 0);
    let set = TargetPidSet::new(pids.as_raw());
    // SAFETY: no CLONE_VM and no pointer-taking flag (CloneFlags cannot
    // express them), so a null stack gives fork() semantics; `set` and the
    // pids it points to outlive the call. The multi-threading rule is the
    // caller's, as documented.
    let pid = unsafe {
        raw::clone_with_pids(
            flags | signal,
            ptr::null_mut(),
            ptr::null_mut(),
            ptr::null_mut(),
            0,
            &set,
        )
    }?;
    Ok(if pid == 0 {
        ForkResult::Child
    } else {
        ForkResult::Parent { child: pid }
    })
}

/// `fork()` with chosen pids: [`clone_with_pids`] with `SIGCHLD` as the
/// exit signal and no flag.
///
/// ```no_run
/// use std::num::NonZero;
/// use clone_with_pids::{fork_with_pids, ForkResult, PidSet};
///
/// let pids = PidSet::innermost(NonZero::new(4242).unwrap())?;
/// // SAFETY: this example is single-threaded.
/// match unsafe { fork_with_pids(&pids) }? {
///     ForkResult::Child => {
///         // Pid 4242 in our own namespace.
///         unsafe { libc::_exit(0) }
///     }
///     ForkResult::Parent { child } => {
///         assert_eq!(child, 4242);
///         unsafe { libc::waitpid(child, std::ptr::null_mut(), 0) };
///     }
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// As [`clone_with_pids`].
///
/// # Safety
///
/// As [`clone_with_pids`]: in a multi-threaded caller the child may only
/// use async-signal-safe functions until it execs or exits.
pub unsafe fn fork_with_pids(pids: &PidSet) -> io::Result<ForkResult> {
    // SAFETY: the caller upholds the fork rules.
    unsafe { clone_with_pids(CloneFlags::EMPTY, Some(libc::SIGCHLD), pids) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_combine() {
        let f = CloneFlags::NEWPID | CloneFlags::NEWNS;
        assert!(f.contains(CloneFlags::NEWPID));
        assert!(!f.contains(CloneFlags::NEWNET));
        assert_eq!(
            f.bits(),
            (libc::CLONE_NEWPID | libc::CLONE_NEWNS) as c_ulong
        );
    }

    #[test]
    fn every_flag_is_in_the_32_bit_flag_space() {
        for f in [
            CloneFlags::NEWPID,
            CloneFlags::NEWNS,
            CloneFlags::NEWUTS,
            CloneFlags::NEWIPC,
            CloneFlags::NEWNET,
            CloneFlags::NEWUSER,
            CloneFlags::NEWCGROUP,
            CloneFlags::PARENT,
        ] {
            assert_ne!(f.bits(), 0);
            // Not in the exit signal byte, nothing above bit 31.
            assert_eq!(f.bits() & !CloneFlags::VALID, 0, "{f:?}");
        }
    }

    #[test]
    fn a_bad_exit_signal_is_refused_before_the_call() {
        // 0 is "no signal", which is None; 65 and above are no signals
        // (the kernel would answer EINVAL), nor is anything negative.
        for sig in [0, MAX_EXIT_SIGNAL + 1, 128, 255, 256, -1] {
            // SAFETY: refused before any process is created.
            let err = unsafe { clone_with_pids(CloneFlags::EMPTY, Some(sig), &PidSet::any()) }
                .unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{sig}");
            assert!(err.to_string().contains(&sig.to_string()), "{err}");
        }
    }

    /// Runs on any kernel: with the call, an empty set is a plain fork;
    /// without it (as check_support() finds out: not a 6.12.y kernel, or
    /// ENOSYS or any answer but EINVAL to the probe) the call is not made,
    /// the error is ENOSYS and nothing was created.
    #[test]
    fn empty_set_forks_or_reports_unsupported() {
        let supported = crate::check_support();
        // SAFETY: the child only calls _exit.
        match unsafe { fork_with_pids(&PidSet::any()) } {
            Ok(ForkResult::Child) => unsafe { libc::_exit(7) },
            Ok(ForkResult::Parent { child }) => {
                assert!(supported.is_ok());
                let mut status = 0;
                // SAFETY: reaping our own child.
                assert_eq!(unsafe { libc::waitpid(child, &mut status, 0) }, child);
                assert!(libc::WIFEXITED(status));
                assert_eq!(libc::WEXITSTATUS(status), 7);
            }
            Err(e) => {
                assert_eq!(e.raw_os_error(), Some(libc::ENOSYS), "{e}");
                assert_eq!(e.kind(), io::ErrorKind::Unsupported);
                assert_eq!(supported.unwrap_err().kind(), io::ErrorKind::Unsupported);
            }
        }
    }
}
