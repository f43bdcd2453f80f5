// SPDX-License-Identifier: GPL-2.0
/*
 * clone_with_pids() in nested pid namespaces: a pid at every level, holes,
 * fewer pids than levels, CLONE_NEWPID, unshare(CLONE_NEWPID) and setns()
 * into a descendant namespace. Every test runs with the caller at level 0,
 * 1, 3 and 32 (MAX_PID_NS_LEVEL).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "clone_with_pids_selftests.h"

FIXTURE(levels) {
	pid_t pid0[3];	/* free pids of the initial pid namespace */
};

FIXTURE_VARIANT(levels) {
	int depth;	/* the level of the caller of clone_with_pids() */
};

FIXTURE_VARIANT_ADD(levels, level0) {
	.depth = 0,
};

FIXTURE_VARIANT_ADD(levels, level1) {
	.depth = 1,
};

FIXTURE_VARIANT_ADD(levels, level3) {
	.depth = 3,
};

FIXTURE_VARIANT_ADD(levels, level32) {
	.depth = CWP_MAX_LEVEL,
};

FIXTURE_SETUP(levels)
{
	int i;

	cwp_require(_metadata);
	if (_metadata->exit_code)
		return;
	for (i = 0; i < 3; i++) {
		self->pid0[i] = cwp_free_pid();
		ASSERT_LT(0, self->pid0[i]);
	}
}

FIXTURE_TEARDOWN(levels)
{
}

/*
 * The @idx'th set of pids to choose, for levels 0 to @nr - 1: free pids at
 * level 0, and below it numbers far above the few pids the kernel hands
 * out in the tests' fresh namespaces, distinct for every level and @idx.
 */
static void chosen(const pid_t *pid0, int idx, pid_t *pids, int nr)
{
	int level;

	pids[0] = pid0[idx];
	for (level = 1; level < nr; level++)
		pids[level] = 100 + 3 * level + idx;
}

/* What the caller's own /proc shows of its child: the pid it was given. */
static void check_own_view(struct __test_metadata *_metadata, pid_t pid)
{
	pid_t seen[CWP_MAX_PIDS];
	char path[32];

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	ASSERT_EQ(1, cwp_read_nspid(AT_FDCWD, path, seen, CWP_MAX_PIDS));
	EXPECT_EQ(pid, seen[0]);
}

TEST_F_TIMEOUT(levels, all_levels_chosen, 60)
{
	int d = variant->depth;
	pid_t pid;

	pid = cwp_fork_nested(d);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		pid_t pids[CWP_MAX_PIDS + 1] = { 0 };
		struct target_pid_set set = { d + 1, pids };
		struct cwp_child c;

		chosen(self->pid0, 0, pids, d + 1);
		set.num_pids = d + 2;
		EXPECT_EQ(-EINVAL, cwp_clone_err(SIGCHLD, NULL, &set));
		set.num_pids = d + 1;

		/* A /proc of this level, to see pids as this caller does. */
		ASSERT_EQ(0, cwp_mount_private_proc());
		ASSERT_EQ(0, cwp_spawn(&c, SIGCHLD, NULL, &set));
		EXPECT_EQ(pids[d], c.pid);
		cwp_check_nspid(_metadata, &c.rep, pids, d + 1);
		check_own_view(_metadata, c.pid);
		EXPECT_EQ(0, cwp_release(&c));
		_exit(0);
	}
	EXPECT_EQ(0, cwp_wait(pid));
	EXPECT_FALSE(cwp_pid0_in_use(self->pid0[0]));
}

TEST_F_TIMEOUT(levels, holes, 60)
{
	int d = variant->depth;
	pid_t pid;

	pid = cwp_fork_nested(d);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		pid_t pids[CWP_MAX_PIDS] = { 0 };
		struct target_pid_set set = { d + 1, pids };
		struct cwp_child c;
		int level;

		/* Every odd level is left to the kernel. */
		chosen(self->pid0, 0, pids, d + 1);
		for (level = 1; level <= d; level += 2)
			pids[level] = 0;
		ASSERT_EQ(0, cwp_spawn(&c, SIGCHLD, NULL, &set));
		cwp_check_nspid(_metadata, &c.rep, pids, d + 1);
		EXPECT_EQ(c.rep.nspid[d], c.pid);
		EXPECT_EQ(0, cwp_release(&c));

		/* And all of them. */
		memset(pids, 0, sizeof(pids));
		ASSERT_EQ(0, cwp_spawn(&c, SIGCHLD, NULL, &set));
		cwp_check_nspid(_metadata, &c.rep, pids, d + 1);
		EXPECT_EQ(0, cwp_release(&c));
		_exit(0);
	}
	EXPECT_EQ(0, cwp_wait(pid));
}

