//! Fork-like calls: a new process with a copy of the caller's memory and
//! chosen pids, returning [`ForkResult`] like `nix::unistd::fork`.

use std::io;
use std::ptr;

use libc::{c_int, c_ulong};
use rustix::process::Pid;

use crate::raw::{self, TargetPidSet};
use crate::PidSet;

/// What a fork-like call returns, in each of the two processes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ForkResult {
    /// In the caller: the child's pid as seen in the caller's own pid
    /// namespace.
    Parent {
        /// The new process.
        child: Pid,
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

/// The exit signal of a `fork()`: the parent gets `SIGCHLD` when the child
/// ends.
pub const SIGCHLD: c_int = libc::SIGCHLD;

bitflags::bitflags! {
    /// `clone()` flags that make sense without a new stack: namespaces and
    /// the process relations, nothing that shares memory or writes through
    /// pointers.
    ///
    /// All of them lie in bits 8-31: the call takes `clone()`'s 32-bit flag
    /// space (the low byte being the exit signal) and refuses any bit above
    /// 31 with EINVAL, so clone3-only flags such as `CLONE_CLEAR_SIGHAND`
    /// or `CLONE_INTO_CGROUP` have no constant here (and the `u32` cannot
    /// hold them), nor has `CLONE_NEWTIME`, which overlaps the exit signal
    /// byte. Bits of that byte, which only
    /// [`from_bits_retain`](Self::from_bits_retain) can set, are refused by
    /// [`clone_with_pids()`] before the call.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub struct CloneFlags: u32 {
        /// The child is pid 1 of a new pid namespace, which takes no entry
        /// of the [`PidSet`].
        const NEWPID = libc::CLONE_NEWPID as u32;
        /// A new mount namespace.
        const NEWNS = libc::CLONE_NEWNS as u32;
        /// A new UTS namespace.
        const NEWUTS = libc::CLONE_NEWUTS as u32;
        /// A new IPC namespace.
        const NEWIPC = libc::CLONE_NEWIPC as u32;
        /// A new network namespace.
        const NEWNET = libc::CLONE_NEWNET as u32;
        /// A new user namespace.
        const NEWUSER = libc::CLONE_NEWUSER as u32;
        /// A new cgroup namespace.
        const NEWCGROUP = libc::CLONE_NEWCGROUP as u32;
        /// The child's parent is the caller's parent.
        const PARENT = libc::CLONE_PARENT as u32;
    }
}

impl CloneFlags {
    /// The bits of the exit signal byte, which no flag may use.
    const SIGNAL_BYTE: u32 = 0xff;
}

/// Creates a process like `clone(flags | exit_signal)` without a new stack
/// (so, like `fork()`), with the pids in `pids`.
///
/// `exit_signal` is the signal the parent gets when the child ends
/// (`Some(`[`SIGCHLD`]`)` as for `fork()`; `None` for none, which makes
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
    if flags.bits() & CloneFlags::SIGNAL_BYTE != 0 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("clone flags {:#x} use the exit signal byte", flags.bits()),
        ));
    }
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
    let flags = c_ulong::from(flags.bits());
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
    Ok(match crate::pid_from_raw(pid) {
        None => ForkResult::Child,
        Some(child) => ForkResult::Parent { child },
    })
}

/// `fork()` with chosen pids: [`clone_with_pids`] with `SIGCHLD` as the
/// exit signal and no flag.
///
/// ```no_run
/// use clone_with_pids::process::{exit_now, reap};
/// use clone_with_pids::{fork_with_pids, pid_from_raw, ForkResult, PidSet};
///
/// let pids = PidSet::innermost(pid_from_raw(4242).ok_or("not a pid")?)?;
/// // SAFETY: this example is single-threaded.
/// match unsafe { fork_with_pids(&pids) }? {
///     // Pid 4242 in our own namespace.
///     ForkResult::Child => exit_now(0),
///     ForkResult::Parent { child } => {
///         assert_eq!(child.as_raw_pid(), 4242);
///         reap(child)?;
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
    unsafe { clone_with_pids(CloneFlags::empty(), Some(SIGCHLD), pids) }
}

