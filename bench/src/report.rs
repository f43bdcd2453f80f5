//! The merged figures as the table `make bench` prints.

use std::fmt::Write;

use crate::merge::{reference, Data};
use crate::micro::{hole_level, ROWS, SET_TID_MAX};
use crate::samples::{Choice, Key, Kind};
use crate::spawn::Method;
use crate::stats::Stats;
use crate::tree::SHAPES;

/// The depths measured per call, in order.
pub fn depths(data: &Data) -> Vec<usize> {
    let mut d: Vec<usize> = data
        .keys()
        .iter()
        .filter(|k| k.kind == Kind::Call)
        .map(|k| k.depth)
        .collect();
    d.sort_unstable();
    d.dedup();
    d
}

/// The tree sizes measured with `kind`, in order.
pub fn tree_sizes(data: &Data, kind: Kind) -> Vec<usize> {
    let mut s: Vec<usize> = data
        .keys()
        .iter()
        .filter(|k| k.kind == kind)
        .map(|k| k.size)
        .collect();
    s.sort_unstable();
    s.dedup();
    s
}

/// The legend: what was measured, how, and what the numbers are.
pub fn header(data: &Data, total: Option<&str>) -> String {
    let mut out = String::new();
    let idle: Vec<&str> = data
        .boots
        .iter()
        .map(|b| b.meta("idle_ticks").unwrap_or("?"))
        .collect();
    let idle_verdict = if idle.iter().all(|t| *t == "0") {
        "none seen"
    } else {
        "SOME SEEN: those figures include skipped idle time"
    };
    let _ = writeln!(
        out,
        "clone_with_pids benchmark: cost in guest instructions\n\
         kernel {}; QEMU TCG, 1 vCPU ({}), -accel tcg,thread=single -icount shift=0,sleep=off,align=off;\n\
         \x20 ASLR {} (setarch -R: a randomized layout changes the page tables a fork copies, boot to boot)\n\
         unit: instruction-time: the guest's CLOCK_MONOTONIC nanoseconds, one per guest instruction under\n\
         \x20 icount shift=0 (clocksource {}; tsc: {}).\n\
         \x20 Counted: everything the one vCPU runs between two clock reads: the caller's code and system\n\
         \x20 calls, each child's whole life (creation, run, exit), the reaping, the scheduler, timer\n\
         \x20 interrupts, kernel threads that ran meanwhile.\n\
         idle in the timed loops: {}; /proc/stat idle ticks during them, per boot: {} (10 ms resolution;\n\
         \x20 an idle vCPU would jump the clock to its next timer, up to 4 ms at HZ=250).\n\
         repetitions: {} boots of the same kernel; per boot, per depth, {} rounds of {} create+reap calls per row\n\
         \x20 (after {} untimed ones and a call that checks the child's pids); trees (processes x rounds): {}.\n\
         \x20 Rounds interleave: each measures every row once, each starting at another row;\n\
         \x20 boot K restores the trees starting at the K-th configuration (run --first K-1).\n\
         figures: median of all rounds of all boots; spread: (max - min) / median over the same rounds;\n\
         \x20 ratio: median / median of the reference row (below).{}",
        data.meta("kernel"),
        data.meta("cpu"),
        data.meta("aslr"),
        data.meta("clocksource"),
        data.meta("tsc"),
        idle_verdict,
        idle.join(", "),
        data.boots.len(),
        data.meta("rounds"),
        data.meta("calls"),
        data.meta("warmup"),
        data.meta("trees"),
        total.map_or(String::new(), |t| format!("\nmade in {t}")),
    );
    out
}

/// One cell: median, spread, ratio to the reference (24 characters wide),
/// or "-" if `key` was not measured.
fn cell(data: &Data, key: &Key) -> String {
    let Some(s) = data.stats(key) else {
        return "-".into();
    };
    let ratio = reference(key)
        .and_then(|r| data.ratio(key, &r))
        .map_or("-".to_string(), |r| format!("{r:.3}"));
    format!(
        "{:>10.0} {:>5.1}% {:>6}",
        s.median,
        s.spread() * 100.0,
        ratio
    )
}

