//! The ways to create a process that the benchmark compares, each called
//! fork-style: 0 in the child, the child's pid in the parent.
//!
//! A [`Call`] is prepared once, outside the timed loops: its arguments
//! (clone3's `struct clone_args` and youngest-first `set_tid`,
//! clone_with_pids's oldest-first array) are laid out in advance, so a
//! timed call allocates nothing and every method pays only for its own
//! system calls.
//!
//! Every method but glibc's `fork()` makes its system call through one
//! function, [`raw_clone`], so that the child returns through the same
//! code whatever the method: a child faults in each code and stack page it
//! touches after the call, and a per-method path (the crate's wrapper, say)
//! would make that cost depend on where the linker put the code, not on
//! the kernel. For the per-call figures the child exits from within
//! `raw_clone`, touching nothing.

use std::fs::OpenOptions;
use std::io::{self, Write};

use clone_with_pids::process::exit_now;
use clone_with_pids::raw::{TargetPidSet, SYS_CLONE_WITH_PIDS};
use clone_with_pids::{RawPid, MAX_PIDS};
use libc::c_long;
use rustix::fs::{flock, FlockOperation};

/// How a process is created.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
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
    /// Every method, in table order.
    pub const ALL: [Method; 6] = [
        Method::Fork,
        Method::Clone,
        Method::Clone3,
        Method::Clone3SetTid,
        Method::CloneWithPids,
        Method::NsLastPid,
    ];

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

    /// Identifier in the samples files.
    pub fn id(self) -> &'static str {
        match self {
            Method::Fork => "fork",
            Method::Clone => "clone",
            Method::Clone3 => "clone3",
            Method::Clone3SetTid => "clone3_set_tid",
            Method::CloneWithPids => "clone_with_pids",
            Method::NsLastPid => "ns_last_pid",
        }
    }

    /// The method of an [`id`](Self::id).
    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.id() == id)
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

/// One way of creating a child with its wanted pids, laid out in advance.
#[derive(Clone, Copy, Debug)]
pub struct Call {
    method: Method,
    /// The wanted pids, oldest first (0 = any); `len` of them.
    oldest_first: [RawPid; MAX_PIDS],
    /// The same, youngest first, as clone3's `set_tid` takes them.
    youngest_first: [RawPid; MAX_PIDS],
    len: usize,
    /// clone_with_pids's number, where the running kernel has the call
    /// (the crate's rule: [`clone_with_pids::check_support`]).
    cwp_nr: Option<c_long>,
}

/// What the child does when the call returns 0 in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Child {
    /// Returns 0, fork-style.
    Returns,
    /// Exits at once with status 0.
    Exits,
    /// There is none: the call asks for `CLONE_THREAD` without
    /// `CLONE_SIGHAND`, which `copy_process()` refuses (EINVAL) first
    /// thing, after the system call has read and checked its arguments.
    Refused,
}

impl Call {
    /// A call of `method` wanting `pids`, oldest first (0 = any; ignored by
    /// the methods that cannot choose; [`Method::NsLastPid`] uses the last,
    /// innermost entry). At most [`MAX_PIDS`] are kept.
    pub fn new(method: Method, pids: &[RawPid]) -> Self {
        let len = pids.len().min(MAX_PIDS);
        let mut call = Call {
            method,
            oldest_first: [0; MAX_PIDS],
            youngest_first: [0; MAX_PIDS],
            len,
            cwp_nr: clone_with_pids::check_support()
                .is_ok()
                .then_some(SYS_CLONE_WITH_PIDS),
        };
        call.oldest_first[..len].copy_from_slice(&pids[..len]);
        for (slot, &pid) in call.youngest_first.iter_mut().zip(pids[..len].iter().rev()) {
            *slot = pid;
        }
        call
    }

    /// The method.
    pub fn method(&self) -> Method {
        self.method
    }

    /// The wanted pids, oldest first.
    pub fn pids(&self) -> &[RawPid] {
        &self.oldest_first[..self.len]
    }

    /// Creates a child: 0 in the child, its pid in the caller. For
    /// [`Method::NsLastPid`] the caller must be in the namespace of the
    /// wanted pid (ns_last_pid is its active namespace's), and a lost race
    /// is an error (EEXIST).
    ///
    /// The benchmark is single-threaded, so children may do anything.
    pub fn create(&self) -> io::Result<RawPid> {
        self.spawn(Child::Returns)
    }

    /// Creates a child that exits at once with status 0: its pid.
    pub fn create_exiting(&self) -> io::Result<RawPid> {
        self.spawn(Child::Exits)
    }

    /// Makes the call with `CLONE_THREAD` added, which `copy_process()`
    /// refuses before it creates anything: what the call costs up to
    /// there (entry, reading and checking the arguments and the pid set,
    /// the capability check of clone_with_pids). Ok when refused with
    /// EINVAL; only for the clone-family methods.
    pub fn refused(&self) -> io::Result<()> {
        match self.method {
            Method::Fork | Method::NsLastPid => Err(io::ErrorKind::Unsupported.into()),
            _ => match self.spawn(Child::Refused) {
                Err(e) if e.raw_os_error() == Some(libc::EINVAL) => Ok(()),
                Err(e) => Err(e),
                Ok(_) => Err(io::Error::other("the call was not refused")),
            },
        }
    }

