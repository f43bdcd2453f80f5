/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_CLONE_WITH_PIDS_H
#define _LINUX_CLONE_WITH_PIDS_H

#include <linux/pid_namespace.h>
#include <linux/types.h>
#include <uapi/linux/clone_with_pids.h>

/* A pid set holds at most one pid for every pid namespace level. */
#define CLONE_WITH_PIDS_MAX	(MAX_PID_NS_LEVEL + 1)

/*
 * The array handed to alloc_pid() has one more slot: the 0 entry of a pid
 * namespace that CLONE_NEWPID would create below the deepest level, so that
 * such a call fails in copy_process() with -ENOSPC, as clone() does.
 */
#define CLONE_WITH_PIDS_SET_TID_MAX	(CLONE_WITH_PIDS_MAX + 1)

/* Implemented in Rust, in kernel/clone_with_pids.rs. */
int clone_with_pids_prepare(const struct target_pid_set __user *pid_set,
			    bool new_pid_ns, pid_t *set_tid,
			    size_t set_tid_len);

#ifdef CONFIG_CLONE_WITH_PIDS_KUNIT_TEST
/* Entry points of the Rust core for kernel/clone_with_pids_kunit.c. */
int clone_with_pids_test_map(const pid_t *wanted, size_t num,
			     size_t addressable, size_t alloc_level,
			     int pid_max, pid_t *set_tid, size_t set_tid_len);
void clone_with_pids_test_decode(const u8 bytes[16], bool narrow,
				 int *num_pids, unsigned long *target_pids);
#endif

#endif /* _LINUX_CLONE_WITH_PIDS_H */
