//! Restoring a whole process tree with chosen pids, as a restore tool
//! does: every process creates its own children (so parents are right),
//! one child after the other, waiting until the child's subtree is done
//! (the child stops itself) before creating the next.
//!
//! The tree lives in a pid namespace at level 2 (so its processes have 3
//! pids), below the leader: pid 1 there, itself a child of the benchmark.
//! The leader's children are the roots of `subtrees` disjoint subtrees of
//! equal size. "1 restorer" restores them one after the other; "one per
//! CPU" starts them all at once, one subtree per CPU.
//!
//! The time is the leader's, from before it creates the first process to
//! when the last subtree is done: every instruction the CPUs run meanwhile
//! (the restored processes', the kernel's) counts.

use std::io;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clone_with_pids::process::{exit_now, idle_forever, wait_stopped};
use clone_with_pids::procfs::mount_private_proc;
use clone_with_pids::{pid_from_raw, AsFd, BorrowedFd, NsChain, Pid, RawPid};
use cwp_restore::message::{Message, RESTORER};
use rustix::io::Errno;
use rustix::process::{getpid, kill_process, Signal};

use crate::machine::idle_ticks;
use crate::procs::{all_nspids, busy_pids, pid_max};
use crate::samples::{Choice, Key, Kind, Sample};
use crate::spawn::{Call, Method};

/// The tree shapes (which pids are chosen), their titles, and the methods
/// restoring each.
pub const SHAPES: [(Choice, &str, &[Method]); 2] = [
    (
        Choice::Innermost,
        "(a) innermost pid chosen",
        &[
            Method::CloneWithPids,
            Method::Clone3SetTid,
            Method::NsLastPid,
        ],
    ),
    (
        Choice::All,
        "(b) all 3 levels chosen",
        &[Method::CloneWithPids, Method::Clone3SetTid],
    ),
];

/// What to restore.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Tree sizes, each with its number of rounds.
    pub sizes: Vec<(usize, usize)>,
    /// Restorers to measure each configuration with.
    pub restorers: Vec<usize>,
    /// The shapes of [`SHAPES`] to restore.
    pub shapes: Vec<Choice>,
    /// Subtrees of the leader (the most restorers).
    pub subtrees: usize,
    /// Seed of the shapes; round r draws its pids from seed + r.
    pub seed: u64,
    /// The configuration round 0 starts at: boots given different ones
    /// restore in different orders, so that no method is always first
    /// (the 10,000-process trees have a single round per boot).
    pub first: usize,
}

/// Restores every configuration of `plan`, as samples of `kind`
/// (nanoseconds per restored process), and the idle time seen while the
/// restores ran (`USER_HZ` ticks). Rounds interleave: round r restores
/// every configuration of every size that has an r-th round, each round
/// starting at another configuration (round r at `plan.first + r`); the
/// first round of the first size
/// checks every process's pids in /proc.
pub fn measure_trees(kind: Kind, plan: &Plan) -> Result<(Vec<Sample>, u64)> {
    let mut configs = Vec::new();
    for (levels, _, methods) in SHAPES {
        if !plan.shapes.contains(&levels) {
            continue;
        }
        for &method in methods {
            for &restorers in &plan.restorers {
                configs.push(Config {
                    method,
                    levels,
                    restorers,
                });
            }
        }
    }
    let shapes: Vec<Shape> = plan
        .sizes
        .iter()
        .map(|&(size, _)| Shape::new(size, plan.subtrees, plan.seed))
        .collect();
    let rounds = plan.sizes.iter().map(|&(_, r)| r).max().unwrap_or(0);
    let (mut samples, mut idle) = (Vec::new(), 0);
    for round in 0..rounds {
        for (n, (&(size, size_rounds), shape)) in plan.sizes.iter().zip(&shapes).enumerate() {
            if round >= size_rounds {
                continue;
            }
            eprintln!(
                "cwp-bench: trees of {size} processes, round {}/{size_rounds}: {} restores",
                round + 1,
                configs.len()
            );
            for i in 0..configs.len() {
                let config = configs[(plan.first + round + i) % configs.len()];
                let seed = plan.seed + round as u64;
                let (ns, ticks) =
                    measure_once(shape, config, seed, round + n == 0).with_context(|| {
                        format!(
                            "{} processes, {} {}, {} restorer(s)",
                            size,
                            config.method.name(),
                            config.levels.name(),
                            config.restorers
                        )
                    })?;
                idle += ticks;
                samples.push(Sample {
                    key: Key::tree(kind, config.method, config.levels, size, config.restorers),
                    round,
                    value: ns,
                });
            }
        }
    }
    Ok((samples, idle))
}

