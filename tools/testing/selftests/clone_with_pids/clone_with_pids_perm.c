// SPDX-License-Identifier: GPL-2.0
/*
 * clone_with_pids() permissions: a non-zero pid at a level needs
 * CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE in the user namespace owning
 * that level's pid namespace; a NULL or all-zero set needs nothing.
 *
 * Capabilities are set with capset(2) directly rather than with libcap,
 * so that the test builds for ia32 as well, where libcap is rarely
 * installed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clone_with_pids_harness.h"

/* Become nobody with only the capabilities @keep, or fail the test. */
static void become_nobody(struct __test_metadata *_metadata, __u64 keep)
{
	ASSERT_EQ(0, cwp_drop_to_nobody(keep));
	ASSERT_EQ(keep, cwp_caps_get(NULL));
}

FIXTURE(caps) {
	pid_t pid0;	/* a free pid of the initial pid namespace */
};

FIXTURE_VARIANT(caps) {
	int depth;	/* the level of the caller, made by root */
};

FIXTURE_VARIANT_ADD(caps, level0) {
	.depth = 0,
};

FIXTURE_VARIANT_ADD(caps, level1) {
	.depth = 1,
};

FIXTURE_VARIANT_ADD(caps, level2) {
	.depth = 2,
};

FIXTURE_SETUP(caps)
{
	cwp_require(_metadata);
	if (_metadata->exit_code)
		return;
	self->pid0 = cwp_free_pid();
	ASSERT_LT(0, self->pid0);
}

FIXTURE_TEARDOWN(caps)
{
}

/* The pid chosen at @level: a free one at level 0, below it 150 + level. */
static pid_t pid_at(pid_t pid0, int level)
{
	return level ? 150 + level : pid0;
}

/* In a process at level @d, with the capabilities it was left: succeed. */
static void expect_success(struct __test_metadata *_metadata, pid_t pid0,
			   int d)
{
	pid_t pids[CWP_MAX_PIDS];
	struct target_pid_set set = { d + 1, pids };
	struct cwp_child c;
	int level;

	for (level = 0; level <= d; level++)
		pids[level] = pid_at(pid0, level);
	ASSERT_EQ(0, cwp_spawn(&c, SIGCHLD, NULL, &set));
	EXPECT_EQ(pids[d], c.pid);
	cwp_check_nspid(_metadata, &c.rep, pids, d + 1);
	EXPECT_EQ(0, cwp_release(&c));
}

/* In a process at level @d without the capability: EPERM, at any level. */
static void expect_eperm(struct __test_metadata *_metadata, pid_t pid0,
			 int d)
{
	pid_t pids[CWP_MAX_PIDS];
	struct target_pid_set set = { d + 1, pids };
	int level, k;

	for (k = 0; k <= d; k++) {
		for (level = 0; level <= d; level++)
			pids[level] = level == k ? pid_at(pid0, level) : 0;
		EXPECT_EQ(-EPERM, cwp_clone_err(SIGCHLD, NULL, &set))
			TH_LOG("pid chosen at level %d", k);
	}
	for (level = 0; level <= d; level++)
		pids[level] = pid_at(pid0, level);
	EXPECT_EQ(-EPERM, cwp_clone_err(SIGCHLD, NULL, &set));
	/* Fewer pids than levels: the youngest level only. */
	pids[0] = pid_at(pid0, d);
	set.num_pids = 1;
	EXPECT_EQ(-EPERM, cwp_clone_err(SIGCHLD, NULL, &set));
	EXPECT_TRUE(cwp_no_children());
}

static void checkpoint_restore_only(struct __test_metadata *_metadata, int d,
				    const pid_t *pid0)
{
	become_nobody(_metadata, CWP_CAP(CAP_CHECKPOINT_RESTORE));
	expect_success(_metadata, *pid0, d);
}

