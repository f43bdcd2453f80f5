//! The crate against the running kernel: chosen pids, errors, namespaces.
//!
//! A plain program rather than libtest (`harness = false`): it stays
//! single-threaded, so the forked children may allocate and read /proc.
//! Prints KTAP; every test is skipped on a kernel without the call or when
//! not run as root, so `cargo test` passes on any host.

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

fn unreadable_set_is_efault() -> TestResult {
    let bad = TargetPidSet {
        num_pids: 1,
        target_pids: ptr::dangling_mut(),
    };
    // SAFETY: the kernel must refuse the dangling array before creating a
    // process; should it create one, the child leaves at once.
    let res = unsafe {
        raw::clone_with_pids(
            libc::SIGCHLD as libc::c_ulong,
            ptr::null_mut(),
            ptr::null_mut(),
            ptr::null_mut(),
            0,
            &bad,
        )
    };
    match res {
        // SAFETY: we are the unexpected child.
        Ok(0) => unsafe { libc::_exit(0) },
        Ok(pid) => {
            wait_exit(pid);
            Err(format!("expected EFAULT, got child {pid}"))
        }
        Err(e) if e.raw_os_error() == Some(libc::EFAULT) => Ok(()),
        Err(e) => Err(format!("expected EFAULT, got {}", explain(&e))),
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
