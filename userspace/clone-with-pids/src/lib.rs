//! Safe access to `clone_with_pids()`, the Linux system call that creates a
//! process with chosen pids in each of its nested pid namespaces, for
//! checkpoint/restart tools.
//!
//! ```c
//! struct target_pid_set { int num_pids; pid_t *target_pids; };
//! long clone_with_pids(unsigned long flags, unsigned long stack,
//!                      int *parent_tid, int *child_tid, unsigned long tls,
//!                      struct target_pid_set *pid_set);   /* nr 463 */
//! ```
//!
//! - [`PidSet`] holds the wanted pids, **oldest namespace first** (level 0
//!   is the initial pid namespace), `None`/0 leaving a level to the kernel.
//!   A set shorter than the child's levels applies to the youngest ones.
//! - [`fork_with_pids`] and [`clone_with_pids()`] create the process and
//!   return [`ForkResult`], as `nix::unistd::fork` does. They are `unsafe`
//!   for the same reason `fork()` is: in a multi-threaded program the child
//!   may only use async-signal-safe functions until it execs or exits.
//! - Errors are [`std::io::Error`] built from errno; [`explain`] says what
//!   each means (EBUSY: pid taken, EPERM: capability missing, ENOSYS: no
//!   such call in this kernel, ...).
//! - [`check_support`] asks the kernel whether it has the call, without
//!   creating a process. On kernels 6.13 and later without it, number 463 is
//!   `setxattrat()`; the crate always passes a set, which that call refuses
//!   with E2BIG before doing anything, and reports that as ENOSYS.
//! - [`raw`] is the system call itself, for arguments the safe calls do not
//!   take (a stack, TLS, `CLONE_PIDFD`).
//!
//! The syscall number is known for x86_64 only (where the kernel side,
//! written in Rust, exists); elsewhere every call fails with ENOSYS.
//!
//! # Example
//!
//! Restore a process that had pid 300 in its own namespace and pid 4000 in
//! the one above it (run in a pid namespace at level 1 or deeper, as a user
//! with `CAP_CHECKPOINT_RESTORE` there):
//!
//! ```no_run
//! use std::num::NonZero;
//! use clone_with_pids::{explain, fork_with_pids, ForkResult, PidSet};
//!
//! let pids = PidSet::from_levels([NonZero::new(4000), NonZero::new(300)])?;
//! // SAFETY: single-threaded here, so the child may do anything.
//! match unsafe { fork_with_pids(&pids) } {
//!     Ok(ForkResult::Child) => {
//!         // ... become the restored process ...
//!         unsafe { libc::_exit(0) }
//!     }
//!     Ok(ForkResult::Parent { child }) => {
//!         println!("restored as pid {child}");
//!         unsafe { libc::waitpid(child, std::ptr::null_mut(), 0) };
//!     }
//!     Err(e) => eprintln!("cannot restore: {}", explain(&e)),
//! }
//! # Ok::<(), clone_with_pids::PidSetError>(())
//! ```

#![warn(missing_docs)]

mod explain;
mod fork;
mod pid_set;
pub mod raw;

pub use explain::explain;
pub use fork::{check_support, clone_with_pids, fork_with_pids, CloneFlags, ForkResult};
pub use pid_set::{PidSet, PidSetError, MAX_PIDS, MAX_PID_NS_LEVEL, PID_MAX_LIMIT};
