//! The goals, checked against the merged figures, and the
//! one-line summary that ends `make bench`.

use std::fmt::Write;

use crate::merge::Data;
use crate::report::{depths, tree_sizes};
use crate::samples::{Choice, Key, Kind};
use crate::spawn::Method;
use crate::stats::Stats;
use crate::tree::SHAPES;

/// `a / b` against `target`: the ratio of medians, the range of the
/// round-by-round ratios, and the verdict.
fn judged(data: &Data, a: &Key, b: &Key, target: f64) -> Option<(String, Verdict)> {
    let ratio = data.ratio(a, b)?;
    let paired = Stats::of(&data.paired_ratios(a, b));
    let verdict = if ratio <= target {
        Verdict::Met
    } else if paired.min <= target {
        Verdict::WithinSpread
    } else {
        Verdict::Missed
    };
    Some((
        format!("{ratio:.3} [{:.3}-{:.3}]", paired.min, paired.max),
        verdict,
    ))
}

/// How a goal fared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Verdict {
    Met,
    WithinSpread,
    Missed,
}

impl Verdict {
    fn text(self) -> &'static str {
        match self {
            Verdict::Met => "met",
            Verdict::WithinSpread => "met within the spread",
            Verdict::Missed => "MISSED",
        }
    }
}

/// One goal line: the figures of `pairs` (label, a, b) and the worst
/// verdict.
fn goal(out: &mut String, data: &Data, title: &str, target: f64, pairs: &[(String, Key, Key)]) {
    let _ = writeln!(out, "{title}");
    let mut worst = Verdict::Met;
    let mut any = false;
    for (label, a, b) in pairs {
        if let Some((text, v)) = judged(data, a, b, target) {
            let _ = writeln!(out, "    {label:<30} {text:<22} {}", v.text());
            worst = worst.max(v);
            any = true;
        }
    }
    let _ = writeln!(
        out,
        "    -> {}",
        if any { worst.text() } else { "not measured" }
    );
}

/// The goals section.
pub fn goals(data: &Data, worst_residual: f64) -> String {
    let depths = depths(data);
    let mut out = String::from(
        "\nGoals: ratio of medians [range of the round-by-round ratios, both figures measured in the same\n\
         round]; met: ratio <= target; met within the spread: ratio above it but some round's ratio at or\n\
         below it; MISSED: every round's ratio above the target\n",
    );
    let per_depth = |m: Method, c: Choice, rm: Method, rc: Choice| -> Vec<(String, Key, Key)> {
        depths
            .iter()
            // At depth 32 clone3 chooses 32 of the 33 pids: not the same.
            .filter(|&&d| c != Choice::All || d < 32)
            .map(|&d| {
                (
                    format!("depth {d}"),
                    Key::call(m, c, d),
                    Key::call(rm, rc, d),
                )
            })
            .collect()
    };
    goal(
        &mut out,
        data,
        "1. clone_with_pids(), 1 pid, <= 1.000 x clone3(set_tid) for the same pid",
        1.0,
        &per_depth(
            Method::CloneWithPids,
            Choice::Innermost,
            Method::Clone3SetTid,
            Choice::Innermost,
        ),
    );
    goal(
        &mut out,
        data,
        "   clone_with_pids(), all levels, <= 1.000 x clone3(set_tid) for the same pids",
        1.0,
        &per_depth(
            Method::CloneWithPids,
            Choice::All,
            Method::Clone3SetTid,
            Choice::All,
        ),
    );
    goal(
        &mut out,
        data,
        "2. clone_with_pids(), no pid, <= 1.005 x clone()",
        1.005,
        &per_depth(
            Method::CloneWithPids,
            Choice::None,
            Method::Clone,
            Choice::None,
        ),
    );
    let mut restores = Vec::new();
    for size in tree_sizes(data, Kind::Tree) {
        for (levels, title, _) in SHAPES {
            restores.push((
                format!("{} {size}", &title[..3]),
                Key::tree(Kind::Tree, Method::CloneWithPids, levels, size, 1),
                Key::tree(Kind::Tree, Method::Clone3SetTid, levels, size, 1),
            ));
        }
    }
    goal(
        &mut out,
        data,
        "3. restore per process, clone_with_pids() <= 1.000 x clone3(set_tid), every shape and size",
        1.0,
        &restores,
    );
    let _ = writeln!(
        out,
        "4. cost linear in depth up to 32 levels: every row's depths lie within {:.2}% of its line\n\
         \x20  (see \"Cost against depth\")",
        worst_residual * 100.0
    );
    out
}

