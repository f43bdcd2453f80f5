//! The crate against the running kernel: chosen pids, errors, namespaces.
//!
//! A plain program rather than libtest (`harness = false`): it stays
//! single-threaded, so the forked children may allocate and read /proc.
//! Prints KTAP; every test is skipped on a kernel without the call (as
//! `check_support()` finds out: on any kernel but a 6.12.y one that answers
//! the probe with EINVAL, the crate makes no call at all) or when not run
//! as root, so `cargo test` passes on any host.
//!
//! No silent skip where the call must be there: when the environment has
//! `CWP_REQUIRE_SYSCALL=1` (the tooling puts it in the guest's command line
//! when it built the kernel with `CONFIG_CLONE_WITH_PIDS=y`), or when
//! `/proc/kallsyms` lists a clone_with_pids() entry point (a strong `T`/`t`
//! `*_sys_clone_with_pids` symbol; `CONFIG_CLONE_WITH_PIDS=n` leaves only
//! the weak `W` stub), "unsupported" fails every test with the reason
//! instead. With the variable, not being root fails too.
//!
//! `--list` prints the test names, one a line, and runs nothing: the
//! tooling checks the guest's results against it.

use std::fs;
use std::io;
use std::process::ExitCode;
use std::ptr;

use clone_with_pids::process::{exit_now, reap};
use clone_with_pids::procfs::own_nspid;
use clone_with_pids::raw::{self, TargetPidSet};
use clone_with_pids::rustix::process::{geteuid, getpid, setrlimit, Gid, Resource, Rlimit, Uid};
use clone_with_pids::rustix::thread::{set_thread_groups, set_thread_res_gid, set_thread_res_uid};
use clone_with_pids::{
    addressable_levels, check_support, clone_with_pids, explain, fork_with_pids, pid_from_raw,
    CloneFlags, ForkResult, Pid, PidSet, RawPid, SIGCHLD,
};

type TestResult = Result<(), String>;

