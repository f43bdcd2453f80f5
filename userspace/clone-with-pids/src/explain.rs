//! What an error of `clone_with_pids()` means, in words a user can act on.

use std::io;

use crate::raw::SYS_CLONE_WITH_PIDS;
use crate::MAX_EXIT_SIGNAL;

/// Explains an error returned by this crate's calls.
///
/// ```
/// use std::io;
/// let busy = io::Error::from_raw_os_error(libc::EBUSY);
/// assert!(clone_with_pids::explain(&busy).contains("already in use"));
/// ```
pub fn explain(err: &io::Error) -> String {
    let words = match err.raw_os_error() {
        Some(libc::ENOSYS) => format!(
            "the running kernel has no clone_with_pids() (system call \
             {SYS_CLONE_WITH_PIDS} of the clone_with_pids series, looked for \
             only on 6.12.y kernels): boot one built with \
             CONFIG_CLONE_WITH_PIDS=y"
        ),
        Some(libc::EBUSY) => "a wanted pid is already in use in its pid namespace".into(),
        Some(libc::EPERM) => "not permitted: choosing a pid needs CAP_SYS_ADMIN or \
             CAP_CHECKPOINT_RESTORE in the user namespace that owns that pid \
             namespace (checked before anything else), and creating a pid \
             namespace needs CAP_SYS_ADMIN"
            .into(),
        Some(libc::EINVAL) => format!(
            "invalid request: a flag above bit 31 (clone3-only flags such \
             as CLONE_CLEAR_SIGHAND or CLONE_INTO_CGROUP cannot be asked \
             for here), an exit signal above {MAX_EXIT_SIGNAL}, more pids \
             than the child has pid namespace levels, a pid that is \
             negative or not below /proc/sys/kernel/pid_max, or flags that \
             clone() refuses together"
        ),
        Some(libc::EFAULT) => "the pid set could not be read (bad address)".into(),
        Some(libc::ENOSPC) => "too deep: pid namespaces nest at most 32 levels below the \
             initial one (or /proc/sys/user/max_pid_namespaces was reached)"
            .into(),
        Some(libc::EAGAIN) => "no more processes: RLIMIT_NPROC, kernel.threads-max or the \
             namespace's pids are used up"
            .into(),
        Some(libc::ENOMEM) => "out of memory, or the target pid namespace is shutting down \
             (its init has exited)"
            .into(),
        _ => return err.to_string(),
    };
    format!("{words} ({err})")
}

/// The symbolic name of an errno, as `errno(3)` spells it (`"EPERM"` for
/// 1), for the errors a process-creating tool meets; `None` for others.
///
/// ```
/// assert_eq!(clone_with_pids::errno_name(libc::EBUSY), Some("EBUSY"));
/// ```
pub fn errno_name(errno: i32) -> Option<&'static str> {
    Some(match errno {
        libc::EPERM => "EPERM",
        libc::ENOENT => "ENOENT",
        libc::ESRCH => "ESRCH",
        libc::EINTR => "EINTR",
        libc::EIO => "EIO",
        libc::E2BIG => "E2BIG",
        libc::EBADF => "EBADF",
        libc::ECHILD => "ECHILD",
        libc::EAGAIN => "EAGAIN",
        libc::ENOMEM => "ENOMEM",
        libc::EACCES => "EACCES",
        libc::EFAULT => "EFAULT",
        libc::EBUSY => "EBUSY",
        libc::EEXIST => "EEXIST",
        libc::ENOTDIR => "ENOTDIR",
        libc::EISDIR => "EISDIR",
        libc::EINVAL => "EINVAL",
        libc::EMFILE => "EMFILE",
        libc::ENOSPC => "ENOSPC",
        libc::EROFS => "EROFS",
        libc::EPIPE => "EPIPE",
        libc::ERANGE => "ERANGE",
        libc::ENOSYS => "ENOSYS",
        libc::ETIMEDOUT => "ETIMEDOUT",
        libc::EOVERFLOW => "EOVERFLOW",
        libc::EUSERS => "EUSERS",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_contract_errno_has_words() {
        for errno in [
            libc::ENOSYS,
            libc::EAGAIN,
            libc::ENOMEM,
            libc::EBUSY,
            libc::EPERM,
            libc::EINVAL,
            libc::EFAULT,
            libc::ENOSPC,
        ] {
            let e = io::Error::from_raw_os_error(errno);
            let text = explain(&e);
            assert!(text.ends_with(&format!("({e})")), "{text}");
            assert!(text.len() > e.to_string().len() + 20, "{text}");
        }
    }

    #[test]
    fn the_texts_name_the_v2_rules() {
        let nosys = explain(&io::Error::from_raw_os_error(libc::ENOSYS));
        assert!(nosys.contains("has no clone_with_pids()"), "{nosys}");
        assert!(
            nosys.contains(&format!("system call {SYS_CLONE_WITH_PIDS} ")),
            "{nosys}"
        );
        let inval = explain(&io::Error::from_raw_os_error(libc::EINVAL));
        assert!(inval.contains("above bit 31"), "{inval}");
        assert!(inval.contains("exit signal above 64"), "{inval}");
        let perm = explain(&io::Error::from_raw_os_error(libc::EPERM));
        assert!(perm.contains("CAP_CHECKPOINT_RESTORE"), "{perm}");
    }

    #[test]
    fn every_contract_errno_has_a_name() {
        for (errno, name) in [
            (libc::ENOSYS, "ENOSYS"),
            (libc::EAGAIN, "EAGAIN"),
            (libc::ENOMEM, "ENOMEM"),
            (libc::EBUSY, "EBUSY"),
            (libc::EPERM, "EPERM"),
            (libc::EINVAL, "EINVAL"),
            (libc::EFAULT, "EFAULT"),
            (libc::ENOSPC, "ENOSPC"),
        ] {
            assert_eq!(errno_name(errno), Some(name));
        }
        assert_eq!(errno_name(0), None);
        assert_eq!(errno_name(-1), None);
    }

    #[test]
    fn other_errors_pass_through() {
        let e = io::Error::other("something else");
        assert_eq!(explain(&e), "something else");
    }
}
