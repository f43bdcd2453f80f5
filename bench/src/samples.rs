//! The raw measurements: what the guest prints, one line a sample, and
//! what `cwp-bench report` reads back on the host to merge the boots.
//!
//! A samples block sits between [`BEGIN`] and [`END`] lines: `# key:
//! value` lines describe the machine and the run, then a CSV header and
//! one line per sample: `kind,method,pids,depth,size,restorers,round,value`,
//! `value` in nanoseconds of the guest's `CLOCK_MONOTONIC` per call (per
//! created process for trees). Under `-icount shift=0` a nanosecond is one
//! guest instruction.

use std::fmt::Write;

use anyhow::{bail, Context, Result};

use crate::spawn::Method;

/// The line before a samples block.
pub const BEGIN: &str = "--- samples ---";
/// The line after it.
pub const END: &str = "--- end ---";
const HEADER: &str = "kind,method,pids,depth,size,restorers,round,value";

/// What a figure measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// Create + reap one child; value per call.
    Call,
    /// Restore a tree, one restorer; value per restored process.
    Tree,
    /// Restore a tree, wall clock, one or more restorers; value per
    /// restored process.
    Scaling,
    /// Minor page faults per create + reap (the caller's and the child's).
    Faults,
    /// A call refused where `copy_process()` starts; value per call.
    Entry,
}

/// Which pids a call chooses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Choice {
    /// None: the kernel chooses all.
    None,
    /// The innermost level only.
    Innermost,
    /// Every level the method can address.
    All,
    /// Every level but one in the middle, left 0 (clone_with_pids only).
    Hole,
}

impl Kind {
    fn id(self) -> &'static str {
        match self {
            Kind::Call => "call",
            Kind::Tree => "tree",
            Kind::Scaling => "scaling",
            Kind::Faults => "faults",
            Kind::Entry => "entry",
        }
    }
}

impl Choice {
    /// Short name for tables.
    pub fn name(self) -> &'static str {
        match self {
            Choice::None => "no pid",
            Choice::Innermost => "1 pid",
            Choice::All => "all levels",
            Choice::Hole => "a hole",
        }
    }

    /// Identifier in the samples files.
    pub fn id(self) -> &'static str {
        match self {
            Choice::None => "none",
            Choice::Innermost => "innermost",
            Choice::All => "all",
            Choice::Hole => "hole",
        }
    }
}

/// Identifies a figure: every sample with the same key is one more
/// measurement of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key {
    /// Per call, tree, or wall-clock tree.
    pub kind: Kind,
    /// How the processes are created.
    pub method: Method,
    /// Which pids are chosen.
    pub choice: Choice,
    /// Per call: depth of the namespace the children are created in;
    /// trees: level of the tree's namespace.
    pub depth: usize,
    /// Trees: processes per tree; 0 for per-call figures.
    pub size: usize,
    /// Trees: subtrees restored at once; 1 for per-call figures.
    pub restorers: usize,
}

impl Key {
    /// A per-call key.
    pub fn call(method: Method, choice: Choice, depth: usize) -> Self {
        Key {
            kind: Kind::Call,
            method,
            choice,
            depth,
            size: 0,
            restorers: 1,
        }
    }

    /// A tree key (the tree's namespace at level 2).
    pub fn tree(kind: Kind, method: Method, levels: Choice, size: usize, restorers: usize) -> Self {
        Key {
            kind,
            method,
            choice: levels,
            depth: 2,
            size,
            restorers,
        }
    }

    /// The key's CSV fields: `kind,method,pids,depth,size,restorers`.
    pub fn csv(&self) -> String {
        format!(
            "{},{},{},{},{},{}",
            self.kind.id(),
            self.method.id(),
            self.choice.id(),
            self.depth,
            self.size,
            self.restorers
        )
    }
}

/// One measurement.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sample {
    /// What was measured.
    pub key: Key,
    /// Which round of its boot (rounds measure every figure once).
    pub round: usize,
    /// Nanoseconds per call or per restored process.
    pub value: f64,
}

