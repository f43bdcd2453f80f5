//! The crate against the running kernel: chosen pids, errors, namespaces.
//!
//! A plain program rather than libtest (`harness = false`): it stays
//! single-threaded, so the forked children may allocate and read /proc.
//! Prints KTAP; every test is skipped on a kernel without the call (as
//! `check_support()` finds out: on any kernel but a 6.12.y one that answers
//! the probe with EINVAL, the crate makes no call at all) or when not run
//! as root, so `cargo test` passes on any host.

use std::fs;
use std::io;
use std::num::NonZero;
use std::process::ExitCode;
use std::ptr;

use clone_with_pids::raw::{self, TargetPidSet};
use clone_with_pids::{
    check_support, clone_with_pids, explain, fork_with_pids, CloneFlags, ForkResult, PidSet,
};
use libc::pid_t;

type TestResult = Result<(), String>;

/// A named test.
type Test = (&'static str, fn() -> TestResult);

/// Creates a child running `child` (its return value is the exit status)
/// and returns the child's pid and exit status.
fn spawn(
    flags: CloneFlags,
    pids: &PidSet,
    child: impl FnOnce() -> i32,
) -> io::Result<(pid_t, i32)> {
    // SAFETY: this program is single-threaded.
    match unsafe { clone_with_pids(flags, Some(libc::SIGCHLD), pids) }? {
        ForkResult::Child => {
            let code = child();
            // SAFETY: leave without running the parent's atexit handlers.
            unsafe { libc::_exit(code) }
        }
        ForkResult::Parent { child } => Ok((child, wait_exit(child))),
    }
}

fn wait_exit(pid: pid_t) -> i32 {
    let mut status = 0;
    // SAFETY: reaping our own child.
    if unsafe { libc::waitpid(pid, &mut status, 0) } != pid || !libc::WIFEXITED(status) {
        return -1;
    }
    libc::WEXITSTATUS(status)
}

/// The first pid from `from` on that no process has in our namespace.
fn free_pid(from: pid_t) -> pid_t {
    (from..)
        .find(|p| !fs::exists(format!("/proc/{p}")).unwrap_or(true))
        .unwrap_or(from)
}

/// Our NSpid line: our pid at every level, oldest first.
fn own_nspid() -> Vec<pid_t> {
    let status = fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("NSpid:"))
        .map(|l| {
            l.split_whitespace()
                .filter_map(|p| p.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

fn set(pids: &[pid_t]) -> PidSet {
    PidSet::from_raw(pids).expect("valid test set")
}

fn expect_errno(res: io::Result<(pid_t, i32)>, errno: i32) -> TestResult {
    match res {
        Err(e) if e.raw_os_error() == Some(errno) => Ok(()),
        Err(e) => Err(format!("expected errno {errno}, got {}", explain(&e))),
        Ok((pid, _)) => Err(format!("expected errno {errno}, got child {pid}")),
    }
}

fn chosen_pid_in_own_namespace() -> TestResult {
    let want = free_pid(20000);
    let (pid, code) = spawn(CloneFlags::EMPTY, &set(&[want]), || 0).map_err(|e| explain(&e))?;
    if pid != want || code != 0 {
        return Err(format!("wanted pid {want}, got {pid} (exit {code})"));
    }
    Ok(())
}

fn pid_in_use_is_ebusy_and_retry_works() -> TestResult {
    // SAFETY: getpid cannot fail.
    let mine = unsafe { libc::getpid() };
    expect_errno(spawn(CloneFlags::EMPTY, &set(&[mine]), || 0), libc::EBUSY)?;
    // Nothing was left allocated: the same call with a free pid works.
    chosen_pid_in_own_namespace()
}

fn more_pids_than_levels_is_einval() -> TestResult {
    let too_many = vec![0; own_nspid().len() + 1];
    expect_errno(
        spawn(CloneFlags::EMPTY, &set(&too_many), || 0),
        libc::EINVAL,
    )
}

fn pid_beyond_pid_max_is_einval() -> TestResult {
    let pid_max: pid_t = fs::read_to_string("/proc/sys/kernel/pid_max")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .ok_or("cannot read pid_max")?;
    expect_errno(
        spawn(CloneFlags::EMPTY, &set(&[pid_max]), || 0),
        libc::EINVAL,
    )
}

/// The raw call without a stack (fork semantics), expecting `errno`: a
/// child the kernel should not have made leaves at once and is reaped.
fn raw_expect(flags: libc::c_ulong, set: &TargetPidSet, errno: i32) -> TestResult {
    // SAFETY: no CLONE_VM and no pointer-taking flag in any caller's
    // flags; `set` outlives the call; single-threaded.
    let res = unsafe {
        raw::clone_with_pids(
            flags,
            ptr::null_mut(),
            ptr::null_mut(),
            ptr::null_mut(),
            0,
            set,
        )
    };
    match res {
        // SAFETY: we are the unexpected child.
        Ok(0) => unsafe { libc::_exit(0) },
        Ok(pid) => {
            // It may have no exit signal: only __WALL finds it.
            // SAFETY: reaping our own child.
            unsafe { libc::waitpid(pid, ptr::null_mut(), libc::__WALL) };
            Err(format!(
                "flags {flags:#x}: expected errno {errno}, got child {pid}"
            ))
        }
        Err(e) if e.raw_os_error() == Some(errno) => Ok(()),
        Err(e) => Err(format!(
            "flags {flags:#x}: expected errno {errno}, got {}",
            explain(&e)
        )),
    }
}

fn unreadable_set_is_efault() -> TestResult {
    let bad = TargetPidSet {
        num_pids: 1,
        target_pids: ptr::dangling_mut(),
    };
    raw_expect(libc::SIGCHLD as libc::c_ulong, &bad, libc::EFAULT)
}

/// v2: any bit above 31 is EINVAL, checked before the set is read (so it
/// wins over the set's EFAULT and a taken pid's EBUSY); nothing created.
#[cfg(target_pointer_width = "64")]
fn flags_above_bit_31_are_einval_first() -> TestResult {
    let unreadable = TargetPidSet {
        num_pids: 1,
        target_pids: ptr::dangling_mut(),
    };
    // SAFETY: getpid cannot fail.
    let mine = [unsafe { libc::getpid() }];
    let taken = TargetPidSet::new(&mine);
    let sigchld = libc::SIGCHLD as libc::c_ulong;
    // CLONE_CLEAR_SIGHAND, CLONE_INTO_CGROUP, the top bit, a clone() flag
    // shifted up.
    let newpid = libc::CLONE_NEWPID as libc::c_ulong;
    for high in [1 << 32, 1 << 33, 1 << 63, newpid << 32] {
        raw_expect(sigchld | high, &unreadable, libc::EINVAL)?;
        raw_expect(sigchld | high, &taken, libc::EINVAL)?;
    }
    Ok(())
}

/// A 32-bit caller cannot pass bits above 31.
#[cfg(not(target_pointer_width = "64"))]
fn flags_above_bit_31_are_einval_first() -> TestResult {
    Ok(())
}

/// v2: an exit signal (the low byte) above 64 is EINVAL, before the set is
/// read; 128 is also what CLONE_NEWTIME would be, which the 32-bit flag
/// space cannot express.
fn exit_signal_above_64_is_einval_first() -> TestResult {
    let unreadable = TargetPidSet {
        num_pids: 1,
        target_pids: ptr::dangling_mut(),
    };
    let too_many = TargetPidSet::new(&[0; 40]);
    for sig in [65, 100, 128, 255] {
        raw_expect(sig, &unreadable, libc::EINVAL)?;
        raw_expect(
            sig | libc::CLONE_NEWPID as libc::c_ulong,
            &too_many,
            libc::EINVAL,
        )?;
    }
    // The typed API refuses them itself.
    // SAFETY: refused before any call.
    match unsafe { clone_with_pids(CloneFlags::EMPTY, Some(65), &PidSet::any()) } {
        Err(e) if e.kind() == io::ErrorKind::InvalidInput => Ok(()),
        Err(e) => Err(format!("exit signal 65: {e}")),
        Ok(_) => Err("exit signal 65 was accepted".into()),
    }
}

/// v2: the one capability check comes before anything creating the task
/// could fail: without privilege and with RLIMIT_NPROC used up, choosing a
/// pid is EPERM, not EAGAIN (which a plain fork gets).
fn eperm_comes_before_rlimit_nproc() -> TestResult {
    let want = free_pid(23000);
    let (_, code) = spawn(CloneFlags::EMPTY, &PidSet::any(), || {
        let none = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: plain calls on our own credentials and limits; losing
        // root drops every capability.
        unsafe {
            if libc::setgroups(0, ptr::null()) != 0
                || libc::setresgid(65534, 65534, 65534) != 0
                || libc::setresuid(65534, 65534, 65534) != 0
                || libc::setrlimit(libc::RLIMIT_NPROC, &none) != 0
            {
                return 3;
            }
        }
        let chosen = set(&[want]);
        // SAFETY: single-threaded.
        let first = unsafe { fork_with_pids(&chosen) };
        // SAFETY: single-threaded.
        let plain = unsafe { fork_with_pids(&PidSet::any()) };
        let errno = |r: &io::Result<ForkResult>| match r {
            Ok(ForkResult::Child) => unsafe { libc::_exit(0) },
            Ok(ForkResult::Parent { child }) => {
                wait_exit(*child);
                0
            }
            Err(e) => e.raw_os_error().unwrap_or(-1),
        };
        match (errno(&first), errno(&plain)) {
            (libc::EPERM, libc::EAGAIN) => 0,
            (libc::EPERM, _) => 2,
            _ => 1,
        }
    })
    .map_err(|e| explain(&e))?;
    match code {
        0 => Ok(()),
        1 => Err(format!(
            "pid {want} as nobody under RLIMIT_NPROC 0: not EPERM"
        )),
        2 => Err("a plain fork under RLIMIT_NPROC 0 was not EAGAIN".into()),
        _ => Err(format!("could not become nobody (exit {code})")),
    }
}

fn new_pid_namespace_child_is_its_init() -> TestResult {
    let want = free_pid(21000);
    // SAFETY: getpid cannot fail.
    let (pid, code) = spawn(CloneFlags::NEWPID, &set(&[want]), || {
        i32::from(unsafe { libc::getpid() } != 1)
    })
    .map_err(|e| explain(&e))?;
    if pid != want || code != 0 {
        return Err(format!(
            "wanted pid {want} (1 inside), got {pid}, exit {code}"
        ));
    }
    Ok(())
}

fn every_level_from_inside_a_namespace() -> TestResult {
    let outer = free_pid(22000);
    // The youngest two levels: ours and the new namespace's.
    let wanted = [outer, 77];
    // An init in a new namespace creates a child with a pid chosen both in
    // our namespace and in its own, then checks its NSpid.
    let (_, code) = spawn(CloneFlags::NEWPID, &PidSet::any(), || {
        let pids = set(&wanted);
        // SAFETY: single-threaded.
        match unsafe { fork_with_pids(&pids) } {
            Ok(ForkResult::Child) => i32::from(!own_nspid().ends_with(&wanted)),
            Ok(ForkResult::Parent { child }) => wait_exit(child),
            Err(_) => 2,
        }
    })
    .map_err(|e| explain(&e))?;
    match code {
        0 => Ok(()),
        1 => Err(format!("grandchild's NSpid does not end with {wanted:?}")),
        _ => Err(format!("the init could not create its child (exit {code})")),
    }
}

fn innermost_only_leaves_outer_levels_to_the_kernel() -> TestResult {
    let (_, code) = spawn(CloneFlags::NEWPID, &PidSet::any(), || {
        let pids = PidSet::innermost(NonZero::new(55).expect("non-zero")).expect("valid");
        // SAFETY: single-threaded.
        match unsafe { fork_with_pids(&pids) } {
            Ok(ForkResult::Child) => i32::from(own_nspid().last() != Some(&55)),
            Ok(ForkResult::Parent { child }) => i32::from(child != 55) | wait_exit(child),
            Err(_) => 2,
        }
    })
    .map_err(|e| explain(&e))?;
    if code != 0 {
        return Err(format!("child did not get pid 55 inside (exit {code})"));
    }
    Ok(())
}

fn main() -> ExitCode {
    let tests: &[Test] = &[
        ("chosen_pid_in_own_namespace", chosen_pid_in_own_namespace),
        (
            "pid_in_use_is_ebusy_and_retry_works",
            pid_in_use_is_ebusy_and_retry_works,
        ),
        (
            "more_pids_than_levels_is_einval",
            more_pids_than_levels_is_einval,
        ),
        ("pid_beyond_pid_max_is_einval", pid_beyond_pid_max_is_einval),
        ("unreadable_set_is_efault", unreadable_set_is_efault),
        (
            "flags_above_bit_31_are_einval_first",
            flags_above_bit_31_are_einval_first,
        ),
        (
            "exit_signal_above_64_is_einval_first",
            exit_signal_above_64_is_einval_first,
        ),
        (
            "eperm_comes_before_rlimit_nproc",
            eperm_comes_before_rlimit_nproc,
        ),
        (
            "new_pid_namespace_child_is_its_init",
            new_pid_namespace_child_is_its_init,
        ),
        (
            "every_level_from_inside_a_namespace",
            every_level_from_inside_a_namespace,
        ),
        (
            "innermost_only_leaves_outer_levels_to_the_kernel",
            innermost_only_leaves_outer_levels_to_the_kernel,
        ),
    ];
    // The crate's own detection: on anything but a 6.12.y kernel that
    // answers its probe with EINVAL, "unsupported", and the crate makes no
    // call at all.
    // SAFETY: geteuid cannot fail.
    let skip = match check_support() {
        Ok(()) if unsafe { libc::geteuid() } == 0 => None,
        Ok(()) => Some("needs root".to_string()),
        Err(e) if e.raw_os_error() == Some(libc::ENOSYS) => {
            Some("the running kernel has no clone_with_pids()".to_string())
        }
        Err(e) => Some(explain(&e)),
    };
    println!("TAP version 13");
    println!("1..{}", tests.len());
    let mut failed = false;
    for (n, (name, test)) in tests.iter().enumerate() {
        let n = n + 1;
        if let Some(why) = &skip {
            println!("ok {n} {name} # SKIP {why}");
            continue;
        }
        match test() {
            Ok(()) => println!("ok {n} {name}"),
            Err(why) => {
                println!("# {name}: {why}");
                println!("not ok {n} {name}");
                failed = true;
            }
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
