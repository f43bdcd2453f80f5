// SPDX-License-Identifier: GPL-2.0

//! The core of `clone_with_pids()`: the caller's pid set, checked and mapped.
//!
//! `clone_with_pids()` is a `clone()` that lets a checkpoint/restart tool
//! choose the pid of the new process in each pid namespace it is created in.
//! This file reads the caller's `struct target_pid_set` (in the layout of the
//! caller's pointer size), validates it, checks the caller's capabilities,
//! and fills the youngest-first per-level array that `alloc_pid()` consumes.
//! The system call in `kernel/fork.c` then hands that array to
//! `kernel_clone()`.
//!
//! A set addresses the levels `0..=L`, oldest first, where `L` is the level of
//! the youngest namespace the child gets a pid in, not counting a namespace
//! that has no init yet: one made by `CLONE_NEWPID` in this very call, or by
//! `unshare(CLONE_NEWPID)` before it. The child becomes pid 1 there by rule.
//!
//! See `Documentation/userspace-api/clone_with_pids.rst`.

use core::{
    mem::{size_of, size_of_val, MaybeUninit},
    ptr,
};
use kernel::{
    compat::in_compat_syscall,
    error::{
        code::{EINVAL, EPERM, ESRCH},
        from_result, Result,
    },
    ffi::{c_int, c_void},
    pid_namespace::{self, PidNamespace},
    uaccess::{UserPtr, UserSlice},
    user_namespace::UserNamespace,
};

/// The most pids a set can hold: one for each level, `0..=MAX_PID_NS_LEVEL`.
pub const MAX_PIDS: usize = pid_namespace::MAX_LEVEL as usize + 1;

/// Size of `struct target_pid_set` with 64-bit pointers: `int`, padding,
/// pointer.
const WIDE_SET_SIZE: usize = 16;

/// Size of `struct target_pid_set` with 32-bit pointers: `int`, pointer.
const NARROW_SET_SIZE: usize = 8;

/// The fixed part of the caller's `struct target_pid_set`.
#[derive(Debug, PartialEq, Eq)]
pub struct PidSetHeader {
    /// The number of pids the caller passes.
    pub num_pids: i32,
    /// The user address of the caller's array of pids.
    pub target_pids: UserPtr,
}

impl PidSetHeader {
    /// Decodes the header from its bytes in the layout with 64-bit pointers
    /// or, when `narrow`, the one with 32-bit pointers.
    ///
    /// Only the first [`NARROW_SET_SIZE`] bytes matter for the narrow layout.
    pub fn decode(bytes: &[u8; WIDE_SET_SIZE], narrow: bool) -> Self {
        let [n0, n1, n2, n3, c0, c1, c2, c3, p0, p1, p2, p3, p4, p5, p6, p7] = *bytes;
        let target_pids = if narrow {
            u32::from_ne_bytes([c0, c1, c2, c3]) as UserPtr
        } else {
            u64::from_ne_bytes([p0, p1, p2, p3, p4, p5, p6, p7]) as UserPtr
        };
        Self {
            num_pids: i32::from_ne_bytes([n0, n1, n2, n3]),
            target_pids,
        }
    }

    /// Reads the header from user memory in the layout of the current caller:
    /// the one with the caller's pointer size. Compat callers (ia32, x32,
    /// AArch32) and every caller of a kernel with 32-bit pointers (such as
    /// 32-bit UML) pass the narrow layout.
    fn read(pid_set: UserPtr) -> Result<Self> {
        let narrow = in_compat_syscall() || size_of::<UserPtr>() == 4;
        let size = if narrow {
            NARROW_SET_SIZE
        } else {
            WIDE_SET_SIZE
        };
        let mut bytes = [0u8; WIDE_SET_SIZE];
        let dest = bytes.get_mut(..size).ok_or(EINVAL)?;
        UserSlice::new(pid_set, size).reader().read_slice(dest)?;
        Ok(Self::decode(&bytes, narrow))
    }
}