TEST_F(caps, checkpoint_restore_only)
{
	cwp_run_nested(_metadata, variant->depth, &self->pid0,
		       checkpoint_restore_only);
}

static void sys_admin_only(struct __test_metadata *_metadata, int d,
			   const pid_t *pid0)
{
	become_nobody(_metadata, CWP_CAP(CAP_SYS_ADMIN));
	expect_success(_metadata, *pid0, d);
}

TEST_F(caps, sys_admin_only)
{
	cwp_run_nested(_metadata, variant->depth, &self->pid0,
		       sys_admin_only);
}

static void no_caps_eperm(struct __test_metadata *_metadata, int d,
			  const pid_t *pid0)
{
	become_nobody(_metadata, 0);
	expect_eperm(_metadata, *pid0, d);
}

TEST_F(caps, no_caps_eperm)
{
	cwp_run_nested(_metadata, variant->depth, &self->pid0,
		       no_caps_eperm);
}

static void root_without_the_two_caps_eperm(struct __test_metadata *_metadata, int d,
					    const pid_t *pid0)
{
	/* uid 0 and every other capability do not make up for them. */
	__u64 caps = cwp_caps_get(NULL);

	caps &= ~(CWP_CAP(CAP_SYS_ADMIN) | CWP_CAP(CAP_CHECKPOINT_RESTORE));
	ASSERT_EQ(0, cwp_caps_set(caps, caps));
	ASSERT_EQ(0, getuid());
	expect_eperm(_metadata, *pid0, d);
}

TEST_F(caps, root_without_the_two_caps_eperm)
{
	cwp_run_nested(_metadata, variant->depth, &self->pid0,
		       root_without_the_two_caps_eperm);
}

static void no_caps_clone_without_pids(struct __test_metadata *_metadata, int d,
				       const pid_t *pid0)
{
	pid_t pids[CWP_MAX_PIDS] = { 0 };
	struct target_pid_set set = { 0, pids };
	struct cwp_child c;

	become_nobody(_metadata, 0);

	ASSERT_EQ(0, cwp_spawn(&c, SIGCHLD, NULL, NULL));
	cwp_check_nspid(_metadata, &c.rep, pids, d + 1);
	EXPECT_EQ(0, cwp_release(&c));

	ASSERT_EQ(0, cwp_spawn(&c, SIGCHLD, NULL, &set));
	cwp_check_nspid(_metadata, &c.rep, pids, d + 1);
	EXPECT_EQ(0, cwp_release(&c));

	/* All levels left to the kernel need no capability either. */
	set.num_pids = d + 1;
	ASSERT_EQ(0, cwp_spawn(&c, SIGCHLD, NULL, &set));
	cwp_check_nspid(_metadata, &c.rep, pids, d + 1);
	EXPECT_EQ(0, cwp_release(&c));
}

TEST_F(caps, no_caps_clone_without_pids)
{
	cwp_run_nested(_metadata, variant->depth, &self->pid0,
		       no_caps_clone_without_pids);
}

