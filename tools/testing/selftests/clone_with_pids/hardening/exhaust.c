// SPDX-License-Identifier: GPL-2.0
/*
 * Pid exhaustion: a lowered /proc/sys/kernel/pid_max (put back at the end,
 * also when a test fails) and namespaces whose pids run out.
 *
 * - pid_max: a pid >= pid_max is EINVAL at every level, pid_max - 1 works.
 * - level 0 full: with pid_max just above the pids in use, kernel-chosen
 *   children fill the initial namespace; then a kernel-chosen level-0 pid
 *   is EAGAIN, a chosen free one still works, a chosen used one is EBUSY;
 *   after the children are reaped, kernel-chosen pids work again.
 * - a nested namespace full: once a namespace's cyclic allocation has
 *   passed RESERVED_PIDS (300), the kernel hands out only 300..pid_max-1
 *   there; children filling that range make a kernel-chosen pid at that
 *   level EAGAIN while levels 0 and 1 have room, a chosen pid below 300
 *   still works there, and reaping recovers it.
 *
 * While level 0 is full nothing else in the guest can fork; that lasts a
 * fraction of a second.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/sched.h>
#include <sys/mman.h>

#include "hardening.h"

#define RESERVED_PIDS	300
#define MAX_KIDS	512

static int orig_pid_max;
static unsigned long stack;

static void restore_pid_max(void)
{
	if (orig_pid_max > 0)
		cwp_write_file("/proc/sys/kernel/pid_max", "%d", orig_pid_max);
}

static void on_signal(int sig)
{
	restore_pid_max();
	_exit(128 + sig);
}

/* A vfork()-like child with these pids (oldest first), left unreaped. */
static long kid(const pid_t *pids, int num)
{
	struct target_pid_set set = { num, (pid_t *)pids };

	return cwp_raw(SIGCHLD | CLONE_VM | CLONE_VFORK, stack, NULL, NULL, 0,
		       num ? &set : NULL);
}

/* Level-0 pids in use, tasks and threads, as a map below @max. */
static void used_level0(char *used, int max)
{
	char path[300];
	struct dirent *d, *t;
	DIR *dir = opendir("/proc"), *task;
	int p;

	memset(used, 0, max);
	while (dir && (d = readdir(dir))) {
		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/task", d->d_name);
		task = opendir(path);
		while (task && (t = readdir(task))) {
			p = atoi(t->d_name);
			if (p > 0 && p < max)
				used[p] = 1;
		}
		if (task)
			closedir(task);
	}
	if (dir)
		closedir(dir);
}

static int expect(long ret, long want, const char *what)
{
	bool ok = want > 0 ? ret > 0 : ret == want;

	if (!ok)
		diag("FAIL %s: got %ld (%s), want %s", what, ret,
		     ret < 0 ? cwp_errname(ret) : "pid",
		     want > 0 ? "a child" : cwp_errname(want));
	else
		diag("%s: %s", what, ret > 0 ? "child" : cwp_errname(ret));
	return ok ? 0 : 1;
}

static int test_pid_max(void *arg)
{
	int lowered = orig_pid_max / 2, bad = 0;
	pid_t p[3] = { 0 };
	long ret;

	/* levels 0..2: our children's namespace is at level 2 */
	if (cwp_write_file("/proc/sys/kernel/pid_max", "%d", lowered))
		return 2;
	p[2] = lowered;
	bad += expect(kid(p, 3), -EINVAL, "pid_max at level 2");
	p[2] = 0;
	p[0] = lowered;
	bad += expect(kid(p, 3), -EINVAL, "pid_max at level 0");
	p[0] = 0;
	p[1] = 0x7fffffff;
	bad += expect(kid(p, 3), -EINVAL, "INT_MAX at level 1");
	p[1] = lowered - 1;
	ret = kid(p, 3);
	bad += expect(ret, 1, "pid_max - 1 at level 1");
	if (ret > 0)
		cwp_wait(ret);
	restore_pid_max();
	p[1] = lowered;
	ret = kid(p, 3);
	bad += expect(ret, 1, "the same pid once pid_max is back");
	if (ret > 0)
		cwp_wait(ret);
	return bad ? 1 : 0;
}