/// The shape of the tree: parents and children, fixed for all runs.
pub struct Shape {
    children: Vec<Vec<usize>>,
    roots: Vec<usize>,
}

impl Shape {
    /// `size` processes in `subtrees` equal subtrees, each a random
    /// recursive tree (every process's parent drawn among the earlier
    /// processes of its subtree).
    pub fn new(size: usize, subtrees: usize, seed: u64) -> Self {
        let mut rng = fastrand::Rng::with_seed(seed);
        let mut children = vec![Vec::new(); size];
        let mut roots = Vec::new();
        let per = size.div_ceil(subtrees.max(1));
        for start in (0..size).step_by(per.max(1)) {
            roots.push(start);
            for n in start + 1..(start + per).min(size) {
                let parent = rng.usize(start..n);
                children[parent].push(n);
            }
        }
        Shape { children, roots }
    }

    /// Processes in the tree.
    pub fn len(&self) -> usize {
        self.children.len()
    }
}

/// One configuration to measure.
#[derive(Clone, Copy, Debug)]
pub struct Config {
    /// How each process is created.
    pub method: Method,
    /// Which levels are chosen: [`Choice::Innermost`] (the tree's own
    /// namespace) or [`Choice::All`] (all three).
    pub levels: Choice,
    /// Subtrees restored at once.
    pub restorers: usize,
}

/// Pids of every process: levels 0, 1, 2.
type Pids = Vec<[RawPid; 3]>;

/// Nanoseconds per restored process, restoring the tree once with pids
/// drawn from `seed`, and the idle ticks seen meanwhile; with `check`, the
/// result is compared with /proc.
fn measure_once(shape: &Shape, config: Config, seed: u64, check: bool) -> Result<(f64, u64)> {
    let pids = choose_pids(shape.len(), seed)?;
    let (time, idle) = run_once(shape, &pids, config, check)?;
    Ok((time.as_nanos() as f64 / shape.len().max(1) as f64, idle))
}

fn choose_pids(n: usize, seed: u64) -> Result<Pids> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let busy = busy_pids();
    let max = pid_max() - 1;
    let mut draw = |low: RawPid, avoid: &dyn Fn(RawPid) -> bool| -> Result<Vec<RawPid>> {
        let mut pool: Vec<RawPid> = (low..=max).filter(|&p| !avoid(p)).collect();
        if pool.len() < n {
            bail!("not enough free pids for {n} processes");
        }
        rng.shuffle(&mut pool);
        pool.truncate(n);
        Ok(pool)
    };
    // Level 1 holds the leader as pid 2 (and the chain's init as 1),
    // level 2 the leader as 1.
    let l0 = draw(300, &|p| busy.contains(&p))?;
    let l1 = draw(3, &|_| false)?;
    let l2 = draw(2, &|_| false)?;
    Ok((0..n).map(|i| [l0[i], l1[i], l2[i]]).collect())
}

