//! The ways to create a process that the benchmark compares, each called
//! fork-style: 0 in the child, the child's pid in the parent.

use std::fs::OpenOptions;
use std::io::{self, Write};
use std::ptr;

use clone_with_pids::raw::{self, TargetPidSet};
use clone_with_pids::RawPid;
use rustix::fs::{flock, FlockOperation};

/// How a process is created.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// `fork()` (glibc: clone with CLONE_CHILD_SETTID and friends).
    Fork,
    /// `clone(SIGCHLD)` with no stack.
    Clone,
    /// `clone3()` without `set_tid`.
    Clone3,
    /// `clone3()` with `set_tid` (innermost first, all non-zero).
    Clone3SetTid,
    /// `clone_with_pids()` with the set as given.
    CloneWithPids,
    /// Write pid-1 to `/proc/sys/kernel/ns_last_pid` under `flock`, then
    /// `fork()`: the pre-clone3 way, innermost level only.
    NsLastPid,
}

impl Method {
    /// Short name for tables.
    pub fn name(self) -> &'static str {
        match self {
            Method::Fork => "fork()",
            Method::Clone => "clone()",
            Method::Clone3 => "clone3()",
            Method::Clone3SetTid => "clone3(set_tid)",
            Method::CloneWithPids => "clone_with_pids()",
            Method::NsLastPid => "ns_last_pid+fork()",
        }
    }
}

/// `struct clone_args` of `<linux/sched.h>` (CLONE_ARGS_SIZE_VER2).
#[repr(C)]
#[derive(Default)]
struct CloneArgs {
    flags: u64,
    pidfd: u64,
    child_tid: u64,
    parent_tid: u64,
    exit_signal: u64,
    stack: u64,
    stack_size: u64,
    tls: u64,
    set_tid: u64,
    set_tid_size: u64,
    cgroup: u64,
}

const NS_LAST_PID: &str = "/proc/sys/kernel/ns_last_pid";

/// Creates a child. `pids` are the wanted pids oldest first (0 = any;
/// ignored by the methods that cannot choose). For [`Method::NsLastPid`]
/// only the last (innermost) entry is used, and the caller must be in
/// that namespace; a lost race is an error (EEXIST).
///
/// The benchmark is single-threaded, so children may do anything.
pub fn create(method: Method, pids: &[RawPid]) -> io::Result<RawPid> {
    // SAFETY: the syscalls below get no stack and no memory sharing, so
    // they behave like fork(); every pointer outlives its call.
    let ret: i64 = unsafe {
        match method {
            Method::Fork => libc::fork() as i64,
            Method::Clone => clone_fork(libc::SIGCHLD as libc::c_ulong),
            Method::Clone3 => clone3(&[]),
            Method::Clone3SetTid => {
                let inner_first: Vec<RawPid> = pids.iter().rev().copied().collect();
                clone3(&inner_first)
            }
            Method::CloneWithPids => {
                let set = TargetPidSet::new(pids);
                return raw::clone_with_pids(
                    libc::SIGCHLD as libc::c_ulong,
                    ptr::null_mut(),
                    ptr::null_mut(),
                    ptr::null_mut(),
                    0,
                    &set,
                );
            }
            Method::NsLastPid => return fork_via_ns_last_pid(*pids.last().unwrap_or(&0)),
        }
    };
    if ret < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(ret as RawPid)
}

/// `clone(flags)` without a stack: fork semantics.
///
/// # Safety
/// As `fork()`.
unsafe fn clone_fork(flags: libc::c_ulong) -> i64 {
    // Every argument of a variadic syscall() must be register-sized: an
    // int leaves the upper half of the register undefined.
    let null = 0 as libc::c_ulong;
    // SAFETY: no stack, no pointers: fork semantics.
    unsafe { libc::syscall(libc::SYS_clone, flags, null, null, null, null) }
}

/// # Safety
/// As `fork()`.
unsafe fn clone3(set_tid: &[RawPid]) -> i64 {
    let args = CloneArgs {
        exit_signal: libc::SIGCHLD as u64,
        set_tid: if set_tid.is_empty() {
            0
        } else {
            set_tid.as_ptr() as u64
        },
        set_tid_size: set_tid.len() as u64,
        ..Default::default()
    };
    // SAFETY: args and set_tid live across the call.
    unsafe { libc::syscall(libc::SYS_clone3, &args, std::mem::size_of::<CloneArgs>()) }
}

/// The CRIU way before clone3: hold the lock on ns_last_pid, set it to
/// pid-1, fork, check.
fn fork_via_ns_last_pid(pid: RawPid) -> io::Result<RawPid> {
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(NS_LAST_PID)?;
    flock(&file, FlockOperation::LockExclusive)?;
    file.write_all(format!("{}", pid - 1).as_bytes())?;
    // SAFETY: fork() in a single-threaded program: the child may do
    // anything.
    let child = unsafe { libc::fork() };
    if child == 0 {
        // The lock stays with the parent's descriptor (closing the child's
        // copy does not release it).
        return Ok(0);
    }
    let result = if child < 0 {
        Err(io::Error::last_os_error())
    } else if child != pid {
        // Someone else took the pid between our write and fork (the child
        // goes on; the caller's teardown ends it).
        Err(io::Error::from_raw_os_error(libc::EEXIST))
    } else {
        Ok(child)
    };
    // Also released when the file closes, just after.
    let _ = flock(&file, FlockOperation::Unlock);
    result
}