TEST_F_TIMEOUT(levels, fewer_pids_than_levels, 60)
{
	int d = variant->depth;
	pid_t pid;

	pid = cwp_fork_nested(d);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		pid_t want[CWP_MAX_PIDS] = { 0 }, pids[CWP_MAX_PIDS];
		int n = d / 2 + 1;
		struct target_pid_set set = { n, pids };
		struct cwp_child c;

		/* n pids go to the n youngest levels, d + 1 - n to d. */
		chosen(self->pid0, 0, want, d + 1);
		memset(want, 0, (d + 1 - n) * sizeof(pid_t));
		memcpy(pids, want + d + 1 - n, n * sizeof(pid_t));
		ASSERT_EQ(0, cwp_spawn(&c, SIGCHLD, NULL, &set));
		EXPECT_EQ(want[d], c.pid);
		cwp_check_nspid(_metadata, &c.rep, want, d + 1);
		EXPECT_EQ(0, cwp_release(&c));

		/* One pid: the caller's own level. */
		memset(want, 0, sizeof(want));
		chosen(self->pid0, 1, pids, d + 1);
		want[d] = pids[d];
		pids[0] = pids[d];
		set.num_pids = 1;
		ASSERT_EQ(0, cwp_spawn(&c, SIGCHLD, NULL, &set));
		EXPECT_EQ(want[d], c.pid);
		cwp_check_nspid(_metadata, &c.rep, want, d + 1);
		EXPECT_EQ(0, cwp_release(&c));
		_exit(0);
	}
	EXPECT_EQ(0, cwp_wait(pid));
}

TEST_F_TIMEOUT(levels, clone_newpid, 60)
{
	int d = variant->depth;
	pid_t pid;

	pid = cwp_fork_nested(d);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		pid_t pids[CWP_MAX_PIDS + 1] = { 0 };
		struct target_pid_set set = { d + 1, pids };
		const unsigned long flags = SIGCHLD | CLONE_NEWPID;
		struct cwp_child c;

		/* The new namespace takes no entry. */
		chosen(self->pid0, 0, pids, d + 1);
		set.num_pids = d + 2;
		EXPECT_EQ(-EINVAL, cwp_clone_err(flags, NULL, &set));
		set.num_pids = d + 1;

		if (d == CWP_MAX_LEVEL) {
			/* No level 33: clone() fails, nothing is kept. */
			EXPECT_EQ(-ENOSPC, cwp_clone_err(flags, NULL, &set));
			ASSERT_EQ(0, cwp_spawn(&c, SIGCHLD, NULL, &set));
			cwp_check_nspid(_metadata, &c.rep, pids, d + 1);
			EXPECT_EQ(0, cwp_release(&c));
			_exit(0);
		}

		ASSERT_EQ(0, cwp_spawn(&c, flags, NULL, &set));
		EXPECT_EQ(pids[d], c.pid);
		pids[d + 1] = 1;
		cwp_check_nspid(_metadata, &c.rep, pids, d + 2);
		EXPECT_EQ(1, c.rep.getpid);
		EXPECT_EQ(0, cwp_release(&c));

		/* One pid: still the caller's own level. */
		pids[0] = pids[d];
		set.num_pids = 1;
		ASSERT_EQ(0, cwp_spawn(&c, flags, NULL, &set));
		EXPECT_EQ(pids[0], c.pid);
		EXPECT_EQ(pids[0], c.rep.nspid[d]);
		EXPECT_EQ(d + 2, c.rep.nr);
		EXPECT_EQ(1, c.rep.getpid);
		EXPECT_EQ(0, cwp_release(&c));
		_exit(0);
	}
	EXPECT_EQ(0, cwp_wait(pid));
}

