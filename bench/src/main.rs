//! `cwp-bench`: what choosing pids costs. Prints figures (a table, then
//! CSV); it is not a test. Runs as root on a kernel with
//! `clone_with_pids()`.
//!
//! 1. Per-call cost of create + reap for `fork()`, `clone()`, `clone3()`,
//!    `clone3()` with `set_tid`, and `clone_with_pids()` with no pid, one
//!    pid and every level, the child created in a pid namespace at depth
//!    1, 4 and 32 (nested namespaces made first, and the benchmark
//!    `setns()`-ed into the deepest one's `pid_for_children`).
//! 2. Restoring a tree of processes with chosen pids (see [`tree`]): (a)
//!    the innermost pid only, via `clone_with_pids()`, `clone3(set_tid)`
//!    and `ns_last_pid`; (b) all 3 levels via `clone_with_pids()` and
//!    `clone3(set_tid)`; each with 1 restorer and one per CPU.

mod machine;
mod micro;
mod procs;
mod report;
mod spawn;
mod tree;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::Parser;

use crate::machine::Machine;
use crate::micro::Stats;
use crate::report::{Settings, TreeFigure};
use crate::spawn::Method;
use crate::tree::{Config, Levels, Shape};

#[derive(Parser)]
#[command(about = "Cost of creating processes with chosen pids")]
struct Args {
    /// Calls per run in the per-call figures.
    #[arg(long, default_value_t = 200)]
    calls: usize,
    /// Runs per per-call figure (the median is shown).
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Namespace depths of the per-call figures.
    #[arg(long, value_delimiter = ',', default_value = "1,4,32")]
    depths: Vec<usize>,
    /// Processes in the restored tree.
    #[arg(long, default_value_t = 1000)]
    tree_size: usize,
    /// Runs per tree figure (the median is shown).
    #[arg(long, default_value_t = 3)]
    tree_runs: usize,
    /// Seed of the tree's shape and pids.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Also write the CSV here.
    #[arg(long)]
    csv: Option<PathBuf>,
}

fn tree_configs(cpus: usize) -> Vec<(Config, &'static str)> {
    let mut out = Vec::new();
    let shapes: [(Levels, &str, &[Method]); 2] = [
        (
            Levels::Innermost,
            "a",
            &[
                Method::CloneWithPids,
                Method::Clone3SetTid,
                Method::NsLastPid,
            ],
        ),
        (
            Levels::All,
            "b",
            &[Method::CloneWithPids, Method::Clone3SetTid],
        ),
    ];
    for (levels, tag, methods) in shapes {
        for &method in methods {
            let per_cpu = [1, cpus];
            for &restorers in if cpus > 1 {
                &per_cpu[..]
            } else {
                &per_cpu[..1]
            } {
                out.push((
                    Config {
                        method,
                        levels,
                        restorers,
                    },
                    tag,
                ));
            }
        }
    }
    out
}

fn run(args: Args) -> Result<()> {
    clone_with_pids::check_support()
        .map_err(|e| anyhow::anyhow!("{}", clone_with_pids::explain(&e)))?;
    if !rustix::process::geteuid().is_root() {
        bail!("run as root: the benchmark creates pid namespaces and chooses pids");
    }
    let machine = Machine::read();
    let settings = Settings {
        calls: args.calls,
        runs: args.runs,
        tree_size: args.tree_size,
        tree_runs: args.tree_runs,
        restorers: machine.cpus,
    };
    eprintln!("measuring per-call costs at depths {:?}", args.depths);
    let mut micro = Vec::new();
    for &depth in &args.depths {
        micro.extend(micro::measure_depth(depth, args.calls, args.runs)?);
    }
    let shape = Shape::new(args.tree_size, machine.cpus, args.seed);
    let configs = tree_configs(machine.cpus);
    // Interleaved like the per-call runs: run r measures every
    // configuration once, with the pids of seed + r.
    let mut samples = vec![Vec::new(); configs.len()];
    for run in 0..args.tree_runs {
        eprintln!(
            "restoring {} processes, run {}/{}: {} configurations",
            args.tree_size,
            run + 1,
            args.tree_runs,
            configs.len()
        );
        for ((config, tag), times) in configs.iter().zip(&mut samples) {
            let ms = tree::measure_once(&shape, *config, args.seed + run as u64, run == 0)
                .with_context(|| {
                    format!(
                        "({tag}) {} with {} restorer(s)",
                        config.method.name(),
                        config.restorers
                    )
                })?;
            times.push(ms);
        }
    }
    let trees: Vec<TreeFigure> = configs
        .into_iter()
        .zip(samples)
        .map(|((config, _), mut times)| TreeFigure {
            config,
            stats: Stats::of(&mut times),
        })
        .collect();
    let text = report::table(&machine, &settings, &micro, &trees);
    print!("{text}");
    let csv = report::csv(&machine, &micro, &trees);
    println!("--- csv ---");
    print!("{csv}");
    if let Some(path) = args.csv {
        std::fs::write(&path, csv).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
