// SPDX-License-Identifier: GPL-2.0
/*
 * Who may choose pids: CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE in the user
 * namespace owning the pid namespace of each level where a non-zero pid is
 * wanted; nothing is needed for a set of zeros.
 *
 * A chain of 3 nested pid namespaces (owned by the initial user namespace)
 * gives levels 0..3. Capabilities are set with raw capset(2). After every
 * test that expects EPERM, root takes the same pids, so the refused calls
 * left nothing behind. The one capability check comes before anything
 * creating the task could fail: EPERM, not RLIMIT_NPROC's EAGAIN.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "hardening.h"

#define LAST_CAP	40	/* CAP_CHECKPOINT_RESTORE, the last in 6.12 */
#define ALL_CAPS	((CWP_CAP(LAST_CAP) << 1) - 1)

static unsigned long stack;
static struct cwp_ns_chain chain;

struct shared {
	pid_t init0;		/* level-0 pid of the user-owned namespace's init */
	int ready[2], go[2];	/* pipes between the owner and root */
};

static struct shared *sh;

/* A child wanting only @pid at @level, for a children's level of @top. */
static long want_one(int top, int level, pid_t pid)
{
	pid_t pids[CWP_MAX_PIDS] = { pid };
	struct target_pid_set set = { top + 1 - level, pids };

	return cwp_raw(SIGCHLD | CLONE_VM | CLONE_VFORK, stack, NULL, NULL, 0,
		       &set);
}

/*
 * Levels 0..@last one at a time, the children's namespace being at @top:
 * a child for each, or -@err.
 */
static int each_level(int top, int last, pid_t base, int err,
		      const char *who)
{
	int level, bad = 0;
	long ret;

	for (level = 0; level <= last; level++) {
		ret = want_one(top, level, base + level);
		if (ret > 0)
			cwp_wait(ret);
		if (err ? ret == -err : ret > 0)
			continue;
		bad++;
		diag("FAIL %s: pid %d at level %d: %s, want %s", who,
		     base + level, level, ret > 0 ? "a child" :
		     cwp_errname(ret), err ? cwp_errname(err) : "a child");
	}
	return bad;
}

/* A set of zeros is a plain clone(): it needs nothing. */
static int zeros(int top, const char *who)
{
	pid_t pids[CWP_MAX_PIDS] = { 0 };
	struct target_pid_set set = { top + 1, pids };
	long ret = cwp_raw(SIGCHLD | CLONE_VM | CLONE_VFORK, stack, NULL, NULL,
			   0, &set);

	if (ret > 0) {
		cwp_wait(ret);
		return 0;
	}
	diag("FAIL %s: a set of only 0: %s", who, cwp_errname(ret));
	return 1;
}

struct caps_test {
	const char *name;
	u64 caps;		/* all: keep root's */
	int err;		/* 0: every level works */
	pid_t base;
};

static int caps_worker(void *arg)
{
	const struct caps_test *t = arg;

	if (t->caps != ~0ULL && cwp_caps_set(t->caps, t->caps))
		return 2;
	diag("%s: effective capabilities %#llx", t->name,
	     (unsigned long long)cwp_caps_get(NULL));
	return each_level(3, 3, t->base, t->err, t->name) + zeros(3, t->name) ?
	       1 : 0;
}

static int nobody_worker(void *arg)
{
	pid_t base = *(pid_t *)arg;

	if (cwp_drop_to_nobody(0))
		return 2;
	return each_level(3, 3, base, EPERM, "nobody") + zeros(3, "nobody") ?
	       1 : 0;
}

/*
 * With RLIMIT_NPROC used up, an unprivileged caller choosing a pid gets
 * EPERM: the capability check comes first, before kernel_clone() could
 * report EAGAIN. A set of zeros needs no privilege, so it meets the
 * limit: EAGAIN, which shows the limit was in force.
 */
static int nproc_worker(void *arg)
{
	struct rlimit none = { 0, 0 };
	pid_t base = *(pid_t *)arg, pids[CWP_MAX_PIDS] = { 0 };
	struct target_pid_set set = { 4, pids };
	int bad;
	long ret;

	if (cwp_drop_to_nobody(0) || setrlimit(RLIMIT_NPROC, &none))
		return 2;
	bad = each_level(3, 3, base, EPERM, "nobody, RLIMIT_NPROC 0");
	ret = cwp_raw(SIGCHLD | CLONE_VM | CLONE_VFORK, stack, NULL, NULL, 0,
		      &set);
	if (ret > 0)
		cwp_wait(ret);
	if (ret != -EAGAIN) {
		bad++;
		diag("FAIL nobody, RLIMIT_NPROC 0: a set of only 0: %s, want EAGAIN",
		     ret > 0 ? "a child" : cwp_errname(ret));
	}
	return bad ? 1 : 0;
}