/// Writes a table of the rows of [`ROWS`] with one column per depth, each
/// after a space: a header line, blank over the 32 columns of row labels and
/// `head("depth D")` over each column; if `units` is given, a second header
/// line labelled "method pids" with `units` over each column; then a line per
/// row that `cells` gives texts for (`None` leaves the row out): its method
/// and pids, then one text per depth, right-aligned in `width`.
fn row_table(
    out: &mut String,
    depths: &[usize],
    width: usize,
    head: impl Fn(&str) -> String,
    units: Option<&str>,
    cells: impl Fn(Method, Choice) -> Option<Vec<String>>,
) {
    let _ = write!(out, "{:<32}", "");
    for d in depths {
        let _ = write!(out, " {}", head(&format!("depth {d}")));
    }
    if let Some(units) = units {
        let _ = write!(out, "\n{:<19} {:<12}", "method", "pids");
        for _ in depths {
            let _ = write!(out, " {units}");
        }
    }
    out.push('\n');
    for (method, choice) in ROWS {
        let Some(texts) = cells(method, choice) else {
            continue;
        };
        let _ = write!(out, "{:<19} {:<12}", method.name(), choice.name());
        for text in texts {
            let _ = write!(out, " {text:>width$}");
        }
        out.push('\n');
    }
}

/// Per-call figures at every depth.
pub fn calls(data: &Data) -> String {
    let depths = depths(data);
    let mut out = String::from(
        "\nCreate + reap one child in a pid namespace at depth D (instructions per call)\n",
    );
    let units = format!("{:>10} {:>6} {:>6}", "instr", "spread", "ratio");
    row_table(
        &mut out,
        &depths,
        24,
        |h| format!("{h:<24}"),
        Some(&units),
        |method, choice| {
            let cells = depths
                .iter()
                .map(|&d| cell(data, &Key::call(method, choice, d)));
            Some(cells.collect())
        },
    );
    let holes: Vec<String> = depths
        .iter()
        .map(|&d| format!("{} at depth {d}", hole_level(d)))
        .collect();
    let _ = writeln!(
        out,
        "ratio to: clone() for the rows with no pid; clone3(set_tid) choosing the same pids for the others\n\
         \x20 (for ns_last_pid+fork() the same 1 pid; for a hole, clone3(set_tid) all levels, one pid more).\n\
         a hole: every level chosen but one, left 0 (level {}).",
        holes.join(", ")
    );
    if depths.iter().any(|&d| d + 1 > SET_TID_MAX) {
        let _ = writeln!(
            out,
            "at depth 32 a child has 33 pids; clone3's set_tid holds at most {SET_TID_MAX}, so its \"all levels\"\n\
             \x20 chooses 32 and leaves level 0 to the kernel, while clone_with_pids() chooses all 33."
        );
    }
    out
}

/// Minor page faults per call, row by row: rows compared with each other
/// should take as many, or the difference is memory layout.
pub fn faults(data: &Data) -> String {
    let depths = depths(data);
    let mut out = String::from(
        "\nMinor page faults per create + reap (the measurer's and the child's; median over the rounds)\n",
    );
    row_table(
        &mut out,
        &depths,
        9,
        |h| format!("{h:>9}"),
        None,
        |method, choice| {
            let cells = depths.iter().map(|&d| {
                let key = Key {
                    kind: Kind::Faults,
                    ..Key::call(method, choice, d)
                };
                data.median(&key).map_or("-".into(), |f| format!("{f:.2}"))
            });
            Some(cells.collect())
        },
    );
    out
}

/// The refused calls: entry and argument handling, to the instruction.
pub fn entry(data: &Data) -> String {
    let depths = depths(data);
    let mut out = String::from(
        "\nUp to copy_process(): the same calls with CLONE_THREAD added, which copy_process() refuses\n\
         (EINVAL) first thing: entry, copying and checking the arguments and the pid set, and, for\n\
         clone_with_pids() only, the capability check (clone3 makes its own later, in alloc_pid()).\n\
         Instructions per call, loop included, median; +N: over the reference row (as above)\n",
    );
    row_table(
        &mut out,
        &depths,
        16,
        |h| format!("{h:>16}"),
        None,
        |method, choice| {
            let key = |d| Key {
                kind: Kind::Entry,
                ..Key::call(method, choice, d)
            };
            // fork() and ns_last_pid+fork() have no refused call: rows left out.
            data.median(&key(depths[0]))?;
            let cells = depths.iter().map(|&d| {
                let k = key(d);
                match (data.median(&k), reference(&k).and_then(|r| data.median(&r))) {
                    (Some(v), Some(r)) => format!("{v:.0} {:+.0}", v - r),
                    (Some(v), None) => format!("{v:.0}"),
                    _ => "-".into(),
                }
            });
            Some(cells.collect())
        },
    );
    out
}

