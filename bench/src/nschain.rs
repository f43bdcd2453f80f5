//! Nested pid namespaces to measure in: a chain of inits, each created by
//! the one above it (CLONE_NEWPID only works from a process's own active
//! namespace, not after a setns), and `setns()` so that our children can be
//! created at the deepest level.

use std::fs::{self, File};
use std::io;
use std::os::fd::AsRawFd;
use std::thread::sleep;
use std::time::{Duration, Instant};

use libc::pid_t;

use crate::procs::{idle_forever, reap};
use crate::spawn::clone_fork;

/// `depth` nested pid namespaces below ours. The outermost init is our
/// child; killing it tears the whole chain down.
pub struct NsChain {
    /// The inits, outermost first, as pids of our namespace.
    inits: Vec<pid_t>,
    /// Our own pid namespace, to return to.
    home: File,
}

impl NsChain {
    /// Builds the chain; the deepest init runs `deepest` (which should not
    /// return: the init then exits), the others wait.
    pub fn new(depth: usize, deepest: impl FnOnce()) -> io::Result<Self> {
        let home = File::open("/proc/self/ns/pid")?;
        let first = new_init()?;
        if first == 0 {
            for _ in 1..depth {
                match new_init() {
                    Ok(0) => continue,
                    Ok(_) => idle_forever(),
                    // SAFETY: leaving the child; the caller times out.
                    Err(_) => unsafe { libc::_exit(1) },
                }
            }
            deepest();
            // SAFETY: leaving the child.
            unsafe { libc::_exit(1) };
        }
        let mut chain = NsChain {
            inits: vec![first],
            home,
        };
        while chain.inits.len() < depth {
            let parent = chain.inits[chain.inits.len() - 1];
            chain.inits.push(wait_for_child(parent)?);
        }
        Ok(chain)
    }

    /// Our new children are created in the deepest namespace from now on.
    pub fn enter(&self) -> io::Result<()> {
        match self.inits.last() {
            Some(init) => setns_pid(&File::open(format!("/proc/{init}/ns/pid"))?),
            None => Ok(()),
        }
    }

    /// Our new children are created in our own namespace again.
    pub fn leave(&self) -> io::Result<()> {
        setns_pid(&self.home)
    }
}

impl Drop for NsChain {
    fn drop(&mut self) {
        let _ = self.leave();
        if let Some(&outer) = self.inits.first() {
            // SAFETY: kill our own child; its namespace, nested ones
            // included, dies with it, and its exit waits for them.
            unsafe { libc::kill(outer, libc::SIGKILL) };
            reap(outer);
        }
    }
}

/// clone(CLONE_NEWPID): 0 in the new init, its pid in the caller.
fn new_init() -> io::Result<pid_t> {
    // SAFETY: fork semantics; the benchmark is single-threaded.
    let pid = unsafe { clone_fork((libc::CLONE_NEWPID | libc::SIGCHLD) as libc::c_ulong) };
    if pid < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(pid as pid_t)
}

/// The first child of `parent` (from /proc/PID/task/PID/children), waiting
/// for it to appear.
fn wait_for_child(parent: pid_t) -> io::Result<pid_t> {
    let path = format!("/proc/{parent}/task/{parent}/children");
    let start = Instant::now();
    loop {
        if let Some(child) = fs::read_to_string(&path)?
            .split_whitespace()
            .find_map(|p| p.parse().ok())
        {
            return Ok(child);
        }
        if start.elapsed() > Duration::from_secs(30) {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("init {parent} made no child"),
            ));
        }
        sleep(Duration::from_millis(1));
    }
}

fn setns_pid(ns: &File) -> io::Result<()> {
    // SAFETY: setns on a live descriptor of a pid namespace.
    if unsafe { libc::setns(ns.as_raw_fd(), libc::CLONE_NEWPID) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}