/// A named test.
type Test = (&'static str, fn() -> TestResult);

/// Creates a child running `child` (its return value is the exit status)
/// and returns the child's pid and exit status.
fn spawn(
    flags: CloneFlags,
    pids: &PidSet,
    child: impl FnOnce() -> i32,
) -> io::Result<(RawPid, i32)> {
    // SAFETY: this program is single-threaded.
    match unsafe { clone_with_pids(flags, Some(SIGCHLD), pids) }? {
        // Leave without running the parent's atexit handlers.
        ForkResult::Child => exit_now(child()),
        ForkResult::Parent { child } => Ok((child.as_raw_pid(), wait_exit(child))),
    }
}

/// Reaps `pid`: its exit status, or -1 when it did not exit.
fn wait_exit(pid: Pid) -> i32 {
    reap(pid).ok().and_then(|s| s.exit_status()).unwrap_or(-1)
}

/// The first pid from `from` on that no process has in our namespace.
fn free_pid(from: RawPid) -> RawPid {
    (from..)
        .find(|p| !fs::exists(format!("/proc/{p}")).unwrap_or(true))
        .unwrap_or(from)
}

/// Our NSpid: our pid at every level, oldest first; empty if unreadable.
fn nspid_of_self() -> Vec<RawPid> {
    own_nspid().unwrap_or_default()
}

fn set(pids: &[RawPid]) -> PidSet {
    PidSet::from_raw(pids).expect("valid test set")
}

fn expect_errno(res: io::Result<(RawPid, i32)>, errno: i32) -> TestResult {
    match res {
        Err(e) if e.raw_os_error() == Some(errno) => Ok(()),
        Err(e) => Err(format!("expected errno {errno}, got {}", explain(&e))),
        Ok((pid, _)) => Err(format!("expected errno {errno}, got child {pid}")),
    }
}

fn chosen_pid_in_own_namespace() -> TestResult {
    let want = free_pid(20000);
    let (pid, code) = spawn(CloneFlags::empty(), &set(&[want]), || 0).map_err(|e| explain(&e))?;
    if pid != want || code != 0 {
        return Err(format!("wanted pid {want}, got {pid} (exit {code})"));
    }
    Ok(())
}

fn pid_in_use_is_ebusy_and_retry_works() -> TestResult {
    let mine = getpid().as_raw_pid();
    expect_errno(spawn(CloneFlags::empty(), &set(&[mine]), || 0), libc::EBUSY)?;
    // Nothing was left allocated: the same call with a free pid works.
    chosen_pid_in_own_namespace()
}

fn more_pids_than_levels_is_einval() -> TestResult {
    let too_many = vec![0; nspid_of_self().len() + 1];
    expect_errno(
        spawn(CloneFlags::empty(), &set(&too_many), || 0),
        libc::EINVAL,
    )
}

fn pid_beyond_pid_max_is_einval() -> TestResult {
    let pid_max = clone_with_pids::procfs::pid_max().map_err(|e| format!("pid_max: {e}"))?;
    expect_errno(
        spawn(CloneFlags::empty(), &set(&[pid_max]), || 0),
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
    match res.map(pid_from_raw) {
        // We are the unexpected child.
        Ok(None) => exit_now(0),
        Ok(Some(pid)) => {
            // It may have no exit signal: reap() waits with __WALL.
            let _ = reap(pid);
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
    let mine = [getpid().as_raw_pid()];
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
    match unsafe { clone_with_pids(CloneFlags::empty(), Some(65), &PidSet::any()) } {
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
    let (_, code) = spawn(CloneFlags::empty(), &PidSet::any(), || {
        let none = Rlimit {
            current: Some(0),
            maximum: Some(0),
        };
        // This process has one thread, so the thread's credentials are the
        // process's; losing root drops every capability.
        let nobody_gid = Gid::from_raw(65534);
        let nobody_uid = Uid::from_raw(65534);
        if set_thread_groups(&[]).is_err()
            || set_thread_res_gid(nobody_gid, nobody_gid, nobody_gid).is_err()
            || set_thread_res_uid(nobody_uid, nobody_uid, nobody_uid).is_err()
            || setrlimit(Resource::Nproc, none).is_err()
        {
            return 3;
        }
        let chosen = set(&[want]);
        // SAFETY: single-threaded.
        let first = unsafe { fork_with_pids(&chosen) };
        // SAFETY: single-threaded.
        let plain = unsafe { fork_with_pids(&PidSet::any()) };
        let errno = |r: &io::Result<ForkResult>| match r {
            Ok(ForkResult::Child) => exit_now(0),
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
    let (pid, code) = spawn(CloneFlags::NEWPID, &set(&[want]), || {
        i32::from(!getpid().is_init())
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
            Ok(ForkResult::Child) => i32::from(!nspid_of_self().ends_with(&wanted)),
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
        let Some(pid) = pid_from_raw(55) else {
            return 3;
        };
        let Ok(pids) = PidSet::innermost(pid) else {
            return 3;
        };
        // SAFETY: single-threaded.
        match unsafe { fork_with_pids(&pids) } {
            Ok(ForkResult::Child) => i32::from(nspid_of_self().last() != Some(&55)),
            Ok(ForkResult::Parent { child }) => i32::from(child != pid) | wait_exit(child),
            Err(_) => 2,
        }
    })
    .map_err(|e| explain(&e))?;
    if code != 0 {
        return Err(format!("child did not get pid 55 inside (exit {code})"));
    }
    Ok(())
}

/// The levels a set may address count from the initial namespace: the
/// caller's level plus one, one more in a new namespace, and the same after
/// mounting a /proc of its own there (where NSpid would say 1).
fn addressable_levels_count_from_the_initial_namespace() -> TestResult {
    let ours = addressable_levels().map_err(|e| explain(&e))?;
    let nspid = nspid_of_self().len();
    if ours != nspid {
        return Err(format!("{ours} addressable levels, but NSpid has {nspid}"));
    }
    let (_, code) = spawn(CloneFlags::NEWPID, &PidSet::any(), || {
        let before = addressable_levels();
        let mounted = clone_with_pids::procfs::mount_private_proc();
        let after = addressable_levels();
        match (before, mounted, after) {
            (Ok(b), Ok(()), Ok(a)) if b == ours + 1 && a == b && nspid_of_self().len() == 1 => 0,
            (Ok(_), Ok(()), Ok(_)) => 1,
            _ => 2,
        }
    })
    .map_err(|e| explain(&e))?;
    match code {
        0 => Ok(()),
        1 => Err(format!("inside a new namespace: not {} levels", ours + 1)),
        _ => Err(format!("inside a new namespace: an error (exit {code})")),
    }
}

/// The variable with which the tooling says that the running kernel was
/// built with `CONFIG_CLONE_WITH_PIDS=y`.
const REQUIRE_VAR: &str = "CWP_REQUIRE_SYSCALL";

/// Whether the tooling asked for the call: the variable set to anything
/// but empty or "0".
fn required_by_variable() -> bool {
    std::env::var_os(REQUIRE_VAR).is_some_and(|v| !v.is_empty() && v != "0")
}

/// Whether a `/proc/kallsyms` line is a clone_with_pids() entry point: a
/// strong (`T` or `t`) symbol ending in `_sys_clone_with_pids`, as
/// `__x64_sys_clone_with_pids` or `__ia32_sys_clone_with_pids`. The weak
/// (`W`) `COND_SYSCALL()` stub that `CONFIG_CLONE_WITH_PIDS=n` leaves does
/// not count. The same rule as the kselftests' `cwp_kernel_has_syscall()`.
fn is_entry_point(line: &str) -> bool {
    let mut fields = line.split_whitespace().skip(1);
    matches!(
        (fields.next(), fields.next()),
        (Some("T" | "t"), Some(name)) if name.ends_with("_sys_clone_with_pids")
    )
}

/// The rule of [`is_entry_point`] on lines of both kinds: checked at each
/// run, as this program has no unit tests of its own.
fn check_entry_point_rule() {
    for yes in [
        "ffffffff81234560 T __x64_sys_clone_with_pids",
        "0000000000000000 T __ia32_sys_clone_with_pids",
        "ffffffff81234560 t __arm64_sys_clone_with_pids",
    ] {
        assert!(is_entry_point(yes), "{yes}");
    }
    for no in [
        "ffffffff81234560 W __x64_sys_clone_with_pids",
        "ffffffff81234560 T __x64_sys_clone3",
        "ffffffff81234560 T __x64_sys_clone_with_pids_compat",
        "ffffffff81234560 d __x64_sys_clone_with_pids",
        "",
    ] {
        assert!(!is_entry_point(no), "{no}");
    }
}

/// The entry point /proc/kallsyms lists, if any.
fn kallsyms_entry_point() -> Option<String> {
    let syms = fs::read_to_string("/proc/kallsyms").ok()?;
    syms.lines()
        .find(|l| is_entry_point(l))
        .and_then(|l| l.split_whitespace().nth(2))
        .map(str::to_string)
}

/// Why the running kernel must have the call, when it must.
fn required_because() -> Option<String> {
    if required_by_variable() {
        Some(format!(
            "{REQUIRE_VAR}=1 (the kernel was built with CONFIG_CLONE_WITH_PIDS=y)"
        ))
    } else {
        kallsyms_entry_point().map(|sym| format!("/proc/kallsyms has the entry point {sym}"))
    }
}

/// What to do with every test.
enum Verdict {
    Run,
    Skip(String),
    Fail(String),
}

/// Run the tests, or skip them where the call cannot be used, or fail
/// them where it should be usable and is not.
fn verdict() -> Verdict {
    // The crate's own detection: on anything but a 6.12.y kernel that
    // answers its probe with EINVAL, "unsupported", and the crate makes no
    // call at all.
    // ENOSYS: not 6.12.y, or the probe answered ENOSYS.
    let unsupported = check_support().err();
    let root = geteuid().is_root();
    match (unsupported, required_because()) {
        (Some(e), Some(because)) => Verdict::Fail(format!(
            "{because}, but check_support() says: {}",
            explain(&e)
        )),
        (Some(e), None) if e.raw_os_error() == Some(libc::ENOSYS) => {
            Verdict::Skip("the running kernel has no clone_with_pids()".to_string())
        }
        (Some(e), None) => Verdict::Skip(explain(&e)),
        (None, _) if root => Verdict::Run,
        (None, _) if required_by_variable() => {
            Verdict::Fail(format!("{REQUIRE_VAR}=1, but not run as root"))
        }
        (None, _) => Verdict::Skip("needs root".to_string()),
    }
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
        (
            "addressable_levels_count_from_the_initial_namespace",
            addressable_levels_count_from_the_initial_namespace,
        ),
    ];
    if std::env::args().skip(1).any(|a| a == "--list") {
        for (name, _) in tests {
            println!("{name}");
        }
        return ExitCode::SUCCESS;
    }
    check_entry_point_rule();
    let verdict = verdict();
    println!("TAP version 13");
    println!("1..{}", tests.len());
    if let Some(why) = &required_because() {
        println!("# clone_with_pids() required: {why}");
    }
    if let Verdict::Fail(why) = &verdict {
        println!("# every test fails: {why}");
    }
    let mut failed = false;
    for (n, (name, test)) in tests.iter().enumerate() {
        let n = n + 1;
        match &verdict {
            Verdict::Run => {}
            Verdict::Skip(why) => {
                println!("ok {n} {name} # SKIP {why}");
                continue;
            }
            Verdict::Fail(_) => {
                println!("not ok {n} {name}");
                failed = true;
                continue;
            }
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