/// How many levels a [`PidSet`] may address for a child created now
/// without [`CloneFlags::NEWPID`]: `L + 1`, `L` being the level of the
/// namespace the child would be created in (0 for the initial one). A
/// child created with `NEWPID` is one level deeper, in a namespace that
/// takes no entry.
///
/// Unlike `NSpid` in `/proc`, which counts from the namespace the proc file
/// system belongs to, this counts from the initial namespace, so it tells
/// how deep pid namespaces may still nest below (at most
/// [`MAX_PID_NS_LEVEL`](crate::MAX_PID_NS_LEVEL)).
///
/// Found by asking the kernel without creating anything: it refuses a set
/// of more entries than the child has levels with EINVAL, before it reads
/// the entries; so a set of `n` entries that cannot be read answers EINVAL
/// when `n` is too many and EFAULT otherwise. A binary search takes at
/// most six calls.
///
/// # Errors
///
/// ENOSYS where the kernel has no call (see
/// [`check_support`](crate::check_support)); `Other` if the kernel answers
/// anything else, or creates a process (which is reaped at once).
pub fn addressable_levels() -> io::Result<usize> {
    // Level 0 addresses 1; MAX_PIDS is the most there can be.
    let (mut fits, mut too_many) = (1, crate::MAX_PIDS + 1);
    while too_many - fits > 1 {
        let n = (fits + too_many) / 2;
        let unreadable = TargetPidSet {
            num_pids: c_int::try_from(n).unwrap_or(c_int::MAX),
            target_pids: ptr::dangling_mut(),
        };
        // SAFETY: fork semantics (no CLONE_VM, no stack, no pointer-taking
        // flag); the kernel reads `unreadable` (alive across the call) and
        // fails on its array. Should it create a process anyway, the child
        // only calls _exit().
        let answer = unsafe {
            raw::clone_with_pids(
                c_ulong::from(SIGCHLD as u32),
                ptr::null_mut(),
                ptr::null_mut(),
                ptr::null_mut(),
                0,
                &unreadable,
            )
        };
        match answer.map(crate::pid_from_raw) {
            Ok(None) => crate::process::exit_now(0),
            Ok(Some(child)) => {
                let _ = crate::process::reap(child);
                return Err(io::Error::other(format!(
                    "a set of {n} unreadable pids created process {child}"
                )));
            }
            Err(e) => match e.raw_os_error() {
                Some(libc::EFAULT) => fits = n,
                Some(libc::EINVAL) => too_many = n,
                Some(libc::ENOSYS) => return Err(e),
                _ => {
                    return Err(io::Error::other(format!(
                        "a set of {n} unreadable pids: {e}, not EFAULT or EINVAL"
                    )))
                }
            },
        }
    }
    Ok(fits)
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
            c_ulong::from(f.bits()),
            (libc::CLONE_NEWPID | libc::CLONE_NEWNS) as c_ulong
        );
    }

    #[test]
    fn every_flag_is_in_the_32_bit_flag_space() {
        for f in CloneFlags::all().iter() {
            assert_ne!(f.bits(), 0);
            // Not in the exit signal byte (and a u32 has nothing above 31).
            assert_eq!(f.bits() & CloneFlags::SIGNAL_BYTE, 0, "{f:?}");
        }
        assert_eq!(CloneFlags::all().iter().count(), 8);
    }

    #[test]
    fn exit_signal_bits_in_the_flags_are_refused_before_the_call() {
        let flags = CloneFlags::NEWPID | CloneFlags::from_bits_retain(17);
        // SAFETY: refused before any process is created.
        let err = unsafe { clone_with_pids(flags, None, &PidSet::any()) }.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert!(err.to_string().contains("exit signal byte"), "{err}");
    }

    #[test]
    fn a_bad_exit_signal_is_refused_before_the_call() {
        // 0 is "no signal", which is None; 65 and above are no signals
        // (the kernel would answer EINVAL), nor is anything negative.
        for sig in [0, MAX_EXIT_SIGNAL + 1, 128, 255, 256, -1] {
            // SAFETY: refused before any process is created.
            let err = unsafe { clone_with_pids(CloneFlags::empty(), Some(sig), &PidSet::any()) }
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
            Ok(ForkResult::Child) => crate::process::exit_now(7),
            Ok(ForkResult::Parent { child }) => {
                assert!(supported.is_ok());
                let status = crate::process::reap(child).unwrap();
                assert_eq!(status.exit_status(), Some(7));
            }
            Err(e) => {
                assert_eq!(e.raw_os_error(), Some(libc::ENOSYS), "{e}");
                assert_eq!(e.kind(), io::ErrorKind::Unsupported);
                assert_eq!(supported.unwrap_err().kind(), io::ErrorKind::Unsupported);
            }
        }
    }
}
