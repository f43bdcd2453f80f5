/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The helper layer of the clone_with_pids() selftests and of the stress
 * programs in hardening/: the system call (its number from the kernel
 * headers only), NSpid, reaping, chains of nested pid namespaces, a
 * private /proc, capabilities, and output through kselftest.h.
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
 * behind. The harness' own helpers are in clone_with_pids_harness.h.
 */
#ifndef _CLONE_WITH_PIDS_SELFTESTS_H
#define _CLONE_WITH_PIDS_SELFTESTS_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <asm/unistd.h>
#include <linux/capability.h>
#include <linux/clone_with_pids.h>
#include <linux/sched.h>
#include <linux/types.h>

#include "../kselftest.h"

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

#ifndef CAP_CHECKPOINT_RESTORE
#define CAP_CHECKPOINT_RESTORE 40
#endif

#ifndef __WALL
#define __WALL 0x40000000
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

/* The unprivileged uid and gid the tests become. */
#define CWP_NOBODY 65534

#define CWP_CAP(cap) (1ULL << (cap))

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

/*
 * Wait for a child (of any kind): its exit status, 128 + the signal that
 * killed it, or -errno.
 */
static inline int cwp_wait(pid_t pid)
{
	int status;
	pid_t ret;

	do {
		ret = waitpid(pid, &status, __WALL);
	} while (ret < 0 && errno == EINTR);
	if (ret < 0)
		return -errno;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return -EINVAL;
}

/* Reap every child left; returns how many there were. */
static inline int cwp_reap_all(void)
{
	int n = 0;

	for (;;) {
		if (waitpid(-1, NULL, __WALL) > 0)
			n++;
		else if (errno != EINTR)
			return n;
	}
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

/* The NSpid line of /proc/@pid/status: pids from level 0 on, or -errno. */
static inline int cwp_nspid_of(pid_t pid, pid_t *pids, int max)
{
	char path[32];

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	return cwp_read_nspid(AT_FDCWD, path, pids, max);
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
 * A chain of nested pid namespaces, levels 1..depth, each held open by a
 * holder process that is its pid 1 and reaps its orphans. fd[i] opens the
 * namespace at level i, fd[0] the caller's own one. Unlike
 * cwp_fork_nested(), the caller stays where it is and runs work at any
 * level of the chain with cwp_spawn_at().
 */
struct cwp_ns_chain {
	int depth;
	pid_t holder[CWP_MAX_LEVEL + 1];	/* level-0 pids, [0] unused */
	int fd[CWP_MAX_LEVEL + 1];
};

static inline void cwp_chain_wake(int sig)
{
}

/*
 * Holder of level 1, and through its children of every deeper level: each
 * is pid 1 of its namespace. It publishes its level-0 pid, makes the next
 * level, then reaps whatever is reparented to it until it is killed (with
 * the whole chain, by killing level 1).
 */
static inline void cwp_chain_holder(int depth, pid_t *pids, int ready)
{
	char self[32] = "";
	int level = 1;
	ssize_t n;
	pid_t ret;

	for (;;) {
		n = readlink("/proc/self", self, sizeof(self) - 1);
		pids[level] = n > 0 ? atoi(self) : -1;
		if (level == depth) {
			if (write(ready, "R", 1) < 0)
				_exit(1);
			break;
		}
		ret = cwp_fork_newpid();
		if (ret == 0) {
			level++;
			continue;
		}
		if (ret < 0 && write(ready, "E", 1) < 0)
			_exit(1);
		break;
	}
	close(ready);
	/*
	 * Orphans are reparented here; SIGCHLD cuts the nap short, the nap
	 * catches those that exit with another signal or none.
	 */
	signal(SIGCHLD, cwp_chain_wake);
	for (;;) {
		while (waitpid(-1, NULL, __WALL | WNOHANG) > 0)
			;
		sleep(1);
	}
}

static inline void cwp_chain_destroy(struct cwp_ns_chain *c)
{
	int i;

	if (c->holder[1] > 0) {
		/* pid 1 of level 1 going takes every deeper level with it */
		kill(c->holder[1], SIGKILL);
		cwp_wait(c->holder[1]);
	}
	for (i = 0; i <= CWP_MAX_LEVEL; i++)
		if (c->fd[i] >= 0)
			close(c->fd[i]);
	memset(c, 0, sizeof(*c));
}

static inline int cwp_chain_start(struct cwp_ns_chain *c, int depth,
				  pid_t *pids)
{
	char path[64], status = 0;
	int pipefd[2], i;
	pid_t ret;

	if (depth < 1 || depth > CWP_MAX_LEVEL || c->fd[0] < 0 ||
	    pipe2(pipefd, O_CLOEXEC))
		return -1;
	ret = cwp_fork_newpid();
	if (ret == 0) {
		/* Dies with its creator, and takes the chain with it. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(pipefd[0]);
		cwp_chain_holder(depth, pids, pipefd[1]);
	}
	close(pipefd[1]);
	if (ret < 0) {
		close(pipefd[0]);
		return -1;
	}
	c->holder[1] = ret;
	if (read(pipefd[0], &status, 1) != 1 || status != 'R') {
		close(pipefd[0]);
		kill(ret, SIGKILL);
		cwp_wait(ret);
		return -1;
	}
	close(pipefd[0]);
	c->depth = depth;
	for (i = 1; i <= depth; i++) {
		c->holder[i] = pids[i];
		snprintf(path, sizeof(path), "/proc/%d/ns/pid", pids[i]);
		c->fd[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (c->fd[i] < 0) {
			cwp_chain_destroy(c);
			return -1;
		}
	}
	return 0;
}

/* Make a chain of @depth levels below the caller's: 0, or -1. */
static inline int cwp_chain_create(struct cwp_ns_chain *c, int depth)
{
	size_t size = sizeof(pid_t) * (CWP_MAX_LEVEL + 1);
	pid_t *pids;
	int i, ret;

	memset(c, 0, sizeof(*c));
	for (i = 0; i <= CWP_MAX_LEVEL; i++)
		c->fd[i] = -1;
	c->fd[0] = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
	pids = mmap(NULL, size, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (pids == MAP_FAILED)
		return -1;
	ret = cwp_chain_start(c, depth, pids);
	munmap(pids, size);
	return ret;
}

enum cwp_spawn_mode {
	/* the worker lives in the namespace: its own level is the level */
	CWP_SPAWN_NATIVE,
	/* the worker stays at level 0 and setns()es its children's namespace */
	CWP_SPAWN_SETNS,
};

/* Runs fn(arg) in a child at @level; returns the child's level-0 pid. */
static inline pid_t cwp_spawn_at(struct cwp_ns_chain *c, int level,
				 enum cwp_spawn_mode mode,
				 int (*fn)(void *), void *arg)
{
	bool enter = level > 0 && mode == CWP_SPAWN_NATIVE;
	pid_t pid;

	if (enter && setns(c->fd[level], CLONE_NEWPID))
		return -1;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0) {
		if (level > 0 && mode == CWP_SPAWN_SETNS &&
		    setns(c->fd[level], CLONE_NEWPID))
			_exit(125);
		_exit(fn(arg));
	}
	/* Back to our own namespace for the children that follow. */
	if (enter && setns(c->fd[0], CLONE_NEWPID)) {
		ksft_print_msg("setns back to level 0: %s\n", strerror(errno));
		abort();
	}
	return pid;
}

/*
 * Set the effective and permitted capabilities with capset(2) directly,
 * rather than with libcap, so that the tests build for ia32 as well,
 * where libcap is rarely installed. 0 or -errno.
 */
static inline int cwp_caps_set(__u64 effective, __u64 permitted)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2] = { { 0 } };

	data[0].effective = (__u32)effective;
	data[0].permitted = (__u32)permitted;
	data[1].effective = (__u32)(effective >> 32);
	data[1].permitted = (__u32)(permitted >> 32);
	return syscall(SYS_capset, &hdr, data) ? -errno : 0;
}

/* The caller's effective capabilities; @permitted, if given, gets those. */
static inline __u64 cwp_caps_get(__u64 *permitted)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2] = { { 0 } };

	if (syscall(SYS_capget, &hdr, data))
		return 0;
	if (permitted)
		*permitted = data[0].permitted |
			     (__u64)data[1].permitted << 32;
	return data[0].effective | (__u64)data[1].effective << 32;
}

