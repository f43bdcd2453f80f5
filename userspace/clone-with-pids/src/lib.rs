//! Safe access to `clone_with_pids()`, the Linux system call that creates a
//! process with chosen pids in each of its nested pid namespaces, for
//! checkpoint/restart tools.
//!
//! ```c
//! struct target_pid_set { int num_pids; pid_t *target_pids; };
//! long clone_with_pids(unsigned long flags, unsigned long stack,
//!                      int *parent_tid, int *child_tid, unsigned long tls,
//!                      struct target_pid_set *pid_set);
//! /* number: raw::SYS_CLONE_WITH_PIDS */
//! ```
//!
//! - [`PidSet`] holds the wanted pids, **oldest namespace first** (level 0
//!   is the initial pid namespace), `None`/0 leaving a level to the kernel.
//!   A set shorter than the child's levels applies to the youngest ones.
//! - [`fork_with_pids`] and [`clone_with_pids()`] create the process and
//!   return [`ForkResult`], as `nix::unistd::fork` does. They are `unsafe`
//!   for the same reason `fork()` is: in a multi-threaded program the child
//!   may only use async-signal-safe functions until it execs or exits.
//!   [`CloneFlags`] holds only flags of `clone()`'s 32-bit flag space, and
//!   an exit signal above [`MAX_EXIT_SIGNAL`] is refused before the call:
//!   the kernel refuses both with EINVAL.
//! - Errors are [`std::io::Error`] built from errno; [`explain`] says what
//!   each means (EBUSY: pid taken, EPERM: capability missing, ENOSYS: no
//!   such call in this kernel, ...).
//! - [`check_support`] tells whether the running kernel has the call,
//!   without creating a process (see below).
//! - [`raw`] is the system call itself, for arguments the safe calls do not
//!   take (a stack, TLS, `CLONE_PIDFD`). Its errors are the kernel's,
//!   unchanged.
//! - What every user of the call needs around it, on [`rustix`] (no raw
//!   `libc` call but the system call itself and `_exit`): typed pids
//!   ([`Pid`], [`pid_from_raw`]), [`procfs`] (`NSpid` of a pid, the
//!   kernel's limits, a private /proc), [`process`] (reaping, killing,
//!   what a child does when done), [`NsChain`] (nested pid namespaces to
//!   create processes in), and owned and borrowed descriptors
//!   ([`OwnedFd`], [`BorrowedFd`]).
//!
//! # How the crate finds the call, and why it is careful
//!
//! `clone_with_pids()` is not in mainline. Its number,
//! [`raw::SYS_CLONE_WITH_PIDS`] (the one place the crate states it),
//! is the next after the highest that any mainline release had assigned
//! when the series was written, and a later release may give it to another
//! call (as 6.13 gave 463, the series' first number, to `setxattrat()`).
//! Calling it on a kernel without the series would run that other call
//! with our arguments. So the crate never issues it unless both hold:
//!
//! 1. `uname(2)` says the kernel is a 6.12.y release (its release starts
//!    with `"6.12."`): the series is for 6.12, whose tables end at 462, so
//!    there the series' number is its call or nothing (ENOSYS);
//! 2. a probe that the series refuses first, before reading the pid set or
//!    creating anything, is refused that way: flags `1 << 32` (any bit
//!    above 31 is EINVAL in v2; 32-bit callers, which cannot pass bit 32,
//!    use exit signal 65, equally EINVAL) must answer EINVAL.
//!
//! ENOSYS (no series, or `CONFIG_CLONE_WITH_PIDS=n`) or any other answer
//! (a seccomp filter's EPERM, ...) means "unsupported". This happens once
//! per process, on the first call or [`check_support`], and is kept; when
//! unsupported, every call fails with ENOSYS without entering the kernel.
//! The series uses the same table number on every architecture; x32 adds
//! its ABI bit, and on MIPS (whose ABIs number from 4000, 5000 and 6000,
//! and whose kernels have no Rust, so no call) the crate never calls it.
//!
//! # Example
//!
//! Restore a process that had pid 300 in its own namespace and pid 4000 in
//! the one above it (run in a pid namespace at level 1 or deeper, as a user
//! with `CAP_CHECKPOINT_RESTORE` there):
//!
//! ```no_run
//! use clone_with_pids::process::{exit_now, reap};
//! use clone_with_pids::{explain, fork_with_pids, pid_from_raw, ForkResult, PidSet};
//!
//! let pids = PidSet::from_levels([pid_from_raw(4000), pid_from_raw(300)])?;
//! // SAFETY: single-threaded here, so the child may do anything.
//! match unsafe { fork_with_pids(&pids) } {
//!     Ok(ForkResult::Child) => {
//!         // ... become the restored process ...
//!         exit_now(0)
//!     }
//!     Ok(ForkResult::Parent { child }) => {
//!         println!("restored as pid {child}");
//!         reap(child)?;
//!     }
//!     Err(e) => eprintln!("cannot restore: {}", explain(&e)),
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

mod detect;
mod explain;
mod fork;
mod nschain;
mod pid_set;
pub mod process;
pub mod procfs;
pub mod raw;

pub use detect::check_support;
pub use explain::{errno_name, explain};
pub use fork::{
    addressable_levels, clone_with_pids, fork_with_pids, CloneFlags, ForkResult, MAX_EXIT_SIGNAL,
    SIGCHLD,
};
pub use nschain::NsChain;
pub use pid_set::{PidSet, PidSetError, MAX_PIDS, MAX_PID_NS_LEVEL, PID_MAX_LIMIT};
pub use rustix;
pub use rustix::fd::{AsFd, BorrowedFd, OwnedFd};
pub use rustix::process::{Pid, RawPid, WaitStatus};

/// The [`Pid`] of a raw pid: `None` for 0 and for anything negative (no
/// process has such a pid; 0 means "none" or "any", as in a [`PidSet`]).
///
/// ```
/// use clone_with_pids::pid_from_raw;
/// assert_eq!(pid_from_raw(42).map(|p| p.as_raw_pid()), Some(42));
/// assert_eq!(pid_from_raw(0), None);
/// assert_eq!(pid_from_raw(-5), None);
/// ```
pub const fn pid_from_raw(raw: RawPid) -> Option<Pid> {
    if raw > 0 {
        Pid::from_raw(raw)
    } else {
        None
    }
}
