//! `cwp-restore restore`: the driver. It creates the top, collects the
//! restored processes' reports, verifies the tree and tears it down (or
//! keeps it).

use std::fmt::Write as _;
use std::io::{self, IsTerminal, Write};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clone_with_pids::process::{has_exited, kill_and_reap};
use clone_with_pids::{
    clone_with_pids, explain, AsFd, CloneFlags, ForkResult, Pid, PidSet, RawPid, SIGCHLD,
};
use rustix::event::{poll, PollFd, PollFlags, Timespec};
use rustix::io::Errno;

use crate::error::Failure;
use crate::message::Message;
use crate::plan::Plan;
use crate::precheck;
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
    /// Check what can be checked before creating anything
    /// ([`precheck::check`]); without, only the call and /proc are
    /// checked, and the kernel refuses the rest half-way (which tests the
    /// teardown).
    pub precheck: bool,
}

/// The top of a restored tree, killed with its whole namespace (and
/// reaped) when dropped: every error path cleans up by returning early.
struct Top {
    pid: Pid,
}

impl Top {
    /// Keeps the tree: the top stays, no longer tied to us.
    fn keep(self) -> Pid {
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
        let _ = kill_and_reap(self.pid);
    }
}

/// Prints a line of the report on stdout. A reader that has gone (EPIPE)
/// does not stop the restore: it goes on, and tears down as it would.
fn say(line: &str) {
    let _ = writeln!(io::stdout(), "{line}");
}

/// Restores `tree` in a fresh pid namespace below ours, verifies it and
/// tears it down (or keeps it). Checks first what it can, and creates
/// nothing when that fails. Prints a report to stdout, progress to stderr.
pub fn restore(tree: &Tree, opts: Options) -> Result<()> {
    if opts.precheck {
        precheck::check(tree)?;
    } else {
        precheck::check_runtime()?;
    }
    let plan = Plan::new(tree);
    let (mut report_rx, report_tx) = io::pipe().context("cannot create a pipe")?;
    let (control_rx, mut control_tx) = io::pipe().context("cannot create a pipe")?;
    // Flushed now, or every restored process would inherit a copy.
    io::stdout().flush().ok();

    let start = Instant::now();
    // SAFETY: this program never starts a thread, so the child may run
    // any code.
    let top = match unsafe { clone_with_pids(CloneFlags::NEWPID, Some(SIGCHLD), &PidSet::any()) } {
        Ok(ForkResult::Child) => {
            drop(report_rx);
            drop(control_tx);
            worker::run_top(
                &plan,
                Channels {
                    report: report_tx.as_fd(),
                    control: control_rx.as_fd(),
                },
            )
        }
        Ok(ForkResult::Parent { child }) => Top { pid: child },
        Err(e) => {
            let errno = e.raw_os_error().unwrap_or(Errno::IO.raw_os_error());
            return Err(Failure {
                errno,
                message: format!("cannot create the restored top namespace: {}", explain(&e)),
                hint: None,
            }
            .into());
        }
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
    say(&report(
        &plan,
        tree,
        &verified,
        elapsed,
        opts.verbose,
        top.pid,
    ));

    if opts.keep {
        control_tx
            .write_all(b"D")
            .context("cannot reach the restored top")?;
        match Message::recv(&mut report_rx).context("cannot read the report pipe")? {
            Some(Message::Detached) => {}
            other => bail!("the restored top did not detach (got {other:?})"),
        }
        let pid = top.keep();
        say(&format!(
            "kept: the tree stays; 'kill -KILL {pid}' (its top) tears it all down"
        ));
    } else {
        drop(top);
        say("torn down: killed the top namespace's init and reaped every process");
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
            if has_exited(top.pid).unwrap_or(true) {
                bail!(
                    "the restored top exited early; {ready} of {total} processes had been restored"
                );
            }
            if last_news.elapsed() > stall {
                return Err(Failure::new(
                    Errno::TIMEDOUT,
                    format!(
                        "no progress for {} s ({ready} of {total} processes restored); giving up",
                        stall.as_secs()
                    ),
                )
                .into());
            }
            continue;
        }
        match Message::recv(rx).context("cannot read the report pipe")? {
            Some(Message::Ready(_)) => {
                ready += 1;
                last_news = Instant::now();
                progress.show(ready);
            }
            Some(Message::Failed(node, errno)) => {
                progress.done();
                let node = usize::try_from(node).unwrap_or(usize::MAX);
                return Err(Failure {
                    errno,
                    message: describe_failure(plan, node, errno),
                    hint: None,
                }
                .into());
            }
            Some(Message::Detached | Message::Done(_)) => {
                bail!("unexpected message from the restored top")
            }
            None => bail!("every restored process is gone ({ready} of {total} had been restored)"),
        }
    }
    progress.done();
    Ok(())
}

fn wait_readable(rx: &io::PipeReader, timeout: Duration) -> Result<bool> {
    let mut fds = [PollFd::new(rx, PollFlags::IN)];
    let timeout = Timespec {
        tv_sec: i64::try_from(timeout.as_secs()).unwrap_or(i64::MAX),
        tv_nsec: i64::from(timeout.subsec_nanos()),
    };
    match poll(&mut fds, Some(&timeout)) {
        Ok(n) => Ok(n > 0),
        Err(Errno::INTR) => Ok(false),
        Err(e) => Err(io::Error::from(e)).context("poll on the report pipe"),
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
    let deep = if errno == Errno::NOSPC.raw_os_error() {
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
fn show_pids(pids: &[RawPid]) -> String {
    if pids.len() <= 8 {
        return format!("{pids:?}");
    }
    let (head, tail) = (&pids[..3], &pids[pids.len() - 3..]);
    format!("{head:?} ... {tail:?} ({} levels)", pids.len()).replace("] ... [", ", ..., ")
}

/// The report of a verified restore, in lines.
fn report(
    plan: &Plan,
    tree: &Tree,
    v: &Verified,
    elapsed: Duration,
    verbose: bool,
    top: Pid,
) -> String {
    let mut out = String::new();
    let placeholder = plan.nodes[0].described.is_none();
    let _ = writeln!(
        out,
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
    let _ = write!(
        out,
        "verified from /proc: all {} processes have their NSpid at every level and their parent",
        v.processes
    );
    for &(head, count) in &v.per_namespace {
        let pids = &plan.nodes[head].pids;
        let noun = if count == 1 { "process" } else { "processes" };
        let _ = write!(
            out,
            "\n  level {} namespace, init with pids {}: {count} {noun}",
            pids.len(),
            show_pids(pids)
        );
    }
    if verbose {
        let _ = write!(out, "\ntop: pid {top} here");
        for n in &plan.nodes {
            let parent = n.parent.map(|p| plan.nodes[p].pids[0]);
            let _ = write!(out, "\n  pids {} parent {parent:?} ok", show_pids(&n.pids));
        }
    }
    out
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
        let long: Vec<RawPid> = (1..=10).collect();
        assert_eq!(show_pids(&long), "[1, 2, 3, ..., 8, 9, 10] (10 levels)");
    }
}
