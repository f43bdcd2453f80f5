//! Per-call cost of create + reap, the child created in a pid namespace
//! at a given depth.

use std::time::Instant;

use anyhow::{bail, Context, Result};
use clone_with_pids::process::{exit_now, idle_forever, reap};
use clone_with_pids::procfs::nspid;
use clone_with_pids::{pid_from_raw, NsChain, Pid, RawPid};

use crate::procs::{busy_pids, pid_max};
use crate::spawn::{create, Method};

/// Which pids a call chooses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Choice {
    /// None: the kernel chooses all.
    None,
    /// The innermost level only.
    Innermost,
    /// Every level the method can address.
    All,
}

impl Choice {
    /// Short name for tables.
    pub fn name(self) -> &'static str {
        match self {
            Choice::None => "no pid",
            Choice::Innermost => "1 pid",
            Choice::All => "all levels",
        }
    }
}

/// The rows of the per-call table, in order.
pub const ROWS: [(Method, Choice); 8] = [
    (Method::Fork, Choice::None),
    (Method::Clone, Choice::None),
    (Method::Clone3, Choice::None),
    (Method::Clone3SetTid, Choice::Innermost),
    (Method::Clone3SetTid, Choice::All),
    (Method::CloneWithPids, Choice::None),
    (Method::CloneWithPids, Choice::Innermost),
    (Method::CloneWithPids, Choice::All),
];

/// clone3's `set_tid` holds at most this many entries (MAX_PID_NS_LEVEL),
/// so at depth 32 it cannot choose the level-0 pid.
pub const SET_TID_MAX: usize = 32;

/// One measured figure.
#[derive(Clone, Debug)]
pub struct Figure {
    /// Depth of the namespace the children are created in.
    pub depth: usize,
    /// How.
    pub method: Method,
    /// Which pids.
    pub choice: Choice,
    /// Pids chosen per call.
    pub pids_chosen: usize,
    /// Microseconds per create + reap, over the runs.
    pub stats: Stats,
}

/// Median, lowest and highest of repeated measurements.
#[derive(Clone, Copy, Debug)]
pub struct Stats {
    /// The median.
    pub median: f64,
    /// The lowest.
    pub min: f64,
    /// The highest.
    pub max: f64,
}

impl Stats {
    /// The statistics of `values` (sorted in place).
    pub fn of(values: &mut [f64]) -> Self {
        let median = median(values);
        Stats {
            median,
            min: values.first().copied().unwrap_or(f64::NAN),
            max: values.last().copied().unwrap_or(f64::NAN),
        }
    }
}

/// The pids a row asks for at this depth, oldest first.
fn wanted(method: Method, choice: Choice, depth: usize, level0: RawPid) -> Vec<RawPid> {
    // Every namespace of the chain holds only pids 1 and 2 (its init and
    // the next init), so 1000 is free in each.
    let mut all: Vec<RawPid> = vec![1000; depth + 1];
    all[0] = level0;
    match choice {
        Choice::None => Vec::new(),
        Choice::Innermost => vec![1000],
        Choice::All if method == Method::Clone3SetTid && all.len() > SET_TID_MAX => {
            all[all.len() - SET_TID_MAX..].to_vec()
        }
        Choice::All => all,
    }
}

/// Measures every row at `depth`: `runs` runs of `calls` calls each, the
/// median run's per-call time. Runs are interleaved (each run measures
/// every row once), so a change of load on the machine hits all rows alike.
pub fn measure_depth(depth: usize, calls: usize, runs: usize) -> Result<Vec<Figure>> {
    let busy = busy_pids();
    let level0 = (20000..pid_max())
        .rev()
        .find(|p| !busy.contains(p))
        .context("no free pid")?;
    // SAFETY: the benchmark is single-threaded.
    let chain = unsafe { NsChain::new(depth, || idle_forever()) }
        .context("cannot create the nested pid namespaces")?;
    chain
        .enter()
        .context("cannot setns into the deepest pid namespace")?;
    let rows: Vec<(Method, Choice, Vec<RawPid>)> = ROWS
        .iter()
        .map(|&(m, c)| (m, c, wanted(m, c, depth, level0)))
        .collect();
    for (method, choice, pids) in &rows {
        check_pids(*method, pids, depth)
            .with_context(|| format!("{} {} at depth {depth}", method.name(), choice.name()))?;
    }
    let mut samples = vec![Vec::with_capacity(runs); rows.len()];
    for _ in 0..runs {
        for ((method, _, pids), times) in rows.iter().zip(&mut samples) {
            let start = Instant::now();
            for _ in 0..calls {
                let child = spawn_exiting(*method, pids)?;
                reap(child)?;
            }
            times.push(start.elapsed().as_secs_f64() * 1e6 / calls as f64);
        }
    }
    drop(chain);
    Ok(rows
        .into_iter()
        .zip(samples)
        .map(|((method, choice, pids), mut times)| Figure {
            depth,
            method,
            choice,
            pids_chosen: pids.len(),
            stats: Stats::of(&mut times),
        })
        .collect())
}

/// A child that exits at once.
fn spawn_exiting(method: Method, pids: &[RawPid]) -> Result<Pid> {
    match create(method, pids).map(pid_from_raw) {
        // Leave without running anything of the parent's.
        Ok(None) => exit_now(0),
        Ok(Some(child)) => Ok(child),
        Err(e) => bail!("{}: {}", method.name(), clone_with_pids::explain(&e)),
    }
}

/// One call, checking that the child got the wanted pids.
fn check_pids(method: Method, pids: &[RawPid], depth: usize) -> Result<()> {
    let child = spawn_exiting(method, pids)?;
    // A zombie's NSpid is still there until it is reaped.
    let got = nspid(child).unwrap_or_default();
    reap(child)?;
    if got.len() != depth + 1 {
        bail!("child has NSpid {got:?}, expected {} levels", depth + 1);
    }
    let tail = &got[got.len() - pids.len()..];
    if tail != pids {
        bail!("child has NSpid {got:?}, wanted {pids:?} at the youngest levels");
    }
    Ok(())
}

/// Median of the values (sorted in place).
pub fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}
