//! `cwp-restore`: the command. See the library ([`cwp_restore`]) for how
//! a restore works; this is the command line around it.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use clone_with_pids::{pid_from_raw, RawPid};
use cwp_restore::error::{Diagnosis, Failure};
use cwp_restore::tree::{display_name, same_tree, TreeFile, STDIO};
use cwp_restore::{dump, gen, restore};
use rustix::io::Errno;

const EXAMPLES: &str = "\
Examples:
  cwp-restore gen --depth 3 --count 100 --seed 7 > tree.json
  sudo cwp-restore restore tree.json             # recreate, verify, tear down
  sudo cwp-restore restore --keep tree.json      # ... and leave it running
  cwp-restore gen --depth 2 --count 10 | sudo cwp-restore restore -
  sudo cwp-restore dump --pid 312 > dump.json    # a live tree, from /proc
  sudo cwp-restore dump --pid 312 | cwp-restore compare - tree.json

A description (tree.json) lists every process, parents first: its pids from
the tree's top pid namespace down (oldest first), its parent's first pid
(null for the root), and whether it is the init (pid 1) of a new namespace:
  { \"format\": \"cwp-tree/1\", \"processes\": [
    { \"pids\": [1],       \"parent\": null, \"ns_init\": true },
    { \"pids\": [40],      \"parent\": 1,    \"ns_init\": false },
    { \"pids\": [41, 1],   \"parent\": 40,   \"ns_init\": true },
    { \"pids\": [42, 300], \"parent\": 41,   \"ns_init\": false } ] }

A path of '-' is standard input (restore, compare) or output (dump, gen -o).
Errors read 'error: ENAME: what happened', then 'hint: what to do'.
Exit status: 0 on success, 1 on failure; compare: 0 same, 1 different,
2 trouble (as diff(1)).";

#[derive(Parser)]
#[command(
    version,
    about = "Dump and restore process trees with their pids in nested pid namespaces",
    after_help = EXAMPLES
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Describe the live tree of a process (pids at every level, parents,
    /// namespace inits) as JSON.
    #[command(after_help = "Examples:
  sudo cwp-restore dump --pid 312 > tree.json
  sudo cwp-restore dump --pid 312 -o tree.json
  sudo cwp-restore dump --pid 312 | cwp-restore compare - tree.json")]
    Dump {
        /// The tree's root, as a pid of this /proc.
        #[arg(long)]
        pid: RawPid,
        /// Write here instead of stdout ('-': stdout).
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Recreate a described tree in fresh nested pid namespaces, verify it
    /// from /proc and tear it down.
    ///
    /// Before it creates anything it checks what it can: the kernel's
    /// call, a /proc of its own pid namespace, CAP_SYS_ADMIN, the nesting
    /// depth below its own level, the namespace limit, and every pid below
    /// pid_max.
    #[command(after_help = "Examples:
  sudo cwp-restore restore tree.json
  sudo cwp-restore restore --keep -v tree.json
  cwp-restore gen --depth 3 --count 500 | sudo cwp-restore restore -")]
    Restore {
        /// The description (from dump or gen); '-' reads standard input.
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
        /// Skip the checks made before creating anything (capability,
        /// depth, namespace limit, pid_max) and let the kernel refuse
        /// half-way: for testing that a failure leaves nothing behind.
        #[arg(long)]
        no_precheck: bool,
    },
    /// Generate a synthetic tree with nested pid namespaces and chosen pids.
    #[command(after_help = "Examples:
  cwp-restore gen --depth 3 --count 100 --seed 7 > tree.json
  cwp-restore gen --depth 32 --count 40 --fanout 1 -o deep.json")]
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
        max_pid: RawPid,
        /// Write here instead of stdout ('-': stdout).
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Tell whether two descriptions have the same pids, parents and inits.
    ///
    /// Exits 0 when they do, 1 when they differ (the differences on
    /// stdout), 2 on trouble (as diff does).
    #[command(after_help = "Examples:
  cwp-restore compare a.json b.json && echo same
  sudo cwp-restore dump --pid 312 | cwp-restore compare - tree.json")]
    Compare {
        /// First description ('-': standard input).
        a: PathBuf,
        /// Second description ('-': standard input).
        b: PathBuf,
    },
}

/// How a command ended, when it did not fail.
enum Outcome {
    /// Done; for compare: the same tree.
    Done,
    /// compare: different trees.
    Different,
}

/// Writes `text` to stdout. A reader that has gone (EPIPE: `... | head`)
/// ends the output quietly, as SIGPIPE would end other tools.
fn print_out(text: &str) -> Result<()> {
    let mut stdout = io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(e).context("cannot write to stdout"),
        _ => Ok(()),
    }
}

fn write_json(file: &TreeFile, output: Option<&Path>) -> Result<()> {
    let mut text = serde_json::to_string_pretty(file).context("cannot encode the tree")?;
    text.push('\n');
    match output {
        Some(path) if path != Path::new(STDIO) => {
            std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
        }
        _ => print_out(&text),
    }
}

fn run(cli: Cli) -> Result<Outcome> {
    match cli.command {
        Command::Dump { pid, output } => {
            let pid = pid_from_raw(pid)
                .ok_or_else(|| Failure::new(Errno::INVAL, format!("{pid} is not a pid")))?;
            write_json(&dump::dump(pid)?, output.as_deref())?;
        }
        Command::Restore {
            file,
            keep,
            timeout,
            verbose,
            no_precheck,
        } => {
            let tree = TreeFile::load(&file)?;
            let opts = restore::Options {
                keep,
                stall_timeout: Duration::from_secs(timeout),
                verbose,
                precheck: !no_precheck,
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
            let file = gen::generate(shape).map_err(|e| {
                Failure::new(Errno::INVAL, format!("cannot generate: {e:#}")).hint(
                    "choose a shape that fits: --depth 1..=32, --count at least the \
                     namespace inits (1 + fanout + fanout^2 + ... below depth), --max-pid \
                     well above --count",
                )
            })?;
            write_json(&file, output.as_deref())?;
        }
        Command::Compare { a, b } => {
            if a == Path::new(STDIO) && b == Path::new(STDIO) {
                return Err(Failure::new(
                    Errno::INVAL,
                    "only one of the two descriptions can be standard input ('-')",
                )
                .hint("compare standard input with a file: cwp-restore compare - tree.json")
                .into());
            }
            let (ta, tb) = (TreeFile::load(&a)?, TreeFile::load(&b)?);
            let diffs = same_tree(&ta.file, &tb.file);
            if !diffs.is_empty() {
                let mut text = format!(
                    "different trees: {} and {} differ in {} processes\n",
                    display_name(&a),
                    display_name(&b),
                    diffs.len()
                );
                for d in &diffs {
                    text.push_str(d);
                    text.push('\n');
                }
                print_out(&text)?;
                return Ok(Outcome::Different);
            }
            print_out("same tree\n")?;
        }
    }
    Ok(Outcome::Done)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // compare's trouble is 2, as diff's; the others fail with 1.
    let trouble = match cli.command {
        Command::Compare { .. } => 2,
        _ => 1,
    };
    match run(cli) {
        Ok(Outcome::Done) => ExitCode::SUCCESS,
        Ok(Outcome::Different) => ExitCode::from(1),
        Err(e) => {
            // Standard error may be gone too; nothing more to say then.
            let _ = writeln!(io::stderr(), "{}", Diagnosis::of(&e));
            ExitCode::from(trouble)
        }
    }
}
