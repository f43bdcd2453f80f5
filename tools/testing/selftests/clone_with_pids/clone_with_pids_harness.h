/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The clone_with_pids() selftests' helpers that use the kselftest
 * harness (TEST_F() and its checks), on top of the helper layer that the
 * hardening programs share, clone_with_pids_selftests.h.
 */
#ifndef _CLONE_WITH_PIDS_HARNESS_H
#define _CLONE_WITH_PIDS_HARNESS_H

#include "../kselftest_harness.h"
#include "clone_with_pids_selftests.h"

/* Check a child's NSpid, from level 0; a wanted 0 matches any pid. */
static inline void cwp_check_nspid(struct __test_metadata *_metadata,
				   const struct cwp_report *rep,
				   const pid_t *want, int nr)
{
	int level;

	ASSERT_EQ(nr, rep->nr);
	for (level = 0; level < nr; level++) {
		if (want[level]) {
			EXPECT_EQ(want[level], rep->nspid[level])
				TH_LOG("pid at level %d", level);
		} else {
			EXPECT_LT(0, rep->nspid[level])
				TH_LOG("pid at level %d", level);
		}
	}
	/* The child's own pid is the one of its youngest level. */
	EXPECT_EQ(rep->nspid[nr - 1], rep->getpid);
}

/*
 * For FIXTURE_SETUP(): skip unless the test can run, and set up what the
 * helpers need. clone_with_pids() is probed with a NULL set, which is
 * plain clone() and must succeed. ENOSYS skips only when the kernel has no
 * clone_with_pids() entry point at all; a kernel that has one and fails
 * the call in any way fails the test.
 */
static inline void cwp_require(struct __test_metadata *_metadata)
{
	pid_t pids[CWP_MAX_PIDS];
	char buf[32] = "";
	struct stat st;
	pid_t pid;
	int fd, nr, err;

	if (geteuid())
		SKIP(return, "clone_with_pids() tests need root");
	if (stat("/proc/self/ns/pid", &st) || st.st_ino != CWP_INIT_PID_NS_INO)
		SKIP(return, "needs to run in the initial pid namespace");
	cwp_proc0 = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_LE(0, cwp_proc0);
	nr = cwp_read_nspid(cwp_proc0, "self/status", pids, CWP_MAX_PIDS);
	if (nr != 1 || pids[0] != getpid())
		SKIP(return, "/proc is not the initial pid namespace's");

	pid = cwp_clone(SIGCHLD, NULL);
	if (pid == 0)
		_exit(0);
	if (pid < 0) {
		err = errno;
		if (err == ENOSYS && !cwp_kernel_has_syscall())
			SKIP(return, "the kernel has no clone_with_pids()");
		ASSERT_LE(0, pid)
			TH_LOG("clone_with_pids(NULL set), syscall %d: %s",
			       __NR_clone_with_pids, strerror(err));
	}
	ASSERT_EQ(0, cwp_wait(pid));

	fd = open("/proc/sys/kernel/pid_max", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_LT(0, read(fd, buf, sizeof(buf) - 1));
	close(fd);
	cwp_pid_max = atoi(buf);
	ASSERT_LT(1000, cwp_pid_max);
}

/*
 * The body of a test that runs in a process at level @d, given the free
 * pids of the initial pid namespace that its fixture found.
 */
typedef void (*cwp_nested_fn)(struct __test_metadata *_metadata, int d,
			      const pid_t *pid0);

/*
 * Run @fn in a process at level @d (see cwp_fork_nested()) and wait for
 * it: the checks @fn makes there are the test's.
 */
static inline void cwp_run_nested(struct __test_metadata *_metadata, int d,
				  const pid_t *pid0, cwp_nested_fn fn)
{
	pid_t pid;

	pid = cwp_fork_nested(d);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		fn(_metadata, d, pid0);
		_exit(0);
	}
	EXPECT_EQ(0, cwp_wait(pid));
}

#endif /* _CLONE_WITH_PIDS_HARNESS_H */
