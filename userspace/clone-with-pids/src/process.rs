//! The life of the processes one creates: waiting for them, ending them,
//! and what a created child does when it has nothing left to do.

use std::io;
use std::time::Duration;

use rustix::process::{
    kill_process, set_parent_process_death_signal, waitid, waitpid, Pid, Signal, WaitId,
    WaitIdOptions, WaitOptions, WaitStatus,
};

/// Waits until our child `pid` has ended, and reaps it: its wait status.
/// Waits with `__WALL`, so a child without an exit signal (or with another
/// one than `SIGCHLD`) is found too; an interrupted wait is resumed.
/// Allocation-free and async-signal-safe.
pub fn reap(pid: Pid) -> io::Result<WaitStatus> {
    let all = WaitOptions::from_bits_retain(libc::__WALL as u32);
    loop {
        match waitpid(Some(pid), all) {
            Ok(Some((_, status))) => return Ok(status),
            // Only WNOHANG makes waitpid() return without a child.
            Ok(None) => return Err(io::Error::from_raw_os_error(libc::ECHILD)),
            Err(rustix::io::Errno::INTR) => continue,
            Err(e) => return Err(e.into()),
        }
    }
}

/// Waits until our child `pid` stops (`SIGSTOP`) or ends: true when it
/// stopped (it stays, stopped, to be killed and reaped later), false when
/// it ended (it is reaped).
pub fn wait_stopped(pid: Pid) -> io::Result<bool> {
    loop {
        match waitpid(Some(pid), WaitOptions::UNTRACED) {
            Ok(Some((_, status))) => return Ok(status.stopped()),
            Ok(None) => return Ok(false),
            Err(rustix::io::Errno::INTR) => continue,
            Err(e) => return Err(e.into()),
        }
    }
}

/// Whether our child `pid` has ended, without waiting and without reaping
/// it.
pub fn has_exited(pid: Pid) -> io::Result<bool> {
    let options = WaitIdOptions::EXITED | WaitIdOptions::NOHANG | WaitIdOptions::NOWAIT;
    Ok(waitid(WaitId::Pid(pid), options)?.is_some())
}

/// Kills our child `pid` with `SIGKILL` and reaps it. When it is a pid
/// namespace's init, the kernel kills every process of that namespace and
/// of those nested in it, and the init's end waits until they are all
/// reaped: once this returns, nothing of the namespace is left.
pub fn kill_and_reap(pid: Pid) -> io::Result<WaitStatus> {
    // An init that has already ended is still reaped below.
    let _ = kill_process(pid, Signal::KILL);
    reap(pid)
}

/// Ends the calling process at once with status `code` (`_exit(2)`):
/// without running exit handlers and without flushing stdio buffers, which
/// in a forked child are the parent's. What a child created by a fork-like
/// call does instead of returning.
pub fn exit_now(code: i32) -> ! {
    // SAFETY: _exit() has no preconditions; it ends the process without
    // touching any of its memory.
    unsafe { libc::_exit(code) }
}

/// Waits until a signal ends the process (`SIGKILL`, typically: as when
/// its pid namespace is torn down). Never returns.
pub fn wait_for_kill() -> ! {
    loop {
        // Woken only by a signal that has a handler; the time is moot.
        std::thread::sleep(Duration::from_secs(3600));
    }
}

/// Dies with its parent: asks for `SIGKILL` when the parent ends
/// (`PR_SET_PDEATHSIG`), then waits for it. For helper processes that must
/// not outlive their creator. Never returns.
pub fn idle_forever() -> ! {
    // Without it the process still ends with its pid namespace.
    let _ = set_parent_process_death_signal(Some(Signal::KILL));
    wait_for_kill()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{fork_with_pids, ForkResult, PidSet};

    /// A child that stops, then is killed and reaped; or, where the call
    /// is missing, nothing to do.
    #[test]
    fn stop_kill_reap() {
        // SAFETY: the child only raises a signal and _exits.
        match unsafe { fork_with_pids(&PidSet::any()) } {
            Ok(ForkResult::Child) => {
                let _ = kill_process(rustix::process::getpid(), Signal::STOP);
                exit_now(3)
            }
            Ok(ForkResult::Parent { child }) => {
                assert!(wait_stopped(child).unwrap());
                assert!(!has_exited(child).unwrap());
                let status = kill_and_reap(child).unwrap();
                assert_eq!(status.terminating_signal(), Some(Signal::KILL.as_raw()));
            }
            Err(e) => assert_eq!(e.raw_os_error(), Some(libc::ENOSYS), "{e}"),
        }
    }
}