/// What choosing pids adds, row against row, at every depth.
pub fn differences(data: &Data) -> String {
    let depths = depths(data);
    type Row = (Method, Choice);
    let pairs: [(&str, Row, Row); 6] = [
        (
            "clone_with_pids(no pid) - clone()",
            (Method::CloneWithPids, Choice::None),
            (Method::Clone, Choice::None),
        ),
        (
            "clone_with_pids(1 pid) - clone3(set_tid 1 pid)",
            (Method::CloneWithPids, Choice::Innermost),
            (Method::Clone3SetTid, Choice::Innermost),
        ),
        (
            "clone_with_pids(all) - clone3(set_tid all)",
            (Method::CloneWithPids, Choice::All),
            (Method::Clone3SetTid, Choice::All),
        ),
        (
            "clone_with_pids(1 pid) - clone_with_pids(no pid)",
            (Method::CloneWithPids, Choice::Innermost),
            (Method::CloneWithPids, Choice::None),
        ),
        (
            "clone3(set_tid 1 pid) - clone3()",
            (Method::Clone3SetTid, Choice::Innermost),
            (Method::Clone3, Choice::None),
        ),
        (
            "ns_last_pid+fork() - fork()",
            (Method::NsLastPid, Choice::Innermost),
            (Method::Fork, Choice::None),
        ),
    ];
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\nDifferences of medians (instructions per call; in brackets the range of the same difference\n\
         taken round by round, both rows measured in the same round)"
    );
    let _ = write!(out, "{:<48}", "");
    for d in &depths {
        let _ = write!(out, " {:>21}", format!("depth {d}"));
    }
    out.push('\n');
    for (name, (ma, ca), (mb, cb)) in pairs {
        let _ = write!(out, "{name:<48}");
        for &d in &depths {
            let (a, b) = (Key::call(ma, ca, d), Key::call(mb, cb, d));
            let text = match (data.median(&a), data.median(&b)) {
                (Some(x), Some(y)) => {
                    let r = Stats::of(&data.paired(&a, &b, |x, y| x - y));
                    format!("{:+.0} [{:+.0},{:+.0}]", x - y, r.min, r.max)
                }
                _ => "-".into(),
            };
            let _ = write!(out, " {text:>21}");
        }
        out.push('\n');
    }
    out
}

/// The least-squares line through `(x, y)`: intercept and slope.
pub fn fit(points: &[(f64, f64)]) -> Option<(f64, f64)> {
    let n = points.len() as f64;
    let (sx, sy) = points
        .iter()
        .fold((0.0, 0.0), |(a, b), (x, y)| (a + x, b + y));
    let (mx, my) = (sx / n, sy / n);
    let sxx: f64 = points.iter().map(|(x, _)| (x - mx).powi(2)).sum();
    let sxy: f64 = points.iter().map(|(x, y)| (x - mx) * (y - my)).sum();
    (points.len() >= 2 && sxx > 0.0).then(|| {
        let slope = sxy / sxx;
        (my - slope * mx, slope)
    })
}

/// Every row's cost against depth: line, residuals, spreads. Returns the
/// text and the worst residual relative to the value.
pub fn linearity(data: &Data) -> (String, f64) {
    let depths = depths(data);
    let mut out = String::new();
    let mut worst: f64 = 0.0;
    let list: Vec<String> = depths.iter().map(|d| d.to_string()).collect();
    let _ = writeln!(
        out,
        "\nCost against depth: least-squares line over depths {} (instructions per call = a + b x depth),\n\
         and each depth's distance from the line relative to its median (its own spread in brackets)",
        list.join(", ")
    );
    let _ = write!(
        out,
        "{:<19} {:<12} {:>9} {:>8}",
        "method", "pids", "a", "b/level"
    );
    for d in &depths {
        let _ = write!(out, " {:>15}", format!("depth {d}"));
    }
    out.push('\n');
    for (method, choice) in ROWS {
        let stats: Vec<(f64, Option<Stats>)> = depths
            .iter()
            .map(|&d| (d as f64, data.stats(&Key::call(method, choice, d))))
            .collect();
        let points: Vec<(f64, f64)> = stats
            .iter()
            .filter_map(|(d, s)| Some((*d, s.as_ref()?.median)))
            .collect();
        let Some((a, b)) = fit(&points) else { continue };
        let _ = write!(
            out,
            "{:<19} {:<12} {:>9.0} {:>8.1}",
            method.name(),
            choice.name(),
            a,
            b
        );
        for (d, s) in &stats {
            let text = s.as_ref().map_or("-".into(), |s| {
                let r = (s.median - (a + b * d)) / s.median;
                worst = worst.max(r.abs());
                format!("{:+.2}% ({:.1}%)", r * 100.0, s.spread() * 100.0)
            });
            let _ = write!(out, " {text:>15}");
        }
        out.push('\n');
    }
    (out, worst)
}

