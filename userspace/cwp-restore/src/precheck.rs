//! What `restore` checks before it creates anything, so that what can be
//! known in advance fails at once, with its errno and a hint, instead of
//! half-way through the tree: the kernel's call, a /proc of our own, the
//! capability, the nesting depth and namespace limit, and `pid_max`.

use anyhow::Result;
use clone_with_pids::procfs::{self, CAP_SYS_ADMIN};
use clone_with_pids::{addressable_levels, check_support, explain, MAX_PID_NS_LEVEL};
use rustix::io::Errno;

use crate::error::Failure;
use crate::tree::Tree;

/// What the running system offers a restore: what [`check_tree`] checks a
/// tree against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The level of the pid namespace our children are created in (0: the
    /// initial one), counted from the initial one
    /// ([`addressable_levels`]).
    pub level: usize,
    /// `/proc/sys/kernel/pid_max`.
    pub pid_max: i32,
    /// `/proc/sys/user/max_pid_namespaces`.
    pub max_pid_namespaces: u64,
    /// Whether we have `CAP_SYS_ADMIN` in our user namespace.
    pub cap_sys_admin: bool,
}

/// The checks that need the running system: the call (ENOSYS) and a /proc
/// of our own pid namespace, which restore verifies the tree in; then
/// [`check_tree`] against this system's [`Limits`].
pub fn check(tree: &Tree) -> Result<()> {
    check_runtime()?;
    check_tree(tree, &read_limits()?)
}

/// The call and our /proc; what `--no-precheck` keeps, as restore cannot
/// go without them.
pub fn check_runtime() -> Result<()> {
    check_support()
        .map_err(|e| Failure::new(Errno::NOSYS, format!("cannot restore: {}", explain(&e))))?;
    procfs::check_proc_is_ours().map_err(|e| {
        Failure::new(Errno::INVAL, e.to_string()).hint(
            "run it in a new mount namespace with a /proc of its pid namespace, e.g. \
             unshare --mount --propagation private sh -c 'mount -t proc proc /proc && cwp-restore ...'",
        )
    })?;
    Ok(())
}

/// This system's [`Limits`], from /proc.
pub fn read_limits() -> Result<Limits> {
    let read = |what: &str, e: std::io::Error| {
        anyhow::Error::new(e).context(format!("cannot read {what}"))
    };
    Ok(Limits {
        // NSpid in our own /proc counts from our namespace, so ask the call.
        level: addressable_levels()
            .map_err(|e| read("our pid namespace level", e))?
            .saturating_sub(1),
        pid_max: procfs::pid_max().map_err(|e| read("pid_max", e))?,
        max_pid_namespaces: procfs::max_pid_namespaces()
            .map_err(|e| read("max_pid_namespaces", e))?,
        cap_sys_admin: procfs::has_capability(CAP_SYS_ADMIN)
            .map_err(|e| read("our capabilities", e))?,
    })
}