/// The pid namespace levels a pid set is mapped onto.
#[derive(Clone, Copy, Debug)]
pub struct Levels {
    /// How many levels the set can address: `L + 1`, the levels `0..=L`.
    pub addressable: usize,
    /// The level of the namespace the child's pid is allocated in: `L`, or
    /// `L + 1` when that namespace has no init yet and takes no entry.
    pub alloc_level: usize,
}

/// Checks the caller's pid count against the levels it can address.
fn checked_count(num_pids: i32, levels: Levels) -> Result<usize> {
    match usize::try_from(num_pids) {
        Ok(num) if num <= levels.addressable => Ok(num),
        _ => Err(EINVAL),
    }
}

/// Maps `wanted`, the caller's pids oldest first, onto the start of `set_tid`,
/// the youngest-first array `alloc_pid()` consumes, in which a 0 entry leaves
/// the level to the kernel.
///
/// When fewer pids than levels are given they apply to the youngest levels.
/// Returns how many entries of `set_tid` `alloc_pid()` must look at: none when
/// every pid is 0, so that such a call is a plain `clone()`. Those entries are
/// written, and nothing beyond them: as with `clone3()`'s `set_tid`,
/// `alloc_pid()` reads no more entries than it is told about.
///
/// # Errors
///
/// `EINVAL` when `wanted` has more pids than `levels` can address, when a
/// pid is negative or not below `pid_max`, or when `set_tid` is too short.
pub fn map_pids(
    wanted: &[i32],
    levels: Levels,
    pid_max: i32,
    set_tid: &mut [MaybeUninit<i32>],
) -> Result<usize> {
    // The levels below the youngest one the set addresses, down to the
    // allocation level: a namespace without init yet, which takes a 0 entry.
    let unset = levels
        .alloc_level
        .checked_add(1)
        .and_then(|levels_to_alloc| levels_to_alloc.checked_sub(levels.addressable))
        .ok_or(EINVAL)?;
    if wanted.len() > levels.addressable {
        return Err(EINVAL);
    }
    for &pid in wanted {
        if pid < 0 || pid >= pid_max {
            return Err(EINVAL);
        }
    }
    // Levels older than the oldest non-zero pid are left to the kernel, and
    // `alloc_pid()` need not see them: `passed` is what it gets, oldest first.
    let Some(oldest) = wanted.iter().position(|&pid| pid != 0) else {
        return Ok(0);
    };
    let passed = wanted.get(oldest..).ok_or(EINVAL)?;
    let len = unset.checked_add(passed.len()).ok_or(EINVAL)?;
    let out = set_tid.get_mut(..len).ok_or(EINVAL)?;
    let (zeros, youngest_first) = out.split_at_mut(unset);
    for slot in zeros {
        slot.write(0);
    }
    for (slot, &pid) in youngest_first.iter_mut().zip(passed.iter().rev()) {
        slot.write(pid);
    }
    Ok(len)
}

/// Checks that the caller may choose a pid at every level where `wanted` has
/// a non-zero one: it needs `CAP_SYS_ADMIN` or `CAP_CHECKPOINT_RESTORE` in the
/// user namespace owning that level's pid namespace.
///
/// This is the only privilege check of a `clone_with_pids()` call:
/// `alloc_pid()` does not repeat it, so a denial is audited once, and it comes
/// before anything that creating the task could fail on. Levels whose pid
/// namespaces have the same owner, as nested namespaces usually do, share one
/// check: the answer for a user namespace does not change within the call.
///
/// `youngest` is the namespace at level `L`, the youngest the set addresses.
fn check_capabilities(youngest: &PidNamespace, wanted: &[i32]) -> Result {
    let mut checked: Option<&UserNamespace> = None;
    // The youngest namespaces take the last pids of the set.
    for (ns, &pid) in youngest.ancestors().zip(wanted.iter().rev()) {
        if pid == 0 {
            continue;
        }
        let owner = ns.user_ns();
        if checked.is_some_and(|done| ptr::eq(done, owner)) {
            continue;
        }
        if !owner.checkpoint_restore_capable() {
            return Err(EPERM);
        }
        checked = Some(owner);
    }
    Ok(())
}

