// SPDX-License-Identifier: GPL-2.0
/*
 * Shared helpers of the clone_with_pids() hardening programs.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "cwp.h"

long cwp_fork(unsigned long flags, const pid_t *pids, int num)
{
	struct target_pid_set set = {
		.num_pids = num,
		.target_pids = (pid_t *)pids,
	};
	long ret;

	fflush(NULL);
	ret = syscall(CWP_NR, flags, 0, NULL, NULL, 0, pids ? &set : NULL);
	return ret < 0 ? -errno : ret;
}

long cwp_spawn(unsigned long flags, const pid_t *pids, int num)
{
	struct target_pid_set set = {
		.num_pids = num,
		.target_pids = (pid_t *)pids,
	};

	return cwp_raw(flags, 0, NULL, NULL, 0, pids ? &set : NULL);
}

int cwp_reap(pid_t pid)
{
	int status;
	pid_t ret;

	do {
		ret = waitpid(pid, &status, __WALL);
	} while (ret < 0 && errno == EINTR);
	if (ret != pid)
		return -1;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

int cwp_reap_all(void)
{
	int n = 0;

	while (waitpid(-1, NULL, __WALL) > 0 || errno == EINTR)
		n++;
	return n;
}

const char *cwp_errname(long err)
{
	const char *name;

	if (err < 0)
		err = -err;
	name = strerrorname_np(err);
	return name ? name : "E?";
}

static int ktap_count, ktap_failed, ktap_planned = -1;

void ktap_plan(int tests)
{
	/* One line per write, also when the output is a pipe or a tty. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("KTAP version 1\n1..%d\n", tests);
	ktap_planned = tests;
}

void ktap_result(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d ", ok ? "" : "not ", ++ktap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!ok)
		ktap_failed++;
}

void ktap_skip(const char *name, const char *reason)
{
	printf("ok %d %s # SKIP %s\n", ++ktap_count, name, reason);
}

int ktap_exit(void)
{
	bool short_plan = ktap_planned >= 0 && ktap_count != ktap_planned;

	diag("%d results, %d failed", ktap_count, ktap_failed);
	/* A program that gives fewer (or more) results than it said fails. */
	if (short_plan)
		diag("FAIL: %d results, but the plan said %d", ktap_count,
		     ktap_planned);
	fflush(stdout);
	return ktap_failed || short_plan ? 1 : 0;
}

