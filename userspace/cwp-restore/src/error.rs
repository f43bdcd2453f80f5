//! How the tool reports an error: the errno it comes down to, by name, the
//! message, and a hint at what to do.
//!
//! ```text
//! error: EPERM: restoring creates pid namespaces and chooses pids, which needs CAP_SYS_ADMIN ...
//! hint: run it as root (sudo cwp-restore ...), ...
//! ```

use std::io;

use clone_with_pids::errno_name;
use rustix::io::Errno;

/// An error whose errno and hint the tool knows: the checks it makes
/// itself, and what a restored process reports.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Failure {
    /// The errno it comes down to (what the kernel answers, or would).
    pub errno: i32,
    /// What went wrong, in words.
    pub message: String,
    /// What to do about it, when there is more to say than the errno's
    /// usual hint ([`hint_for`]).
    pub hint: Option<String>,
}

impl Failure {
    /// A failure with `errno` and the errno's usual hint.
    pub fn new(errno: Errno, message: impl Into<String>) -> Self {
        Self {
            errno: errno.raw_os_error(),
            message: message.into(),
            hint: None,
        }
    }

    /// The same failure with its own hint.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

/// What the command prints for an error: `error: ENAME: message` (just
/// `error: message` when no errno applies), then `hint: ...`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnosis {
    /// The errno, when one applies.
    pub errno: Option<i32>,
    /// The whole chain of the error, outermost first.
    pub message: String,
    /// What to do about it.
    pub hint: String,
}

impl Diagnosis {
    /// The diagnosis of `err`: its errno from a [`Failure`] in its chain,
    /// else from the [`io::Error`] or the JSON error at its root (a
    /// description that does not parse is EINVAL); its hint from the
    /// failure, else from the errno.
    pub fn of(err: &anyhow::Error) -> Self {
        let failure = err.downcast_ref::<Failure>();
        let errno = failure.map(|f| f.errno).or_else(|| {
            if let Some(e) = err.downcast_ref::<io::Error>() {
                e.raw_os_error().or_else(|| errno_of_kind(e.kind()))
            } else if err.downcast_ref::<serde_json::Error>().is_some() {
                Some(Errno::INVAL.raw_os_error())
            } else {
                None
            }
        });
        let hint = failure
            .and_then(|f| f.hint.clone())
            .unwrap_or_else(|| hint_for(errno).to_string());
        Self {
            errno,
            message: format!("{err:#}"),
            hint,
        }
    }
}

impl std::fmt::Display for Diagnosis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.errno.and_then(errno_name) {
            Some(name) => writeln!(f, "error: {name}: {}", self.message)?,
            None => writeln!(f, "error: {}", self.message)?,
        }
        write!(f, "hint: {}", self.hint)
    }
}

/// The errno behind an [`io::Error`] made without one.
fn errno_of_kind(kind: io::ErrorKind) -> Option<i32> {
    let errno = match kind {
        io::ErrorKind::NotFound => Errno::NOENT,
        io::ErrorKind::PermissionDenied => Errno::ACCESS,
        io::ErrorKind::InvalidInput | io::ErrorKind::InvalidData => Errno::INVAL,
        io::ErrorKind::TimedOut => Errno::TIMEDOUT,
        io::ErrorKind::BrokenPipe => Errno::PIPE,
        io::ErrorKind::Unsupported => Errno::NOSYS,
        io::ErrorKind::UnexpectedEof => Errno::IO,
        _ => return None,
    };
    Some(errno.raw_os_error())
}

/// The usual hint for an errno: what a user of this tool does about it.
pub fn hint_for(errno: Option<i32>) -> &'static str {
    let Some(errno) = errno.map(Errno::from_raw_os_error) else {
        return "see 'cwp-restore --help' for the commands and examples";
    };
    match errno {
        Errno::NOSYS => {
            "boot a 6.12.y kernel built with the clone_with_pids series and \
             CONFIG_CLONE_WITH_PIDS=y (from the repository: make vm CMD='cwp-restore ...')"
        }
        Errno::PERM => {
            "run it as root (sudo cwp-restore ...), or with CAP_SYS_ADMIN in its user \
             namespace: restoring creates pid namespaces and chooses pids in them"
        }
        Errno::NOSPC => {
            "pid namespaces nest at most 32 levels below the initial one: restore from a \
             shallower pid namespace, or describe a shallower tree; or raise \
             /proc/sys/user/max_pid_namespaces"
        }
        Errno::INVAL => {
            "check the description ('cwp-restore gen' writes valid ones) and that every \
             pid in it is below /proc/sys/kernel/pid_max"
        }
        Errno::BUSY => {
            "a pid of the description was taken in its namespace: look for a pid used \
             twice, or for processes that entered the restored namespaces"
        }
        Errno::AGAIN => {
            "too many processes: raise RLIMIT_NPROC (ulimit -u), kernel.threads-max or \
             kernel.pid_max, or restore a smaller tree"
        }
        Errno::NOMEM => "free some memory, or restore a smaller tree",
        Errno::NOENT => "check the path ('-' reads standard input)",
        Errno::ACCESS => "check the file's permissions, or run it as a user who may read it",
        Errno::TIMEDOUT => {
            "raise --timeout, or look at what the restored processes wait for \
             (restore --keep, then /proc)"
        }
        Errno::SRCH => "the process has gone: give the pid of a live one, as this /proc shows it",
        _ => "see 'cwp-restore --help' for the commands and examples",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    #[test]
    fn a_failure_in_the_chain_gives_errno_and_hint() {
        let err = anyhow::Error::new(Failure::new(Errno::PERM, "no capability").hint("be root"))
            .context("cannot restore");
        let d = Diagnosis::of(&err);
        assert_eq!(d.errno, Some(Errno::PERM.raw_os_error()));
        assert_eq!(
            d.to_string(),
            "error: EPERM: cannot restore: no capability\nhint: be root"
        );
    }

    #[test]
    fn an_io_error_at_the_root_gives_its_errno() {
        let err = Err::<(), _>(io::Error::from_raw_os_error(Errno::NOENT.raw_os_error()))
            .context("cannot read x.json")
            .unwrap_err();
        let text = Diagnosis::of(&err).to_string();
        assert!(
            text.starts_with("error: ENOENT: cannot read x.json: "),
            "{text}"
        );
        assert!(text.ends_with("\nhint: check the path ('-' reads standard input)"));
    }

    #[test]
    fn bad_json_is_einval() {
        let json = serde_json::from_str::<serde_json::Value>("{").unwrap_err();
        let err = anyhow::Error::new(json).context("x.json is not a tree description");
        assert!(Diagnosis::of(&err)
            .to_string()
            .starts_with("error: EINVAL: x.json"));
    }

    #[test]
    fn no_errno_no_name_but_a_hint() {
        let d = Diagnosis::of(&anyhow::anyhow!("something"));
        assert_eq!(d.errno, None);
        assert_eq!(
            d.to_string(),
            format!("error: something\nhint: {}", hint_for(None))
        );
    }

    #[test]
    fn every_errno_the_tool_meets_has_a_hint_of_its_own() {
        for e in [
            Errno::NOSYS,
            Errno::PERM,
            Errno::NOSPC,
            Errno::INVAL,
            Errno::BUSY,
            Errno::AGAIN,
            Errno::NOMEM,
            Errno::NOENT,
            Errno::TIMEDOUT,
        ] {
            assert_ne!(hint_for(Some(e.raw_os_error())), hint_for(None), "{e:?}");
        }
    }
}
