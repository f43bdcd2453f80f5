//! The boots' samples merged: every figure's median and spread over all
//! rounds of all boots, its per-boot medians, and ratios between figures.

use std::collections::BTreeSet;
use std::fmt::Write;

use crate::samples::{Block, Choice, Key, Kind};
use crate::spawn::Method;
use crate::stats::Stats;

/// The samples of the instruction-counting boots (and of the wall-clock
/// scaling boot, kept apart).
pub struct Data {
    /// One block per instruction-counting boot, in boot order.
    pub boots: Vec<Block>,
    /// The wall-clock scaling boot.
    pub scaling: Option<Block>,
}

impl Data {
    /// Every value of `key` over the boots (the scaling boot's for
    /// [`Kind::Scaling`]).
    pub fn values(&self, key: &Key) -> Vec<f64> {
        self.blocks(key)
            .flat_map(|b| b.samples.iter())
            .filter(|s| s.key == *key)
            .map(|s| s.value)
            .collect()
    }

    fn blocks(&self, key: &Key) -> impl Iterator<Item = &Block> {
        let scaling = key.kind == Kind::Scaling;
        self.boots
            .iter()
            .filter(move |_| !scaling)
            .chain(self.scaling.iter().filter(move |_| scaling))
    }

    /// The statistics of `key`, if it was measured.
    pub fn stats(&self, key: &Key) -> Option<Stats> {
        let values = self.values(key);
        (!values.is_empty()).then(|| Stats::of(&values))
    }

    /// The median of `key`.
    pub fn median(&self, key: &Key) -> Option<f64> {
        self.stats(key).map(|s| s.median)
    }

    /// The median of `key` in each boot.
    pub fn boot_medians(&self, key: &Key) -> Vec<Option<f64>> {
        self.boots
            .iter()
            .map(|b| {
                let v: Vec<f64> = b
                    .samples
                    .iter()
                    .filter(|s| s.key == *key)
                    .map(|s| s.value)
                    .collect();
                (!v.is_empty()).then(|| Stats::of(&v).median)
            })
            .collect()
    }

    /// `a / b` for every round of every boot that measured both: the two
    /// were measured in the same round, under the same conditions.
    pub fn paired_ratios(&self, a: &Key, b: &Key) -> Vec<f64> {
        self.paired(a, b, |x, y| x / y)
    }

    /// `f(a, b)` for every round of every boot that measured both.
    pub fn paired(&self, a: &Key, b: &Key, f: impl Fn(f64, f64) -> f64) -> Vec<f64> {
        let mut out = Vec::new();
        for block in self.blocks(a) {
            for sa in block.samples.iter().filter(|s| s.key == *a) {
                if let Some(sb) = block
                    .samples
                    .iter()
                    .find(|s| s.key == *b && s.round == sa.round)
                {
                    out.push(f(sa.value, sb.value));
                }
            }
        }
        out
    }

    /// Median of `a` over median of `b`.
    pub fn ratio(&self, a: &Key, b: &Key) -> Option<f64> {
        Some(self.median(a)? / self.median(b)?)
    }

    /// Every key measured, sorted.
    pub fn keys(&self) -> BTreeSet<Key> {
        self.boots
            .iter()
            .chain(&self.scaling)
            .flat_map(|b| b.samples.iter().map(|s| s.key))
            .collect()
    }

    /// A meta value of the first boot.
    pub fn meta(&self, key: &str) -> &str {
        self.boots.first().and_then(|b| b.meta(key)).unwrap_or("?")
    }

    /// The figures as CSV: one line per figure, with its per-boot medians.
    pub fn csv(&self) -> String {
        let mut out = String::from(
            "kind,method,pids,depth,size,restorers,unit,median,min,max,spread,n,ratio,reference",
        );
        for b in 1..=self.boots.len() {
            let _ = write!(out, ",boot{b}_median");
        }
        out.push('\n');
        for key in self.keys() {
            let Some(s) = self.stats(&key) else { continue };
            let reference = reference(&key);
            let ratio = reference.and_then(|r| self.ratio(&key, &r));
            let unit = match key.kind {
                Kind::Call => "instructions per call",
                Kind::Tree => "instructions per process",
                Kind::Scaling => "wall-clock ns per process",
                Kind::Faults => "minor faults per call",
                Kind::Entry => "instructions per refused call",
            };
            let _ = write!(
                out,
                "{},{unit},{:.1},{:.1},{:.1},{:.4},{},{},{}",
                key.csv(),
                s.median,
                s.min,
                s.max,
                s.spread(),
                s.n,
                ratio.map_or(String::new(), |r| format!("{r:.4}")),
                reference.map_or(String::new(), |r| format!(
                    "{} {}",
                    r.method.id(),
                    r.choice.id()
                )),
            );
            if key.kind != Kind::Scaling {
                for m in self.boot_medians(&key) {
                    let _ = write!(out, ",{}", m.map_or(String::new(), |m| format!("{m:.1}")));
                }
            }
            out.push('\n');
        }
        out
    }
}

/// The figure `key` is compared with: for a call, `clone()` when no pid
/// is chosen, else `clone3(set_tid)` choosing the same pids (all levels for
/// a hole, which chooses one fewer); for a tree, `clone3(set_tid)` at the
/// same shape. None for the reference itself.
pub fn reference(key: &Key) -> Option<Key> {
    let (method, choice) = match (key.kind, key.choice) {
        (Kind::Call | Kind::Entry, Choice::None) => (Method::Clone, Choice::None),
        (Kind::Call | Kind::Entry, Choice::Hole) => (Method::Clone3SetTid, Choice::All),
        (_, choice) => (Method::Clone3SetTid, choice),
    };
    let r = Key {
        method,
        choice,
        ..*key
    };
    (r != *key).then_some(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::samples::Sample;

    fn block(values: &[(Key, usize, f64)]) -> Block {
        Block {
            meta: Vec::new(),
            samples: values
                .iter()
                .map(|&(key, round, value)| Sample { key, round, value })
                .collect(),
        }
    }

    #[test]
    fn merges_boots_and_pairs_rounds() {
        let a = Key::call(Method::CloneWithPids, Choice::Innermost, 1);
        let b = Key::call(Method::Clone3SetTid, Choice::Innermost, 1);
        let data = Data {
            boots: vec![
                block(&[(a, 0, 101.0), (b, 0, 100.0), (a, 1, 99.0), (b, 1, 100.0)]),
                block(&[(a, 0, 102.0), (b, 0, 100.0)]),
            ],
            scaling: None,
        };
        assert_eq!(data.stats(&a).map(|s| s.median), Some(101.0));
        assert_eq!(data.boot_medians(&a), vec![Some(100.0), Some(102.0)]);
        assert_eq!(data.paired_ratios(&a, &b), vec![1.01, 0.99, 1.02]);
        assert_eq!(reference(&a), Some(b));
        assert_eq!(reference(&b), None);
        assert_eq!(
            reference(&Key::call(Method::CloneWithPids, Choice::None, 4)),
            Some(Key::call(Method::Clone, Choice::None, 4))
        );
    }
}
