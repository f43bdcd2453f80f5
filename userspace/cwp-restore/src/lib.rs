//! `cwp-restore`: describe a live process tree's pids at every pid
//! namespace level, and recreate such a tree with `clone_with_pids()`.
//! The command (`src/main.rs`) is a thin layer over this library, whose
//! [`message`] protocol the benchmark (`cwp-bench`) restores its trees
//! with too.
//!
//! ```text
//! cwp-restore dump --pid 312 > tree.json     # a live tree, from /proc
//! cwp-restore gen --depth 3 --count 100 --seed 7 > tree.json
//! cwp-restore restore tree.json              # recreate, verify, tear down
//! cwp-restore restore --keep tree.json       # ... and leave it running
//! cwp-restore compare a.json b.json          # same pids, parents, inits?
//! ```
//!
//! The description format is in [`tree`]: each process's pids from the
//! tree's top namespace down, its parent, and whether it is a namespace
//! init.
//!
//! # How a restore works
//!
//! A process gets pids in nested namespaces from the process that creates
//! it, and its parent is that creator. Restoring a *tree* (parents
//! included) therefore means every process creates its own children, as
//! CRIU does; `clone_with_pids()` gives each child its pids at every level
//! its creator can address, in one call, with no `ns_last_pid` races.
//!
//! 0. Before it creates anything, the driver checks what it can
//!    ([`precheck`]): that the kernel has the call, that /proc is its own,
//!    that it has `CAP_SYS_ADMIN`, that the tree's namespaces fit below its
//!    own level and the namespace limit, and that every pid is below
//!    `pid_max`.
//! 1. The driver (this program, single-threaded) makes a plan ([`plan`])
//!    and forks the *top* with `CLONE_NEWPID`: pid 1 of a fresh namespace
//!    standing for the tree's top namespace (the root itself if it was an
//!    init, else a placeholder init above it).
//! 2. Every restored process is a fork of the driver holding the whole
//!    plan, so the only instruction it needs is its node number, which it
//!    has from the fork ([`worker`]). It creates its children in order: a
//!    child in its own namespace with the pids of all the levels they share
//!    (the levels above the restored top are left to the kernel: the set
//!    applies to the youngest levels); a namespace init with `CLONE_NEWPID`
//!    and the same levels (the new namespace takes no entry, its init is
//!    pid 1). Restoring from inside each namespace needs no `setns()`, and
//!    subtrees are restored in parallel.
//! 3. Each process reports "ready" or "failed, errno" over one pipe shared
//!    by all, in fixed-size writes that never interleave ([`message`]),
//!    then waits to be killed. The driver shows progress, and on a failure
//!    says in words what went wrong (EBUSY: pid taken; EPERM: capability
//!    missing; ENOSPC: too deep; ENOSYS: kernel without the call).
//! 4. The driver checks the tree from its own /proc ([`verify`]): each
//!    descendant of the top has the described NSpid below the driver's
//!    level and the described parent, and nothing else is there.
//! 5. Teardown is one `SIGKILL` to the top: the kernel kills every process
//!    of a namespace, nested ones included, when its init dies, and the
//!    init's exit waits until all are reaped. So every path, failures
//!    included, ends with nothing left behind. The top also has
//!    `PR_SET_PDEATHSIG` = `SIGKILL` while the driver runs, and exits when
//!    the driver's control pipe closes, so a killed driver leaves nothing
//!    either. `--keep` tells the top to stop depending on the driver.
//!
//! # Errors
//!
//! Every error the command reports comes down to an errno where one
//! applies ([`error::Failure`], or the [`std::io::Error`] at the root of
//! the chain), which it prints by name (`error: EPERM: ...`), followed by a
//! `hint:` line saying what to do about it ([`error::Diagnosis`]).

#![warn(missing_docs)]

pub mod dump;
pub mod error;
pub mod gen;
pub mod message;
pub mod plan;
pub mod precheck;
pub mod restore;
pub mod tree;
pub mod verify;
pub mod worker;