    fn spawn(&self, child: Child) -> io::Result<RawPid> {
        let refused = child == Child::Refused;
        // clone3() refuses CLONE_THREAD with an exit signal earlier, in
        // clone3_args_valid(): without one it gets as far as the others.
        let sigchld = if refused { 0 } else { libc::SIGCHLD as u64 };
        let flags = if refused {
            libc::CLONE_THREAD as u64
        } else {
            0
        };
        let (args, set);
        let (nr, a) = match self.method {
            Method::Fork => {
                // SAFETY: single-threaded: the child may do anything.
                let pid = unsafe { libc::fork() };
                if pid == 0 && child == Child::Exits {
                    exit_now(0)
                }
                return if pid < 0 {
                    Err(io::Error::last_os_error())
                } else {
                    Ok(pid)
                };
            }
            Method::NsLastPid => {
                return fork_via_ns_last_pid(self.pids().last().copied().unwrap_or(0), child)
            }
            Method::Clone => (libc::SYS_clone, [flags | sigchld, 0, 0, 0, 0, 0]),
            Method::Clone3 | Method::Clone3SetTid => {
                let set_tid = &self.youngest_first[..self.len];
                args = CloneArgs {
                    flags,
                    exit_signal: sigchld,
                    set_tid: if set_tid.is_empty() {
                        0
                    } else {
                        set_tid.as_ptr() as u64
                    },
                    set_tid_size: set_tid.len() as u64,
                    ..Default::default()
                };
                let size = std::mem::size_of::<CloneArgs>() as u64;
                let ptr = &args as *const CloneArgs as u64;
                (libc::SYS_clone3, [ptr, size, 0, 0, 0, 0])
            }
            Method::CloneWithPids => {
                let nr = self
                    .cwp_nr
                    .ok_or_else(|| io::Error::from_raw_os_error(libc::ENOSYS))?;
                set = TargetPidSet::new(self.pids());
                let ptr = &set as *const TargetPidSet as u64;
                (nr, [flags | sigchld, 0, 0, 0, 0, ptr])
            }
        };
        // SAFETY: no CLONE_VM, no stack, no pointer-taking flag: fork
        // semantics; `args`, `set` and the pids they point to outlive the
        // call.
        result(unsafe { raw_clone(nr, a, child == Child::Exits) })
    }
}

/// The pid a clone-like call returned, or its errno.
fn result(ret: c_long) -> io::Result<RawPid> {
    if ret < 0 {
        return Err(io::Error::from_raw_os_error(-ret as i32));
    }
    RawPid::try_from(ret).map_err(|_| io::Error::from_raw_os_error(libc::EOVERFLOW))
}

/// System call `nr` with arguments `a`, as a clone-like call returns: the
/// child's pid, 0 in the child, or `-errno`. With `exit_child` the child
/// calls `exit_group(0)` as soon as the call returns in it, on no stack
/// and touching no memory.
///
/// # Safety
/// As `fork()`: `nr` and `a` must make a call with fork semantics (no
/// `CLONE_VM`, no stack) whose pointers are valid.
#[cfg(target_arch = "x86_64")]
#[inline(never)]
unsafe fn raw_clone(nr: c_long, a: [u64; 6], exit_child: bool) -> c_long {
    let ret: c_long;
    // SAFETY: the caller vouches for the call; the child, when told to,
    // leaves by exit_group(2) before touching memory. rcx and r11 are the
    // registers `syscall` clobbers, so the flag is in neither.
    unsafe {
        std::arch::asm!(
            "syscall",
            "test {exit:e}, {exit:e}",
            "jz 2f",
            "test rax, rax",
            "jnz 2f",
            "mov eax, 231",
            "xor edi, edi",
            "syscall",
            "2:",
            exit = in(reg) u32::from(exit_child),
            inlateout("rax") nr => ret,
            inout("rdi") a[0] => _,
            in("rsi") a[1],
            in("rdx") a[2],
            in("r10") a[3],
            in("r8") a[4],
            in("r9") a[5],
            out("rcx") _,
            out("r11") _,
            options(nostack),
        );
    }
    ret
}

/// Elsewhere: through libc, the child exiting right after.
///
/// # Safety
/// As the x86_64 version.
#[cfg(not(target_arch = "x86_64"))]
#[inline(never)]
unsafe fn raw_clone(nr: c_long, a: [u64; 6], exit_child: bool) -> c_long {
    // SAFETY: the caller vouches for the call.
    let ret = unsafe { libc::syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]) };
    if ret == 0 && exit_child {
        exit_now(0)
    }
    if ret < 0 {
        -c_long::from(
            io::Error::last_os_error()
                .raw_os_error()
                .unwrap_or(libc::EIO),
        )
    } else {
        ret
    }
}

/// The CRIU way before clone3: hold the lock on ns_last_pid, set it to
/// pid-1, fork, check. Open, lock, write, unlock and close are its cost;
/// the fork is `clone(SIGCHLD)` through [`raw_clone`], as the other
/// methods' calls.
fn fork_via_ns_last_pid(pid: RawPid, child: Child) -> io::Result<RawPid> {
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(NS_LAST_PID)?;
    flock(&file, FlockOperation::LockExclusive)?;
    file.write_all(format!("{}", pid - 1).as_bytes())?;
    let sigchld = libc::SIGCHLD as u64;
    // SAFETY: fork semantics in a single-threaded program: the child may
    // do anything.
    let ret = unsafe {
        raw_clone(
            libc::SYS_clone,
            [sigchld, 0, 0, 0, 0, 0],
            child == Child::Exits,
        )
    };
    let child = result(ret)?;
    if child == 0 {
        // The lock stays with the parent's descriptor (closing the child's
        // copy does not release it).
        return Ok(0);
    }
    let result = if child != pid {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn call_lays_out_both_orders() {
        let call = Call::new(Method::Clone3SetTid, &[30, 20, 10]);
        assert_eq!(call.pids(), &[30, 20, 10]);
        assert_eq!(&call.youngest_first[..3], &[10, 20, 30]);
    }

    #[test]
    fn ids_round_trip() {
        for m in Method::ALL {
            assert_eq!(Method::from_id(m.id()), Some(m));
        }
    }
}
