// SPDX-License-Identifier: GPL-2.0
/*
 * clone_with_pids() in nested pid namespaces: a pid at every level, holes,
 * fewer pids than levels, CLONE_NEWPID, unshare(CLONE_NEWPID) and setns()
 * into a descendant namespace. Every test runs with the caller at level 0,
 * 1, 3 and 32 (MAX_PID_NS_LEVEL). And the one case where a failure leaves
 * something behind, exactly as for clone(): the first child of an
 * unshare(CLONE_NEWPID) namespace failing after its pid was allocated.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clone_with_pids_harness.h"

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

static void all_levels_chosen(struct __test_metadata *_metadata, int d,
			      const pid_t *pid0)
{
	pid_t pids[CWP_MAX_PIDS + 1] = { 0 };
	struct target_pid_set set = { d + 1, pids };
	struct cwp_child c;

	chosen(pid0, 0, pids, d + 1);
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
}

TEST_F_TIMEOUT(levels, all_levels_chosen, 60)
{
	cwp_run_nested(_metadata, variant->depth, self->pid0,
		       all_levels_chosen);
	EXPECT_FALSE(cwp_pid0_in_use(self->pid0[0]));
}

static void holes(struct __test_metadata *_metadata, int d,
		  const pid_t *pid0)
{
	pid_t pids[CWP_MAX_PIDS] = { 0 };
	struct target_pid_set set = { d + 1, pids };
	struct cwp_child c;
	int level;

	/* Every odd level is left to the kernel. */
	chosen(pid0, 0, pids, d + 1);
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
}

TEST_F_TIMEOUT(levels, holes, 60)
{
	cwp_run_nested(_metadata, variant->depth, self->pid0,
		       holes);
}

static void fewer_pids_than_levels(struct __test_metadata *_metadata, int d,
				   const pid_t *pid0)
{
	pid_t want[CWP_MAX_PIDS] = { 0 }, pids[CWP_MAX_PIDS];
	int n = d / 2 + 1;
	struct target_pid_set set = { n, pids };
	struct cwp_child c;

	/* n pids go to the n youngest levels, d + 1 - n to d. */
	chosen(pid0, 0, want, d + 1);
	memset(want, 0, (d + 1 - n) * sizeof(pid_t));
	memcpy(pids, want + d + 1 - n, n * sizeof(pid_t));
	ASSERT_EQ(0, cwp_spawn(&c, SIGCHLD, NULL, &set));
	EXPECT_EQ(want[d], c.pid);
	cwp_check_nspid(_metadata, &c.rep, want, d + 1);
	EXPECT_EQ(0, cwp_release(&c));

	/* One pid: the caller's own level. */
	memset(want, 0, sizeof(want));
	chosen(pid0, 1, pids, d + 1);
	want[d] = pids[d];
	pids[0] = pids[d];
	set.num_pids = 1;
	ASSERT_EQ(0, cwp_spawn(&c, SIGCHLD, NULL, &set));
	EXPECT_EQ(want[d], c.pid);
	cwp_check_nspid(_metadata, &c.rep, want, d + 1);
	EXPECT_EQ(0, cwp_release(&c));
}

TEST_F_TIMEOUT(levels, fewer_pids_than_levels, 60)
{
	cwp_run_nested(_metadata, variant->depth, self->pid0,
		       fewer_pids_than_levels);
}

static void clone_newpid(struct __test_metadata *_metadata, int d,
			 const pid_t *pid0)
{
	pid_t pids[CWP_MAX_PIDS + 1] = { 0 };
	struct target_pid_set set = { d + 1, pids };
	const unsigned long flags = SIGCHLD | CLONE_NEWPID;
	struct cwp_child c;

	/* The new namespace takes no entry. */
	chosen(pid0, 0, pids, d + 1);
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
}

TEST_F_TIMEOUT(levels, clone_newpid, 60)
{
	cwp_run_nested(_metadata, variant->depth, self->pid0,
		       clone_newpid);
}

static void unshare_newpid(struct __test_metadata *_metadata, int d,
			   const pid_t *pid0)
{
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
	chosen(pid0, 0, pids, d + 1);
	set.num_pids = d + 2;
	EXPECT_EQ(-EINVAL, cwp_clone_err(SIGCHLD, NULL, &set));
	set.num_pids = d + 1;
	ASSERT_EQ(0, cwp_spawn(&init, SIGCHLD, NULL, &set));
	EXPECT_EQ(pids[d], init.pid);
	pids[d + 1] = 1;
	cwp_check_nspid(_metadata, &init.rep, pids, d + 2);

	/* With an init, it takes one, and is the youngest level. */
	chosen(pid0, 1, pids, d + 1);
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
}

