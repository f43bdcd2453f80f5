//! The code restored processes run: create your children, report, wait.
//!
//! Every restored process is a fork of the driver and holds the whole plan
//! in memory, so it needs no instruction but its own node number. It
//! creates its children one by one with `clone_with_pids()`; each child
//! continues in this same loop with its own node. Nothing here returns:
//! the processes end when their namespace is torn down.

use std::fs::OpenOptions;

use clone_with_pids::process::{exit_now, wait_for_kill};
use clone_with_pids::{clone_with_pids, BorrowedFd, ForkResult, SIGCHLD};
use rustix::io::Errno;
use rustix::process::{set_parent_process_death_signal, Signal};
use rustix::stdio::{dup2_stderr, dup2_stdin, dup2_stdout};

use crate::message::Message;
use crate::plan::Plan;

/// Where a restored process talks to the driver.
#[derive(Clone, Copy, Debug)]
pub struct Channels<'a> {
    /// Write end of the report pipe (shared by all restored processes).
    pub report: BorrowedFd<'a>,
    /// Read end of the control pipe (only the top reads it).
    pub control: BorrowedFd<'a>,
}

/// Runs node 0 (the top) and, in the processes it creates, their nodes.
///
/// Call it only in a child forked from the single-threaded driver: it
/// forks in turn, and its children may do anything.
pub fn run_top(plan: &Plan, channels: Channels<'_>) -> ! {
    // If the driver dies before it tears the tree down, the kernel kills
    // the top, which takes its whole namespace along. (Should this fail,
    // the top still exits when the control pipe closes.)
    let _ = set_parent_process_death_signal(Some(Signal::KILL));
    // Restored processes print nothing; they must not keep the driver's
    // terminal or pipes open after it exits (--keep).
    redirect_stdio_to_null();

    let mut me = 0;
    'node: loop {
        for &child in &plan.nodes[me].children {
            // SAFETY: the driver is single-threaded, and so is this fork of
            // it, so the new child may do anything.
            match unsafe { clone_with_pids(plan.flags(child), Some(SIGCHLD), &plan.pid_set(child)) }
            {
                Ok(ForkResult::Child) => {
                    me = child;
                    continue 'node;
                }
                Ok(ForkResult::Parent { .. }) => {}
                Err(e) => {
                    let errno = e.raw_os_error().unwrap_or(Errno::IO.raw_os_error());
                    let node = u32::try_from(child).unwrap_or(u32::MAX);
                    let _ = Message::Failed(node, errno).send(channels.report);
                    exit_now(1);
                }
            }
        }
        break;
    }
    // The driver is gone if this fails (EPIPE: SIGPIPE is ignored, as Rust
    // programs start with it): leave, and if we are the top, the namespace
    // goes with us.
    let node = u32::try_from(me).unwrap_or(u32::MAX);
    if Message::Ready(node).send(channels.report).is_err() {
        exit_now(1);
    }
    if me == 0 {
        wait_for_detach(channels);
    }
    wait_for_kill()
}

/// The top waits for the driver's word: 'D' (keep the tree: stop
/// depending on the driver) or end of file (the driver is gone: exit, which
/// tears the namespace down).
fn wait_for_detach(channels: Channels<'_>) {
    let mut byte = [0u8; 1];
    let word = loop {
        match rustix::io::read(channels.control, &mut byte) {
            Err(Errno::INTR) => continue,
            other => break other,
        }
    };
    let detached = matches!(word, Ok(1))
        && byte[0] == b'D'
        && set_parent_process_death_signal(None).is_ok()
        && Message::Detached.send(channels.report).is_ok();
    if !detached {
        exit_now(1);
    }
}

/// Points stdin, stdout and stderr at /dev/null. Failures leave stdio as
/// it was, which only matters for `--keep`.
fn redirect_stdio_to_null() {
    if let Ok(null) = OpenOptions::new().read(true).write(true).open("/dev/null") {
        let _ = dup2_stdin(&null);
        let _ = dup2_stdout(&null);
        let _ = dup2_stderr(&null);
    }
}
