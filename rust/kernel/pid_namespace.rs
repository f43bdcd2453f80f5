// SPDX-License-Identifier: GPL-2.0

//! Pid namespaces.
//!
//! C header: [`include/linux/pid_namespace.h`](srctree/include/linux/pid_namespace.h).

use crate::{bindings, types::Opaque, user_namespace::UserNamespace};
use core::ptr;

/// The deepest level a pid namespace can have (`MAX_PID_NS_LEVEL`); the
/// initial namespace is level 0.
pub const MAX_LEVEL: u32 = bindings::MAX_PID_NS_LEVEL;

/// Wraps the kernel's `struct pid_namespace`.
///
/// Only shared references to it exist, borrowed from something that holds a
/// reference to the namespace: the current task's `nsproxy`, or a child
/// namespace, which holds one on its parent.
///
/// # Invariants
///
/// The wrapped `struct pid_namespace` is valid for the lifetime of every
/// reference to a `PidNamespace`.
///
/// # Examples
///
/// ```
/// use kernel::pid_namespace::PidNamespace;
///
/// // SAFETY: The doctests run in a kernel thread, in its own context, and
/// // nothing here changes its namespaces.
/// let ns = unsafe { PidNamespace::current_for_children() }.unwrap();
/// // A kernel thread creates its children in the initial pid namespace.
/// assert_eq!(ns.level(), 0);
/// assert!(ns.parent().is_none());
/// assert!(ns.has_init());
/// assert_eq!(ns.ancestors().count(), 1);
/// ```
#[repr(transparent)]
pub struct PidNamespace(Opaque<bindings::pid_namespace>);

// SAFETY: The fields read through a `PidNamespace` are either immutable after
// creation (`level`, `parent`, `user_ns`) or read with `READ_ONCE()`
// semantics (`child_reaper`), so shared references may be used from any
// thread.
unsafe impl Sync for PidNamespace {}

impl PidNamespace {
    /// Creates a reference to a [`PidNamespace`] from a valid pointer.
    ///
    /// # Safety
    ///
    /// The caller must ensure that `ptr` points to a valid `struct
    /// pid_namespace` that stays valid for the lifetime `'a`.
    #[inline]
    pub unsafe fn from_ptr<'a>(ptr: *const bindings::pid_namespace) -> &'a Self {
        // SAFETY: `PidNamespace` is a transparent wrapper around the C
        // struct, and the caller guarantees that `ptr` is valid for `'a`.
        unsafe { &*ptr.cast() }
    }

    /// Returns a raw pointer to the wrapped `struct pid_namespace`.
    #[inline]
    pub fn as_ptr(&self) -> *mut bindings::pid_namespace {
        self.0.get()
    }

    /// Returns the pid namespace the current task creates its children in
    /// (`current->nsproxy->pid_ns_for_children`), without taking a reference.
    ///
    /// That is the task's own pid namespace unless it called `setns()` or
    /// `unshare(CLONE_NEWPID)`. Returns `None` once the task has left its
    /// namespaces on its way out (after `exit_task_namespaces()`, where
    /// `nsproxy` is NULL but work such as file release still runs).
    ///
    /// # Safety
    ///
    /// The caller must run in the context of the current task, such as a
    /// system call, and must not use the returned reference after the task's
    /// namespaces change: only the task itself changes them (`setns()`,
    /// `unshare()`, exit), so it must do none of that while the reference
    /// lives, and must not keep the reference beyond the current context.
    #[doc(alias = "pid_ns_for_children")]
    #[inline]
    pub unsafe fn current_for_children<'a>() -> Option<&'a Self> {
        // SAFETY: `get_current()` has no preconditions; it returns the task
        // that runs this code, which is valid while it does.
        let task = unsafe { bindings::get_current() };
        // SAFETY: `task` is the current task. Only the task itself replaces
        // its `nsproxy`, so the pointer read here is stable in its context.
        let nsproxy = unsafe { (*task).nsproxy };
        if nsproxy.is_null() {
            return None;
        }
        // SAFETY: A non-NULL `nsproxy` of the current task stays valid until
        // the task replaces it, which the caller guarantees does not happen
        // while the result lives; the `nsproxy` holds a reference on
        // `pid_ns_for_children`, which is never NULL.
        Some(unsafe { Self::from_ptr((*nsproxy).pid_ns_for_children) })
    }

