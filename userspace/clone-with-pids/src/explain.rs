//! What an error of `clone_with_pids()` means, in words a user can act on.

use std::io;

/// Explains an error returned by this crate's calls.
///
/// ```
/// use std::io;
/// let busy = io::Error::from_raw_os_error(libc::EBUSY);
/// assert!(clone_with_pids::explain(&busy).contains("already in use"));
/// ```
pub fn explain(err: &io::Error) -> String {
    let words = match err.raw_os_error() {
        Some(libc::ENOSYS) => {
            "the running kernel has no clone_with_pids() (system call 463): \
             boot one built with CONFIG_CLONE_WITH_PIDS=y"
        }
        Some(libc::EBUSY) => "a wanted pid is already in use in its pid namespace",
        Some(libc::EPERM) => {
            "not permitted: choosing a pid needs CAP_SYS_ADMIN or \
             CAP_CHECKPOINT_RESTORE in the user namespace that owns that pid \
             namespace, and creating a pid namespace needs CAP_SYS_ADMIN"
        }
        Some(libc::EINVAL) => {
            "invalid request: more pids than the child has pid namespace \
             levels, or a pid that is negative or not below \
             /proc/sys/kernel/pid_max"
        }
        Some(libc::EFAULT) => "the pid set could not be read (bad address)",
        Some(libc::ENOSPC) => {
            "too deep: pid namespaces nest at most 32 levels below the \
             initial one (or /proc/sys/user/max_pid_namespaces was reached)"
        }
        Some(libc::EAGAIN) => {
            "no more processes: RLIMIT_NPROC, kernel.threads-max or the \
             namespace's pids are used up"
        }
        Some(libc::ENOMEM) => {
            "out of memory, or the target pid namespace is shutting down \
             (its init has exited)"
        }
        _ => return err.to_string(),
    };
    format!("{words} ({err})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_contract_errno_has_words() {
        for errno in [
            libc::ENOSYS,
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
    fn other_errors_pass_through() {
        let e = io::Error::other("something else");
        assert_eq!(explain(&e), "something else");
    }
}