/*
 * Full capabilities in a user namespace of one's own are no use for a pid
 * namespace that namespace does not own.
 */
static int userns_only_worker(void *arg)
{
	pid_t base = *(pid_t *)arg;

	if (cwp_drop_to_nobody(0) || unshare(CLONE_NEWUSER))
		return 2;
	return each_level(2, 2, base, EPERM, "userns, not owner") +
	       zeros(2, "userns, not owner") ? 1 : 0;
}

static int init_main(void *arg)
{
	pause();
	return 0;
}

/*
 * Unprivileged, at level 2: a user namespace and a pid namespace (level
 * 3) of its own. Its pids there may be chosen, none above.
 */
static int owner_worker(void *arg)
{
	pid_t base = *(pid_t *)arg, pids[4] = { 0 }, nsp[5];
	struct target_pid_set set = { 3, pids };
	char path[64], c = 'r';
	int bad = 0, pidfd = -1;
	long init, ret;

	close(sh->ready[0]);
	close(sh->go[1]);
	if (cwp_drop_to_nobody(0) || unshare(CLONE_NEWUSER) || cwp_map_root_to_nobody() ||
	    unshare(CLONE_NEWPID)) {
		diag("owner: cannot set up its namespaces: %s",
		     strerror(errno));
		return 2;
	}
	/* No init yet: the set covers levels 0..2, all owned by others. */
	bad += each_level(2, 2, base, EPERM, "owner, before init");
	/* the init, from a set of zeros; pid 1 by rule */
	init = sys_clone_with_pids(SIGCHLD | CLONE_PIDFD, NULL, &pidfd, NULL, 0,
				   &set);
	if (init == 0)
		_exit(init_main(NULL));
	if (init < 0)
		return 2;
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", pidfd);
	if (cwp_read_nspid(AT_FDCWD, path, nsp, 5) != 4 || nsp[3] != 1)
		bad++;
	sh->init0 = nsp[0];
	/* Now the set covers levels 0..3; only level 3 is ours. */
	bad += each_level(3, 2, base, EPERM, "owner, above its namespace");
	ret = want_one(3, 3, base + 3);
	if (ret > 0)
		cwp_wait(ret);
	else
		bad++;
	diag("owner: pid %d in its own namespace: %s", base + 3,
	     ret > 0 ? "child" : cwp_errname(ret));
	/* Checked for every level before any work: EPERM, not EBUSY. */
	pids[0] = 0;
	pids[1] = 0;
	pids[2] = base + 2;
	pids[3] = 1;
	set.num_pids = 4;
	ret = cwp_raw(SIGCHLD | CLONE_VM | CLONE_VFORK, stack, NULL, NULL, 0,
		      &set);
	if (ret != -EPERM) {
		bad++;
		diag("FAIL owner: taken pid 1 at level 3 and pid %d at level 2: %s, want EPERM",
		     base + 2, ret > 0 ? "child" : cwp_errname(ret));
	}
	if (ret > 0)
		cwp_wait(ret);
	/* Root, in the initial user namespace, may choose there too. */
	if (write(sh->ready[1], &c, 1) != 1 || read(sh->go[0], &c, 1) != 1)
		bad++;
	kill(init, SIGKILL);
	cwp_wait(init);
	return bad ? 1 : 0;
}

/* Root, its children's namespace set to the owner's one. */
static int root_in_owned_worker(void *arg)
{
	pid_t base = *(pid_t *)arg;

	return each_level(3, 3, base, 0, "root in a user-owned namespace") ?
	       1 : 0;
}

/* Root takes every pid a refused call wanted: nothing was left behind. */
static int reclaim_worker(void *arg)
{
	pid_t base = *(pid_t *)arg;

	return each_level(3, 3, base, 0, "root afterwards") ? 1 : 0;
}

static int run(int level, enum cwp_spawn_mode mode, int (*fn)(void *),
	       void *arg)
{
	int code = cwp_wait(cwp_spawn_at(&chain, level, mode, fn, arg));

	if (code > 1)
		diag("worker ended with %d", code);
	return code;
}