static int reap_kids(long *kids, int n)
{
	int i, bad = 0;

	for (i = 0; i < n; i++)
		if (kids[i] > 0 && cwp_wait(kids[i]))
			bad++;
	return bad;
}

static int test_level0_full(void *arg)
{
	static char used[4096];
	static long kids[MAX_KIDS];
	int max, nfree = 0, n = 0, bad = 0, low = 0, busy = 1, i;
	pid_t p[3] = { 0 };
	long ret, extra;

	used_level0(used, sizeof(used));
	/* past RESERVED_PIDS, kernel-chosen pids are 300..pid_max-1 */
	for (max = RESERVED_PIDS; max < (int)sizeof(used) && nfree < 8; max++)
		nfree += !used[max];
	for (i = RESERVED_PIDS - 1; i > 1 && !low; i--)
		if (!used[i])
			low = i;
	if (!low || cwp_write_file("/proc/sys/kernel/pid_max", "%d", max)) {
		diag("no room to set up: pid_max %d, free low pid %d", max,
		     low);
		return 2;
	}
	do {
		ret = kid(NULL, 0);
		if (ret > 0)
			kids[n++] = ret;
	} while (ret > 0 && n < MAX_KIDS);
	diag("pid_max %d: %d children filled level 0", max, n);
	bad += expect(ret, -EAGAIN, "kernel-chosen pid, level 0 full");
	/* level 2 is taken first, then given back when level 0 fails */
	p[2] = 200;
	bad += expect(kid(p, 3), -EAGAIN, "set with level 0 left to the kernel");
	p[0] = low;
	extra = kid(p, 3);
	bad += expect(extra, 1, "chosen free level-0 pid below 300");
	p[0] = busy;
	bad += expect(kid(p, 3), -EBUSY, "chosen level-0 pid in use");
	p[0] = max;
	bad += expect(kid(p, 3), -EINVAL, "level-0 pid == pid_max");
	bad += reap_kids(kids, n) + reap_kids(&extra, 1);
	ret = kid(NULL, 0);
	bad += expect(ret, 1, "kernel-chosen pid after the reaping");
	bad += reap_kids(&ret, 1);
	restore_pid_max();
	return bad ? 1 : 0;
}

static int test_nested_full(void *arg)
{
	static char used[4096];
	static long kids[MAX_KIDS];
	int bad = 0, n = 0, max = RESERVED_PIDS + 16, i, next_low = 2;
	pid_t p[3] = { 0 }, nsp[4];
	long ret, extra = -1;

	/* Move level 2's cursor past 300 (levels 0 and 1 move along). */
	for (i = 0; i < RESERVED_PIDS + 4; i++) {
		ret = kid(NULL, 0);
		if (ret < 0)
			return 2;
		if (i == RESERVED_PIDS + 3 && cwp_nspid_of(ret, nsp, 4) == 3)
			diag("level 2 cursor at %d", nsp[2]);
		cwp_wait(ret);
	}
	used_level0(used, sizeof(used));
	if (cwp_write_file("/proc/sys/kernel/pid_max", "%d", max))
		return 2;
	/*
	 * Level 0 and 1 pids are chosen below 300, so that only level 2 is
	 * left to the kernel, and only 300..max-1 there.
	 */
	for (;;) {
		while (next_low < RESERVED_PIDS && used[next_low])
			next_low++;
		if (next_low >= RESERVED_PIDS || n == MAX_KIDS)
			break;
		p[0] = next_low;
		p[1] = next_low;
		ret = kid(p, 3);
		if (ret == -EBUSY) {	/* taken at level 1 by a holder */
			used[next_low] = 1;
			continue;
		}
		if (ret < 0)
			break;
		used[next_low] = 1;
		kids[n++] = ret;
	}
	diag("pid_max %d: %d children filled level 2's kernel range", max, n);
	bad += expect(ret, -EAGAIN, "kernel-chosen level-2 pid, range full");
	while (next_low < RESERVED_PIDS && used[next_low])
		next_low++;
	p[0] = next_low;
	p[1] = next_low;
	p[2] = 250;
	extra = kid(p, 3);
	bad += expect(extra, 1, "chosen level-2 pid below 300");
	bad += reap_kids(kids, n) + reap_kids(&extra, 1);
	p[2] = 0;
	ret = kid(p, 3);
	bad += expect(ret, 1, "kernel-chosen level-2 pid after the reaping");
	bad += reap_kids(&ret, 1);
	restore_pid_max();
	return bad ? 1 : 0;
}

