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
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>

#include "../kselftest_harness.h"
#include "clone_with_pids_selftests.h"

#ifndef CAP_CHECKPOINT_RESTORE
#define CAP_CHECKPOINT_RESTORE 40
#endif

#define CAP(cap) (1ULL << (cap))
#define NOBODY 65534

/* Set the effective and permitted capabilities to @caps. */
static int set_caps(__u64 caps)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2] = { { 0 } };

	data[0].effective = (__u32)caps;
	data[0].permitted = (__u32)caps;
	data[1].effective = (__u32)(caps >> 32);
	data[1].permitted = (__u32)(caps >> 32);
	return syscall(SYS_capset, &hdr, data) ? -errno : 0;
}

/* The capabilities the caller has, effective ones. */
static __u64 get_caps(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2] = { { 0 } };

	if (syscall(SYS_capget, &hdr, data))
		return 0;
	return data[0].effective | (__u64)data[1].effective << 32;
}

/* Become nobody, keeping only the capabilities @keep. */
static int drop_to_nobody(__u64 keep)
{
	/* Keep the permitted set across setresuid(), for capset(). */
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0))
		return -errno;
	if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY))
		return -errno;
	if (set_caps(keep))
		return -errno;
	/*
	 * Changing uid made the process non-dumpable, which makes its
	 * /proc files root's: it could not write its own uid_map.
	 */
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0))
		return -errno;
	return 0;
}

static int write_file(const char *path, const char *text)
{
	ssize_t len = strlen(text);
	int fd, ret = 0;

	fd = openat(cwp_proc0, path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, text, len) != len)
		ret = -errno;
	close(fd);
	return ret;
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

TEST_F(caps, checkpoint_restore_only)
{
	pid_t pid;

	pid = cwp_fork_nested(variant->depth);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		ASSERT_EQ(0, drop_to_nobody(CAP(CAP_CHECKPOINT_RESTORE)));
		ASSERT_EQ(CAP(CAP_CHECKPOINT_RESTORE), get_caps());
		expect_success(_metadata, self->pid0, variant->depth);
		_exit(0);
	}
	EXPECT_EQ(0, cwp_wait(pid));
}

TEST_F(caps, sys_admin_only)
{
	pid_t pid;

	pid = cwp_fork_nested(variant->depth);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		ASSERT_EQ(0, drop_to_nobody(CAP(CAP_SYS_ADMIN)));
		ASSERT_EQ(CAP(CAP_SYS_ADMIN), get_caps());
		expect_success(_metadata, self->pid0, variant->depth);
		_exit(0);
	}
	EXPECT_EQ(0, cwp_wait(pid));
}

TEST_F(caps, no_caps_eperm)
{
	pid_t pid;

	pid = cwp_fork_nested(variant->depth);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		ASSERT_EQ(0, drop_to_nobody(0));
		ASSERT_EQ(0, get_caps());
		expect_eperm(_metadata, self->pid0, variant->depth);
		_exit(0);
	}
	EXPECT_EQ(0, cwp_wait(pid));
}

TEST_F(caps, root_without_the_two_caps_eperm)
{
	pid_t pid;

	/* uid 0 and every other capability do not make up for them. */
	pid = cwp_fork_nested(variant->depth);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		__u64 caps = get_caps();

		caps &= ~(CAP(CAP_SYS_ADMIN) | CAP(CAP_CHECKPOINT_RESTORE));
		ASSERT_EQ(0, set_caps(caps));
		ASSERT_EQ(0, getuid());
		expect_eperm(_metadata, self->pid0, variant->depth);
		_exit(0);
	}
	EXPECT_EQ(0, cwp_wait(pid));
}

TEST_F(caps, no_caps_clone_without_pids)
{
	pid_t pid;

	pid = cwp_fork_nested(variant->depth);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int d = variant->depth;
		pid_t pids[CWP_MAX_PIDS] = { 0 };
		struct target_pid_set set = { 0, pids };
		struct cwp_child c;

		ASSERT_EQ(0, drop_to_nobody(0));

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
		_exit(0);
	}
	EXPECT_EQ(0, cwp_wait(pid));
}