static void caps_tests(void)
{
	static const struct caps_test tests[] = {
		{ "root_chooses_at_every_level", ~0ULL, 0, 24000 },
		{ "no_capabilities_eperm_at_every_level", 0, EPERM, 24010 },
		{ "cap_checkpoint_restore_alone_suffices",
		  CWP_CAP(CAP_CHECKPOINT_RESTORE), 0, 24020 },
		{ "cap_sys_admin_alone_suffices", CWP_CAP(CAP_SYS_ADMIN), 0,
		  24030 },
		{ "other_capabilities_eperm_at_every_level",
		  ALL_CAPS & ~CWP_CAP(CAP_SYS_ADMIN) &
		  ~CWP_CAP(CAP_CHECKPOINT_RESTORE), EPERM, 24040 },
	};
	unsigned int i;
	int code;

	for (i = 0; i < ARRAY_SIZE(tests); i++) {
		code = run(3, CWP_SPAWN_SETNS, caps_worker, (void *)&tests[i]);
		if (!code && tests[i].err)
			code = run(3, CWP_SPAWN_SETNS, reclaim_worker,
				   (void *)&tests[i].base);
		ksft_test_result(code == 0, "%s\n", tests[i].name);
	}
}

static void owner_test(void)
{
	static pid_t base = 24070, root_base = 24080;
	char path[64], c = 'g';
	int code, fd, rcode = 1;
	pid_t pid;

	if (pipe(sh->ready) || pipe(sh->go)) {
		ksft_test_result(false, "userns_owner_chooses_in_its_namespace_only\n");
		return;
	}
	pid = cwp_spawn_at(&chain, 2, CWP_SPAWN_NATIVE, owner_worker, &base);
	/* so that the read ends if the owner does not get that far */
	close(sh->ready[1]);
	if (read(sh->ready[0], &c, 1) == 1) {
		snprintf(path, sizeof(path), "/proc/%d/ns/pid", sh->init0);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			/* our chain's level 3 slot, borrowed for the check */
			int saved = chain.fd[3];

			chain.fd[3] = fd;
			rcode = run(3, CWP_SPAWN_SETNS, root_in_owned_worker,
				    &root_base);
			chain.fd[3] = saved;
			close(fd);
		}
	}
	if (write(sh->go[1], "g", 1) != 1)
		rcode = 1;
	code = cwp_wait(pid);
	if (!code)
		code = run(3, CWP_SPAWN_SETNS, reclaim_worker, &base);
	ksft_test_result(code == 0, "userns_owner_chooses_in_its_namespace_only\n");
	ksft_test_result(rcode == 0, "root_chooses_in_a_user_owned_namespace\n");
}

int main(void)
{
	static pid_t nobody_base = 24050, userns_base = 24060,
		     nproc_base = 24090;
	long userns_clone;
	int code;

	ksft_print_header();
	ksft_set_plan(10);
	stack = (unsigned long)mmap(NULL, 65536, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	sh = cwp_shared_alloc(sizeof(*sh));
	if (stack == (unsigned long)MAP_FAILED || !sh ||
	    cwp_chain_create(&chain, 3)) {
		diag("setup failed");
		ksft_finished();
	}
	stack += 65536 - 64;
	/* Debian's knob for unprivileged user namespaces, if it is there */
	userns_clone = cwp_read_long("/proc/sys/kernel/unprivileged_userns_clone");
	if (userns_clone == 0)
		cwp_write_file("/proc/sys/kernel/unprivileged_userns_clone", "1");

	caps_tests();

	code = run(3, CWP_SPAWN_SETNS, nobody_worker, &nobody_base);
	if (!code)
		code = run(3, CWP_SPAWN_SETNS, reclaim_worker, &nobody_base);
	ksft_test_result(code == 0, "unprivileged_uid_eperm_at_every_level\n");

	code = run(3, CWP_SPAWN_SETNS, nproc_worker, &nproc_base);
	if (!code)
		code = run(3, CWP_SPAWN_SETNS, reclaim_worker, &nproc_base);
	ksft_test_result(code == 0, "eperm_before_rlimit_nproc_eagain\n");

	code = run(2, CWP_SPAWN_NATIVE, userns_only_worker, &userns_base);
	if (!code)
		code = run(3, CWP_SPAWN_SETNS, reclaim_worker, &userns_base);
	ksft_test_result(code == 0, "own_userns_without_its_pidns_eperm\n");

	owner_test();

	if (userns_clone == 0)
		cwp_write_file("/proc/sys/kernel/unprivileged_userns_clone", "0");
	cwp_chain_destroy(&chain);
	ksft_finished();
}
