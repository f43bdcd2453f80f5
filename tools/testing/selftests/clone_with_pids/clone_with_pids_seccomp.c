// SPDX-License-Identifier: GPL-2.0
/*
 * clone_with_pids() under seccomp: its flags word is a register argument,
 * so a filter can look at it, as it can for clone() but not for clone3(),
 * whose flags are behind a pointer. The filter here is what a container
 * runtime can install: clone_with_pids() only without CLONE_NEWUSER
 * (EPERM otherwise), and clone3() refused outright with ENOSYS, so that
 * libraries fall back to clone().
 *
 * The filter is written out as classic BPF, without libseccomp, so that
 * the test builds for ia32 as well.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <linux/types.h>

#include "clone_with_pids_harness.h"

#if defined(__x86_64__)
#define CWP_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__i386__)
#define CWP_AUDIT_ARCH AUDIT_ARCH_I386
#elif defined(__aarch64__) && !defined(__AARCH64EB__)
#define CWP_AUDIT_ARCH AUDIT_ARCH_AARCH64
#elif defined(__arm__) && !defined(__ARMEB__)
#define CWP_AUDIT_ARCH AUDIT_ARCH_ARM
#else
#error "the filter knows x86_64, i386, aarch64 and arm (little-endian) only"
#endif

/* x32 system calls have this bit set in their numbers. */
#define CWP_X32_SYSCALL_BIT 0x40000000U

/* The low and the high 32 bits of argument 0, on a little-endian CPU. */
#define ARG0_LO offsetof(struct seccomp_data, args[0])
#define ARG0_HI (offsetof(struct seccomp_data, args[0]) + sizeof(__u32))

static struct sock_filter filter[] = {
	/* Another ABI than the one this was built for: kill. */
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, CWP_AUDIT_ARCH, 1, 0),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
#ifdef __x86_64__
	/* x32 shares AUDIT_ARCH_X86_64: refuse its numbers. */
	BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, CWP_X32_SYSCALL_BIT, 0, 1),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
#endif
	/* clone3(): its flags cannot be seen, so it is not there. */
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone3, 0, 1),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone_with_pids, 1, 0),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
#if __SIZEOF_LONG__ == 8
	/* clone_with_pids(): nothing in the upper half of flags ... */
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG0_HI),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
#endif
	/* ... and no CLONE_NEWUSER in the lower one. */
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG0_LO),
	BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, CLONE_NEWUSER, 0, 1),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
};

static int install_filter(void)
{
	struct sock_fprog prog = {
		.len = ARRAY_SIZE(filter),
		.filter = filter,
	};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
		return -errno;
	return 0;
}

/* clone3() with flags and exit signal only: -errno or the reaped pid. */
static int clone3_err(__u64 flags)
{
	struct clone_args args = {
		.flags = flags,
		.exit_signal = SIGCHLD,
	};

	return cwp_failed(sys_clone3(&args));
}

/* With a chosen pid, with or without CLONE_NEWUSER: the child's pid. */
static void check_spawn(struct __test_metadata *_metadata, pid_t pid0,
			unsigned long flags)
{
	pid_t pids[] = { pid0 };
	struct target_pid_set set = { 1, pids };
	struct cwp_child c;

	ASSERT_EQ(0, cwp_spawn(&c, flags, NULL, &set));
	EXPECT_EQ(pid0, c.pid);
	cwp_check_nspid(_metadata, &c.rep, pids, 1);
	EXPECT_EQ(0, cwp_release(&c));
}

FIXTURE(seccomp) {
	pid_t pid0;	/* a free pid of the initial pid namespace */
};

FIXTURE_SETUP(seccomp)
{
	cwp_require(_metadata);
	if (_metadata->exit_code)
		return;
	/* EFAULT (for the NULL program) when seccomp filters exist. */
	if (!prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, NULL) ||
	    errno != EFAULT)
		SKIP(return, "no seccomp filters (CONFIG_SECCOMP_FILTER): %s",
		     strerror(errno));
	self->pid0 = cwp_free_pid();
	ASSERT_LT(0, self->pid0);
}

FIXTURE_TEARDOWN(seccomp)
{
}

TEST_F(seccomp, newuser_filtered_by_flags)
{
	pid_t pid;

	/* Unfiltered, all of this works. */
	check_spawn(_metadata, self->pid0, SIGCHLD);
	check_spawn(_metadata, self->pid0, SIGCHLD | CLONE_NEWUSER);
	EXPECT_LT(0, clone3_err(0));

	/* The filter stays with the process that installs it. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		pid_t pids[] = { self->pid0 };
		struct target_pid_set set = { 1, pids };

		ASSERT_EQ(0, install_filter());

		/* Without CLONE_NEWUSER: allowed, with the chosen pid. */
		check_spawn(_metadata, self->pid0, SIGCHLD);

		/* With it: the filter's EPERM, and nothing made. */
		EXPECT_EQ(-EPERM, cwp_clone_err(SIGCHLD | CLONE_NEWUSER, NULL,
						&set));
		EXPECT_EQ(-EPERM, cwp_clone_err(SIGCHLD | CLONE_NEWUSER |
						CLONE_NEWPID, NULL, NULL));
		EXPECT_TRUE(cwp_no_children());
		EXPECT_FALSE(cwp_pid0_in_use(self->pid0));
#if __SIZEOF_LONG__ == 8
		/* Bits the kernel would refuse (EINVAL): refused first. */
		EXPECT_EQ(-EPERM, cwp_clone_err(SIGCHLD | 1UL << 32, NULL,
						&set));
#endif

		/* clone3() is not there, whatever its flags. */
		EXPECT_EQ(-ENOSYS, clone3_err(0));
		EXPECT_EQ(-ENOSYS, clone3_err(CLONE_NEWUSER));
		EXPECT_TRUE(cwp_no_children());

		/* And the chosen pid is still free to take. */
		check_spawn(_metadata, self->pid0, SIGCHLD);
		_exit(0);
	}
	EXPECT_EQ(0, cwp_wait(pid));
	EXPECT_FALSE(cwp_pid0_in_use(self->pid0));
}

TEST_HARNESS_MAIN
