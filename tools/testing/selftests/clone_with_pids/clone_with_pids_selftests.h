/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the clone_with_pids() selftests.
 *
 * The tests run as root in the initial pid namespace, with /proc mounted
 * for that namespace, as kselftests normally are. Pid namespace levels are
 * therefore absolute: the test process is at level 0, and a process made
 * by cwp_fork_nested(d) is at level d.
 *
 * Every process a test makes either runs the harness' checks itself (the
 * metadata of TEST_F() is shared memory, so a failed check in any
 * descendant fails the test) or reports what it saw through a pipe. Every
 * process is waited for by its parent, so that a test leaves nothing
 * behind.
 */
#ifndef _CLONE_WITH_PIDS_SELFTESTS_H
#define _CLONE_WITH_PIDS_SELFTESTS_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <asm/unistd.h>
#include <linux/clone_with_pids.h>
#include <linux/sched.h>

#include "../kselftest_harness.h"

/*
 * The number comes from the headers of the kernel under test (make
 * KHDR_INCLUDES=-isystem <build>/usr/include), never from a guess: a number
 * that means clone_with_pids() on one kernel may be another call on the next.
 */
#ifndef __NR_clone_with_pids
#error "no __NR_clone_with_pids in <asm/unistd.h>: use the patched kernel's KHDR_INCLUDES"
#endif

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif

#ifndef __NR_clone3
#define __NR_clone3 435
#endif

/* Levels 0 to MAX_PID_NS_LEVEL (32), so at most 33 pids. */
#define CWP_MAX_LEVEL 32
#define CWP_MAX_PIDS (CWP_MAX_LEVEL + 1)

/* The inode number of the initial pid namespace (PROC_PID_INIT_INO). */
#define CWP_INIT_PID_NS_INO 0xEFFFFFFCU

/*
 * How long a process waits for another one to report. Far below the
 * harness' timeout, so that a lost child fails with a message instead.
 */
#define CWP_TIMEOUT_MS 10000

/* Exit status of a process of cwp_fork_nested() that could not fork. */
#define CWP_EXIT_SETUP 99

/* /proc of the initial pid namespace, opened before any unshare(). */
static int cwp_proc0 = -1;
/* /proc/sys/kernel/pid_max */
static int cwp_pid_max;

static inline pid_t sys_clone_with_pids(unsigned long flags, void *stack,
					int *parent_tid, int *child_tid,
					unsigned long tls,
					struct target_pid_set *pid_set)
{
	/* What is buffered now must not be written twice. */
	fflush(stdout);
	fflush(stderr);
	return syscall(__NR_clone_with_pids, flags, stack, parent_tid,
		       child_tid, tls, pid_set);
}

/* Like fork(): no new stack, so the child returns 0 from here. */
static inline pid_t cwp_clone(unsigned long flags,
			      struct target_pid_set *pid_set)
{
	return sys_clone_with_pids(flags, NULL, NULL, NULL, 0, pid_set);
}

/*
 * The result of a fork()-like call that must fail, as returned by the
 * call: -errno. Should it succeed anyway, the child exits at once, is
 * reaped, and its pid is returned, so that the caller's check fails
 * without the child running the test.
 */
static inline int cwp_failed(pid_t pid)
{
	if (pid == 0)
		_exit(0);
	if (pid < 0)
		return -errno;
	waitpid(pid, NULL, __WALL);
	return pid;
}

/* For a clone_with_pids() that must fail: see cwp_failed(). */
static inline int cwp_clone_err(unsigned long flags, int *parent_tid,
				struct target_pid_set *pid_set)
{
	return cwp_failed(sys_clone_with_pids(flags, NULL, parent_tid, NULL, 0,
					      pid_set));
}

/*
 * clone3() with @args (struct clone_args of the kernel headers, the
 * layout with set_tid, the same for 64-bit and ia32 callers). Like fork()
 * when no stack is given.
 */
static inline pid_t sys_clone3(struct clone_args *args)
{
	fflush(stdout);
	fflush(stderr);
	return syscall(__NR_clone3, args, sizeof(*args));
}

/* clone3() with a set_tid array (youngest level first) and SIGCHLD. */
static inline pid_t cwp_clone3_set_tid(const pid_t *set_tid, size_t size)
{
	struct clone_args args = {
		.exit_signal = SIGCHLD,
		.set_tid = (uintptr_t)set_tid,
		.set_tid_size = size,
	};

	return sys_clone3(&args);
}

/* For a clone3() that must fail: -errno, or the pid it should not have. */
static inline int cwp_clone3_err(const pid_t *set_tid, size_t size)
{
	return cwp_failed(cwp_clone3_set_tid(set_tid, size));
}