    /// Returns the level of this namespace: 0 for the initial one, one more
    /// than its parent's for every other.
    #[inline]
    pub fn level(&self) -> u32 {
        // SAFETY: By the type invariant `self` is valid, and `level` does not
        // change after the namespace is created.
        unsafe { (*self.as_ptr()).level }
    }

    /// Returns the parent namespace, or `None` for the initial one.
    #[inline]
    pub fn parent(&self) -> Option<&Self> {
        // SAFETY: By the type invariant `self` is valid, and `parent` does
        // not change after the namespace is created.
        let parent = unsafe { (*self.as_ptr()).parent };
        if parent.is_null() {
            return None;
        }
        // SAFETY: A namespace holds a reference on its parent, so the parent
        // lives at least as long as the borrow of `self`.
        Some(unsafe { Self::from_ptr(parent) })
    }

    /// Returns an iterator over this namespace and its ancestors, youngest
    /// first, ending with the initial namespace.
    pub fn ancestors(&self) -> impl Iterator<Item = &Self> {
        core::iter::successors(Some(self), |ns| ns.parent())
    }

    /// Returns the user namespace that owns this namespace: capabilities
    /// over it are checked there.
    ///
    /// # Examples
    ///
    /// ```
    /// use kernel::{pid_namespace::PidNamespace, user_namespace::UserNamespace};
    ///
    /// // SAFETY: The doctests run in a kernel thread, in its own context, and
    /// // nothing here changes its namespaces.
    /// let ns = unsafe { PidNamespace::current_for_children() }.unwrap();
    /// assert_eq!(ns.user_ns().as_ptr(), UserNamespace::init().as_ptr());
    /// ```
    #[inline]
    pub fn user_ns(&self) -> &UserNamespace {
        // SAFETY: By the type invariant `self` is valid, and `user_ns` does
        // not change after the namespace is created.
        let user_ns = unsafe { (*self.as_ptr()).user_ns };
        // SAFETY: A pid namespace holds a reference on its owning user
        // namespace, so it lives at least as long as the borrow of `self`.
        unsafe { UserNamespace::from_ptr(user_ns) }
    }

    /// Returns whether the namespace has had an init process (its pid 1).
    ///
    /// A namespace made by `unshare(CLONE_NEWPID)` has none until the first
    /// child is created in it; that child becomes its init.
    #[doc(alias = "child_reaper")]
    #[inline]
    pub fn has_init(&self) -> bool {
        // SAFETY: By the type invariant `self` is valid. `child_reaper` may be
        // set concurrently by a task creating the namespace's init; a
        // volatile read of the aligned pointer is the `READ_ONCE()` the C
        // side would use.
        let reaper = unsafe { ptr::read_volatile(ptr::addr_of!((*self.as_ptr()).child_reaper)) };
        !reaper.is_null()
    }
}

/// Returns the current `pid_max`: pids are below it in every namespace.
///
/// # Examples
///
/// ```
/// // The kernel never lets `pid_max` below `PIDS_PER_CPU_MIN`.
/// assert!(kernel::pid_namespace::pid_max() > 1);
/// ```
#[inline]
pub fn pid_max() -> i32 {
    // SAFETY: `pid_max` is a plain `int` that sysctl may change at any time;
    // a volatile read of it is the `READ_ONCE()` the C side would use.
    unsafe { ptr::read_volatile(ptr::addr_of!(bindings::pid_max)) }
}