/// Whether `tree` can be restored with `limits`: the capability (EPERM),
/// the depth below our level and the number of namespaces (ENOSPC), and
/// every pid below `pid_max` (EINVAL); the kernel's order, capability
/// first.
pub fn check_tree(tree: &Tree, limits: &Limits) -> Result<()> {
    if !limits.cap_sys_admin {
        return Err(Failure::new(
            Errno::PERM,
            "not permitted: restoring creates pid namespaces and chooses pids in them, which \
             needs CAP_SYS_ADMIN, and this process does not have it (nothing was created)",
        )
        .into());
    }
    let deepest = limits.level + tree.depth();
    if deepest > MAX_PID_NS_LEVEL {
        return Err(Failure::new(
            Errno::NOSPC,
            format!(
                "too deep: the tree spans {} pid namespace levels, so restoring it from this \
                 namespace (level {}) needs level {deepest}, but pid namespaces nest at most \
                 {MAX_PID_NS_LEVEL} levels (nothing was created)",
                tree.depth(),
                limits.level
            ),
        )
        .hint(format!(
            "restore it from a pid namespace at level {} or above (the initial one is level 0)",
            MAX_PID_NS_LEVEL.saturating_sub(tree.depth())
        ))
        .into());
    }
    let namespaces = tree.namespace_count();
    if u64::try_from(namespaces).unwrap_or(u64::MAX) > limits.max_pid_namespaces {
        return Err(Failure::new(
            Errno::NOSPC,
            format!(
                "too many pid namespaces: the tree has {namespaces}, but \
                 /proc/sys/user/max_pid_namespaces allows {} (nothing was created)",
                limits.max_pid_namespaces
            ),
        )
        .hint(format!(
            "raise the limit: sysctl -w user.max_pid_namespaces={namespaces} (or more)"
        ))
        .into());
    }
    if let Some(p) = tree
        .processes()
        .iter()
        .find(|p| p.pids.iter().any(|&q| q >= limits.pid_max))
    {
        let bad = p.pids.iter().copied().max().unwrap_or_default();
        let highest = tree
            .processes()
            .iter()
            .flat_map(|p| p.pids.iter().copied())
            .max()
            .unwrap_or(bad);
        return Err(Failure::new(
            Errno::INVAL,
            format!(
                "pid {bad} (of the process with pids {:?}) is not below pid_max, {}: the \
                 kernel would refuse it (nothing was created)",
                p.pids, limits.pid_max
            ),
        )
        .hint(format!(
            "raise pid_max above the tree's highest pid: sysctl -w kernel.pid_max={} (at most \
             4194304); or describe pids below {} (cwp-restore gen --max-pid)",
            highest + 1,
            limits.pid_max
        ))
        .into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Diagnosis;
    use crate::tree::tests::example;

    fn limits() -> Limits {
        Limits {
            level: 0,
            pid_max: 32768,
            max_pid_namespaces: 1000,
            cap_sys_admin: true,
        }
    }

    /// The example tree checked against [`limits`] changed by `change`:
    /// what the command would print, or `None` when it fits.
    fn verdict(change: impl FnOnce(&mut Limits)) -> Option<String> {
        let mut l = limits();
        change(&mut l);
        let tree = Tree::new(example()).unwrap();
        check_tree(&tree, &l)
            .err()
            .map(|e| Diagnosis::of(&e).to_string())
    }

    #[test]
    fn the_example_fits() {
        assert_eq!(verdict(|_| {}), None);
    }

    #[test]
    fn without_cap_sys_admin_it_is_eperm() {
        let text = verdict(|l| l.cap_sys_admin = false).unwrap();
        assert!(text.starts_with("error: EPERM: not permitted"), "{text}");
        assert!(text.contains("\nhint: run it as root"), "{text}");
    }

    #[test]
    fn too_deep_for_our_level_is_enospc() {
        // Two levels from level 31 need level 33.
        let text = verdict(|l| l.level = 31).unwrap();
        assert!(text.starts_with("error: ENOSPC: too deep"), "{text}");
        assert!(text.contains("needs level 33"), "{text}");
        assert!(text.contains("\nhint: restore it from a pid namespace at level 30"));
        assert_eq!(verdict(|l| l.level = 30), None);
    }

    #[test]
    fn more_namespaces_than_allowed_is_enospc() {
        let text = verdict(|l| l.max_pid_namespaces = 1).unwrap();
        assert!(
            text.starts_with("error: ENOSPC: too many pid namespaces"),
            "{text}"
        );
        assert_eq!(verdict(|l| l.max_pid_namespaces = 2), None);
    }

    #[test]
    fn a_pid_not_below_pid_max_is_einval() {
        let text = verdict(|l| l.pid_max = 300).unwrap();
        let want = "error: EINVAL: pid 300 (of the process with pids [42, 300]) is not below \
                    pid_max, 300";
        assert!(text.starts_with(want), "{text}");
        assert!(text.contains("kernel.pid_max=301"), "{text}");
        assert_eq!(verdict(|l| l.pid_max = 301), None);
    }
}
