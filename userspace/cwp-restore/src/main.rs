//! `cwp-restore`: describe a live process tree's pids at every pid
//! namespace level, and recreate such a tree with `clone_with_pids()`.
//!
//! ```text
//! cwp-restore dump --pid 312 > tree.json     # a live tree, from /proc
//! cwp-restore gen --depth 3 --count 100 --seed 7 > tree.json
//! cwp-restore restore tree.json              # recreate, verify, tear down
//! cwp-restore restore --keep tree.json       # ... and leave it running
//! cwp-restore compare a.json b.json          # same pids, parents, inits?
//! ```
//!
//! The description format is in [`tree`]: each process's pids from the
//! tree's top namespace down, its parent, and whether it is a namespace
//! init.
//!
//! # How a restore works
//!
//! A process gets pids in nested namespaces from the process that creates
//! it, and its parent is that creator. Restoring a *tree* (parents
//! included) therefore means every process creates its own children, as
//! CRIU does; `clone_with_pids()` gives each child its pids at every level
//! its creator can address, in one call, with no `ns_last_pid` races.
//!
//! 1. The driver (this program, single-threaded) makes a plan ([`plan`])
//!    and forks the *top* with `CLONE_NEWPID`: pid 1 of a fresh namespace
//!    standing for the tree's top namespace (the root itself if it was an
//!    init, else a placeholder init above it).
//! 2. Every restored process is a fork of the driver holding the whole
//!    plan, so the only instruction it needs is its node number, which it
//!    has from the fork ([`worker`]). It creates its children in order: a
//!    child in its own namespace with the pids of all the levels they share
//!    (the levels above the restored top are left to the kernel: the set
//!    applies to the youngest levels); a namespace init with `CLONE_NEWPID`
//!    and the same levels (the new namespace takes no entry, its init is
//!    pid 1). Restoring from inside each namespace needs no `setns()`, and
//!    subtrees are restored in parallel.
//! 3. Each process reports "ready" or "failed, errno" over one pipe shared
//!    by all, in 12-byte writes that never interleave ([`message`]), then
//!    waits in `pause()`. The driver shows progress, and on a failure says
//!    in words what went wrong (EBUSY: pid taken; EPERM: capability
//!    missing; ENOSPC: too deep; ENOSYS: kernel without the call).
//! 4. The driver checks the tree from its own /proc ([`verify`]): each
//!    descendant of the top has the described NSpid below the driver's
//!    level and the described parent, and nothing else is there.
//! 5. Teardown is one `SIGKILL` to the top: the kernel kills every process
//!    of a namespace, nested ones included, when its init dies, and the
//!    init's exit waits until all are reaped. So every path, failures
//!    included, ends with nothing left behind. The top also has
//!    `PR_SET_PDEATHSIG` = `SIGKILL` while the driver runs, and exits when
//!    the driver's control pipe closes, so a killed driver leaves nothing
//!    either. `--keep` tells the top to stop depending on the driver.

mod dump;
mod gen;
mod message;
mod plan;
mod procfs;
mod restore;
mod tree;
mod verify;
mod worker;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};

use crate::tree::{same_tree, TreeFile};

#[derive(Parser)]
#[command(
    version,
    about = "Dump and restore process trees with their pids in nested pid namespaces"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Describe the live tree of a process (pids at every level, parents,
    /// namespace inits) as JSON.
    Dump {
        /// The tree's root, as a pid of this /proc.
        #[arg(long)]
        pid: libc::pid_t,
        /// Write here instead of stdout.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Recreate a described tree in fresh nested pid namespaces, verify it
    /// from /proc and tear it down.
    Restore {
        /// The description (from dump or gen).
        file: PathBuf,
        /// Leave the restored tree running (its processes just wait).
        #[arg(long)]
        keep: bool,
        /// Give up after this many seconds without progress.
        #[arg(long, default_value_t = 120)]
        timeout: u64,
        /// List every verified process.
        #[arg(short, long)]
        verbose: bool,
    },
    /// Generate a synthetic tree with nested pid namespaces and chosen pids.
    Gen {
        /// Pid namespace levels, the tree's top one included.
        #[arg(long, default_value_t = 3)]
        depth: usize,
        /// Processes in all.
        #[arg(long, default_value_t = 100)]
        count: usize,
        /// Random seed (same seed, same tree).
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// New namespaces under each namespace of the level above.
        #[arg(long, default_value_t = 2)]
        fanout: usize,
        /// Largest pid to choose (keep it below the kernel's pid_max).
        #[arg(long, default_value_t = 32767)]
        max_pid: libc::pid_t,
        /// Write here instead of stdout.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Tell whether two descriptions have the same pids, parents and inits.
    Compare {
        /// First description.
        a: PathBuf,
        /// Second description.
        b: PathBuf,
    },
}

fn write_json(file: &TreeFile, output: Option<&PathBuf>) -> Result<()> {
    let mut text = serde_json::to_string_pretty(file).context("cannot encode the tree")?;
    text.push('\n');
    match output {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
        }
        None => std::io::stdout()
            .write_all(text.as_bytes())
            .context("cannot write to stdout"),
    }
}

fn read_file(path: &PathBuf) -> Result<TreeFile> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text)
        .with_context(|| format!("{} is not a tree description", path.display()))
}

fn run(cli: Cli) -> Result<bool> {
    match cli.command {
        Command::Dump { pid, output } => write_json(&dump::dump(pid)?, output.as_ref())?,
        Command::Restore {
            file,
            keep,
            timeout,
            verbose,
        } => {
            let tree = TreeFile::load(&file)?;
            let opts = restore::Options {
                keep,
                stall_timeout: Duration::from_secs(timeout),
                verbose,
            };
            restore::restore(&tree, opts)?;
        }
        Command::Gen {
            depth,
            count,
            seed,
            fanout,
            max_pid,
            output,
        } => {
            let shape = gen::Shape {
                depth,
                count,
                fanout,
                max_pid,
                seed,
            };
            write_json(&gen::generate(shape)?, output.as_ref())?;
        }
        Command::Compare { a, b } => {
            let diffs = same_tree(&read_file(&a)?, &read_file(&b)?);
            if !diffs.is_empty() {
                for d in &diffs {
                    println!("{d}");
                }
                return Ok(false);
            }
            println!("same tree");
        }
    }
    Ok(true)
}

fn main() -> ExitCode {
    // Rust ignores SIGPIPE, which turns `cwp-restore ... | head` into a
    // panic; die of it quietly like other tools (a restore in progress is
    // torn down by the kernel then, see the design notes).
    // SAFETY: setting a signal disposition before anything else runs.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
    match run(Cli::parse()) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
