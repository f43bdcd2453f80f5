//! Per-call cost of create + reap, the child created in a pid namespace
//! at a given depth.
//!
//! For each depth a chain of nested namespaces is made, and a measurer is
//! forked into the deepest one (after `setns()` into its
//! `pid_for_children`), so that the deepest is its active namespace, the
//! one `ns_last_pid` sets. The measurer creates and reaps `calls` children
//! per row and round; each round measures every row once, starting at
//! another row each round, and the samples go back to the benchmark over a
//! pipe. Besides the time, each row's minor page faults per call (the
//! measurer's and its children's) are kept: a difference there is a
//! difference of memory layout, not of the system call. Last, each
//! clone-family row's call is made with a flag `copy_process()` refuses
//! first thing: what reading and checking the arguments costs, to the
//! instruction, without the noise of creating a process.

use std::fmt::Write as _;
use std::io::{self, Read, Write};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clone_with_pids::process::{exit_now, idle_forever, reap};
use clone_with_pids::procfs::own_nspid;
use clone_with_pids::{fork_with_pids, pid_from_raw, ForkResult, NsChain, Pid, PidSet, RawPid};

use crate::machine::idle_ticks;
use crate::procs::{busy_pids, pid_max};
use crate::samples::{Choice, Key, Kind, Sample};
use crate::spawn::{Call, Method};

/// The rows of the per-call table, in order.
pub const ROWS: [(Method, Choice); 10] = [
    (Method::Fork, Choice::None),
    (Method::Clone, Choice::None),
    (Method::Clone3, Choice::None),
    (Method::Clone3SetTid, Choice::Innermost),
    (Method::Clone3SetTid, Choice::All),
    (Method::CloneWithPids, Choice::None),
    (Method::CloneWithPids, Choice::Innermost),
    (Method::CloneWithPids, Choice::All),
    (Method::CloneWithPids, Choice::Hole),
    (Method::NsLastPid, Choice::Innermost),
];

/// clone3's `set_tid` holds at most this many entries (MAX_PID_NS_LEVEL),
/// so at depth 32 it cannot choose the level-0 pid.
pub const SET_TID_MAX: usize = 32;

/// The pid every namespace of the chain has free: each holds only its
/// init, the next init and the measurer (pids 1 to 3).
const FREE_PID: RawPid = 1000;

/// The pid IDR's upper nodes each cover this many pids (64 x 64 slots).
const IDR_BLOCK: RawPid = 4096;

/// How much each depth measures.
#[derive(Clone, Copy, Debug)]
pub struct Plan {
    /// Calls per row and round.
    pub calls: usize,
    /// Rounds.
    pub rounds: usize,
    /// Untimed calls per row before the first round.
    pub warmup: usize,
}

/// The level a "hole" leaves to the kernel: the middle one (the innermost
/// at depth 1).
pub fn hole_level(depth: usize) -> usize {
    depth.div_ceil(2)
}

/// The pids a row asks for at this depth, oldest first (0 = any).
fn wanted(method: Method, choice: Choice, depth: usize, level0: RawPid) -> Vec<RawPid> {
    let mut all: Vec<RawPid> = vec![FREE_PID; depth + 1];
    all[0] = level0;
    match choice {
        Choice::None => Vec::new(),
        Choice::Innermost => vec![FREE_PID],
        Choice::All if method == Method::Clone3SetTid && all.len() > SET_TID_MAX => {
            all[all.len() - SET_TID_MAX..].to_vec()
        }
        Choice::All => all,
        Choice::Hole => {
            all[hole_level(depth)] = 0;
            all
        }
    }
}

