// SPDX-License-Identifier: GPL-2.0

//! User namespaces.
//!
//! C header: [`include/linux/user_namespace.h`](srctree/include/linux/user_namespace.h).

use crate::types::Opaque;
use core::ptr;

/// Wraps the kernel's `struct user_namespace`.
///
/// Only shared references to it exist, borrowed from an object that holds a
/// reference to the namespace (such as a pid namespace it owns) or from the
/// initial namespace, which is never freed.
///
/// # Invariants
///
/// The wrapped `struct user_namespace` is valid for the lifetime of every
/// reference to a `UserNamespace`.
#[repr(transparent)]
pub struct UserNamespace(Opaque<bindings::user_namespace>);

// SAFETY: A `UserNamespace` is only ever used through shared references, and
// the C side synchronises everything it reads or changes in the namespace.
unsafe impl Sync for UserNamespace {}

impl UserNamespace {
    /// Creates a reference to a [`UserNamespace`] from a valid pointer.
    ///
    /// # Safety
    ///
    /// The caller must ensure that `ptr` points to a valid `struct
    /// user_namespace` that stays valid for the lifetime `'a`.
    #[inline]
    pub unsafe fn from_ptr<'a>(ptr: *const bindings::user_namespace) -> &'a Self {
        // SAFETY: `UserNamespace` is a transparent wrapper around the C
        // struct, and the caller guarantees that `ptr` is valid for `'a`.
        unsafe { &*ptr.cast() }
    }

    /// Returns a raw pointer to the wrapped `struct user_namespace`.
    #[inline]
    pub fn as_ptr(&self) -> *mut bindings::user_namespace {
        self.0.get()
    }

    /// Returns the initial user namespace.
    ///
    /// # Examples
    ///
    /// ```
    /// use kernel::user_namespace::UserNamespace;
    ///
    /// // KUnit runs the doctests in a kernel thread, which has every
    /// // capability in the initial user namespace.
    /// assert!(UserNamespace::init().checkpoint_restore_capable());
    /// ```
    #[doc(alias = "init_user_ns")]
    #[inline]
    pub fn init() -> &'static Self {
        // SAFETY: `init_user_ns` is a static object that is never freed.
        unsafe { Self::from_ptr(ptr::addr_of!(bindings::init_user_ns)) }
    }

    /// Checks whether the current task may do checkpoint/restore operations
    /// in this namespace: whether it has `CAP_CHECKPOINT_RESTORE` or
    /// `CAP_SYS_ADMIN` in it.
    ///
    /// Like the C function, a successful check marks the task as having used
    /// a superuser privilege, and the check is audited.
    #[doc(alias = "checkpoint_restore_ns_capable")]
    #[inline]
    pub fn checkpoint_restore_capable(&self) -> bool {
        // SAFETY: By the type invariant `self.as_ptr()` is a valid user
        // namespace.
        unsafe { bindings::checkpoint_restore_ns_capable(self.as_ptr()) }
    }
}