TEST_F_TIMEOUT(levels, unshare_newpid, 60)
{
	cwp_run_nested(_metadata, variant->depth, self->pid0,
		       unshare_newpid);
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

FIXTURE(first_child) {
	pid_t pid0;	/* a free pid of the initial pid namespace */
	int *errs;	/* shared: what each way of creating got */
};

FIXTURE_VARIANT(first_child) {
	int depth;	/* the level of the caller of unshare() */
};

FIXTURE_VARIANT_ADD(first_child, level0) {
	.depth = 0,
};

FIXTURE_VARIANT_ADD(first_child, level2) {
	.depth = 2,
};

FIXTURE_SETUP(first_child)
{
	cwp_require(_metadata);
	if (_metadata->exit_code)
		return;
	self->pid0 = cwp_free_pid();
	ASSERT_LT(0, self->pid0);
	self->errs = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(self->errs != MAP_FAILED);
}

FIXTURE_TEARDOWN(first_child)
{
	if (self->errs && self->errs != MAP_FAILED)
		munmap(self->errs, 4096);
}

enum how {
	HOW_CLONE,		/* clone(), the system call */
	HOW_CWP_NULL,		/* clone_with_pids(), NULL set */
	HOW_CWP_SET,		/* clone_with_pids(), a pid at every level */
	HOW_NR
};

#define CREATIONS 3

/* Create a child @how: -errno, or the pid of a child that was reaped. */
static int create(enum how how, unsigned long flags, int *pidfd,
		  struct target_pid_set *set)
{
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	if (how == HOW_CLONE)
		/* parent_tid is the third argument in every clone() order. */
		pid = syscall(SYS_clone, flags, 0, pidfd, NULL, 0);
	else
		pid = sys_clone_with_pids(flags, NULL, pidfd, NULL, 0,
					  how == HOW_CWP_SET ? set : NULL);
	if (pid == 0)
		_exit(0);
	if (pid < 0)
		return -errno;
	if (pidfd && *pidfd >= 0)
		close(*pidfd);
	cwp_wait(pid);
	return pid;
}

/*
 * In a process at level @d: unshare(CLONE_NEWPID), make the first child
 * of the new namespace with CLONE_PIDFD while no fd can be allocated,
 * then two more with fds to spare. What each creation got goes to @errs.
 */
static void unshare_and_create(struct __test_metadata *_metadata, int d,
			       pid_t pid0, enum how how, int *errs)
{
	pid_t pids[CWP_MAX_PIDS] = { 0 };
	struct target_pid_set set = { d + 1, pids };
	struct rlimit old, none;
	int level, fd, pidfd = -1;

	for (level = 0; level <= d; level++)
		pids[level] = level ? 100 + level : pid0;

	ASSERT_EQ(0, unshare(CLONE_NEWPID));
	/* The lowest free fd: as the limit, it leaves no fd to allocate. */
	fd = fcntl(cwp_proc0, F_DUPFD, 0);
	ASSERT_LE(0, fd);
	close(fd);
	ASSERT_EQ(0, getrlimit(RLIMIT_NOFILE, &old));
	none = old;
	none.rlim_cur = fd;
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &none));
	errs[0] = create(how, SIGCHLD | CLONE_PIDFD, &pidfd, &set);
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &old));
	EXPECT_EQ(-1, pidfd);

	/* The namespace lost its would-be init and takes no more. */
	errs[1] = create(how, SIGCHLD | CLONE_PIDFD, &pidfd, &set);
	errs[2] = create(how, SIGCHLD, NULL, &set);

	/* Nothing was kept at the levels above. */
	EXPECT_FALSE(cwp_pid0_in_use(pid0));
	EXPECT_TRUE(cwp_no_children());
}

/*
 * The one exception to "a failed call leaves nothing behind", and it is
 * clone()'s: when the first child of an unshare(CLONE_NEWPID) namespace
 * fails after its pid was allocated (EMFILE for the pidfd), the namespace
 * takes no more processes (ENOMEM). clone_with_pids() does exactly what
 * clone() does, with or without chosen pids.
 */
TEST_F(first_child, unshare_newpid_fails_as_clone)
{
	static const int want[CREATIONS] = { -EMFILE, -ENOMEM, -ENOMEM };
	static const char * const name[HOW_NR] = {
		"clone()", "clone_with_pids(NULL)", "clone_with_pids(set)",
	};
	int d = variant->depth, how, i;
	pid_t pid;

	for (how = 0; how < HOW_NR; how++) {
		int *errs = self->errs + how * CREATIONS;

		for (i = 0; i < CREATIONS; i++)
			errs[i] = 1;
		/* A fresh process, and so a fresh namespace, for each. */
		pid = cwp_fork_nested(d);
		ASSERT_LE(0, pid);
		if (pid == 0) {
			unshare_and_create(_metadata, d, self->pid0, how,
					   errs);
			_exit(0);
		}
		EXPECT_EQ(0, cwp_wait(pid));
		for (i = 0; i < CREATIONS; i++) {
			EXPECT_EQ(want[i], errs[i])
				TH_LOG("%s, creation %d", name[how], i + 1);
			EXPECT_EQ(self->errs[i], errs[i])
				TH_LOG("%s vs clone(), creation %d",
				       name[how], i + 1);
		}
	}
	EXPECT_FALSE(cwp_pid0_in_use(self->pid0));
}

TEST_HARNESS_MAIN
