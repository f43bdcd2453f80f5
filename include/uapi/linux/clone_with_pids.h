/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
#ifndef _UAPI_LINUX_CLONE_WITH_PIDS_H
#define _UAPI_LINUX_CLONE_WITH_PIDS_H

#include <linux/types.h>

/**
 * struct target_pid_set - the pids wanted for a child of clone_with_pids()
 * @num_pids:    number of entries in @target_pids, at most one per pid
 *               namespace level the child gets a pid in
 * @target_pids: the wanted pids, oldest pid namespace first; when fewer
 *               than the child's levels are given they apply to the
 *               youngest namespaces; 0 leaves a level to the kernel
 *
 * The pointer makes the layout differ between 64-bit and 32-bit callers;
 * the kernel reads each caller's own layout.
 */
struct target_pid_set {
	int num_pids;
	__kernel_pid_t *target_pids;
};

#endif /* _UAPI_LINUX_CLONE_WITH_PIDS_H */