static void no_caps_precedence(struct __test_metadata *_metadata, int d,
			       const pid_t *pid0)
{
	pid_t pids[CWP_MAX_PIDS + 1] = { 0 };
	struct target_pid_set set = { d + 1, pids };
	pid_t *unmapped;

	unmapped = mmap(NULL, getpagesize(), PROT_NONE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(unmapped != MAP_FAILED);
	become_nobody(_metadata, 0);

	/* The set is checked before the capabilities. */
	set.num_pids = d + 2;
	pids[d] = pid_at(*pid0, d);
	EXPECT_EQ(-EINVAL, cwp_clone_err(SIGCHLD, NULL, &set));
	set.num_pids = d + 1;
	pids[0] = -1;
	EXPECT_EQ(-EINVAL, cwp_clone_err(SIGCHLD, NULL, &set));
	pids[0] = cwp_pid_max;
	EXPECT_EQ(-EINVAL, cwp_clone_err(SIGCHLD, NULL, &set));
	set.target_pids = (pid_t *)-4096L;
	EXPECT_EQ(-EFAULT, cwp_clone_err(SIGCHLD, NULL, &set));
	/* The count even before the array is read. */
	set.num_pids = d + 2;
	set.target_pids = unmapped;
	EXPECT_EQ(-EINVAL, cwp_clone_err(SIGCHLD, NULL, &set));
	set.num_pids = d + 1;

	/* And the capabilities before whether the pid is free. */
	set.target_pids = pids;
	pids[0] = 0;
	pids[d] = 1;
	EXPECT_EQ(-EPERM, cwp_clone_err(SIGCHLD, NULL, &set));
	EXPECT_TRUE(cwp_no_children());
}

TEST_F(caps, no_caps_precedence)
{
	cwp_run_nested(_metadata, variant->depth, &self->pid0,
		       no_caps_precedence);
}

/* Plain clone(), the system call itself: -errno, or the unwanted pid. */
static int clone_err(unsigned long flags)
{
	fflush(stdout);
	fflush(stderr);
	/* Stack, parent_tid, child_tid and tls all 0: any argument order. */
	return cwp_failed(syscall(SYS_clone, flags, 0, NULL, NULL, 0));
}

/* Let the caller make no process at all (RLIMIT_NPROC 0): or back. */
static int set_nproc(bool none)
{
	static struct rlimit saved;
	struct rlimit lim;

	if (none) {
		if (getrlimit(RLIMIT_NPROC, &saved))
			return -errno;
		lim = saved;
		lim.rlim_cur = 0;
		return setrlimit(RLIMIT_NPROC, &lim) ? -errno : 0;
	}
	return setrlimit(RLIMIT_NPROC, &saved) ? -errno : 0;
}

/*
 * One capability check, before anything else: without the capability,
 * any set with a non-zero pid is EPERM, although creating the task would
 * fail with EAGAIN (RLIMIT_NPROC 0); without a non-zero pid it is that
 * EAGAIN, exactly as for clone().
 */
static void no_caps_eperm_before_eagain(struct __test_metadata *_metadata, int d,
					const pid_t *pid0)
{
	int level;
	pid_t pids[CWP_MAX_PIDS] = { 0 };
	struct target_pid_set set = { d + 1, pids };

	become_nobody(_metadata, 0);
	ASSERT_EQ(0, set_nproc(true));

	/* The limit is effective. */
	EXPECT_EQ(-EAGAIN, clone_err(SIGCHLD));
	EXPECT_EQ(-EAGAIN, cwp_clone_err(SIGCHLD, NULL, NULL));
	EXPECT_EQ(-EAGAIN, cwp_clone_err(SIGCHLD, NULL, &set));

	/* A pid at any one level, or at all of them: EPERM first. */
	for (level = 0; level <= d; level++) {
		memset(pids, 0, sizeof(pids));
		pids[level] = pid_at(*pid0, level);
		EXPECT_EQ(-EPERM, cwp_clone_err(SIGCHLD, NULL, &set))
			TH_LOG("pid chosen at level %d", level);
	}
	for (level = 0; level <= d; level++)
		pids[level] = pid_at(*pid0, level);
	EXPECT_EQ(-EPERM, cwp_clone_err(SIGCHLD, NULL, &set));
	/*
	 * Even a pid in use: pid 1 of this process's namespace (its
	 * init, or this process itself), and this process's own pid.
	 */
	memset(pids, 0, sizeof(pids));
	pids[d] = 1;
	EXPECT_EQ(-EPERM, cwp_clone_err(SIGCHLD, NULL, &set));
	pids[0] = getpid();
	set.num_pids = 1;
	EXPECT_EQ(-EPERM, cwp_clone_err(SIGCHLD, NULL, &set));
	pids[0] = 1;
	EXPECT_EQ(-EPERM, cwp_clone_err(SIGCHLD, NULL, &set));
	EXPECT_TRUE(cwp_no_children());
	EXPECT_FALSE(cwp_pid0_in_use(*pid0));
}

TEST_F(caps, no_caps_eperm_before_eagain)
{
	cwp_run_nested(_metadata, variant->depth, &self->pid0,
		       no_caps_eperm_before_eagain);
}

/*
 * With CAP_CHECKPOINT_RESTORE alone (which does not lift RLIMIT_NPROC),
 * the check passes and the call then fails as clone() would, with
 * EAGAIN, keeping nothing; under the old limit the same set succeeds.
 */
static void checkpoint_restore_then_eagain(struct __test_metadata *_metadata, int d,
					   const pid_t *pid0)
{
	int level;
	pid_t pids[CWP_MAX_PIDS] = { 0 };
	struct target_pid_set set = { d + 1, pids };

	become_nobody(_metadata, CWP_CAP(CAP_CHECKPOINT_RESTORE));
	ASSERT_EQ(0, set_nproc(true));

	for (level = 0; level <= d; level++)
		pids[level] = pid_at(*pid0, level);
	EXPECT_EQ(-EAGAIN, clone_err(SIGCHLD));
	EXPECT_EQ(-EAGAIN, cwp_clone_err(SIGCHLD, NULL, &set));
	EXPECT_TRUE(cwp_no_children());
	EXPECT_FALSE(cwp_pid0_in_use(*pid0));

	ASSERT_EQ(0, set_nproc(false));
	expect_success(_metadata, *pid0, d);
}

TEST_F(caps, checkpoint_restore_then_eagain)
{
	cwp_run_nested(_metadata, variant->depth, &self->pid0,
		       checkpoint_restore_then_eagain);
}

static void newuser_in_same_call_does_not_count(struct __test_metadata *_metadata, int d,
						const pid_t *pid0)
{
	pid_t pids[CWP_MAX_PIDS] = { 0 };
	struct target_pid_set set = { d + 1, pids };
	int ret;

	become_nobody(_metadata, 0);
	/* Is CLONE_NEWUSER allowed to nobody at all? */
	ret = cwp_clone(SIGCHLD | CLONE_NEWUSER, NULL);
	if (ret == 0)
		_exit(0);
	if (ret < 0)
		SKIP(_exit(0), "unprivileged CLONE_NEWUSER: %s",
		     strerror(errno));
	EXPECT_EQ(0, cwp_wait(ret));

	/* The capabilities are the caller's, not the child's. */
	pids[d] = pid_at(*pid0, d);
	EXPECT_EQ(-EPERM, cwp_clone_err(SIGCHLD | CLONE_NEWUSER, NULL,
					&set));
	EXPECT_TRUE(cwp_no_children());
}

TEST_F(caps, newuser_in_same_call_does_not_count)
{
	cwp_run_nested(_metadata, variant->depth, &self->pid0,
		       newuser_in_same_call_does_not_count);
}

/* @set_tid for clone3(), youngest level first: pid_at() of levels 0..d. */
static void fill_set_tid(pid_t *set_tid, pid_t pid0, int d)
{
	int level;

	for (level = 0; level <= d; level++)
		set_tid[d - level] = pid_at(pid0, level);
}

/*
 * clone3()'s set_tid has the rule of its own, which alloc_pid() enforces:
 * CAP_CHECKPOINT_RESTORE (or CAP_SYS_ADMIN) in the user namespace owning
 * each pid namespace it names a pid in. Upstream's
 * clone3_cap_checkpoint_restore sets the capabilities with libcap and
 * skips where that fails; here capset(2) is called directly, for 64-bit
 * and ia32 callers alike.
 */
static void clone3_set_tid_no_caps_eperm(struct __test_metadata *_metadata, int d,
					 const pid_t *pid0)
{
	pid_t set_tid[CWP_MAX_PIDS];

	become_nobody(_metadata, 0);
	ASSERT_EQ(CWP_NOBODY, geteuid());
	fill_set_tid(set_tid, *pid0, d);
	/* The youngest level only, then every level. */
	EXPECT_EQ(-EPERM, cwp_clone3_err(set_tid, 1));
	EXPECT_EQ(-EPERM, cwp_clone3_err(set_tid, d + 1));
	EXPECT_TRUE(cwp_no_children());
	EXPECT_FALSE(cwp_pid0_in_use(*pid0));
}

TEST_F(caps, clone3_set_tid_no_caps_eperm)
{
	cwp_run_nested(_metadata, variant->depth, &self->pid0,
		       clone3_set_tid_no_caps_eperm);
}

static void clone3_set_tid_checkpoint_restore_only(struct __test_metadata *_metadata, int d,
						   const pid_t *pid0)
{
	int level;
	pid_t pids[CWP_MAX_PIDS] = { 0 };
	pid_t set_tid[CWP_MAX_PIDS];
	struct cwp_child c;

	become_nobody(_metadata, CWP_CAP(CAP_CHECKPOINT_RESTORE));
	ASSERT_EQ(CWP_NOBODY, geteuid());

	/* Every level: exactly those pids, from level 0 down. */
	for (level = 0; level <= d; level++)
		pids[level] = pid_at(*pid0, level);
	fill_set_tid(set_tid, *pid0, d);
	ASSERT_EQ(0, cwp_spawn_clone3(&c, set_tid, d + 1));
	EXPECT_EQ(pids[d], c.pid);
	cwp_check_nspid(_metadata, &c.rep, pids, d + 1);
	EXPECT_EQ(0, cwp_release(&c));

	/* The youngest level only: the older ones are the kernel's. */
	memset(pids, 0, sizeof(pids));
	pids[d] = pid_at(*pid0, d);
	ASSERT_EQ(0, cwp_spawn_clone3(&c, set_tid, 1));
	EXPECT_EQ(pids[d], c.pid);
	cwp_check_nspid(_metadata, &c.rep, pids, d + 1);
	EXPECT_EQ(0, cwp_release(&c));
}

TEST_F(caps, clone3_set_tid_checkpoint_restore_only)
{
	cwp_run_nested(_metadata, variant->depth, &self->pid0,
		       clone3_set_tid_checkpoint_restore_only);
}

FIXTURE(userns) {
	pid_t pid0;	/* a free pid of the initial pid namespace */
};

FIXTURE_VARIANT(userns) {
	int depth;	/* the level of the namespace owner, made by root */
};

FIXTURE_VARIANT_ADD(userns, level0) {
	.depth = 0,
};

FIXTURE_VARIANT_ADD(userns, level1) {
	.depth = 1,
};

FIXTURE_SETUP(userns)
{
	cwp_require(_metadata);
	if (_metadata->exit_code)
		return;
	self->pid0 = cwp_free_pid();
	ASSERT_LT(0, self->pid0);
}

FIXTURE_TEARDOWN(userns)
{
}

/*
 * Run as the init of a pid namespace at level d + 1 that a user namespace
 * of ours owns: pids can be chosen there, but not at level d or above.
 */
static void owner_inside(struct __test_metadata *_metadata, pid_t pid0,
			 int d)
{
	pid_t pids[CWP_MAX_PIDS] = { 0 };
	struct target_pid_set set = { d + 2, pids };
	struct cwp_child c;

	pids[d + 1] = 50;
	ASSERT_EQ(0, cwp_spawn(&c, SIGCHLD, NULL, &set));
	EXPECT_EQ(50, c.pid);
	cwp_check_nspid(_metadata, &c.rep, pids, d + 2);
	EXPECT_EQ(0, cwp_release(&c));

	pids[d] = d ? 151 : pid0;
	EXPECT_EQ(-EPERM, cwp_clone_err(SIGCHLD, NULL, &set));
	pids[d] = 0;
	/* Allowed, so now it is about the pid: this process is pid 1. */
	pids[d + 1] = 1;
	EXPECT_EQ(-EBUSY, cwp_clone_err(SIGCHLD, NULL, &set));
	EXPECT_TRUE(cwp_no_children());
}

static void owner_chooses_only_own_levels(struct __test_metadata *_metadata, int d,
					  const pid_t *pid0)
{
	pid_t pids[CWP_MAX_PIDS] = { 0 };
	struct target_pid_set set = { d + 1, pids };
	pid_t outer = d ? 151 : *pid0;
	struct cwp_child c;
	char byte = 0;
	int hold[2];
	pid_t init;

	become_nobody(_metadata, 0);
	if (unshare(CLONE_NEWUSER | CLONE_NEWPID))
		SKIP(_exit(0), "unprivileged user namespaces: %s",
		     strerror(errno));
	ASSERT_EQ(0, cwp_map_root_to_nobody());

	/*
	 * No init yet, so levels 0 to d: none ours. The parent's
	 * level is refused, an all-zero set makes the init.
	 */
	pids[d] = outer;
	EXPECT_EQ(-EPERM, cwp_clone_err(SIGCHLD, NULL, &set));
	pids[d] = 0;
	ASSERT_EQ(0, pipe(hold));
	init = cwp_clone(SIGCHLD, &set);
	if (init == 0) {
		owner_inside(_metadata, *pid0, d);
		/* The namespace ends with its init: wait for the owner. */
		ASSERT_EQ(1, read(hold[0], &byte, 1));
		_exit(0);
	}
	ASSERT_LT(0, init);

	/* The init is there: level d + 1 now takes an entry. */
	set.num_pids = d + 2;
	pids[d + 1] = 42;
	ASSERT_EQ(0, cwp_spawn(&c, SIGCHLD, NULL, &set));
	cwp_check_nspid(_metadata, &c.rep, pids, d + 2);
	EXPECT_EQ(42, c.rep.getpid);
	EXPECT_EQ(0, cwp_release(&c));

	pids[0] = 43;
	set.num_pids = 1;
	ASSERT_EQ(0, cwp_spawn(&c, SIGCHLD, NULL, &set));
	EXPECT_EQ(43, c.rep.getpid);
	EXPECT_EQ(d + 2, c.rep.nr);
	EXPECT_EQ(0, cwp_release(&c));

	/* Every level is checked before anything is done ... */
	memset(pids, 0, sizeof(pids));
	set.num_pids = d + 2;
	pids[d] = outer;
	pids[d + 1] = 44;
	EXPECT_EQ(-EPERM, cwp_clone_err(SIGCHLD, NULL, &set));
	/* ... so 44 was not taken. */
	pids[d] = 0;
	ASSERT_EQ(0, cwp_spawn(&c, SIGCHLD, NULL, &set));
	EXPECT_EQ(44, c.rep.getpid);
	EXPECT_EQ(0, cwp_release(&c));

	ASSERT_EQ(1, write(hold[1], &byte, 1));
	EXPECT_EQ(0, cwp_wait(init));
}

TEST_F(userns, owner_chooses_only_own_levels)
{
	cwp_run_nested(_metadata, variant->depth, &self->pid0,
		       owner_chooses_only_own_levels);
}

/*
 * The limit is pid_max as it is now, not the most it could be set to
 * (pid_max_max, 4194304 on 64-bit kernels). With /proc/sys/kernel/pid_max
 * lowered, a pid at or above it is EINVAL before anything else is looked
 * at: before the capability check (EPERM) and before a pid in use at
 * another level (EBUSY), which only alloc_pid() could see.
 */
#define LOW_PID_MAX 4096

/* Write @value to /proc/sys/kernel/pid_max: 0 or -errno. */
static int set_pid_max(int value)
{
	/* Not relative to cwp_proc0: this also runs in the harness' process. */
	return cwp_write_file("/proc/sys/kernel/pid_max", "%d", value);
}

FIXTURE(pid_max) {
	int saved;	/* pid_max before the test, 0 when not changed */
};

FIXTURE_SETUP(pid_max)
{
	cwp_require(_metadata);
	if (_metadata->exit_code)
		return;
	if (cwp_pid_max <= LOW_PID_MAX)
		SKIP(return, "pid_max is %d already", cwp_pid_max);
	/* Last: a setup that fails after this would not be torn down. */
	ASSERT_EQ(0, set_pid_max(LOW_PID_MAX));
	self->saved = cwp_pid_max;
}

/* In the harness' process, as root, however the test ended. */
FIXTURE_TEARDOWN_PARENT(pid_max)
{
	if (self->saved)
		EXPECT_EQ(0, set_pid_max(self->saved));
}

TEST_F(pid_max, lowered)
{
	pid_t pids[] = { LOW_PID_MAX };
	struct target_pid_set set = { 1, pids };
	pid_t pid;

	EXPECT_EQ(-EINVAL, cwp_clone_err(SIGCHLD, NULL, &set));
	/* Below the old limit, above the new one. */
	pids[0] = self->saved - 1;
	EXPECT_EQ(-EINVAL, cwp_clone_err(SIGCHLD, NULL, &set));
	EXPECT_TRUE(cwp_no_children());

	/* In a new pid namespace, where LOW_PID_MAX - 1 is surely free. */
	pid = cwp_fork_nested(1);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		pid_t nested[] = { 0, LOW_PID_MAX - 1 };
		struct cwp_child c;

		set.num_pids = 2;
		set.target_pids = nested;
		ASSERT_EQ(0, cwp_spawn(&c, SIGCHLD, NULL, &set));
		EXPECT_EQ(LOW_PID_MAX - 1, c.pid);
		cwp_check_nspid(_metadata, &c.rep, nested, 2);
		EXPECT_EQ(0, cwp_release(&c));

		nested[1] = LOW_PID_MAX;
		EXPECT_EQ(-EINVAL, cwp_clone_err(SIGCHLD, NULL, &set));
		/* Not EBUSY for pid 1 of level 1 (this process). */
		nested[0] = LOW_PID_MAX;
		nested[1] = 1;
		EXPECT_EQ(-EINVAL, cwp_clone_err(SIGCHLD, NULL, &set));
		nested[0] = 0;
		EXPECT_EQ(-EBUSY, cwp_clone_err(SIGCHLD, NULL, &set));
		EXPECT_TRUE(cwp_no_children());
		_exit(0);
	}
	EXPECT_EQ(0, cwp_wait(pid));
}

static void lowered_einval_before_eperm(struct __test_metadata *_metadata,
					int d, const pid_t *pid0)
{
	pid_t pids[] = { 0, LOW_PID_MAX };
	struct target_pid_set set = { 2, pids };

	become_nobody(_metadata, 0);
	EXPECT_EQ(-EINVAL, cwp_clone_err(SIGCHLD, NULL, &set));
	pids[0] = LOW_PID_MAX;
	pids[1] = 0;
	EXPECT_EQ(-EINVAL, cwp_clone_err(SIGCHLD, NULL, &set));
	/* Below the limit, the pid is allowed: now it is EPERM. */
	pids[0] = LOW_PID_MAX - 1;
	EXPECT_EQ(-EPERM, cwp_clone_err(SIGCHLD, NULL, &set));
	pids[0] = 0;
	pids[1] = LOW_PID_MAX - 1;
	EXPECT_EQ(-EPERM, cwp_clone_err(SIGCHLD, NULL, &set));
	EXPECT_TRUE(cwp_no_children());
}

TEST_F(pid_max, lowered_einval_before_eperm)
{
	cwp_run_nested(_metadata, 1, NULL, lowered_einval_before_eperm);
}

TEST_HARNESS_MAIN