impl Sample {
    /// The CSV line, without its newline.
    pub fn to_line(self) -> String {
        format!("{},{},{:.1}", self.key.csv(), self.round, self.value)
    }

    /// Reads a CSV line back.
    pub fn parse(line: &str) -> Result<Self> {
        let f: Vec<&str> = line.trim().split(',').collect();
        let [kind, method, choice, depth, size, restorers, round, value] = f[..] else {
            bail!("expected 8 fields");
        };
        let kind = [
            Kind::Call,
            Kind::Tree,
            Kind::Scaling,
            Kind::Faults,
            Kind::Entry,
        ]
        .into_iter()
        .find(|k| k.id() == kind)
        .context("unknown kind")?;
        let choice = [Choice::None, Choice::Innermost, Choice::All, Choice::Hole]
            .into_iter()
            .find(|c| c.id() == choice)
            .context("unknown pids")?;
        let key = Key {
            kind,
            method: Method::from_id(method).context("unknown method")?,
            choice,
            depth: depth.parse()?,
            size: size.parse()?,
            restorers: restorers.parse()?,
        };
        Ok(Sample {
            key,
            round: round.parse()?,
            value: value.parse()?,
        })
    }
}

/// The samples of one boot and what it said about itself.
#[derive(Debug, Default)]
pub struct Block {
    /// `# key: value` lines, in order.
    pub meta: Vec<(String, String)>,
    /// The samples.
    pub samples: Vec<Sample>,
}

impl Block {
    /// A meta value by key.
    pub fn meta(&self, key: &str) -> Option<&str> {
        self.meta
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The block as the guest prints it, markers included.
    pub fn render(&self) -> String {
        let mut out = format!("{BEGIN}\n");
        for (k, v) in &self.meta {
            let _ = writeln!(out, "# {k}: {v}");
        }
        let _ = writeln!(out, "{HEADER}");
        for s in &self.samples {
            let _ = writeln!(out, "{}", s.to_line());
        }
        let _ = writeln!(out, "{END}");
        out
    }

    /// Reads the first block of `text` (a guest's whole output).
    pub fn parse(text: &str) -> Result<Self> {
        let mut lines = text.lines().skip_while(|l| l.trim() != BEGIN);
        if lines.next().is_none() {
            bail!("no '{BEGIN}' line");
        }
        let mut block = Block::default();
        for (n, line) in lines.enumerate() {
            let line = line.trim();
            if line == END {
                return Ok(block);
            }
            if let Some(meta) = line.strip_prefix("# ") {
                let (k, v) = meta.split_once(": ").unwrap_or((meta, ""));
                block.meta.push((k.to_string(), v.to_string()));
            } else if !line.is_empty() && line != HEADER {
                let sample = Sample::parse(line)
                    .with_context(|| format!("sample line {}: {line}", n + 1))?;
                block.samples.push(sample);
            }
        }
        bail!("no '{END}' line: the guest's output was cut short")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_round_trips() {
        let block = Block {
            meta: vec![("kernel".into(), "6.12.117+".into())],
            samples: vec![Sample {
                key: Key {
                    kind: Kind::Tree,
                    method: Method::NsLastPid,
                    choice: Choice::Innermost,
                    depth: 2,
                    size: 1000,
                    restorers: 1,
                },
                round: 3,
                value: 1234.5,
            }],
        };
        let text = format!("noise\n{}more noise\n", block.render());
        let back = Block::parse(&text).unwrap();
        assert_eq!(back.meta, block.meta);
        assert_eq!(back.samples, block.samples);
        assert_eq!(back.meta("kernel"), Some("6.12.117+"));
    }

    #[test]
    fn cut_short_is_an_error() {
        assert!(Block::parse(&format!("{BEGIN}\n{HEADER}\n")).is_err());
        assert!(Block::parse("nothing").is_err());
    }
}
