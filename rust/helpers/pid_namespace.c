// SPDX-License-Identifier: GPL-2.0

#include <linux/pid_namespace.h>

struct pid_namespace *rust_helper_get_pid_ns(struct pid_namespace *ns)
{
	return get_pid_ns(ns);
}

void rust_helper_put_pid_ns(struct pid_namespace *ns)
{
	put_pid_ns(ns);
}