/// Tree restores, one restorer, instruction-counted.
pub fn trees(data: &Data) -> String {
    let sizes = tree_sizes(data, Kind::Tree);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\nRestore a tree in a pid namespace at level 2, one restorer (instructions per restored process;\n\
         ratio to clone3(set_tid) at the same shape; each process creates its children one by one)"
    );
    let _ = write!(out, "{:<24}", "");
    for s in &sizes {
        let _ = write!(out, " {:<24}", format!("{s} processes"));
    }
    let _ = write!(out, "\n{:<24}", "");
    for _ in &sizes {
        let _ = write!(out, " {:>10} {:>6} {:>6}", "instr", "spread", "ratio");
    }
    out.push('\n');
    for (levels, title, methods) in SHAPES {
        let _ = writeln!(out, "{title}");
        for &method in methods {
            let _ = write!(out, "  {:<22}", method.name());
            for &size in &sizes {
                let key = Key::tree(Kind::Tree, method, levels, size, 1);
                let _ = write!(out, " {:>24}", cell(data, &key));
            }
            out.push('\n');
        }
    }
    for &size in &sizes {
        let a = Key::tree(Kind::Tree, Method::NsLastPid, Choice::Innermost, size, 1);
        let b = Key::tree(Kind::Tree, Method::Clone3SetTid, Choice::Innermost, size, 1);
        if let (Some(x), Some(y)) = (data.median(&a), data.median(&b)) {
            let _ = writeln!(
                out,
                "ns_last_pid+fork() pays {:+.0} instructions per process ({:+.1}%) over clone3(set_tid) at {size} processes",
                x - y,
                (x / y - 1.0) * 100.0
            );
        }
    }
    out
}

/// The wall-clock scaling figure of the 2-vCPU boot.
pub fn scaling(data: &Data) -> String {
    let Some(block) = &data.scaling else {
        return String::new();
    };
    let cpus: usize = block.meta("cpus").and_then(|c| c.parse().ok()).unwrap_or(2);
    let mut out = String::new();
    for size in tree_sizes(data, Kind::Scaling) {
        let _ = writeln!(
            out,
            "\nScaling, WALL CLOCK, not instructions: {cpus} vCPUs (MTTCG), restore a {size}-process tree at level 2 as\n\
             {cpus} subtrees, by 1 restorer or {cpus} at once; ms per tree, median of {} runs [min-max]. NOISY: the\n\
             host's 2 cores were shared with other work; only a large difference means something.",
            block.meta("runs").unwrap_or("?")
        );
        let _ = writeln!(
            out,
            "{:<24} {:>22} {:>22} {:>8}",
            "",
            "1 restorer",
            format!("{cpus} restorers"),
            "speedup"
        );
        for (levels, title, methods) in SHAPES {
            let mut lines = String::new();
            for &method in methods {
                let one = data.stats(&Key::tree(Kind::Scaling, method, levels, size, 1));
                let many = data.stats(&Key::tree(Kind::Scaling, method, levels, size, cpus));
                if one.is_none() && many.is_none() {
                    continue;
                }
                let ms = |s: Option<Stats>| {
                    s.map_or("-".into(), |s| {
                        let f = size as f64 / 1e6;
                        format!("{:.0} [{:.0}-{:.0}]", s.median * f, s.min * f, s.max * f)
                    })
                };
                let speedup = match (one, many) {
                    (Some(a), Some(b)) => format!("{:.2}x", a.median / b.median),
                    _ => "-".into(),
                };
                let _ = writeln!(
                    lines,
                    "  {:<22} {:>22} {:>22} {:>8}",
                    method.name(),
                    ms(one),
                    ms(many),
                    speedup
                );
            }
            if !lines.is_empty() {
                let _ = write!(out, "{title}\n{lines}");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fits_a_line() {
        let (a, b) = fit(&[(1.0, 12.0), (4.0, 18.0), (32.0, 74.0)]).unwrap();
        assert!((a - 10.0).abs() < 1e-9 && (b - 2.0).abs() < 1e-9);
        assert!(fit(&[(1.0, 1.0)]).is_none());
    }
}
