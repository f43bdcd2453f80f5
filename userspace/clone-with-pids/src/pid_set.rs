//! [`PidSet`]: the pids wanted for a new process, one per pid namespace level.

use rustix::process::{Pid, RawPid};
use thiserror::Error;

/// Pid namespaces nest at most this deep (the kernel's `MAX_PID_NS_LEVEL`):
/// levels run from 0 (the initial namespace) to 32.
pub const MAX_PID_NS_LEVEL: usize = 32;

/// A process has at most one pid per level, so a set has at most this many.
pub const MAX_PIDS: usize = MAX_PID_NS_LEVEL + 1;

/// No pid can reach this (the kernel's `PID_MAX_LIMIT` on 64-bit); the
/// running kernel's `/proc/sys/kernel/pid_max` may be lower, which only the
/// kernel checks (EINVAL).
pub const PID_MAX_LIMIT: RawPid = 4 * 1024 * 1024;

/// Why a list of pids is not a valid [`PidSet`].
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum PidSetError {
    /// More entries than pid namespace levels can exist.
    #[error("{0} pids given, but a process has at most {MAX_PIDS} (one per pid namespace level)")]
    TooManyLevels(usize),
    /// A negative pid, or one no kernel accepts.
    #[error("pid {pid} at entry {index} is out of range (1..{PID_MAX_LIMIT}, or 0 for any)")]
    OutOfRange {
        /// Position in the list, oldest namespace first.
        index: usize,
        /// The rejected value.
        pid: RawPid,
    },
}

/// The pids wanted for a new process, **oldest pid namespace first**.
///
/// Entry `i` of a set of `n` entries is the pid wanted in the namespace at
/// level `L + 1 - n + i`, where `L` is the level of the namespace the child
/// is created in: a set shorter than the child's levels applies to the
/// *youngest* namespaces, and the older ones get pids the kernel chooses.
/// `None` (0 in the raw form) leaves one level to the kernel. The empty set
/// makes the call behave exactly like `fork()`.
///
/// ```
/// use clone_with_pids::{pid_from_raw, PidSet};
///
/// // Pid 300 in the child's own namespace, any pid in the one above it.
/// let set = PidSet::from_levels([None, pid_from_raw(300)])?;
/// assert_eq!(set.as_raw(), &[0, 300]);
///
/// // The same from raw values, as a restore tool reads them from an image.
/// assert_eq!(PidSet::from_raw(&[0, 300])?, set);
///
/// // Negative pids are refused before any system call.
/// assert!(PidSet::from_raw(&[-5]).is_err());
/// # Ok::<(), clone_with_pids::PidSetError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct PidSet {
    /// Raw form, as the kernel reads it: oldest first, 0 = any.
    pids: Vec<RawPid>,
}

impl PidSet {
    /// The empty set: the kernel chooses every pid, as for `fork()`.
    pub fn any() -> Self {
        Self::default()
    }

    /// One pid, in the youngest namespace the child gets a pid in.
    pub fn innermost(pid: Pid) -> Result<Self, PidSetError> {
        Self::from_levels([Some(pid)])
    }

    /// A set from per-level pids, oldest namespace first; `None` = any.
    pub fn from_levels<I>(levels: I) -> Result<Self, PidSetError>
    where
        I: IntoIterator<Item = Option<Pid>>,
    {
        let raw: Vec<RawPid> = levels.into_iter().map(Pid::as_raw).collect();
        Self::from_raw(&raw)
    }

    /// A set from raw values, oldest namespace first; 0 = any.
    pub fn from_raw(pids: &[RawPid]) -> Result<Self, PidSetError> {
        if pids.len() > MAX_PIDS {
            return Err(PidSetError::TooManyLevels(pids.len()));
        }
        if let Some((index, &pid)) = pids
            .iter()
            .enumerate()
            .find(|(_, &p)| !(0..PID_MAX_LIMIT).contains(&p))
        {
            return Err(PidSetError::OutOfRange { index, pid });
        }
        Ok(Self {
            pids: pids.to_vec(),
        })
    }

    /// Number of levels the set addresses (the youngest ones).
    pub fn len(&self) -> usize {
        self.pids.len()
    }

    /// True for the empty set (the kernel chooses every pid).
    pub fn is_empty(&self) -> bool {
        self.pids.is_empty()
    }

    /// The per-level pids, oldest first; `None` where the kernel chooses.
    pub fn levels(&self) -> impl Iterator<Item = Option<Pid>> + '_ {
        self.pids.iter().map(|&p| crate::pid_from_raw(p))
    }

    /// The raw form the kernel reads: oldest first, 0 = any.
    pub fn as_raw(&self) -> &[RawPid] {
        &self.pids
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_set_is_fork() {
        let set = PidSet::any();
        assert!(set.is_empty());
        assert_eq!(set.len(), 0);
        assert_eq!(set, PidSet::from_raw(&[]).unwrap());
    }

    #[test]
    fn levels_round_trip_with_zero_as_any() {
        let levels = [None, crate::pid_from_raw(7), None, Some(Pid::INIT)];
        let set = PidSet::from_levels(levels).unwrap();
        assert_eq!(set.as_raw(), &[0, 7, 0, 1]);
        assert_eq!(set.levels().collect::<Vec<_>>(), levels);
    }

    #[test]
    fn innermost_is_a_single_entry() {
        let set = PidSet::innermost(crate::pid_from_raw(4242).unwrap()).unwrap();
        assert_eq!(set.as_raw(), &[4242]);
    }

    #[test]
    fn negative_and_huge_pids_are_refused() {
        assert_eq!(
            PidSet::from_raw(&[1, -1]),
            Err(PidSetError::OutOfRange { index: 1, pid: -1 })
        );
        assert_eq!(
            PidSet::from_raw(&[PID_MAX_LIMIT]),
            Err(PidSetError::OutOfRange {
                index: 0,
                pid: PID_MAX_LIMIT
            })
        );
        assert!(PidSet::from_raw(&[PID_MAX_LIMIT - 1]).is_ok());
    }

    #[test]
    fn at_most_one_pid_per_level() {
        assert!(PidSet::from_raw(&[0; MAX_PIDS]).is_ok());
        assert_eq!(
            PidSet::from_raw(&[0; MAX_PIDS + 1]),
            Err(PidSetError::TooManyLevels(MAX_PIDS + 1))
        );
    }

    #[test]
    fn errors_read_as_sentences() {
        let e = PidSet::from_raw(&[-3]).unwrap_err().to_string();
        assert!(e.contains("pid -3"), "{e}");
    }
}