/// The last line of `make bench`; the headline restore is the first tree
/// size with all levels chosen.
pub fn bench_line(data: &Data) -> String {
    let size = tree_sizes(data, Kind::Tree).first().copied().unwrap_or(0);
    let pairs = [
        (
            Key::call(Method::CloneWithPids, Choice::Innermost, 1),
            Key::call(Method::Clone3SetTid, Choice::Innermost, 1),
        ),
        (
            Key::call(Method::CloneWithPids, Choice::None, 1),
            Key::call(Method::Clone, Choice::None, 1),
        ),
        (
            Key::tree(Kind::Tree, Method::CloneWithPids, Choice::All, size, 1),
            Key::tree(Kind::Tree, Method::Clone3SetTid, Choice::All, size, 1),
        ),
    ];
    let ratio = |(a, b): &(Key, Key)| {
        data.ratio(a, b)
            .map_or("-".to_string(), |r| format!("{r:.3}"))
    };
    let spread = pairs
        .iter()
        .flat_map(|(a, b)| [a, b])
        .filter_map(|k| data.stats(k))
        .map(|s| s.spread())
        .fold(0.0, f64::max);
    format!(
        "bench: cwp/clone3 {} cwp0/clone {} restore cwp/clone3 {} (instructions, {} boots, spread {:.1}%)",
        ratio(&pairs[0]),
        ratio(&pairs[1]),
        ratio(&pairs[2]),
        data.boots.len(),
        spread * 100.0
    )
}

/// What the headline figures are, and how they went from boot to boot.
pub fn headline_legend(data: &Data) -> String {
    let size = tree_sizes(data, Kind::Tree).first().copied().unwrap_or(0);
    let rows = [
        (
            "cwp/clone3",
            Key::call(Method::CloneWithPids, Choice::Innermost, 1),
            Key::call(Method::Clone3SetTid, Choice::Innermost, 1),
        ),
        (
            "cwp0/clone",
            Key::call(Method::CloneWithPids, Choice::None, 1),
            Key::call(Method::Clone, Choice::None, 1),
        ),
        (
            "restore cwp/clone3",
            Key::tree(Kind::Tree, Method::CloneWithPids, Choice::All, size, 1),
            Key::tree(Kind::Tree, Method::Clone3SetTid, Choice::All, size, 1),
        ),
    ];
    let mut out = format!(
        "\nHeadline (last line): cwp/clone3 = clone_with_pids(1 pid) / clone3(set_tid, 1 pid) at depth 1;\n\
         cwp0/clone = clone_with_pids(no pid) / clone() at depth 1; restore cwp/clone3 = per process, {size}-process\n\
         tree, all 3 levels chosen; spread = the largest spread of the six figures. Boot to boot (each boot's\n\
         medians; the ratio, then the two figures):\n"
    );
    for (name, a, b) in rows {
        let (ma, mb) = (data.boot_medians(&a), data.boot_medians(&b));
        let _ = write!(out, "  {name:<19}");
        for (x, y) in ma.iter().zip(&mb) {
            let _ = match (x, y) {
                (Some(x), Some(y)) => write!(out, " {:.3} ({x:.0}/{y:.0})", x / y),
                _ => write!(out, " -"),
            };
        }
        out.push('\n');
    }
    let mut gap = (0.0, None);
    for key in data
        .keys()
        .into_iter()
        .filter(|k| matches!(k.kind, Kind::Call | Kind::Tree))
    {
        let Some(m) = data.median(&key) else { continue };
        for b in data.boot_medians(&key).into_iter().flatten() {
            let g = (b / m - 1.0).abs();
            if g > gap.0 {
                gap = (g, Some(key));
            }
        }
    }
    if let (g, Some(k)) = gap {
        let _ = writeln!(
            out,
            "  largest gap between a boot's median and the overall median, over every figure: {:.2}% ({} {}, {})",
            g * 100.0,
            k.method.name(),
            k.choice.name(),
            if k.kind == Kind::Call {
                format!("depth {}", k.depth)
            } else {
                format!("{}-process tree", k.size)
            }
        );
    }
    out
}
