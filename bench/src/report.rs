//! The figures as a table for people and as CSV for tools.

use std::fmt::Write;

use crate::machine::Machine;
use crate::micro::{Choice, Figure, Stats, ROWS, SET_TID_MAX};
use crate::spawn::Method;
use crate::tree::{Config, Levels};

/// How much was measured, for the table's legend.
pub struct Settings {
    /// Calls per per-call run.
    pub calls: usize,
    /// Runs per per-call figure.
    pub runs: usize,
    /// Processes per tree.
    pub tree_size: usize,
    /// Runs per tree figure.
    pub tree_runs: usize,
    /// Restorers in the "one per CPU" column.
    pub restorers: usize,
}

/// A tree restore figure.
pub struct TreeFigure {
    /// What was measured.
    pub config: Config,
    /// Milliseconds per tree, over the runs.
    pub stats: Stats,
}

/// The clone3 figure each per-call row is compared with: clone3
/// choosing the same pids.
fn micro_reference(figs: &[Figure], f: &Figure) -> Option<f64> {
    let method = if f.choice == Choice::None {
        Method::Clone3
    } else {
        Method::Clone3SetTid
    };
    figs.iter()
        .find(|r| r.depth == f.depth && r.method == method && r.choice == f.choice)
        .map(|r| r.stats.median)
}

fn tree_reference(trees: &[TreeFigure], t: &TreeFigure) -> Option<f64> {
    trees
        .iter()
        .find(|r| {
            r.config.method == Method::Clone3SetTid
                && r.config.levels == t.config.levels
                && r.config.restorers == t.config.restorers
        })
        .map(|r| r.stats.median)
}

fn ratio(value: f64, reference: Option<f64>) -> String {
    reference.map_or("-".into(), |r| format!("{:.2}", value / r))
}

/// One cell of a table: the median and its ratio to the reference, or a
/// dash when the figure was not measured.
fn cell(out: &mut String, figure: Option<(f64, Option<f64>)>) {
    let _ = match figure {
        Some((median, reference)) => {
            write!(out, " {:>9.1} {:>6}", median, ratio(median, reference))
        }
        None => write!(out, " {:>16}", "-"),
    };
}

/// The human-readable report.
pub fn table(m: &Machine, s: &Settings, micro: &[Figure], trees: &[TreeFigure]) -> String {
    let mut out = format!(
        "clone_with_pids benchmark\n\
         machine: {} ({} CPUs)\n\
         kernel:  {}\n\
         repetitions: per-call figures are the median of {} runs of {} calls; tree figures the median of {} runs\n\
         runs are interleaved (each run measures every row once); min and max per figure are in the CSV\n",
        m.cpu, m.cpus, m.kernel, s.runs, s.calls, s.tree_runs
    );
    micro_table(&mut out, micro);
    tree_table(&mut out, s, trees);
    out
}

fn micro_table(out: &mut String, micro: &[Figure]) {
    let mut depths: Vec<usize> = micro.iter().map(|f| f.depth).collect();
    depths.dedup();
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "Create + reap one child in a pid namespace at depth D (us per call; ratio to clone3 choosing the same pids)"
    );
    let _ = write!(out, "{:<20} {:<11}", "method", "pids");
    for d in &depths {
        let _ = write!(out, " {:>16}", format!("depth {d}"));
    }
    let _ = writeln!(out);
    for (method, choice) in ROWS {
        let _ = write!(out, "{:<20} {:<11}", method.name(), choice.name());
        for &d in &depths {
            let figure = micro
                .iter()
                .find(|f| f.depth == d && f.method == method && f.choice == choice);
            cell(
                out,
                figure.map(|f| (f.stats.median, micro_reference(micro, f))),
            );
        }
        let _ = writeln!(out);
    }
    if depths.iter().any(|&d| d + 1 > SET_TID_MAX) {
        let _ = writeln!(
            out,
            "note: at depth 32 a child has 33 pids; clone3's set_tid holds at most {SET_TID_MAX}, so its \"all levels\" row leaves level 0 to the kernel"
        );
    }
}

fn tree_table(out: &mut String, s: &Settings, trees: &[TreeFigure]) {
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "Restore a {}-process tree at pid namespace level 2 (ms per tree; ratio to clone3(set_tid) at the same shape)",
        s.tree_size
    );
    let _ = writeln!(
        out,
        "{:<26} {:>16} {:>16}",
        "",
        "1 restorer",
        format!("{} restorers", s.restorers)
    );
    for (levels, title) in [
        (Levels::Innermost, "(a) innermost pid chosen"),
        (Levels::All, "(b) all 3 levels chosen"),
    ] {
        let _ = writeln!(out, "{title}");
        let mut methods: Vec<Method> = trees
            .iter()
            .filter(|t| t.config.levels == levels)
            .map(|t| t.config.method)
            .collect();
        methods.dedup();
        for method in methods {
            let _ = write!(out, "  {:<24}", method.name());
            for restorers in [1, s.restorers] {
                let figure = trees.iter().find(|t| {
                    t.config.levels == levels
                        && t.config.method == method
                        && t.config.restorers == restorers
                });
                cell(
                    out,
                    figure.map(|t| (t.stats.median, tree_reference(trees, t))),
                );
            }
            let _ = writeln!(out);
        }
    }
}

/// The figures as CSV, machine and kernel in leading comment lines.
pub fn csv(m: &Machine, micro: &[Figure], trees: &[TreeFigure]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# cpu: {}; cpus: {}; kernel: {}",
        m.cpu, m.cpus, m.kernel
    );
    let _ = writeln!(
        out,
        "section,method,pids,pids_chosen,depth,restorers,median,min,max,unit,ratio_to_clone3"
    );
    for f in micro {
        let _ = writeln!(
            out,
            "per_call,{},{},{},{},1,{:.2},{:.2},{:.2},us,{}",
            f.method.name(),
            f.choice.name(),
            f.pids_chosen,
            f.depth,
            f.stats.median,
            f.stats.min,
            f.stats.max,
            ratio(f.stats.median, micro_reference(micro, f))
        );
    }
    for t in trees {
        let (pids, chosen) = match t.config.levels {
            Levels::Innermost => ("innermost", 1),
            Levels::All => ("all 3 levels", 3),
        };
        let _ = writeln!(
            out,
            "tree,{},{pids},{chosen},2,{},{:.1},{:.1},{:.1},ms,{}",
            t.config.method.name(),
            t.config.restorers,
            t.stats.median,
            t.stats.min,
            t.stats.max,
            ratio(t.stats.median, tree_reference(trees, t))
        );
    }
    out
}
