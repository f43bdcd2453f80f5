//! `cwp-bench`: what choosing pids costs, in guest instructions. Prints
//! figures; it is not a test. `tooling/bench.sh` (`make bench`) drives it:
//!
//! - `cwp-bench run`, in a guest whose clock counts instructions (QEMU
//!   `-icount shift=0`, one vCPU), as root on a kernel with
//!   `clone_with_pids()`, once per boot:
//!   1. per-call cost of create + reap for `fork()`, `clone()`, `clone3()`,
//!      `clone3()` with `set_tid` (1 pid, all levels), `clone_with_pids()`
//!      (no pid, 1 pid, all levels, a hole) and `ns_last_pid` + `fork()`,
//!      the child created in a pid namespace at depth 1, 4 and 32 (see
//!      [`micro`]);
//!   2. restoring trees of processes at level 2 with chosen pids (see
//!      [`tree`]): (a) the innermost pid, by `clone_with_pids()`,
//!      `clone3(set_tid)` and `ns_last_pid`; (b) all 3 levels, by
//!      `clone_with_pids()` and `clone3(set_tid)`.
//! - `cwp-bench scaling`, in a guest with 2 vCPUs: the same restores by
//!   one restorer and by one per CPU, in wall-clock time.
//! - `cwp-bench report`, on the host: merges the boots' samples into the
//!   table, the goals and the one-line summary.

mod goals;
mod machine;
mod merge;
mod micro;
mod procs;
mod report;
mod samples;
mod spawn;
mod stats;
mod tree;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};

use crate::machine::Machine;
use crate::merge::Data;
use crate::samples::{Block, Choice, Kind};

#[derive(Parser)]
#[command(about = "Cost of creating processes with chosen pids")]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// In the guest: per-call and tree figures; prints a samples block.
    Run(RunArgs),
    /// In a guest with several CPUs: restores by 1 restorer and by one per
    /// CPU, wall clock; prints a samples block.
    Scaling(ScalingArgs),
    /// On the host: merges the samples blocks of the boots into the table.
    Report(ReportArgs),
}

#[derive(clap::Args)]
struct RunArgs {
    /// Create + reap calls per row and round.
    #[arg(long, default_value_t = 150)]
    calls: usize,
    /// Rounds per depth (each measures every row once).
    #[arg(long, default_value_t = 7)]
    rounds: usize,
    /// Untimed calls per row before the first round.
    #[arg(long, default_value_t = 20)]
    warmup: usize,
    /// Namespace depths of the per-call figures.
    #[arg(long, value_delimiter = ',', default_value = "1,4,32")]
    depths: Vec<usize>,
    /// Tree sizes.
    #[arg(long, value_delimiter = ',', default_value = "1000,10000")]
    tree_sizes: Vec<usize>,
    /// Rounds for each tree size, in the same order.
    #[arg(long, value_delimiter = ',', default_value = "2,1")]
    tree_rounds: Vec<usize>,
    /// Seed of the trees' shapes and pids.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The tree configuration the first round starts at (make bench gives
    /// boot K the value K - 1).
    #[arg(long, default_value_t = 0)]
    first: usize,
}