TEST_F_TIMEOUT(levels, unshare_newpid, 60)
{
	int d = variant->depth;
	pid_t pid;

	pid = cwp_fork_nested(d);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		pid_t pids[CWP_MAX_PIDS + 2] = { 0 };
		struct target_pid_set set = { d + 1, pids };
		struct cwp_child init, c;

		if (d == CWP_MAX_LEVEL) {
			EXPECT_EQ(-1, unshare(CLONE_NEWPID));
			EXPECT_EQ(ENOSPC, errno);
			_exit(0);
		}
		ASSERT_EQ(0, unshare(CLONE_NEWPID));

		/* No init yet: the new namespace takes no entry. */
		chosen(self->pid0, 0, pids, d + 1);
		set.num_pids = d + 2;
		EXPECT_EQ(-EINVAL, cwp_clone_err(SIGCHLD, NULL, &set));
		set.num_pids = d + 1;
		ASSERT_EQ(0, cwp_spawn(&init, SIGCHLD, NULL, &set));
		EXPECT_EQ(pids[d], init.pid);
		pids[d + 1] = 1;
		cwp_check_nspid(_metadata, &init.rep, pids, d + 2);

		/* With an init, it takes one, and is the youngest level. */
		chosen(self->pid0, 1, pids, d + 1);
		pids[d + 1] = 42;
		set.num_pids = d + 3;
		EXPECT_EQ(-EINVAL, cwp_clone_err(SIGCHLD, NULL, &set));
		set.num_pids = d + 2;
		ASSERT_EQ(0, cwp_spawn(&c, SIGCHLD, NULL, &set));
		EXPECT_EQ(pids[d], c.pid);
		cwp_check_nspid(_metadata, &c.rep, pids, d + 2);
		EXPECT_EQ(0, cwp_release(&c));

		pids[0] = 43;
		set.num_pids = 1;
		ASSERT_EQ(0, cwp_spawn(&c, SIGCHLD, NULL, &set));
		EXPECT_EQ(d + 2, c.rep.nr);
		EXPECT_EQ(43, c.rep.nspid[d + 1]);
		EXPECT_EQ(43, c.rep.getpid);
		EXPECT_EQ(0, cwp_release(&c));

		EXPECT_EQ(0, cwp_release(&init));
		_exit(0);
	}
	EXPECT_EQ(0, cwp_wait(pid));
}

TEST_F_TIMEOUT(levels, setns_from_outside, 60)
{
	int d = variant->depth, report[2], hold[2];
	pid_t pid, helper, bottom0 = 0;
	char byte = 0;

	/*
	 * The bottom of the chain, pid 1 of the namespace at level d, tells
	 * its pid at level 0 and waits. A process at level 0 then enters
	 * that namespace and creates processes in it, from outside.
	 */
	ASSERT_EQ(0, pipe(report));
	ASSERT_EQ(0, pipe(hold));
	pid = cwp_fork_nested(d);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		pid_t me[CWP_MAX_PIDS];

		ASSERT_EQ(d + 1, cwp_read_nspid(cwp_proc0, "self/status", me,
						CWP_MAX_PIDS));
		ASSERT_EQ(sizeof(me[0]), write(report[1], &me[0],
					       sizeof(me[0])));
		ASSERT_EQ(1, read(hold[0], &byte, 1));
		_exit(0);
	}
	close(report[1]);
	EXPECT_EQ(0, cwp_read_all(report[0], &bottom0, sizeof(bottom0)));

	helper = fork();
	ASSERT_LE(0, helper);
	if (helper == 0) {
		pid_t pids[CWP_MAX_PIDS + 1] = { 0 };
		struct target_pid_set set = { d + 1, pids };
		pid_t seen[CWP_MAX_PIDS];
		struct cwp_child c;
		char path[64];
		int fd;

		snprintf(path, sizeof(path), "%d/ns/pid", bottom0);
		fd = openat(cwp_proc0, path, O_RDONLY | O_CLOEXEC);
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, setns(fd, CLONE_NEWPID));
		close(fd);

		chosen(self->pid0, 0, pids, d + 1);
		set.num_pids = d + 2;
		EXPECT_EQ(-EINVAL, cwp_clone_err(SIGCHLD, NULL, &set));
		set.num_pids = d + 1;
		if (d) {
			/* A new namespace must be a child of the caller's. */
			EXPECT_EQ(-EINVAL,
				  cwp_clone_err(SIGCHLD | CLONE_NEWPID, NULL,
						&set));
		}

		ASSERT_EQ(0, cwp_spawn(&c, SIGCHLD, NULL, &set));
		/* Returned: the pid in the caller's own namespace, level 0. */
		EXPECT_EQ(pids[0], c.pid);
		cwp_check_nspid(_metadata, &c.rep, pids, d + 1);
		/* The caller's /proc lists every level from its own down. */
		snprintf(path, sizeof(path), "%d/status", c.pid);
		ASSERT_EQ(d + 1, cwp_read_nspid(cwp_proc0, path, seen,
						CWP_MAX_PIDS));
		EXPECT_EQ(0, memcmp(pids, seen, (d + 1) * sizeof(pid_t)));
		EXPECT_EQ(0, cwp_release(&c));

		/* One pid: the entered namespace's. */
		chosen(self->pid0, 1, pids, d + 1);
		pids[0] = pids[d];
		set.num_pids = 1;
		ASSERT_EQ(0, cwp_spawn(&c, SIGCHLD, NULL, &set));
		EXPECT_EQ(d + 1, c.rep.nr);
		EXPECT_EQ(pids[0], c.rep.nspid[d]);
		EXPECT_EQ(0, cwp_release(&c));
		_exit(0);
	}
	EXPECT_EQ(0, cwp_wait(helper));
	ASSERT_EQ(1, write(hold[1], &byte, 1));
	EXPECT_EQ(0, cwp_wait(pid));
}

TEST_HARNESS_MAIN
