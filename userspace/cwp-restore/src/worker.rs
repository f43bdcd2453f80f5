//! The code restored processes run: create your children, report, wait.
//!
//! Every restored process is a fork of the driver and holds the whole plan
//! in memory, so it needs no instruction but its own node number. It
//! creates its children one by one with `clone_with_pids()`; each child
//! continues in this same loop with its own node. Nothing here returns:
//! the processes end when their namespace is torn down.

use std::os::fd::RawFd;

use clone_with_pids::{clone_with_pids, ForkResult};

use crate::message::Message;
use crate::plan::Plan;

/// Where a restored process talks to the driver.
#[derive(Clone, Copy, Debug)]
pub struct Channels {
    /// Write end of the report pipe (shared by all restored processes).
    pub report: RawFd,
    /// Read end of the control pipe (only the top reads it).
    pub control: RawFd,
}

/// Runs node 0 (the top) and, in the processes it creates, their nodes.
pub fn run_top(plan: &Plan, channels: Channels) -> ! {
    // If the driver dies before it tears the tree down, the kernel kills
    // the top, which takes its whole namespace along.
    // SAFETY: prctl with integer arguments.
    unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0) };
    // Restored processes print nothing; they must not keep the driver's
    // terminal or pipes open after it exits (--keep).
    redirect_stdio_to_null();

    let mut me = 0;
    'node: loop {
        for &child in &plan.nodes[me].children {
            // SAFETY: the driver is single-threaded, so this copy of it may
            // do anything.
            match unsafe {
                clone_with_pids(plan.flags(child), Some(libc::SIGCHLD), &plan.pid_set(child))
            } {
                Ok(ForkResult::Child) => {
                    me = child;
                    continue 'node;
                }
                Ok(ForkResult::Parent { .. }) => {}
                Err(e) => {
                    let errno = e.raw_os_error().unwrap_or(libc::EIO);
                    let _ = Message::Failed(child as u32, errno).send(channels.report);
                    exit(1);
                }
            }
        }
        break;
    }
    // The driver is gone if this fails (EPIPE, or SIGPIPE kills us first):
    // leave, and if we are the top, the namespace goes with us.
    if Message::Ready(me as u32).send(channels.report).is_err() {
        exit(1);
    }
    if me == 0 {
        wait_for_detach(channels);
    }
    loop {
        // SAFETY: pause has no arguments; the process waits for SIGKILL.
        unsafe { libc::pause() };
    }
}

/// The top waits for the driver's word: 'D' (keep the tree: stop
/// depending on the driver) or end of file (the driver is gone: exit, which
/// tears the namespace down).
fn wait_for_detach(channels: Channels) {
    let mut byte = 0u8;
    loop {
        // SAFETY: reading one byte into a live buffer.
        let n = unsafe { libc::read(channels.control, (&raw mut byte).cast(), 1) };
        if n < 0 && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
            continue;
        }
        if n == 1 && byte == b'D' {
            // SAFETY: prctl with integer arguments.
            unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, 0, 0, 0, 0) };
            if Message::Detached.send(channels.report).is_ok() {
                return;
            }
        }
        exit(1);
    }
}

fn redirect_stdio_to_null() {
    // SAFETY: open/dup2/close on plain descriptors; failures leave stdio
    // as it was, which only matters for --keep.
    unsafe {
        let null = libc::open(c"/dev/null".as_ptr(), libc::O_RDWR);
        if null >= 0 {
            for fd in 0..=2 {
                libc::dup2(null, fd);
            }
            if null > 2 {
                libc::close(null);
            }
        }
    }
}

fn exit(code: i32) -> ! {
    // SAFETY: _exit skips the driver's exit handlers and stdio buffers,
    // which belong to the driver.
    unsafe { libc::_exit(code) }
}
