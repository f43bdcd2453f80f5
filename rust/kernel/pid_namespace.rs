// SPDX-License-Identifier: GPL-2.0

//! Pid namespaces.
//!
//! C header: [`include/linux/pid_namespace.h`](srctree/include/linux/pid_namespace.h).

use crate::{
    bindings,
    types::{ARef, AlwaysRefCounted, Opaque},
    user_namespace::UserNamespace,
};
use core::ptr::{self, NonNull};

/// The deepest level a pid namespace can have (`MAX_PID_NS_LEVEL`); the
/// initial namespace is level 0.
pub const MAX_LEVEL: u32 = bindings::MAX_PID_NS_LEVEL;

/// Wraps the kernel's `struct pid_namespace`.
///
/// # Invariants
///
/// Instances are always refcounted: a call to `get_pid_ns` ensures that the
/// allocation remains valid at least until the matching call to
/// `put_pid_ns`.
///
/// # Examples
///
/// ```
/// use kernel::pid_namespace::PidNamespace;
///
/// // KUnit runs the doctests in a kernel thread, which creates its children
/// // in the initial pid namespace.
/// let ns = PidNamespace::current_for_children();
/// assert_eq!(ns.level(), 0);
/// assert!(ns.parent().is_none());
/// assert!(ns.has_init());
/// assert_eq!(ns.ancestors().count(), 1);
/// ```
#[repr(transparent)]
pub struct PidNamespace(Opaque<bindings::pid_namespace>);

// SAFETY: The fields read through a `PidNamespace` are either immutable after
// creation (`level`, `parent`, `user_ns`) or read with `READ_ONCE()`
// semantics (`child_reaper`), and the reference count is atomic, so the
// namespace may be used from any thread.
unsafe impl Send for PidNamespace {}

// SAFETY: See the `Send` implementation: shared references only read fields
// that are immutable or read atomically.
unsafe impl Sync for PidNamespace {}

// SAFETY: The type invariants guarantee that `PidNamespace` is always
// refcounted.
unsafe impl AlwaysRefCounted for PidNamespace {
    fn inc_ref(&self) {
        // SAFETY: The existence of a shared reference means that the refcount
        // is nonzero.
        unsafe { bindings::get_pid_ns(self.as_ptr()) };
    }

    unsafe fn dec_ref(obj: NonNull<Self>) {
        // SAFETY: The safety requirements guarantee that the refcount is
        // nonzero.
        unsafe { bindings::put_pid_ns(obj.cast().as_ptr()) }
    }
}

impl PidNamespace {
    /// Creates a reference to a [`PidNamespace`] from a valid pointer.
    ///
    /// # Safety
    ///
    /// The caller must ensure that `ptr` points to a valid `struct
    /// pid_namespace` whose refcount stays nonzero for the lifetime `'a`.
    pub unsafe fn from_ptr<'a>(ptr: *const bindings::pid_namespace) -> &'a Self {
        // SAFETY: `PidNamespace` is a transparent wrapper around the C
        // struct, and the caller guarantees that `ptr` is valid for `'a`.
        unsafe { &*ptr.cast() }
    }

    /// Returns a raw pointer to the wrapped `struct pid_namespace`.
    pub fn as_ptr(&self) -> *mut bindings::pid_namespace {
        self.0.get()
    }

    /// Returns the pid namespace the current task creates its children in
    /// (`current->nsproxy->pid_ns_for_children`).
    ///
    /// That is the task's own pid namespace unless it called `setns()` or
    /// `unshare(CLONE_NEWPID)`.
    pub fn current_for_children() -> ARef<Self> {
        // SAFETY: `get_current()` has no preconditions; it returns the task
        // that runs this code, which is valid while it does.
        let task = unsafe { bindings::get_current() };
        // SAFETY: Only the task itself changes its `nsproxy`, and it is not
        // exiting while it runs kernel code other than the exit path, so the
        // `nsproxy` is valid and is not replaced during this function. The
        // `nsproxy` holds a reference on `pid_ns_for_children`.
        let ns = unsafe { (*(*task).nsproxy).pid_ns_for_children };
        // SAFETY: `ns` is valid as shown above; taking our own reference
        // keeps it valid for the returned `ARef`.
        ARef::from(unsafe { Self::from_ptr(ns) })
    }

    /// Returns the level of this namespace: 0 for the initial one, one more
    /// than its parent's for every other.
    pub fn level(&self) -> u32 {
        // SAFETY: By the type invariant `self` is valid, and `level` does not
        // change after the namespace is created.
        unsafe { (*self.as_ptr()).level }
    }

    /// Returns the parent namespace, or `None` for the initial one.
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
    /// let ns = PidNamespace::current_for_children();
    /// assert_eq!(ns.user_ns().as_ptr(), UserNamespace::init().as_ptr());
    /// ```
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
pub fn pid_max() -> i32 {
    // SAFETY: `pid_max` is a plain `int` that sysctl may change at any time;
    // a volatile read of it is the `READ_ONCE()` the C side would use.
    unsafe { ptr::read_volatile(ptr::addr_of!(bindings::pid_max)) }
}
