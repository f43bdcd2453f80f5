// SPDX-License-Identifier: GPL-2.0

//! Compatibility with 32-bit user space.
//!
//! C header: [`include/linux/compat.h`](srctree/include/linux/compat.h).

/// Returns whether the current system call comes from a compat task, such
/// as an ia32 process on an x86_64 kernel.
///
/// A system call that reads structures with pointers or `long`s in them
/// uses it to pick the layout the caller passed.
///
/// # Examples
///
/// ```
/// // KUnit runs the doctests in a kernel thread, outside any system call.
/// assert!(!kernel::compat::in_compat_syscall());
/// ```
#[inline]
pub fn in_compat_syscall() -> bool {
    // SAFETY: `in_compat_syscall()` only reads state of the current task.
    unsafe { bindings::in_compat_syscall() }
}