TEST_F(caps, no_caps_precedence)
{
	pid_t pid;

	pid = cwp_fork_nested(variant->depth);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int d = variant->depth;
		pid_t pids[CWP_MAX_PIDS + 1] = { 0 };
		struct target_pid_set set = { d + 1, pids };
		pid_t *unmapped;

		unmapped = mmap(NULL, getpagesize(), PROT_NONE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		ASSERT_TRUE(unmapped != MAP_FAILED);
		ASSERT_EQ(0, drop_to_nobody(0));

		/* The set is checked before the capabilities. */
		set.num_pids = d + 2;
		pids[d] = pid_at(self->pid0, d);
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
		_exit(0);
	}
	EXPECT_EQ(0, cwp_wait(pid));
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
TEST_F(caps, no_caps_eperm_before_eagain)
{
	pid_t pid;

	pid = cwp_fork_nested(variant->depth);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int d = variant->depth, level;
		pid_t pids[CWP_MAX_PIDS] = { 0 };
		struct target_pid_set set = { d + 1, pids };

		ASSERT_EQ(0, drop_to_nobody(0));
		ASSERT_EQ(0, get_caps());
		ASSERT_EQ(0, set_nproc(true));

		/* The limit is effective. */
		EXPECT_EQ(-EAGAIN, clone_err(SIGCHLD));
		EXPECT_EQ(-EAGAIN, cwp_clone_err(SIGCHLD, NULL, NULL));
		EXPECT_EQ(-EAGAIN, cwp_clone_err(SIGCHLD, NULL, &set));

		/* A pid at any one level, or at all of them: EPERM first. */
		for (level = 0; level <= d; level++) {
			memset(pids, 0, sizeof(pids));
			pids[level] = pid_at(self->pid0, level);
			EXPECT_EQ(-EPERM, cwp_clone_err(SIGCHLD, NULL, &set))
				TH_LOG("pid chosen at level %d", level);
		}
		for (level = 0; level <= d; level++)
			pids[level] = pid_at(self->pid0, level);
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
		EXPECT_FALSE(cwp_pid0_in_use(self->pid0));
		_exit(0);
	}
	EXPECT_EQ(0, cwp_wait(pid));
}

/*
 * With CAP_CHECKPOINT_RESTORE alone (which does not lift RLIMIT_NPROC),
 * the check passes and the call then fails as clone() would, with
 * EAGAIN, keeping nothing; under the old limit the same set succeeds.
 */
TEST_F(caps, checkpoint_restore_then_eagain)
{
	pid_t pid;

	pid = cwp_fork_nested(variant->depth);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int d = variant->depth, level;
		pid_t pids[CWP_MAX_PIDS] = { 0 };
		struct target_pid_set set = { d + 1, pids };

		ASSERT_EQ(0, drop_to_nobody(CAP(CAP_CHECKPOINT_RESTORE)));
		ASSERT_EQ(CAP(CAP_CHECKPOINT_RESTORE), get_caps());
		ASSERT_EQ(0, set_nproc(true));

		for (level = 0; level <= d; level++)
			pids[level] = pid_at(self->pid0, level);
		EXPECT_EQ(-EAGAIN, clone_err(SIGCHLD));
		EXPECT_EQ(-EAGAIN, cwp_clone_err(SIGCHLD, NULL, &set));
		EXPECT_TRUE(cwp_no_children());
		EXPECT_FALSE(cwp_pid0_in_use(self->pid0));

		ASSERT_EQ(0, set_nproc(false));
		expect_success(_metadata, self->pid0, d);
		_exit(0);
	}
	EXPECT_EQ(0, cwp_wait(pid));
}

TEST_F(caps, newuser_in_same_call_does_not_count)
{
	pid_t pid;

	pid = cwp_fork_nested(variant->depth);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int d = variant->depth;
		pid_t pids[CWP_MAX_PIDS] = { 0 };
		struct target_pid_set set = { d + 1, pids };
		int ret;

		ASSERT_EQ(0, drop_to_nobody(0));
		/* Is CLONE_NEWUSER allowed to nobody at all? */
		ret = cwp_clone(SIGCHLD | CLONE_NEWUSER, NULL);
		if (ret == 0)
			_exit(0);
		if (ret < 0)
			SKIP(_exit(0), "unprivileged CLONE_NEWUSER: %s",
			     strerror(errno));
		EXPECT_EQ(0, cwp_wait(ret));

		/* The capabilities are the caller's, not the child's. */
		pids[d] = pid_at(self->pid0, d);
		EXPECT_EQ(-EPERM, cwp_clone_err(SIGCHLD | CLONE_NEWUSER, NULL,
						&set));
		EXPECT_TRUE(cwp_no_children());
		_exit(0);
	}
	EXPECT_EQ(0, cwp_wait(pid));
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
TEST_F(caps, clone3_set_tid_no_caps_eperm)
{
	pid_t pid;

	pid = cwp_fork_nested(variant->depth);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int d = variant->depth;
		pid_t set_tid[CWP_MAX_PIDS];

		ASSERT_EQ(0, drop_to_nobody(0));
		ASSERT_EQ(0, get_caps());
		ASSERT_EQ(NOBODY, geteuid());
		fill_set_tid(set_tid, self->pid0, d);
		/* The youngest level only, then every level. */
		EXPECT_EQ(-EPERM, cwp_clone3_err(set_tid, 1));
		EXPECT_EQ(-EPERM, cwp_clone3_err(set_tid, d + 1));
		EXPECT_TRUE(cwp_no_children());
		EXPECT_FALSE(cwp_pid0_in_use(self->pid0));
		_exit(0);
	}
	EXPECT_EQ(0, cwp_wait(pid));
}