/* Wait for a child: its exit status, 128 + the signal that killed it. */
static inline int cwp_wait(pid_t pid)
{
	int status;

	for (;;) {
		if (waitpid(pid, &status, __WALL) == pid)
			break;
		if (errno != EINTR)
			return -errno;
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return -EINVAL;
}

/* True when the caller has no child at all: a failed call made none. */
static inline bool cwp_no_children(void)
{
	return waitpid(-1, NULL, WNOHANG | __WALL) < 0 && errno == ECHILD;
}

static inline int cwp_read_all(int fd, void *buf, size_t len)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t done = 0;
	ssize_t ret;

	while (done < len) {
		ret = poll(&pfd, 1, CWP_TIMEOUT_MS);
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret <= 0)
			return -ETIMEDOUT;
		ret = read(fd, (char *)buf + done, len - done);
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret <= 0)
			return -EIO;
		done += ret;
	}
	return 0;
}

/*
 * Parse the NSpid line of a status file, relative to @dirfd. The line
 * lists the task's pids from the level of that proc instance's pid
 * namespace down to the task's own. Returns the number of pids, or
 * -errno.
 */
static inline int cwp_read_nspid(int dirfd, const char *path, pid_t *pids,
				 int max)
{
	char buf[8192], *p, *end;
	ssize_t len, got = 0;
	int fd, nr = 0;

	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while ((len = read(fd, buf + got, sizeof(buf) - 1 - got)) > 0)
		got += len;
	close(fd);
	if (len < 0)
		return -EIO;
	buf[got] = '\0';

	p = strstr(buf, "\nNSpid:");
	if (!p)
		return -ENOENT;
	p += strlen("\nNSpid:");
	while (nr < max && *p != '\n') {
		long pid = strtol(p, &end, 10);

		if (end == p)
			break;
		pids[nr++] = pid;
		p = end;
	}
	return nr;
}

/* What a child of cwp_spawn() saw of itself. */
struct cwp_report {
	int nr;				/* pids in nspid[], or -errno */
	pid_t nspid[CWP_MAX_PIDS + 1];	/* from level 0 down */
	pid_t getpid;			/* getpid() in the child */
	pid_t ctid;			/* *child_tid, as the child saw it */
};

struct cwp_child {
	pid_t pid;			/* as returned to the caller */
	int hold;			/* a byte written here ends the child */
	struct cwp_report rep;
};

/* How __cwp_spawn() makes its child: a fork()-like call. */
struct cwp_call {
	/* clone_with_pids() */
	unsigned long flags;
	int *parent_tid;
	struct target_pid_set *pid_set;
	/* clone3(), when set_tid is not NULL */
	const pid_t *set_tid;
	size_t set_tid_size;
};

/*
 * Make a child with @call that reports its NSpid (read from the /proc of
 * the initial pid namespace, so every level shows) and then stays alive,
 * holding its pids, until cwp_release(). Returns 0, or -errno of the call,
 * and then there is no child.
 */
static inline int __cwp_spawn(struct cwp_child *c, const struct cwp_call *call)
{
	int rep[2], hold[2], err;
	pid_t ctid = 0;
	char byte;

	memset(c, 0, sizeof(*c));
	if (pipe2(rep, O_CLOEXEC))
		return -errno;
	if (pipe2(hold, O_CLOEXEC)) {
		err = -errno;
		close(rep[0]);
		close(rep[1]);
		return err;
	}

	if (call->set_tid)
		c->pid = cwp_clone3_set_tid(call->set_tid, call->set_tid_size);
	else
		c->pid = sys_clone_with_pids(call->flags, NULL,
					     call->parent_tid, &ctid, 0,
					     call->pid_set);
	if (c->pid == 0) {
		struct cwp_report r = { .getpid = getpid(), .ctid = ctid };

		r.nr = cwp_read_nspid(cwp_proc0, "self/status", r.nspid,
				      CWP_MAX_PIDS + 1);
		if (write(rep[1], &r, sizeof(r)) != sizeof(r))
			_exit(1);
		/* Hold the pids until the parent has looked at them. */
		if (read(hold[0], &byte, 1) < 0)
			_exit(1);
		_exit(0);
	}
	err = errno;
	close(rep[1]);
	close(hold[0]);
	if (c->pid < 0) {
		close(rep[0]);
		close(hold[1]);
		return -err;
	}
	c->hold = hold[1];
	err = cwp_read_all(rep[0], &c->rep, sizeof(c->rep));
	if (err)
		c->rep.nr = err;
	close(rep[0]);
	return 0;
}