/* Become nobody, keeping only the capabilities @keep: 0 or -errno. */
static inline int cwp_drop_to_nobody(__u64 keep)
{
	/* Keep the permitted set across setresuid(), for capset(). */
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0))
		return -errno;
	if (setgroups(0, NULL) ||
	    setresgid(CWP_NOBODY, CWP_NOBODY, CWP_NOBODY) ||
	    setresuid(CWP_NOBODY, CWP_NOBODY, CWP_NOBODY))
		return -errno;
	if (cwp_caps_set(keep, keep))
		return -errno;
	/*
	 * Changing uid made the process non-dumpable, which makes its
	 * /proc files root's: it could not write its own uid_map.
	 */
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0))
		return -errno;
	return 0;
}

/* Write printf-style text to a file, in one write: 0 or -errno. */
static inline __printf(2, 3) int cwp_write_file(const char *path,
						const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int fd, len, ret = 0;

	va_start(ap, fmt);
	len = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (len < 0 || len >= (int)sizeof(buf))
		return -EINVAL;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, buf, len) != len)
		ret = -errno;
	close(fd);
	return ret;
}

/* The number a file starts with, or -1. */
static inline long cwp_read_long(const char *path)
{
	char buf[64] = "";
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? strtol(buf, NULL, 0) : -1;
}

/*
 * In a user namespace just made by nobody: map root in it to nobody
 * outside. 0 or -errno.
 */
static inline int cwp_map_root_to_nobody(void)
{
	int ret;

	ret = cwp_write_file("/proc/self/uid_map", "0 %d 1", CWP_NOBODY);
	if (!ret)
		ret = cwp_write_file("/proc/self/setgroups", "deny");
	if (!ret)
		ret = cwp_write_file("/proc/self/gid_map", "0 %d 1",
				     CWP_NOBODY);
	return ret;
}

/* Shared anonymous memory, visible to forked children; NULL on failure. */
static inline void *cwp_shared_alloc(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* "EBUSY" for EBUSY or -EBUSY. */
static inline const char *
cwp_errname(long err)
{
	const char *name;

	if (err < 0)
		err = -err;
	name = strerrorname_np(err);
	return name ? name : "E?";
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

#endif /* _CLONE_WITH_PIDS_SELFTESTS_H */