fn run_once(shape: &Shape, pids: &Pids, config: Config, check: bool) -> Result<(Duration, u64)> {
    // The restored processes report over cwp-restore's protocol: the
    // leader's Done, or the first Failed (a node's, or RESTORER's).
    let (mut rx, tx) = io::pipe()?;
    // The leader is the init of the second namespace of the chain.
    // SAFETY: the benchmark is single-threaded.
    let chain = unsafe { NsChain::new(2, || lead(shape, pids, config, tx.as_fd())) }
        .context("cannot create the pid namespaces")?;
    drop(tx);
    // The restore has started by now (the chain is complete once the
    // leader exists); it ends before the report arrives.
    let idle = idle_ticks();
    let report = Message::recv(&mut rx).ok().flatten();
    let idle = idle_ticks().saturating_sub(idle);
    let result = match report {
        Some(Message::Done(t)) if check => verify(pids, config.levels).map(|_| t),
        Some(Message::Done(t)) => Ok(t),
        Some(Message::Failed(node, errno)) => Err(anyhow::anyhow!(
            "{}: creating process {node} (pids {:?}) failed: {}",
            config.method.name(),
            usize::try_from(node).ok().and_then(|n| pids.get(n)),
            clone_with_pids::explain(&io::Error::from_raw_os_error(errno))
        )),
        _ => Err(anyhow::anyhow!("the restore leader died")),
    };
    // Kills the chain's outer init, which takes the leader and the tree.
    drop(chain);
    result.map(|t| (t, idle))
}

/// The leader: its own /proc (for ns_last_pid), then the timed restore.
fn lead(shape: &Shape, pids: &Pids, config: Config, out: BorrowedFd<'_>) -> ! {
    if let Err(e) = mount_private_proc() {
        let _ = Message::Failed(RESTORER, e.raw_os_error().unwrap_or(0)).send(out);
        exit_now(1);
    }
    let start = Instant::now();
    let ok = if config.restorers <= 1 {
        shape
            .roots
            .iter()
            .all(|&r| stopped(create_node(shape, pids, config, r, out)))
    } else {
        let started: Vec<Option<Pid>> = shape
            .roots
            .iter()
            .map(|&r| create_node(shape, pids, config, r, out))
            .collect();
        started.into_iter().all(stopped)
    };
    let _ = if ok {
        Message::Done(start.elapsed()).send(out)
    } else {
        // After the failing process's own report, if it could send one.
        Message::Failed(RESTORER, Errno::IO.raw_os_error()).send(out)
    };
    idle_forever()
}

/// Creates node `n`; in the child, restores its subtree and never returns.
/// `None` when creation failed (reported).
fn create_node(
    shape: &Shape,
    pids: &Pids,
    config: Config,
    n: usize,
    out: BorrowedFd<'_>,
) -> Option<Pid> {
    let [l0, l1, l2] = pids[n];
    let wanted: &[RawPid] = match (config.method, config.levels) {
        (Method::CloneWithPids | Method::Clone3SetTid, Choice::All) => &[l0, l1, l2],
        _ => &[l2],
    };
    match Call::new(config.method, wanted).create().map(pid_from_raw) {
        Ok(None) => restore_subtree(shape, pids, config, n, out),
        Ok(Some(child)) => Some(child),
        Err(e) => {
            let node = u32::try_from(n).unwrap_or(RESTORER);
            let _ = Message::Failed(node, e.raw_os_error().unwrap_or(0)).send(out);
            None
        }
    }
}

/// In process `n`: create the children one by one, then stop, which tells
/// the parent this subtree is done.
fn restore_subtree(shape: &Shape, pids: &Pids, config: Config, n: usize, out: BorrowedFd<'_>) -> ! {
    for &c in &shape.children[n] {
        if !stopped(create_node(shape, pids, config, c, out)) {
            // Leaving; the parent sees the exit and gives up too.
            exit_now(1);
        }
    }
    // SIGKILL ends the stop.
    let _ = kill_process(getpid(), Signal::STOP);
    exit_now(0)
}

/// Whether a created child stopped (its subtree is done).
fn stopped(child: Option<Pid>) -> bool {
    child.is_some_and(|c| wait_stopped(c).unwrap_or(false))
}

/// Every process has its chosen pids, seen from our /proc.
fn verify(pids: &Pids, levels: Choice) -> Result<()> {
    let found: std::collections::HashMap<RawPid, Vec<RawPid>> = all_nspids()
        .into_iter()
        .filter(|n| n.len() == 3)
        .map(|n| (n[2], n))
        .collect();
    for p in pids {
        let Some(got) = found.get(&p[2]) else {
            bail!("no process has pid {} in the tree's namespace", p[2]);
        };
        if levels == Choice::All && got[..] != p[..] {
            bail!("process has NSpid {got:?}, expected {p:?}");
        }
    }
    Ok(())
}