/*
 * Levels run out too: below the deepest level (32) CLONE_NEWPID is
 * ENOSPC, as for clone(), also with a set, whose pids are then free.
 */
static int test_deepest(void *arg)
{
	pid_t p[CWP_MAX_PIDS] = { 0 };
	struct target_pid_set set = { CWP_MAX_PIDS, p };
	int bad = 0;
	long ret;

	bad += expect(cwp_raw(SIGCHLD | CLONE_NEWPID, 0, NULL, NULL, 0, NULL),
		      -ENOSPC, "CLONE_NEWPID at level 32, no set");
	bad += expect(cwp_raw(SIGCHLD | CLONE_NEWPID, 0, NULL, NULL, 0, &set),
		      -ENOSPC, "CLONE_NEWPID at level 32, 33 zeros");
	p[0] = 29001;
	p[CWP_MAX_LEVEL] = 555;
	bad += expect(cwp_raw(SIGCHLD | CLONE_NEWPID, 0, NULL, NULL, 0, &set),
		      -ENOSPC, "CLONE_NEWPID at level 32, pids at 0 and 32");
	ret = kid(p, CWP_MAX_PIDS);
	bad += expect(ret, 1, "the same pids without CLONE_NEWPID");
	bad += reap_kids(&ret, 1);
	bad += expect(unshare(CLONE_NEWPID) ? -errno : 0, -ENOSPC,
		      "unshare(CLONE_NEWPID) at level 32");
	return bad ? 1 : 0;
}

int main(void)
{
	static const struct {
		const char *name;
		int (*fn)(void *arg);
	} tests[] = {
		{ "pid_max_bounds", test_pid_max },
		{ "level0_full_eagain_then_recovers", test_level0_full },
		{ "nested_level_full_eagain_then_recovers", test_nested_full },
		{ "newpid_below_deepest_level_enospc", test_deepest },
	};
	struct cwp_ns_chain chain;
	unsigned int i;
	int code;
	pid_t pid;

	ksft_print_header();
	ksft_set_plan(ARRAY_SIZE(tests));
	orig_pid_max = pid_max_get();
	stack = (unsigned long)mmap(NULL, 65536, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (orig_pid_max < 1000 || stack == (unsigned long)MAP_FAILED) {
		diag("setup failed");
		ksft_finished();
	}
	stack += 65536 - 64;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	atexit(restore_pid_max);
	diag("pid_max %d", orig_pid_max);
	for (i = 0; i < ARRAY_SIZE(tests); i++) {
		bool deep = tests[i].fn == test_deepest;

		/* a fresh chain: its levels' cursors start from scratch */
		if (cwp_chain_create(&chain, deep ? CWP_MAX_LEVEL : 2)) {
			ksft_test_result(false, "%s\n", tests[i].name);
			continue;
		}
		pid = cwp_spawn_at(&chain, deep ? CWP_MAX_LEVEL : 2,
				   deep ? CWP_SPAWN_NATIVE : CWP_SPAWN_SETNS,
				   tests[i].fn, NULL);
		code = cwp_wait(pid);
		restore_pid_max();
		cwp_chain_destroy(&chain);
		ksft_test_result(code == 0, "%s\n", tests[i].name);
	}
	diag("pid_max back to %d", pid_max_get());
	ksft_finished();
}
