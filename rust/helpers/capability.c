// SPDX-License-Identifier: GPL-2.0

#include <linux/capability.h>

bool rust_helper_checkpoint_restore_ns_capable(struct user_namespace *ns)
{
	return checkpoint_restore_ns_capable(ns);
}
