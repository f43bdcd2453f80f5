//! `cwp-restore restore`: the driver. It creates the top, collects the
//! restored processes' reports, verifies the tree and tears it down (or
//! keeps it).

use std::io::{self, IsTerminal, Read, Write};
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use clone_with_pids::{check_support, clone_with_pids, explain, CloneFlags, ForkResult, PidSet};
use libc::pid_t;

use crate::message::{self, Message};
use crate::plan::Plan;
use crate::procfs;
use crate::tree::Tree;
use crate::verify::{self, Verified};
use crate::worker::{self, Channels};

/// How to restore.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Leave the tree running and print its top's pid.
    pub keep: bool,
    /// Give up when no process reported for this long.
    pub stall_timeout: Duration,
    /// Print every verified process.
    pub verbose: bool,
}

/// The top of a restored tree, killed with its whole namespace (and
/// reaped) when dropped: every error path cleans up by returning early.
struct Top {
    pid: pid_t,
}

impl Top {
    /// Whether the top has exited (without reaping it).
    fn has_exited(&self) -> bool {
        // SAFETY: an all-zero siginfo_t is valid; waitid fills it.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        let flags = libc::WEXITED | libc::WNOHANG | libc::WNOWAIT;
        // SAFETY: waitid on our own child with a live siginfo_t.
        let r = unsafe { libc::waitid(libc::P_PID, self.pid as libc::id_t, &mut info, flags) };
        // SAFETY: si_pid is set when waitid reported a child.
        r == 0 && unsafe { info.si_pid() } == self.pid
    }

    /// Keeps the tree: the top stays, no longer tied to us.
    fn keep(self) -> pid_t {
        let pid = self.pid;
        std::mem::forget(self);
        pid
    }
}

impl Drop for Top {
    fn drop(&mut self) {
        // SIGKILL to a namespace's init kills every process of the
        // namespace and of those nested in it; its exit waits until they
        // are all reaped, so once we reap it nothing is left.
        // SAFETY: kill and waitpid on our own child.
        unsafe {
            libc::kill(self.pid, libc::SIGKILL);
            while libc::waitpid(self.pid, std::ptr::null_mut(), 0) < 0
                && io::Error::last_os_error().kind() == io::ErrorKind::Interrupted
            {}
        }
    }
}

/// Restores `tree` in a fresh pid namespace below ours, verifies it and
/// tears it down (or keeps it). Prints a report to stdout, progress to
/// stderr.
pub fn restore(tree: &Tree, opts: Options) -> Result<()> {
    check_support().map_err(|e| anyhow!("cannot restore: {}", explain(&e)))?;
    procfs::check_proc_is_ours()?;
    let plan = Plan::new(tree);
    let (mut report_rx, report_tx) = io::pipe().context("cannot create a pipe")?;
    let (control_rx, mut control_tx) = io::pipe().context("cannot create a pipe")?;
    // Flushed now, or every restored process would inherit a copy.
    io::stdout().flush().ok();

    let start = Instant::now();
    // SAFETY: this program never starts a thread, so the child may run
    // any code.
    let top =
        match unsafe { clone_with_pids(CloneFlags::NEWPID, Some(libc::SIGCHLD), &PidSet::any()) } {
            Ok(ForkResult::Child) => {
                drop(report_rx);
                drop(control_tx);
                worker::run_top(
                    &plan,
                    Channels {
                        report: report_tx.as_raw_fd(),
                        control: control_rx.as_raw_fd(),
                    },
                )
            }
            Ok(ForkResult::Parent { child }) => Top { pid: child },
            Err(e) => bail!("cannot create the restored top namespace: {}", explain(&e)),
        };
    // Ours closed, end of file means every restored process is gone.
    drop(report_tx);
    drop(control_rx);

    let outcome = collect(&mut report_rx, &plan, &top, opts.stall_timeout)
        .and_then(|()| Ok((start.elapsed(), verify::verify(&plan, top.pid)?)));
    let (elapsed, verified) = match outcome {
        Ok(done) => done,
        Err(e) => {
            drop(top);
            return Err(e.context("restore failed; every process it created was killed and reaped"));
        }
    };
    print_report(&plan, tree, &verified, elapsed, opts.verbose, top.pid);

    if opts.keep {
        control_tx
            .write_all(b"D")
            .context("cannot reach the restored top")?;
        match read_message(&mut report_rx)? {
            Some(Message::Detached) => {}
            other => bail!("the restored top did not detach (got {other:?})"),
        }
        let pid = top.keep();
        println!("kept: the tree stays; 'kill -KILL {pid}' (its top) tears it all down");
    } else {
        drop(top);
        println!("torn down: killed the top namespace's init and reaped every process");
    }
    Ok(())
}

/// Reads reports until every node is ready, failing on the first failure,
/// on a stall, or when the restored processes vanish.
fn collect(rx: &mut io::PipeReader, plan: &Plan, top: &Top, stall: Duration) -> Result<()> {
    let total = plan.nodes.len();
    let mut progress = Progress::new(total);
    let mut ready = 0;
    let mut last_news = Instant::now();
    while ready < total {
        if !wait_readable(rx, Duration::from_secs(1))? {
            if top.has_exited() {
                bail!(
                    "the restored top exited early; {ready} of {total} processes had been restored"
                );
            }
            if last_news.elapsed() > stall {
                bail!(
                    "no progress for {} s ({ready} of {total} processes restored); giving up",
                    stall.as_secs()
                );
            }
            continue;
        }
        match read_message(rx)? {
            Some(Message::Ready(_)) => {
                ready += 1;
                last_news = Instant::now();
                progress.show(ready);
            }
            Some(Message::Failed(node, errno)) => {
                progress.done();
                bail!("{}", describe_failure(plan, node as usize, errno));
            }
            Some(Message::Detached) => bail!("unexpected message from the restored top"),
            None => bail!("every restored process is gone ({ready} of {total} had been restored)"),
        }
    }
    progress.done();
    Ok(())
}

