//! [`NsChain`]: nested pid namespaces to create processes in.

use std::fs::{self, File};
use std::io;
use std::os::fd::AsFd;
use std::thread::sleep;
use std::time::{Duration, Instant};

use rustix::process::Pid;
use rustix::thread::{move_into_link_name_space, LinkNameSpaceType};

use crate::process::{exit_now, idle_forever, kill_and_reap};
use crate::{clone_with_pids, pid_from_raw, CloneFlags, ForkResult, PidSet, SIGCHLD};

/// A chain of `depth` nested pid namespaces below the caller's: an init in
/// each, each created by the one above it (`CLONE_NEWPID` only works from
/// a process's own active namespace, not after a `setns()`), the outermost
/// one the caller's child. [`enter`](Self::enter) makes the caller's next
/// children be created in the deepest namespace.
///
/// Dropping the chain returns the caller to its own namespace and kills
/// the outermost init, which takes the whole chain with it, and reaps it:
/// nothing of the chain is left.
///
/// ```no_run
/// use clone_with_pids::process::idle_forever;
/// use clone_with_pids::NsChain;
///
/// // SAFETY: single-threaded; the deepest init only waits.
/// let chain = unsafe { NsChain::new(4, || idle_forever()) }?;
/// chain.enter()?;
/// // ... children created now have 5 pids, the youngest in the 4th namespace ...
/// drop(chain);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct NsChain {
    /// The inits, outermost first, as pids of the caller's namespace.
    inits: Vec<Pid>,
    /// The caller's own pid namespace, to return to.
    home: File,
}

impl NsChain {
    /// Builds the chain; the deepest init runs `deepest` (which should not
    /// return: the init then exits, and its namespace with it), the others
    /// wait until they are killed. A `depth` of 0 makes no namespace.
    ///
    /// Creates the inits with [`clone_with_pids()`] without chosen pids
    /// (which is `clone()`), so it needs the call and `CAP_SYS_ADMIN`.
    ///
    /// # Errors
    ///
    /// The call's errno (ENOSYS, EPERM, ENOSPC beyond 32 levels, ...), or
    /// `TimedOut` when an init did not create the next one within 30 s.
    ///
    /// # Safety
    ///
    /// As for `fork()`: in a multi-threaded caller, `deepest` and the
    /// creation of the chain run in children that may only use
    /// async-signal-safe functions, which this function's children do not
    /// restrict themselves to. Call it from a single-threaded program.
    pub unsafe fn new(depth: usize, deepest: impl FnOnce()) -> io::Result<Self> {
        let home = File::open("/proc/self/ns/pid")?;
        if depth == 0 {
            return Ok(NsChain {
                inits: Vec::new(),
                home,
            });
        }
        let first = match new_init()? {
            Some(first) => first,
            None => {
                for _ in 1..depth {
                    match new_init() {
                        Ok(None) => continue,
                        Ok(Some(_)) => idle_forever(),
                        // The caller times out waiting for our child.
                        Err(_) => exit_now(1),
                    }
                }
                deepest();
                exit_now(1)
            }
        };
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

    /// The inits, outermost first, as pids of the caller's namespace.
    pub fn inits(&self) -> &[Pid] {
        &self.inits
    }

    /// Our new children are created in the deepest namespace from now on
    /// (`setns()` into its `pid_for_children`).
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
            // Its namespace, nested ones included, dies with it, and its
            // end waits for them.
            let _ = kill_and_reap(outer);
        }
    }
}

/// A child that is pid 1 of a new pid namespace: `None` in the child, its
/// pid in the caller.
fn new_init() -> io::Result<Option<Pid>> {
    // SAFETY: fork semantics (no stack, no shared memory); NsChain::new's
    // caller is single-threaded.
    match unsafe { clone_with_pids(CloneFlags::NEWPID, Some(SIGCHLD), &PidSet::any()) }? {
        ForkResult::Child => Ok(None),
        ForkResult::Parent { child } => Ok(Some(child)),
    }
}

/// The first child of `parent` (from /proc/PID/task/PID/children), waiting
/// for it to appear.
fn wait_for_child(parent: Pid) -> io::Result<Pid> {
    let path = format!("/proc/{parent}/task/{parent}/children");
    let start = Instant::now();
    loop {
        if let Some(child) = fs::read_to_string(&path)?
            .split_whitespace()
            .find_map(|p| pid_from_raw(p.parse().ok()?))
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
    move_into_link_name_space(ns.as_fd(), Some(LinkNameSpaceType::ProcessID))?;
    Ok(())
}