u64 rng_next(struct rng *r)
{
	u64 z = (r->state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

u32 rng_below(struct rng *r, u32 n)
{
	return n ? (u32)(rng_next(r) % n) : 0;
}

bool rng_chance(struct rng *r, unsigned int num, unsigned int den)
{
	return rng_below(r, den) < num;
}

u64 seed_from_time(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	/* Small enough to type back in from the log. */
	return ((u64)ts.tv_sec * 1000003u + ts.tv_nsec / 1000) %
	       1000000007u;
}

/*
 * Holder of level 1, and through its children of every deeper level: each
 * is pid 1 of its namespace. It publishes its level-0 pid, makes the next
 * level, then reaps whatever is reparented to it until it is killed (with
 * the whole chain, by killing level 1).
 */
static void wake(int sig)
{
}

static void holder(int depth, pid_t *pids, int ready)
{
	char self[32] = "";
	int level = 1;
	ssize_t n;
	long ret;

	for (;;) {
		n = readlink("/proc/self", self, sizeof(self) - 1);
		pids[level] = n > 0 ? atoi(self) : -1;
		if (level == depth) {
			if (write(ready, "R", 1) < 0)
				_exit(1);
			break;
		}
		ret = syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, 0, 0, 0, 0);
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
	signal(SIGCHLD, wake);
	for (;;) {
		while (waitpid(-1, NULL, __WALL | WNOHANG) > 0)
			;
		sleep(1);
	}
}

static int chain_start(struct ns_chain *c, int depth, pid_t *pids)
{
	char path[64], status = 0;
	int pipefd[2], i;
	long ret;

	if (depth < 1 || depth > CWP_MAX_LEVEL || c->fd[0] < 0 ||
	    pipe2(pipefd, O_CLOEXEC))
		return -1;
	fflush(NULL);
	ret = syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, 0, 0, 0, 0);
	if (ret == 0) {
		/* Dies with its creator, and takes the chain with it. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(pipefd[0]);
		holder(depth, pids, pipefd[1]);
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
		cwp_reap(ret);
		return -1;
	}
	close(pipefd[0]);
	c->depth = depth;
	for (i = 1; i <= depth; i++) {
		c->holder[i] = pids[i];
		snprintf(path, sizeof(path), "/proc/%d/ns/pid", pids[i]);
		c->fd[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (c->fd[i] < 0) {
			chain_destroy(c);
			return -1;
		}
	}
	return 0;
}

int chain_create(struct ns_chain *c, int depth)
{
	pid_t *pids = shared_alloc(sizeof(pid_t) * (CWP_MAX_LEVEL + 1));
	int i, ret;

	memset(c, 0, sizeof(*c));
	for (i = 0; i <= CWP_MAX_LEVEL; i++)
		c->fd[i] = -1;
	c->fd[0] = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
	if (!pids)
		return -1;
	ret = chain_start(c, depth, pids);
	munmap(pids, sizeof(pid_t) * (CWP_MAX_LEVEL + 1));
	return ret;
}

void chain_destroy(struct ns_chain *c)
{
	int i;

	if (c->holder[1] > 0) {
		/* pid 1 of level 1 going takes every deeper level with it */
		kill(c->holder[1], SIGKILL);
		cwp_reap(c->holder[1]);
	}
	for (i = 0; i <= CWP_MAX_LEVEL; i++)
		if (c->fd[i] >= 0)
			close(c->fd[i]);
	memset(c, 0, sizeof(*c));
}

pid_t spawn_at(struct ns_chain *c, int level, enum spawn_mode mode,
	       int (*fn)(void *), void *arg)
{
	bool enter = level > 0 && mode == SPAWN_NATIVE;
	pid_t pid;

	if (enter && setns(c->fd[level], CLONE_NEWPID))
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		if (level > 0 && mode == SPAWN_SETNS &&
		    setns(c->fd[level], CLONE_NEWPID))
			_exit(125);
		_exit(fn(arg));
	}
	/* Back to our own namespace for the children that follow. */
	if (enter && setns(c->fd[0], CLONE_NEWPID)) {
		diag("setns back to level 0: %s", strerror(errno));
		abort();
	}
	return pid;
}

int nspid_of_file(const char *path, pid_t *out, int max)
{
	char line[512], *p, *end;
	int n = -1;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return -1;
	while (n < 0 && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "NSpid:", 6))
			continue;
		n = 0;
		for (p = line + 6;; p = end) {
			long v = strtol(p, &end, 10);

			if (end == p)
				break;
			if (n < max)
				out[n] = v;
			n++;
		}
	}
	fclose(f);
	return n;
}

int nspid_of(pid_t pid, pid_t *out, int max)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	return nspid_of_file(path, out, max);
}

int write_file(const char *path, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int fd, len, ret = 0;

	va_start(ap, fmt);
	len = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, buf, len) != len)
		ret = -errno;
	close(fd);
	return ret;
}

long read_long(const char *path)
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

int pid_max_get(void)
{
	return read_long("/proc/sys/kernel/pid_max");
}

int caps_set(u64 effective, u64 permitted, u64 inheritable)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2] = {
		{ (u32)effective, (u32)permitted,
		  (u32)inheritable },
		{ effective >> 32, permitted >> 32, inheritable >> 32 },
	};

	return syscall(SYS_capset, &hdr, data);
}

int caps_get(u64 *effective, u64 *permitted)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return -1;
	*effective = data[0].effective |
		     (u64)data[1].effective << 32;
	*permitted = data[0].permitted |
		     (u64)data[1].permitted << 32;
	return 0;
}

void *shared_alloc(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}