/// Measures every row at `depth`: the samples (nanoseconds per call) and
/// the idle time seen during the timed loops (in `USER_HZ` ticks).
///
/// Before the rounds the measurer creates pins: processes that idle with a
/// pid at the start of every 4096-pid block below `pid_max` (4096, 8192,
/// ...) in every namespace. Without them the figures drift as the
/// kernel's cyclic choice of pids moves on: a pid IDR (an xarray of
/// 64-slot nodes) allocates and frees the nodes of a block that holds no
/// other pid with each child, and how many depends on where the cursor
/// is: +8% to +16% per call at depth 32 from whichever round it passes 4096
/// in. With every block held, each call costs the same wherever it is.
pub fn measure_depth(depth: usize, plan: Plan) -> Result<(Vec<Sample>, u64)> {
    let busy = busy_pids();
    let max = pid_max();
    let level0 = (20000..max)
        .rev()
        .find(|p| !busy.contains(p))
        .context("no free pid")?;
    let calls: Vec<Call> = ROWS
        .iter()
        .map(|&(m, c)| Call::new(m, &wanted(m, c, depth, level0)))
        .collect();
    let mut pins = Vec::new();
    for block in (1..).map(|k| k * IDR_BLOCK).take_while(|&b| b < max) {
        let pin0 = (block..(block + 64).min(max))
            .find(|p| !busy.contains(p) && *p != level0)
            .with_context(|| format!("no free pid to pin at {block}"))?;
        let mut pids = vec![block; depth + 1];
        pids[0] = pin0;
        pins.push(Call::new(Method::CloneWithPids, &pids));
    }
    // SAFETY: the benchmark is single-threaded.
    let chain = unsafe { NsChain::new(depth, || idle_forever()) }
        .context("cannot create the nested pid namespaces")?;
    chain
        .enter()
        .context("cannot setns into the deepest pid namespace")?;
    // Made after the chain, so that only the measurer holds its write end.
    let (mut rx, tx) = io::pipe()?;
    // SAFETY: the benchmark is single-threaded.
    let measurer =
        match unsafe { fork_with_pids(&PidSet::any()) }.context("cannot fork the measurer")? {
            ForkResult::Child => {
                drop(rx);
                measurer(depth, plan, &pins, &calls, tx)
            }
            ForkResult::Parent { child } => child,
        };
    drop(tx);
    let mut text = String::new();
    let read = rx.read_to_string(&mut text);
    let status = reap(measurer);
    chain.leave()?;
    drop(chain);
    read.context("cannot read the measurer's samples")?;
    let mut samples = Vec::new();
    let mut idle = None;
    for line in text.lines() {
        if let Some(e) = line.strip_prefix("error ") {
            bail!("{e}");
        } else if let Some(ticks) = line.strip_prefix("idle ") {
            idle = ticks.parse().ok();
        } else {
            samples.push(Sample::parse(line)?);
        }
    }
    match (idle, status?.exit_status()) {
        (Some(idle), Some(0)) => Ok((samples, idle)),
        (_, status) => bail!("the measurer at depth {depth} ended early (exit status {status:?})"),
    }
}

/// The measurer: pins, measures, sends the samples, exits (which ends the
/// pins).
fn measurer(depth: usize, plan: Plan, pins: &[Call], calls: &[Call], mut tx: io::PipeWriter) -> ! {
    let mut out = String::new();
    let code = match pin(pins).and_then(|()| measure_rows(depth, plan, calls, &mut out)) {
        Ok(()) => 0,
        Err(e) => {
            let _ = writeln!(out, "error {e:#}");
            1
        }
    };
    let _ = tx.write_all(out.as_bytes());
    exit_now(code)
}

/// Creates the pins, which idle until the measurer ends.
fn pin(pins: &[Call]) -> Result<()> {
    for pin in pins {
        match pin.create() {
            Ok(0) => idle_forever(),
            Ok(_) => {}
            Err(e) => bail!(
                "cannot pin pids {:?}: {}",
                pin.pids(),
                clone_with_pids::explain(&e)
            ),
        }
    }
    Ok(())
}

fn measure_rows(depth: usize, plan: Plan, calls: &[Call], out: &mut String) -> Result<()> {
    let row_name = |c: &Call, choice: Choice| {
        format!("{} {} at depth {depth}", c.method().name(), choice.name())
    };
    for (call, &(_, choice)) in calls.iter().zip(&ROWS) {
        check(call, depth).with_context(|| row_name(call, choice))?;
        time_calls(call, plan.warmup).with_context(|| row_name(call, choice))?;
    }
    let mut idle = 0;
    for round in 0..plan.rounds {
        for i in 0..calls.len() {
            let row = (round + i) % calls.len();
            let (call, (method, choice)) = (&calls[row], ROWS[row]);
            let (before, faults) = (idle_ticks(), minor_faults());
            let ns = time_calls(call, plan.calls).with_context(|| row_name(call, choice))?;
            let faults = (minor_faults() - faults) as f64 / plan.calls.max(1) as f64;
            idle += idle_ticks().saturating_sub(before);
            let key = Key::call(method, choice, depth);
            for (key, value) in [
                (key, ns),
                (
                    Key {
                        kind: Kind::Faults,
                        ..key
                    },
                    faults,
                ),
            ] {
                let _ = writeln!(out, "{}", Sample { key, round, value }.to_line());
            }
        }
    }
    let _ = writeln!(out, "idle {idle}");
    for (call, &(method, choice)) in calls.iter().zip(&ROWS) {
        if matches!(method, Method::Fork | Method::NsLastPid) {
            continue;
        }
        for round in 0..plan.rounds {
            let start = Instant::now();
            for _ in 0..ENTRY_CALLS {
                call.refused()
                    .with_context(|| format!("{} (refused)", row_name(call, choice)))?;
            }
            let value = start.elapsed().as_nanos() as f64 / ENTRY_CALLS as f64;
            let key = Key {
                kind: Kind::Entry,
                ..Key::call(method, choice, depth)
            };
            let _ = writeln!(out, "{}", Sample { key, round, value }.to_line());
        }
    }
    Ok(())
}