/// Reads `out.len()` pids from the caller's array at `target_pids`, in one
/// copy from user memory, and returns them.
fn read_pids(target_pids: UserPtr, out: &mut [MaybeUninit<i32>]) -> Result<&[i32]> {
    let count = out.len();
    let size = size_of_val(out);
    let pids = out.as_mut_ptr();
    // SAFETY: `pids` points to `size` bytes of writable memory, `out`, which
    // is borrowed mutably for this function; `MaybeUninit<u8>` has alignment
    // 1 and any byte, initialised or not, is a valid value of it.
    let bytes = unsafe { core::slice::from_raw_parts_mut(pids.cast::<MaybeUninit<u8>>(), size) };
    UserSlice::new(target_pids, size).reader().read_raw(bytes)?;
    // SAFETY: `read_raw()` succeeded, so it wrote every byte of `out`, and
    // any four initialised bytes are a valid `i32`. `bytes` is not used
    // again, and the result borrows `out`, through which nothing else is
    // accessed meanwhile.
    Ok(unsafe { core::slice::from_raw_parts(pids.cast::<i32>().cast_const(), count) })
}

/// Reads, checks and maps the caller's pid set; see [`clone_with_pids_prepare`].
fn prepare(pid_set: UserPtr, new_pid_ns: bool, set_tid: &mut [MaybeUninit<i32>]) -> Result<usize> {
    if pid_set == 0 {
        return Ok(0);
    }
    let header = PidSetHeader::read(pid_set)?;
    if header.num_pids == 0 {
        return Ok(0);
    }

    // SAFETY: `prepare()` is only called by `clone_with_pids_prepare()`,
    // whose callers run in task context and keep the task's namespaces
    // unchanged during the call (its `# Safety`); nothing here changes them,
    // and `ns` does not outlive this function.
    let ns = unsafe { PidNamespace::current_for_children() }.ok_or(ESRCH)?;
    // A namespace made in this very call, or by unshare() and without an
    // init yet, takes no entry: the child becomes its pid 1.
    let (youngest, alloc_level) = if new_pid_ns {
        (Some(ns), ns.level() + 1)
    } else if ns.has_init() {
        (Some(ns), ns.level())
    } else {
        (ns.parent(), ns.level())
    };
    let levels = Levels {
        addressable: youngest.map_or(0, |ns| ns.level() as usize + 1),
        alloc_level: alloc_level as usize,
    };
    let num = checked_count(header.num_pids, levels)?;

    let mut pids = [MaybeUninit::uninit(); MAX_PIDS];
    let wanted = read_pids(header.target_pids, pids.get_mut(..num).ok_or(EINVAL)?)?;

    let len = map_pids(wanted, levels, pid_namespace::pid_max(), set_tid)?;
    if let Some(youngest) = youngest {
        check_capabilities(youngest, wanted)?;
    }
    Ok(len)
}