/* __cwp_spawn() with clone_with_pids(). */
static inline int cwp_spawn(struct cwp_child *c, unsigned long flags,
			    int *parent_tid, struct target_pid_set *pid_set)
{
	const struct cwp_call call = {
		.flags = flags,
		.parent_tid = parent_tid,
		.pid_set = pid_set,
	};

	return __cwp_spawn(c, &call);
}

/* __cwp_spawn() with clone3() and a set_tid array, youngest level first. */
static inline int cwp_spawn_clone3(struct cwp_child *c, const pid_t *set_tid,
				   size_t size)
{
	const struct cwp_call call = {
		.set_tid = set_tid,
		.set_tid_size = size,
	};

	return __cwp_spawn(c, &call);
}

/* Let a child of cwp_spawn() exit and reap it: its exit status. */
static inline int cwp_release(struct cwp_child *c)
{
	char byte = 0;
	int ret;

	ret = write(c->hold, &byte, 1);
	close(c->hold);
	if (ret != 1)
		return -EIO;
	return cwp_wait(c->pid);
}

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

static inline pid_t cwp_fork_newpid(void)
{
	fflush(stdout);
	fflush(stderr);
	return syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, 0, NULL, NULL, 0);
}

/*
 * Make a chain of @depth new pid namespaces and return 0 in the process at
 * its bottom: pid 1 of the namespace at level @depth (for @depth 0, a plain
 * child). The caller gets the pid of the first process of the chain. Each
 * process in between waits for the next one and exits with its status, so
 * the caller learns how the bottom ended, and when the bottom exits its
 * whole namespace goes with it.
 */
static inline pid_t cwp_fork_nested(int depth)
{
	int level;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = depth ? cwp_fork_newpid() : fork();
	if (pid != 0)
		return pid;
	for (level = 1; level < depth; level++) {
		pid = cwp_fork_newpid();
		if (pid < 0)
			_exit(CWP_EXIT_SETUP);
		if (pid > 0)
			_exit(cwp_wait(pid));
	}
	return 0;
}

/* A pid of the initial pid namespace that nothing uses, below pid_max. */
static inline pid_t cwp_free_pid(void)
{
	static pid_t next;
	char name[16];

	/*
	 * Go down from near pid_max: the kernel hands out pids upwards from
	 * where it last stopped, and choosing a pid does not move that.
	 */
	if (!next)
		next = cwp_pid_max - 100;
	for (; next > 300; next--) {
		snprintf(name, sizeof(name), "%d", next);
		if (faccessat(cwp_proc0, name, F_OK, 0) && errno == ENOENT)
			return next--;
	}
	return -1;
}

/* True when a pid of the initial pid namespace names a task. */
static inline bool cwp_pid0_in_use(pid_t pid)
{
	char name[16];

	snprintf(name, sizeof(name), "%d", pid);
	return !faccessat(cwp_proc0, name, F_OK, 0);
}

/*
 * Give the caller a /proc of its own pid namespace, in a mount namespace
 * of its own, to see pids as the caller sees them.
 */
static inline int cwp_mount_private_proc(void)
{
	if (unshare(CLONE_NEWNS))
		return -errno;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return -errno;
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  NULL))
		return -errno;
	return 0;
}

/*
 * Like cwp_clone(), but for CLONE_THREAD, in clone_with_pids_thread.S: the
 * new thread runs on @stack and touches neither the caller's stack nor its
 * TLS. It stores its gettid() where the word at the top of @stack points,
 * then sleeps until its thread group exits. Returns the tid, or -errno.
 * Weak: NULL in programs without it, and on architectures it lacks.
 */
long cwp_clone_thread(unsigned long flags, void *stack, int *parent_tid,
		      int *child_tid, unsigned long tls,
		      struct target_pid_set *pid_set);
#pragma weak cwp_clone_thread

/*
 * Whether the running kernel has a clone_with_pids() entry point: a strong
 * (T or t) __x64_sys_clone_with_pids, __ia32_sys_clone_with_pids or the
 * like in /proc/kallsyms. With CONFIG_CLONE_WITH_PIDS=n the series leaves
 * only the weak (W) COND_SYSCALL() stub that returns ENOSYS.
 */
static inline bool cwp_kernel_has_syscall(void)
{
	static const char suffix[] = "_sys_clone_with_pids";
	const size_t suffix_len = sizeof(suffix) - 1;
	char line[512], type, name[256];
	bool found = false;
	size_t len;
	FILE *f;

	f = fopen("/proc/kallsyms", "r");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*s %c %255s", &type, name) != 2)
			continue;
		if (type != 'T' && type != 't')
			continue;
		len = strlen(name);
		found = len >= suffix_len &&
			!strcmp(name + len - suffix_len, suffix);
	}
	fclose(f);
	return found;
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

#endif /* _CLONE_WITH_PIDS_SELFTESTS_H */