#[derive(clap::Args)]
struct ScalingArgs {
    /// Processes in the tree.
    #[arg(long, default_value_t = 1000)]
    size: usize,
    /// Runs of each configuration.
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Seed of the tree's shape and pids.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

#[derive(clap::Args)]
struct ReportArgs {
    /// The guest output of each instruction-counting boot.
    #[arg(required = true)]
    boots: Vec<PathBuf>,
    /// The guest output of the scaling boot.
    #[arg(long)]
    scaling: Option<PathBuf>,
    /// Also write the merged figures as CSV here.
    #[arg(long)]
    csv: Option<PathBuf>,
    /// How long the whole benchmark took, for the legend.
    #[arg(long)]
    total: Option<String>,
}

fn preflight() -> Result<Machine> {
    clone_with_pids::check_support()
        .map_err(|e| anyhow::anyhow!("{}", clone_with_pids::explain(&e)))?;
    if !rustix::process::geteuid().is_root() {
        bail!("run as root: the benchmark creates pid namespaces and chooses pids");
    }
    Ok(Machine::read())
}

fn run(args: RunArgs) -> Result<()> {
    let machine = preflight()?;
    if args.tree_sizes.len() != args.tree_rounds.len() {
        bail!("--tree-sizes and --tree-rounds must have as many entries");
    }
    let sizes: Vec<(usize, usize)> = args
        .tree_sizes
        .iter()
        .copied()
        .zip(args.tree_rounds.iter().copied())
        .collect();
    let trees: Vec<String> = sizes.iter().map(|(s, r)| format!("{s} x {r}")).collect();
    let mut block = Block {
        meta: machine.meta(),
        samples: Vec::new(),
    };
    for (k, v) in [
        ("calls", args.calls.to_string()),
        ("rounds", args.rounds.to_string()),
        ("warmup", args.warmup.to_string()),
        ("trees", trees.join(", ")),
    ] {
        block.meta.push((k.into(), v));
    }
    let plan = micro::Plan {
        calls: args.calls,
        rounds: args.rounds,
        warmup: args.warmup,
    };
    let mut idle = 0;
    for &depth in &args.depths {
        eprintln!(
            "cwp-bench: depth {depth}: {} rows x {} rounds of {} calls",
            micro::ROWS.len(),
            args.rounds,
            args.calls
        );
        let (samples, ticks) = micro::measure_depth(depth, plan)?;
        block.samples.extend(samples);
        idle += ticks;
    }
    let plan = tree::Plan {
        sizes,
        restorers: vec![1],
        shapes: vec![Choice::Innermost, Choice::All],
        subtrees: 1,
        seed: args.seed,
        first: args.first,
    };
    let (samples, ticks) = tree::measure_trees(Kind::Tree, &plan)?;
    block.samples.extend(samples);
    block
        .meta
        .push(("idle_ticks".into(), (idle + ticks).to_string()));
    print!("{}", block.render());
    Ok(())
}

fn scaling(args: ScalingArgs) -> Result<()> {
    let machine = preflight()?;
    if machine.cpus < 2 {
        bail!("the scaling figure needs 2 CPUs or more");
    }
    let mut block = Block {
        meta: machine.meta(),
        samples: Vec::new(),
    };
    block.meta.push(("runs".into(), args.runs.to_string()));
    let plan = tree::Plan {
        sizes: vec![(args.size, args.runs)],
        restorers: vec![1, machine.cpus],
        // The innermost pid: the shape all three methods can restore.
        shapes: vec![Choice::Innermost],
        subtrees: machine.cpus,
        seed: args.seed,
        first: 0,
    };
    // Idle is expected here: a CPU waits while the other works.
    block.samples = tree::measure_trees(Kind::Scaling, &plan)?.0;
    print!("{}", block.render());
    Ok(())
}

fn read_block(path: &PathBuf) -> Result<Block> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    Block::parse(&text).with_context(|| format!("{}", path.display()))
}

fn report(args: ReportArgs) -> Result<()> {
    let data = Data {
        boots: args.boots.iter().map(read_block).collect::<Result<_>>()?,
        scaling: args.scaling.as_ref().map(read_block).transpose()?,
    };
    let (depth_text, worst) = report::linearity(&data);
    let text = [
        report::header(&data, args.total.as_deref()),
        report::calls(&data),
        report::differences(&data),
        report::faults(&data),
        report::entry(&data),
        depth_text,
        report::trees(&data),
        report::scaling(&data),
        goals::goals(&data, worst),
        goals::headline_legend(&data),
        format!("\n{}\n", goals::bench_line(&data)),
    ]
    .concat();
    if let Some(path) = args.csv {
        std::fs::write(&path, data.csv())
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    for line in text.lines() {
        println!("{}", line.trim_end());
    }
    Ok(())
}

fn main() -> ExitCode {
    let result = match Args::parse().command {
        Command::Run(a) => run(a),
        Command::Scaling(a) => scaling(a),
        Command::Report(a) => report(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