TEST_F(caps, clone3_set_tid_checkpoint_restore_only)
{
	pid_t pid;

	pid = cwp_fork_nested(variant->depth);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int d = variant->depth, level;
		pid_t pids[CWP_MAX_PIDS] = { 0 };
		pid_t set_tid[CWP_MAX_PIDS];
		struct cwp_child c;

		ASSERT_EQ(0, drop_to_nobody(CAP(CAP_CHECKPOINT_RESTORE)));
		ASSERT_EQ(CAP(CAP_CHECKPOINT_RESTORE), get_caps());
		ASSERT_EQ(NOBODY, geteuid());

		/* Every level: exactly those pids, from level 0 down. */
		for (level = 0; level <= d; level++)
			pids[level] = pid_at(self->pid0, level);
		fill_set_tid(set_tid, self->pid0, d);
		ASSERT_EQ(0, cwp_spawn_clone3(&c, set_tid, d + 1));
		EXPECT_EQ(pids[d], c.pid);
		cwp_check_nspid(_metadata, &c.rep, pids, d + 1);
		EXPECT_EQ(0, cwp_release(&c));

		/* The youngest level only: the older ones are the kernel's. */
		memset(pids, 0, sizeof(pids));
		pids[d] = pid_at(self->pid0, d);
		ASSERT_EQ(0, cwp_spawn_clone3(&c, set_tid, 1));
		EXPECT_EQ(pids[d], c.pid);
		cwp_check_nspid(_metadata, &c.rep, pids, d + 1);
		EXPECT_EQ(0, cwp_release(&c));
		_exit(0);
	}
	EXPECT_EQ(0, cwp_wait(pid));
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

TEST_F(userns, owner_chooses_only_own_levels)
{
	int d = variant->depth;
	pid_t pid;

	pid = cwp_fork_nested(d);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		pid_t pids[CWP_MAX_PIDS] = { 0 };
		struct target_pid_set set = { d + 1, pids };
		pid_t outer = d ? 151 : self->pid0;
		struct cwp_child c;
		char map[32], byte = 0;
		int hold[2];
		pid_t init;

		ASSERT_EQ(0, drop_to_nobody(0));
		if (unshare(CLONE_NEWUSER | CLONE_NEWPID))
			SKIP(_exit(0), "unprivileged user namespaces: %s",
			     strerror(errno));
		snprintf(map, sizeof(map), "0 %d 1", NOBODY);
		ASSERT_EQ(0, write_file("self/uid_map", map));
		ASSERT_EQ(0, write_file("self/setgroups", "deny"));
		ASSERT_EQ(0, write_file("self/gid_map", map));

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
			owner_inside(_metadata, self->pid0, d);
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
		_exit(0);
	}
	EXPECT_EQ(0, cwp_wait(pid));
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
	char text[16];
	int fd, ret = 0;
	ssize_t len;

	/* Not cwp_proc0: this also runs in the harness' process. */
	fd = open("/proc/sys/kernel/pid_max", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	len = snprintf(text, sizeof(text), "%d", value);
	if (write(fd, text, len) != len)
		ret = -errno;
	close(fd);
	return ret;
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

TEST_F(pid_max, lowered_einval_before_eperm)
{
	pid_t pid;

	pid = cwp_fork_nested(1);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		pid_t pids[] = { 0, LOW_PID_MAX };
		struct target_pid_set set = { 2, pids };

		ASSERT_EQ(0, drop_to_nobody(0));
		ASSERT_EQ(0, get_caps());
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
		_exit(0);
	}
	EXPECT_EQ(0, cwp_wait(pid));
}

TEST_HARNESS_MAIN
