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

use std::io::{self, Read};
use std::os::fd::{AsRawFd, RawFd};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use libc::pid_t;

use crate::nschain::NsChain;
use crate::procs::{all_nspids, busy_pids, idle_forever, pid_max};
use crate::spawn::{create, Method};

/// Which levels' pids are chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Levels {
    /// The tree's own (innermost) namespace only.
    Innermost,
    /// All three levels.
    All,
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
    /// Which levels are chosen.
    pub levels: Levels,
    /// Subtrees restored at once.
    pub restorers: usize,
}

/// Pids of every process: levels 0, 1, 2.
type Pids = Vec<[pid_t; 3]>;

/// What a restored process tells the benchmark (16 bytes, one write).
enum Report {
    Done(Duration),
    Failed { node: u32, errno: i32 },
}

/// Milliseconds to restore the tree once, with pids drawn from `seed`;
/// with `check`, the result is compared with /proc.
pub fn measure_once(shape: &Shape, config: Config, seed: u64, check: bool) -> Result<f64> {
    let pids = choose_pids(shape.len(), seed)?;
    Ok(run_once(shape, &pids, config, check)?.as_secs_f64() * 1e3)
}

fn choose_pids(n: usize, seed: u64) -> Result<Pids> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let busy = busy_pids();
    let max = pid_max() - 1;
    let mut draw = |low: pid_t, avoid: &dyn Fn(pid_t) -> bool| -> Result<Vec<pid_t>> {
        let mut pool: Vec<pid_t> = (low..=max).filter(|&p| !avoid(p)).collect();
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

fn run_once(shape: &Shape, pids: &Pids, config: Config, check: bool) -> Result<Duration> {
    let (mut rx, tx) = io::pipe()?;
    // The leader is the init of the second namespace of the chain.
    let chain = NsChain::new(2, || lead(shape, pids, config, tx.as_raw_fd()))
        .context("cannot create the pid namespaces")?;
    drop(tx);
    let mut buf = [0u8; 16];
    let report = match rx.read_exact(&mut buf) {
        Ok(()) => decode(&buf),
        Err(_) => None,
    };
    let result = match report {
        Some(Report::Done(t)) if check => verify(pids, config.levels).map(|_| t),
        Some(Report::Done(t)) => Ok(t),
        Some(Report::Failed { node, errno }) => Err(anyhow::anyhow!(
            "{}: creating process {node} (pids {:?}) failed: {}",
            config.method.name(),
            pids.get(node as usize),
            clone_with_pids::explain(&io::Error::from_raw_os_error(errno))
        )),
        None => Err(anyhow::anyhow!("the restore leader died")),
    };
    // Kills the chain's outer init, which takes the leader and the tree.
    drop(chain);
    result
}

/// The leader: its own /proc (for ns_last_pid), then the timed restore.
fn lead(shape: &Shape, pids: &Pids, config: Config, out: RawFd) -> ! {
    if let Err(e) = mount_own_proc() {
        send(out, 2, u32::MAX, i64::from(e.raw_os_error().unwrap_or(0)));
        // SAFETY: leaving the child.
        unsafe { libc::_exit(1) };
    }
    let start = Instant::now();
    let ok = if config.restorers <= 1 {
        shape
            .roots
            .iter()
            .all(|&r| wait_stopped(create_node(shape, pids, config, r, out)))
    } else {
        let started: Vec<Option<pid_t>> = shape
            .roots
            .iter()
            .map(|&r| create_node(shape, pids, config, r, out))
            .collect();
        started.into_iter().all(wait_stopped)
    };
    if ok {
        send(out, 1, 0, start.elapsed().as_nanos() as i64);
    } else {
        // After the failing process's own report, if it could send one.
        send(out, 2, u32::MAX, i64::from(libc::EIO));
    }
    idle_forever()
}

/// Creates node `n`; in the child, restores its subtree and never returns.
/// `None` when creation failed (reported).
fn create_node(shape: &Shape, pids: &Pids, config: Config, n: usize, out: RawFd) -> Option<pid_t> {
    let [l0, l1, l2] = pids[n];
    let wanted: &[pid_t] = match (config.method, config.levels) {
        (Method::CloneWithPids | Method::Clone3SetTid, Levels::All) => &[l0, l1, l2],
        _ => &[l2],
    };
    match create(config.method, wanted) {
        Ok(0) => restore_subtree(shape, pids, config, n, out),
        Ok(child) => Some(child),
        Err(e) => {
            send(out, 2, n as u32, i64::from(e.raw_os_error().unwrap_or(0)));
            None
        }
    }
}

/// In process `n`: create the children one by one, then stop, which tells
/// the parent this subtree is done.
fn restore_subtree(shape: &Shape, pids: &Pids, config: Config, n: usize, out: RawFd) -> ! {
    for &c in &shape.children[n] {
        if !wait_stopped(create_node(shape, pids, config, c, out)) {
            // SAFETY: leaving; the parent sees the exit and gives up too.
            unsafe { libc::_exit(1) };
        }
    }
    // SAFETY: raise and _exit with plain arguments; SIGKILL ends the stop.
    unsafe {
        libc::raise(libc::SIGSTOP);
        libc::_exit(0)
    }
}

fn wait_stopped(child: Option<pid_t>) -> bool {
    let Some(child) = child else { return false };
    let mut status = 0;
    // SAFETY: waitpid on our own child.
    let r = unsafe { libc::waitpid(child, &mut status, libc::WUNTRACED) };
    r == child && libc::WIFSTOPPED(status)
}

fn mount_own_proc() -> io::Result<()> {
    // SAFETY: unshare/mount with constant, valid arguments.
    unsafe {
        if libc::unshare(libc::CLONE_NEWNS) < 0
            || libc::mount(
                std::ptr::null(),
                c"/".as_ptr(),
                std::ptr::null(),
                libc::MS_REC | libc::MS_PRIVATE,
                std::ptr::null(),
            ) < 0
            || libc::mount(
                c"proc".as_ptr(),
                c"/proc".as_ptr(),
                c"proc".as_ptr(),
                0,
                std::ptr::null(),
            ) < 0
        {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

fn send(fd: RawFd, kind: u32, node: u32, value: i64) {
    let mut buf = [0u8; 16];
    buf[..4].copy_from_slice(&kind.to_ne_bytes());
    buf[4..8].copy_from_slice(&node.to_ne_bytes());
    buf[8..].copy_from_slice(&value.to_ne_bytes());
    // SAFETY: one write of a live 16-byte buffer (below PIPE_BUF: atomic).
    unsafe { libc::write(fd, buf.as_ptr().cast(), buf.len()) };
}

fn decode(buf: &[u8; 16]) -> Option<Report> {
    let kind = u32::from_ne_bytes(buf[..4].try_into().ok()?);
    let node = u32::from_ne_bytes(buf[4..8].try_into().ok()?);
    let value = i64::from_ne_bytes(buf[8..].try_into().ok()?);
    match kind {
        1 => Some(Report::Done(Duration::from_nanos(value as u64))),
        2 => Some(Report::Failed {
            node,
            errno: value as i32,
        }),
        _ => None,
    }
}

/// Every process has its chosen pids, seen from our /proc.
fn verify(pids: &Pids, levels: Levels) -> Result<()> {
    let found: std::collections::HashMap<pid_t, Vec<pid_t>> = all_nspids()
        .into_iter()
        .filter(|n| n.len() == 3)
        .map(|n| (n[2], n))
        .collect();
    for p in pids {
        let Some(got) = found.get(&p[2]) else {
            bail!("no process has pid {} in the tree's namespace", p[2]);
        };
        if levels == Levels::All && got[..] != p[..] {
            bail!("process has NSpid {got:?}, expected {p:?}");
        }
    }
    Ok(())
}
