//! What the figures were measured on, and whether the CPU idled.

use std::fs;

/// CPU model, CPU count, kernel release and the clock the figures are read
/// from.
pub struct Machine {
    /// `model name` of /proc/cpuinfo.
    pub cpu: String,
    /// CPUs we may run on.
    pub cpus: usize,
    /// `uname -r`.
    pub kernel: String,
    /// The clocksource behind `CLOCK_MONOTONIC`.
    pub clocksource: String,
    /// What the kernel log says of the TSC's rate (under `-icount
    /// shift=0` the TSC counts instructions, so about 1000 MHz).
    pub tsc: String,
    /// Whether our address space layout is randomized: it changes how
    /// many page tables a fork copies, so the figures from boot to boot.
    pub aslr: bool,
}

impl Machine {
    /// Reads the running machine's description.
    pub fn read() -> Self {
        let cpu = fs::read_to_string("/proc/cpuinfo")
            .unwrap_or_default()
            .lines()
            .find_map(|l| l.strip_prefix("model name"))
            .map(|l| l.trim_start_matches([' ', '\t', ':']).to_string())
            .unwrap_or_else(|| "unknown".into());
        Machine {
            cpu,
            cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
            kernel: read_trimmed("/proc/sys/kernel/osrelease"),
            clocksource: read_trimmed(
                "/sys/devices/system/clocksource/clocksource0/current_clocksource",
            ),
            tsc: tsc_rate().unwrap_or_else(|| "unknown".into()),
            aslr: aslr(),
        }
    }

    /// The description as `(key, value)` pairs for a samples block.
    pub fn meta(&self) -> Vec<(String, String)> {
        [
            ("cpu", self.cpu.clone()),
            ("cpus", self.cpus.to_string()),
            ("kernel", self.kernel.clone()),
            ("clocksource", self.clocksource.clone()),
            ("tsc", self.tsc.clone()),
            ("aslr", if self.aslr { "on" } else { "off" }.to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }
}

/// Whether ASLR applies to us: not under `setarch -R`
/// (`ADDR_NO_RANDOMIZE`), nor with `randomize_va_space` 0.
fn aslr() -> bool {
    const ADDR_NO_RANDOMIZE: libc::c_int = 0x0040000;
    // SAFETY: personality(0xffffffff) only reads the persona.
    let persona = unsafe { libc::personality(0xffff_ffff) };
    persona & ADDR_NO_RANDOMIZE == 0 && read_trimmed("/proc/sys/kernel/randomize_va_space") != "0"
}

fn read_trimmed(path: &str) -> String {
    fs::read_to_string(path).map_or_else(|_| "unknown".into(), |s| s.trim().to_string())
}

/// The last thing the kernel log says about the TSC's rate ("Refined TSC
/// clocksource calibration: ..." or "Detected ... MHz processor").
fn tsc_rate() -> Option<String> {
    const SYSLOG_ACTION_READ_ALL: libc::c_int = 3;
    let mut buf = vec![0u8; 1 << 20];
    let len = libc::c_int::try_from(buf.len()).ok()?;
    // SAFETY: the kernel writes at most `len` bytes into `buf`.
    let n = unsafe { libc::klogctl(SYSLOG_ACTION_READ_ALL, buf.as_mut_ptr().cast(), len) };
    let text = String::from_utf8_lossy(buf.get(..usize::try_from(n).ok()?)?).into_owned();
    text.lines()
        .rev()
        .filter_map(|l| l.split_once("tsc: ").map(|(_, rest)| rest))
        .find(|rest| rest.contains("MHz"))
        .map(str::to_string)
}

/// Time the CPUs have spent idle so far, in `USER_HZ` ticks (10 ms), from
/// /proc/stat (idle + iowait). With one vCPU and `-icount sleep=off` an idle
/// CPU jumps the clock to the next timer, so a timed loop must never idle;
/// this tells whether one did (at 10 ms resolution).
pub fn idle_ticks() -> u64 {
    fs::read_to_string("/proc/stat")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("cpu "))?.to_string();
            let fields: Vec<u64> = line
                .split_whitespace()
                .skip(1)
                .filter_map(|f| f.parse().ok())
                .collect();
            Some(fields.get(3)? + fields.get(4)?)
        })
        .unwrap_or(0)
}