/// Reads the caller's `struct target_pid_set` and prepares the per-level
/// array that `alloc_pid()` consumes for `clone_with_pids()`.
///
/// `pid_set` is the user pointer the caller passed (NULL means no pids),
/// `new_pid_ns` tells whether the call creates a pid namespace
/// (`CLONE_NEWPID`), and `set_tid` receives the pids youngest first, 0 where
/// the kernel chooses.
///
/// Returns the number of entries of `set_tid` to hand to `kernel_clone()` as
/// `set_tid_size` (0 for a plain `clone()`), or a negative errno: `EFAULT`
/// when user memory cannot be read, `EINVAL` for a bad count or pid, `EPERM`
/// when the caller may not choose a pid at some level. On success those
/// entries are written and nothing beyond them, which `alloc_pid()` does not
/// read, as for `clone3()`.
///
/// # Safety
///
/// `set_tid` must be valid for writes of `set_tid_len` `pid_t` values and not
/// be accessed by anything else during the call. Its contents may be
/// uninitialised. The caller must run in task context, and the task's
/// namespaces must not change during the call, as in a system call: a set
/// that is read is mapped onto the current task's pid namespaces.
#[no_mangle]
pub unsafe extern "C" fn clone_with_pids_prepare(
    pid_set: *const c_void,
    new_pid_ns: bool,
    set_tid: *mut c_int,
    set_tid_len: usize,
) -> c_int {
    // SAFETY: The caller guarantees that `set_tid` is valid for writes of
    // `set_tid_len` elements and unaliased for the duration of the call;
    // `MaybeUninit<c_int>` has the layout of `c_int` and makes no claim that
    // the elements are initialised.
    let set_tid = unsafe {
        core::slice::from_raw_parts_mut(set_tid.cast::<MaybeUninit<c_int>>(), set_tid_len)
    };
    from_result(|| {
        let len = prepare(pid_set as UserPtr, new_pid_ns, set_tid)?;
        c_int::try_from(len).map_err(|_| EINVAL)
    })
}

/// Runs [`map_pids`] on C arrays, for the KUnit suite in
/// `kernel/clone_with_pids_kunit.c`.
///
/// Returns the number of entries written to `set_tid`, or a negative errno.
///
/// # Safety
///
/// `wanted` must be non-null and valid for reads of `num` values, `set_tid`
/// must be valid for writes of `set_tid_len` values, and the two must not
/// overlap.
#[cfg(CONFIG_CLONE_WITH_PIDS_KUNIT_TEST)]
#[no_mangle]
pub unsafe extern "C" fn clone_with_pids_test_map(
    wanted: *const c_int,
    num: usize,
    addressable: usize,
    alloc_level: usize,
    pid_max: c_int,
    set_tid: *mut c_int,
    set_tid_len: usize,
) -> c_int {
    // SAFETY: The caller guarantees that `wanted` is valid for reads of `num`
    // values.
    let wanted = unsafe { core::slice::from_raw_parts(wanted, num) };
    // SAFETY: The caller guarantees that `set_tid` is valid for writes of
    // `set_tid_len` values and does not overlap `wanted`; `MaybeUninit<c_int>`
    // has the layout of `c_int`.
    let set_tid = unsafe {
        core::slice::from_raw_parts_mut(set_tid.cast::<MaybeUninit<c_int>>(), set_tid_len)
    };
    let levels = Levels {
        addressable,
        alloc_level,
    };
    from_result(|| {
        let len = map_pids(wanted, levels, pid_max, set_tid)?;
        c_int::try_from(len).map_err(|_| EINVAL)
    })
}

/// Runs [`PidSetHeader::decode`] on a C buffer, for the KUnit suite in
/// `kernel/clone_with_pids_kunit.c`.
///
/// # Safety
///
/// `bytes` must be valid for reads of 16 bytes, `num_pids` and
/// `target_pids` for one write each.
#[cfg(CONFIG_CLONE_WITH_PIDS_KUNIT_TEST)]
#[no_mangle]
pub unsafe extern "C" fn clone_with_pids_test_decode(
    bytes: *const [u8; WIDE_SET_SIZE],
    narrow: bool,
    num_pids: *mut c_int,
    target_pids: *mut UserPtr,
) {
    // SAFETY: The caller guarantees that `bytes` is valid for reads.
    let header = PidSetHeader::decode(unsafe { &*bytes }, narrow);
    // SAFETY: The caller guarantees that both pointers are valid for writes.
    unsafe {
        num_pids.write(header.num_pids);
        target_pids.write(header.target_pids);
    }
}