/// Refused calls per row and round: each costs a thousand-odd
/// instructions, and is the same every time.
const ENTRY_CALLS: usize = 1000;

/// Nanoseconds per create + reap, over `n` calls.
fn time_calls(call: &Call, n: usize) -> Result<f64> {
    let start = Instant::now();
    for _ in 0..n {
        let child = spawn_exiting(call)?;
        reap(child)?;
    }
    Ok(start.elapsed().as_nanos() as f64 / n.max(1) as f64)
}

/// A child that exits at once.
fn spawn_exiting(call: &Call) -> Result<Pid> {
    match call.create_exiting() {
        Ok(pid) => pid_from_raw(pid).context("the call returned no pid"),
        Err(e) => bail!("{}: {}", call.method().name(), clone_with_pids::explain(&e)),
    }
}

/// Minor page faults so far of this process and of its reaped children.
fn minor_faults() -> i64 {
    [libc::RUSAGE_SELF, libc::RUSAGE_CHILDREN]
        .into_iter()
        .map(|who| {
            // SAFETY: an all-zero rusage is a valid value, which
            // getrusage() overwrites (or leaves, on an error).
            let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
            // SAFETY: `usage` is valid for writes.
            unsafe { libc::getrusage(who, &mut usage) };
            usage.ru_minflt
        })
        .sum()
}

/// One call whose child checks that it got the wanted pids: it reads its
/// NSpid in the benchmark's /proc (all levels from 0) and exits 0 if they
/// match.
fn check(call: &Call, depth: usize) -> Result<()> {
    let child = match call.create().map(pid_from_raw) {
        Ok(None) => {
            let got = own_nspid().unwrap_or_default();
            if has_pids(&got, call.pids(), depth) {
                exit_now(0)
            }
            eprintln!(
                "error: the child has NSpid {got:?}, wanted {:?} at the youngest levels (0 = any)",
                call.pids()
            );
            exit_now(1)
        }
        Ok(Some(child)) => child,
        Err(e) => bail!("{}: {}", call.method().name(), clone_with_pids::explain(&e)),
    };
    if reap(child)?.exit_status() != Some(0) {
        bail!("the child did not get the wanted pids");
    }
    Ok(())
}

/// Whether `got` (all levels, oldest first) has the `wanted` pids at its
/// youngest levels, 0 matching any.
fn has_pids(got: &[RawPid], wanted: &[RawPid], depth: usize) -> bool {
    got.len() == depth + 1
        && wanted.len() <= got.len()
        && got[got.len() - wanted.len()..]
            .iter()
            .zip(wanted)
            .all(|(g, w)| *w == 0 || g == w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_want_what_they_say() {
        let w = |m, c, d| wanted(m, c, d, 30000);
        assert_eq!(w(Method::Clone, Choice::None, 4), Vec::<RawPid>::new());
        assert_eq!(w(Method::NsLastPid, Choice::Innermost, 4), vec![1000]);
        assert_eq!(w(Method::CloneWithPids, Choice::All, 1), vec![30000, 1000]);
        assert_eq!(w(Method::CloneWithPids, Choice::Hole, 1), vec![30000, 0]);
        assert_eq!(
            w(Method::CloneWithPids, Choice::Hole, 4),
            vec![30000, 1000, 0, 1000, 1000]
        );
        assert_eq!(w(Method::CloneWithPids, Choice::All, 32).len(), 33);
        assert_eq!(w(Method::Clone3SetTid, Choice::All, 32), vec![1000; 32]);
    }

    #[test]
    fn pids_match_at_the_youngest_levels() {
        assert!(has_pids(&[500, 7, 1000], &[1000], 2));
        assert!(has_pids(&[500, 7, 1000], &[500, 0, 1000], 2));
        assert!(!has_pids(&[500, 7, 1000], &[501, 0, 1000], 2));
        assert!(!has_pids(&[500, 1000], &[1000], 2));
    }
}