fn wait_readable(rx: &io::PipeReader, timeout: Duration) -> Result<bool> {
    let mut pfd = libc::pollfd {
        fd: rx.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    let ms = timeout.as_millis().try_into().unwrap_or(i32::MAX);
    // SAFETY: polling one live pollfd.
    let n = unsafe { libc::poll(&mut pfd, 1, ms) };
    if n < 0 {
        let e = io::Error::last_os_error();
        if e.kind() == io::ErrorKind::Interrupted {
            return Ok(false);
        }
        return Err(e).context("poll on the report pipe");
    }
    Ok(n > 0)
}

/// One whole message, or `None` at end of file.
fn read_message(rx: &mut io::PipeReader) -> Result<Option<Message>> {
    let mut buf = [0u8; message::SIZE];
    match rx.read_exact(&mut buf) {
        Ok(()) => Message::decode(&buf)
            .map(Some)
            .context("garbled report from a restored process"),
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(None),
        Err(e) => Err(e).context("cannot read the report pipe"),
    }
}

fn describe_failure(plan: &Plan, node: usize, errno: i32) -> String {
    let Some(n) = plan.nodes.get(node) else {
        return format!(
            "a restored process failed: {}",
            explain(&io::Error::from_raw_os_error(errno))
        );
    };
    let what = if n.ns_init {
        "the init of a new pid namespace"
    } else {
        "the process"
    };
    let parent = n
        .parent
        .map(|p| show_pids(&plan.nodes[p].pids))
        .unwrap_or_else(|| "the driver".into());
    let deep = if errno == libc::ENOSPC {
        format!(
            "; the tree needs {} levels below the restoring process's namespace",
            plan.nodes.iter().map(|n| n.pids.len()).max().unwrap_or(0)
        )
    } else {
        String::new()
    };
    format!(
        "cannot create {what} with pids {} (oldest first, from the restored top namespace), \
         child of {parent}: {}{deep}",
        show_pids(&n.pids),
        explain(&io::Error::from_raw_os_error(errno))
    )
}

/// A pid list, shortened in the middle when long.
fn show_pids(pids: &[pid_t]) -> String {
    if pids.len() <= 8 {
        return format!("{pids:?}");
    }
    let (head, tail) = (&pids[..3], &pids[pids.len() - 3..]);
    format!("{head:?} ... {tail:?} ({} levels)", pids.len()).replace("] ... [", ", ..., ")
}

fn print_report(
    plan: &Plan,
    tree: &Tree,
    v: &Verified,
    elapsed: Duration,
    verbose: bool,
    top: pid_t,
) {
    let placeholder = plan.nodes[0].described.is_none();
    println!(
        "restored {} processes in {} pid namespaces ({} levels below this one) in {:.2} s{}",
        tree.processes().len(),
        tree.namespace_count(),
        tree.depth(),
        elapsed.as_secs_f64(),
        if placeholder {
            " (plus a placeholder init for the top namespace)"
        } else {
            ""
        }
    );
    println!(
        "verified from /proc: all {} processes have their NSpid at every level and their parent",
        v.processes
    );
    for &(head, count) in &v.per_namespace {
        let pids = &plan.nodes[head].pids;
        let noun = if count == 1 { "process" } else { "processes" };
        println!(
            "  level {} namespace, init with pids {}: {count} {noun}",
            pids.len(),
            show_pids(pids)
        );
    }
    if verbose {
        println!("top: pid {top} here");
        for n in &plan.nodes {
            let parent = n.parent.map(|p| plan.nodes[p].pids[0]);
            println!("  pids {} parent {parent:?} ok", show_pids(&n.pids));
        }
    }
}

/// Progress on stderr: a live counter on a terminal, else (or with
/// TERM=dumb, as in logs of a serial console) a line per 10%.
struct Progress {
    total: usize,
    tty: bool,
    last_tenth: usize,
    last_draw: Instant,
}

impl Progress {
    fn new(total: usize) -> Self {
        Self {
            total,
            tty: io::stderr().is_terminal() && std::env::var("TERM").is_ok_and(|t| t != "dumb"),
            last_tenth: 0,
            last_draw: Instant::now(),
        }
    }

    fn show(&mut self, done: usize) {
        if self.tty {
            if done == self.total || self.last_draw.elapsed() > Duration::from_millis(100) {
                eprint!("\rrestoring: {done}/{} processes", self.total);
                self.last_draw = Instant::now();
            }
        } else if self.total >= 100 && done * 10 / self.total > self.last_tenth {
            self.last_tenth = done * 10 / self.total;
            eprintln!("restoring: {done}/{} processes", self.total);
        }
    }

    fn done(&mut self) {
        if self.tty {
            eprintln!();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_pid_lists_are_shortened() {
        assert_eq!(show_pids(&[1, 2, 3]), "[1, 2, 3]");
        let long: Vec<pid_t> = (1..=10).collect();
        assert_eq!(show_pids(&long), "[1, 2, 3, ..., 8, 9, 10] (10 levels)");
    }
}
