// SPDX-License-Identifier: GPL-2.0

//! POSIX capabilities.
//!
//! C header: [`include/uapi/linux/capability.h`](srctree/include/uapi/linux/capability.h).

use crate::ffi::c_int;

/// A POSIX capability, one of the `CAP_*` constants.
///
/// The C functions that check a capability `BUG()` on a number that names
/// no capability, so safe code passes this type instead of a raw integer.
/// Add further capabilities here as code needs them.
///
/// # Examples
///
/// ```
/// use kernel::capability::Capability;
///
/// assert_eq!(Capability::SysAdmin.as_raw(), 21);
/// assert_eq!(Capability::CheckpointRestore.as_raw(), 40);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Capability {
    /// `CAP_SETUID`: change user ids at will.
    SetUid,
    /// `CAP_SYS_ADMIN`: the catch-all administrative capability.
    SysAdmin,
    /// `CAP_SYS_RESOURCE`: override resource limits.
    SysResource,
    /// `CAP_CHECKPOINT_RESTORE`: checkpoint/restore operations, such as
    /// choosing the pid of a new process.
    CheckpointRestore,
}

impl Capability {
    /// Returns the C value of the capability, a `CAP_*` constant.
    pub const fn as_raw(self) -> c_int {
        let raw = match self {
            Self::SetUid => bindings::CAP_SETUID,
            Self::SysAdmin => bindings::CAP_SYS_ADMIN,
            Self::SysResource => bindings::CAP_SYS_RESOURCE,
            Self::CheckpointRestore => bindings::CAP_CHECKPOINT_RESTORE,
        };
        // The constants are small (at most `CAP_LAST_CAP`), so this never truncates.
        raw as c_int
    }
}
