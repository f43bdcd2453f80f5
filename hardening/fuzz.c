// SPDX-License-Identifier: GPL-2.0
/*
 * A bounded, seeded, reproducible fuzzer for clone_with_pids().
 *
 * A chain of 32 nested pid namespaces is made once; fuzz workers then run
 * in several contexts: living at a level (native), at level 0 with their
 * children's namespace setns()ed to a deep one (a restore tool), after
 * unshare(CLONE_NEWPID) (a namespace without init), and, for 64-bit
 * builds, through int $0x80 (the compat layout from a 64-bit task).
 *
 * Every call must either create a child, which is verified (its pids
 * are the wanted ones) and reaped, or fail with an errno that clone()
 * or clone_with_pids() documents for those inputs; invalid flags (a bit
 * above 31, an exit signal above 64) decide the errno first (EINVAL, the
 * set unread, nothing created), else the pid set alone decides it when it
 * is bad, and the model in fuzz_input.c says which. After each context, every pid that a failed call wanted must be
 * free again. Output is KTAP, one result per context.
 *
 * Usage: fuzz [--seed N] [--calls N | --quick] [--only CONTEXT] [--list]
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/futex.h>
#include <linux/sched.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "fuzz.h"

enum fuzz_mode { MODE_NATIVE, MODE_SETNS, MODE_UNSHARE };

struct fuzz_ctx {
	const char *name;
	int level;
	enum fuzz_mode mode;
	bool int80;
};

static const struct fuzz_ctx contexts[] = {
	{ "native_L0", 0, MODE_NATIVE },
	{ "native_L1", 1, MODE_NATIVE },
	{ "native_L2", 2, MODE_NATIVE },
	{ "native_L5", 5, MODE_NATIVE },
	{ "native_L31", 31, MODE_NATIVE },
	{ "native_L32", 32, MODE_NATIVE },
	{ "setns_L1", 1, MODE_SETNS },
	{ "setns_L3", 3, MODE_SETNS },
	{ "setns_L32", 32, MODE_SETNS },
	{ "unshare_L0", 0, MODE_UNSHARE },
	{ "unshare_L2", 2, MODE_UNSHARE },
	{ "unshare_L31", 31, MODE_UNSHARE },
#ifdef __x86_64__
	{ "int80_native_L0", 0, MODE_NATIVE, true },
	{ "int80_setns_L3", 3, MODE_SETNS, true },
	{ "int80_unshare_L2", 2, MODE_UNSHARE, true },
#endif
};

#define NR_CONTEXTS	(ARRAY_SIZE(contexts))
#define MAX_ERRNO	134
#define MAX_REPORTS	10
#define MAX_RECLAIM	24

struct ctx_stats {
	unsigned long calls, children, modelled, flagged, verified, reclaimed;
	unsigned long failures;
	unsigned long err[MAX_ERRNO];
};

/* The calls before a failure, for its report. */
struct past {
	unsigned long idx, flags;
	long ret;
	int num;
	pid_t first_pid;
	bool has_init, dead;
};

#define NR_PAST		8

struct job {
	const struct fuzz_ctx *ctx;
	struct past past[NR_PAST];
	unsigned long npast;
	u64 seed;
	unsigned long calls;
	unsigned int timeout;
	struct ctx_stats *st;
	/* pids failed calls wanted, to be found free afterwards */
	struct { int level; pid_t pid; } reclaim[MAX_RECLAIM];
	unsigned int nreclaim;
};

static void remember(struct job *j, unsigned long idx,
		     const struct fuzz_env *e, const struct fuzz_call *c,
		     long ret)
{
	struct past *p = &j->past[j->npast++ % NR_PAST];

	p->idx = idx;
	p->flags = c ? c->flags : 0;
	p->ret = ret;
	p->num = c ? c->num : 0;
	p->first_pid = c && c->num > 0 ? c->pids[0] : 0;
	p->has_init = e->fc_has_init;
	p->dead = e->fc_dead;
}

static void failure(struct job *j, unsigned long idx, const struct fuzz_call *c,
		    long ret, const char *why)
{
	unsigned long k;
	char buf[512];

	if (j->st->failures++ >= MAX_REPORTS)
		return;
	fuzz_describe(c, buf, sizeof(buf));
	diag("FAIL %s call %lu: %s -> %ld (%s): %s", j->ctx->name, idx, buf,
	     ret, ret < 0 ? cwp_errname(ret) : "pid", why);
	if (j->st->failures > 1)
		return;
	/* the model's state as each of the calls that led here was made */
	for (k = j->npast > NR_PAST ? j->npast - NR_PAST : 0; k < j->npast;
	     k++) {
		const struct past *p = &j->past[k % NR_PAST];

		if (!p->flags && p->ret == 1)
			diag("  before call %lu: unshare(CLONE_NEWPID)", p->idx);
		else
			diag("  call %lu: flags=%#lx num=%d pids[0]=%d -> %ld; init %d dead %d",
			     p->idx, p->flags, p->num, p->first_pid, p->ret,
			     p->has_init, p->dead);
	}
}

/* The errnos clone() and clone_with_pids() document for a set that passed. */
static const char *errno_unexpected(const struct fuzz_env *e,
				    const struct fuzz_call *c, long ret)
{
	unsigned long f = c->flags;
	unsigned long newns = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC |
			      CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET |
			      CLONE_NEWCGROUP;

	switch (-ret) {
	case EINVAL:
		return NULL;
	case EBUSY:
		return c->any_pid ? NULL : "EBUSY without a wanted pid";
	case EFAULT:
		if ((f & CLONE_PIDFD) || (e->compat && (f & CLONE_SETTLS)))
			return NULL;
		return "EFAULT from a readable set";
	case EPERM:
		/* an fs base past the user address space */
		if (!e->compat && (f & CLONE_SETTLS))
			return NULL;
		return "EPERM for root";
	case ENOSPC:
		return f & newns ? NULL : "ENOSPC without a new namespace";
	case EUSERS:
		return f & CLONE_NEWUSER ? NULL : "EUSERS without CLONE_NEWUSER";
	case ENOMEM:
		/*
		 * A namespace whose init has gone takes no new process, nor
		 * does one whose first fork failed after alloc_pid() (see
		 * free_pid()), as for clone(): for instance when a signal
		 * came in meanwhile, and the call, restarted, then found the
		 * namespace dead.
		 */
		if (e->unshared)
			return NULL;
		return "ENOMEM";
	}
	return "undocumented errno";
}

static int nspid_of_pidfd(int fd, pid_t *out, int max)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	return nspid_of_file(path, out, max);
}

/* The child's pids, from level 0 down, must be the wanted ones. */
static const char *check_nspid(const struct fuzz_env *e,
			       const struct fuzz_call *c, bool new_init,
			       const pid_t *nsp, int n)
{
	int child_level = e->fc_level + !!(c->flags & CLONE_NEWPID);
	int first = c->addressable - c->num, i;

	if (n != child_level + 1)
		return "wrong number of NSpid levels";
	for (i = 0; i < c->num; i++)
		if (c->pids[i] && nsp[first + i] != c->pids[i])
			return "child did not get the wanted pid";
	if ((new_init || (c->flags & CLONE_NEWPID)) && nsp[child_level] != 1)
		return "first child of a namespace is not its pid 1";
	return NULL;
}

static const char *wait_thread(const struct fuzz_call *c)
{
	int *tid = (int *)(uintptr_t)c->ctid;
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	int i, v;

	for (i = 0; i < 300; i++) {
		/* the kernel clears it as the thread exits */
		v = __atomic_load_n(tid, __ATOMIC_ACQUIRE);
		if (!v)
			return NULL;
		syscall(SYS_futex, tid, FUTEX_WAIT, v, &ts, NULL, 0);
	}
	return "thread did not exit";
}

/*
 * A namespace's init that shares our signal handlers sets SIGCHLD to
 * SIG_IGN for both of us as it exits (zap_pid_ns_processes()), and is then
 * reaped by the kernel: as for clone().
 */
static bool autoreaped(const struct fuzz_call *c, bool new_init)
{
	return (c->flags & CLONE_SIGHAND) &&
	       (new_init || (c->flags & CLONE_NEWPID));
}

static bool has_zero(const pid_t *nsp, int n)
{
	int i;

	for (i = 0; i < n && i <= CWP_MAX_PIDS; i++)
		if (!nsp[i])
			return true;
	return false;
}

static const char *check_child(struct job *j, struct fuzz_env *e,
			       const struct fuzz_call *c, long ret,
			       bool new_init)
{
	int c_level = j->ctx->mode == MODE_SETNS ? 0 : j->ctx->level;
	int first = c->addressable - c->num, pidfd = -1, n = -1;
	pid_t nsp[CWP_MAX_PIDS + 1];
	const char *why = NULL;
	int code;

	if ((c->flags & CLONE_PIDFD) && !(c->flags & CLONE_THREAD)) {
		pidfd = *(int *)(uintptr_t)c->ptid;
		if (pidfd < 0)
			return "no pidfd written";
	} else if ((c->flags & CLONE_PARENT_SETTID) &&
		   c->ptid == (uintptr_t)arena_page(e, PG_SCRATCH) &&
		   *(int *)(uintptr_t)c->ptid != ret) {
		why = "parent_tid is not the child's pid";
	}
	if (c->flags & CLONE_THREAD) {
		if ((c->flags & CLONE_PIDFD) && *(int *)(uintptr_t)c->ptid >= 0)
			close(*(int *)(uintptr_t)c->ptid);
		return why ? why : wait_thread(c);
	}
	/* The return value is the pid in the caller's own namespace. */
	if (c->num > 0 && c_level >= first && c_level < first + c->num &&
	    c->pids[c_level - first] && ret != c->pids[c_level - first])
		why = "returned pid is not the wanted one";
	if (!why && (c->any_pid || new_init)) {
		if (pidfd >= 0)
			n = nspid_of_pidfd(pidfd, nsp, CWP_MAX_PIDS + 1);
		else if (c_level == 0)
			n = nspid_of(ret, nsp, CWP_MAX_PIDS + 1);
		/* -1: the kernel reaped it already (see below) */
		if (n > 0 && nsp[0] == -1)
			n = -1;
		/*
		 * A 0 level: the kernel is releasing it right now, which only
		 * an init that the kernel reaps for us may be (see below).
		 */
		if (n > 0 && autoreaped(c, new_init) && has_zero(nsp, n))
			n = -1;
		if (n >= 0) {
			why = check_nspid(e, c, new_init, nsp, n);
			j->st->verified++;
		}
	}
	if (pidfd >= 0)
		close(pidfd);
	code = cwp_reap(ret);
	/* reaped by the kernel already: no status to see */
	if (autoreaped(c, new_init)) {
		if (code == -1 && errno == ECHILD)
			code = 0;
	}
	if (c->flags & CLONE_SIGHAND)
		signal(SIGCHLD, SIG_DFL);
	if (code && !why) {
		static char msg[64];

		snprintf(msg, sizeof(msg), "child ended with %s %d (%m)",
			 code > 128 ? "signal" : "status",
			 code > 128 ? code - 128 : code);
		why = msg;
	}
	return why;
}

static long do_call(struct fuzz_env *e, const struct fuzz_call *c)
{
#ifdef __x86_64__
	if (e->int80)
		return cwp_raw_int80(c->flags, c->stack, (int *)c->ptid,
				     (int *)c->ctid, c->tls,
				     (void *)(uintptr_t)c->set);
#endif
	return cwp_raw(c->flags, c->stack, (int *)c->ptid, (int *)c->ctid,
		       c->tls, (void *)(uintptr_t)c->set);
}

static void one_call(struct job *j, struct fuzz_env *e, unsigned long idx)
{
	struct fuzz_call c;
	const char *why;
	bool new_init;
	long ret;

	fuzz_generate(e, &c);
	fuzz_model(e, &c);
	new_init = e->unshared && !e->fc_has_init &&
		   !(c.flags & CLONE_NEWPID);
	ret = do_call(e, &c);
	remember(j, idx, e, &c, ret);
	j->st->calls++;
	if (c.expect)
		j->st->modelled++;
	if (c.bad_flags)
		j->st->flagged++;
	if (ret < 0 && -ret < MAX_ERRNO)
		j->st->err[-ret]++;
	if (c.expect) {
		if (ret != c.expect) {
			if (ret > 0)
				cwp_reap(ret);
			failure(j, idx, &c, ret, c.bad_flags ?
				"expected EINVAL for the flags, before the set" :
				c.expect == -EFAULT ? "expected EFAULT" :
				"expected EINVAL");
		}
		return;
	}
	if (ret < 0) {
		/* The one failure past alloc_pid() that fuzzing produces. */
		if (new_init && ret == -EFAULT && (c.flags & CLONE_PIDFD))
			e->fc_dead = true;
		why = errno_unexpected(e, &c, ret);
		if (why)
			failure(j, idx, &c, ret, why);
		if (!why && c.any_pid) {
			int first = c.addressable - c.num, i;

			for (i = 0; i < c.num && j->nreclaim < MAX_RECLAIM; i++)
				if (c.pids[i] && first + i <= j->ctx->level) {
					j->reclaim[j->nreclaim].level = first + i;
					j->reclaim[j->nreclaim++].pid = c.pids[i];
				}
		}
		return;
	}
	j->st->children++;
	if (new_init)
		e->fc_has_init = true;
	why = check_child(j, e, &c, ret, new_init);
	if (why)
		failure(j, idx, &c, ret, why);
}

struct busy {
	int n;
	struct { int level; pid_t pid; } e[4096];
};

/* Every (level, pid) some live task holds, from level 0's /proc. */
static void busy_snapshot(struct busy *b)
{
	pid_t nsp[CWP_MAX_PIDS + 1];
	struct dirent *d;
	DIR *dir = opendir("/proc");
	int n, i;

	b->n = 0;
	while (dir && (d = readdir(dir))) {
		if (d->d_name[0] < '0' || d->d_name[0] > '9')
			continue;
		n = nspid_of(atoi(d->d_name), nsp, CWP_MAX_PIDS + 1);
		for (i = 0; i < n && i <= CWP_MAX_LEVEL && b->n < 4096; i++) {
			b->e[b->n].level = i;
			b->e[b->n++].pid = nsp[i];
		}
	}
	if (dir)
		closedir(dir);
}

static bool is_busy(const struct busy *b, int level, pid_t pid)
{
	int i;

	for (i = 0; i < b->n; i++)
		if (b->e[i].level == level && b->e[i].pid == pid)
			return true;
	return false;
}

/* A failed call must leave nothing behind: its pids are free again. */
static void reclaim_check(struct job *j, const struct fuzz_env *e, int levels)
{
	struct target_pid_set set = { .target_pids = NULL };
	static struct busy busy;
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	pid_t pids[CWP_MAX_PIDS];
	unsigned int i;
	int try;
	long ret;

	busy_snapshot(&busy);
	for (i = 0; i < j->nreclaim; i++) {
		int level = j->reclaim[i].level;

		if (is_busy(&busy, level, j->reclaim[i].pid))
			continue;
		memset(pids, 0, sizeof(pids));
		pids[0] = j->reclaim[i].pid;
		set.num_pids = levels - level;
		set.target_pids = pids;
		for (try = 0; try < 50; try++) {
			/* a vfork()-like child is the cheapest to make */
			ret = cwp_raw(SIGCHLD | CLONE_VM | CLONE_VFORK,
				      e->stack_top, NULL, NULL, 0, &set);
			if (ret != -EBUSY)
				break;
			/* an exiting thread frees its pid a moment later */
			nanosleep(&ts, NULL);
			busy_snapshot(&busy);
			if (is_busy(&busy, level, pids[0]))
				break;
		}
		if (ret > 0) {
			cwp_reap(ret);
			j->st->reclaimed++;
		} else if (ret != -EBUSY || !is_busy(&busy, level, pids[0])) {
			j->st->failures++;
			diag("FAIL %s: pid %d at level %d, wanted by a failed call, is taken: %s",
			     j->ctx->name, pids[0], level, cwp_errname(ret));
		}
	}
}

static int worker(void *arg)
{
	struct job *j = arg;
	const struct fuzz_ctx *ctx = j->ctx;
	struct fuzz_env e = { 0 };
	unsigned long i, since = 0, since_init = 0;
	int self_ns;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	alarm(j->timeout);
	e.rng.state = j->seed;
	e.int80 = ctx->int80;
	e.compat = sizeof(long) == 4 || ctx->int80;
	e.pid_max = pid_max_get();
	e.fc_level = ctx->level;
	e.fc_has_init = true;
	self_ns = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
	if (fuzz_arena_init(&e) || self_ns < 0 || e.pid_max < 301) {
		diag("%s: setup failed: %s", ctx->name, strerror(errno));
		return 2;
	}
	fuzz_install_handlers();
	for (i = 0; i < j->calls; i++) {
		/* A fresh namespace without init now and then. */
		if (ctx->mode == MODE_UNSHARE &&
		    (!e.unshared || since >= 64 || since_init >= 4)) {
			if (setns(self_ns, CLONE_NEWPID) ||
			    unshare(CLONE_NEWPID)) {
				diag("%s: unshare: %s", ctx->name,
				     strerror(errno));
				return 2;
			}
			e.unshared = true;
			e.fc_level = ctx->level + 1;
			e.fc_has_init = false;
			e.fc_dead = false;
			since = 0;
			since_init = 0;
			remember(j, i, &e, NULL, 1);
		}
		/* each call's inputs follow from the seed and its index alone */
		e.rng.state = j->seed * 1000003 + i;
		one_call(j, &e, i);
		since++;
		since_init += e.fc_has_init || e.fc_dead;
	}
	if (e.unshared && setns(self_ns, CLONE_NEWPID))
		return 2;
	e.fc_level = ctx->level;
	reclaim_check(j, &e, ctx->level + 1);
	if (cwp_reap_all()) {
		j->st->failures++;
		diag("FAIL %s: children left unreaped", ctx->name);
	}
	return j->st->failures ? 1 : 0;
}

static void report(const struct job *j, double secs)
{
	char buf[1024];
	int n = 0, i;

	for (i = 1; i < MAX_ERRNO; i++)
		if (j->st->err[i])
			n += snprintf(buf + n, sizeof(buf) - n, " %s=%lu",
				      cwp_errname(i), j->st->err[i]);
	buf[n] = 0;
	diag("%s: %lu calls, %lu children, %lu modelled errors (%lu for the flags), %.1f s",
	     j->ctx->name, j->st->calls, j->st->children, j->st->modelled,
	     j->st->flagged, secs);
	diag("%s: %lu pid sets verified, %lu pids taken again; errnos:%s",
	     j->ctx->name, j->st->verified, j->st->reclaimed, buf);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void usage(void)
{
	fprintf(stderr, "%s\n",
		"fuzz [--seed N] [--calls N | --quick] [--only CONTEXT] [--list]");
	exit(2);
}

int main(int argc, char **argv)
{
	unsigned long calls = 100000, per;
	u64 seed = seed_from_time();
	const char *only = NULL;
	struct ns_chain chain;
	struct ctx_stats *stats;
	unsigned int i, n = 0;
	double t0 = now(), t;
	int a, code;

	for (a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--seed") && a + 1 < argc)
			seed = strtoull(argv[++a], NULL, 0);
		else if (!strcmp(argv[a], "--calls") && a + 1 < argc)
			calls = strtoul(argv[++a], NULL, 0);
		else if (!strcmp(argv[a], "--quick"))
			calls = 10000;
		else if (!strcmp(argv[a], "--only") && a + 1 < argc)
			only = argv[++a];
		else if (!strcmp(argv[a], "--list"))
			only = "";
		else
			usage();
	}
	if (only && !*only) {
		for (i = 0; i < NR_CONTEXTS; i++)
			printf("%s\n", contexts[i].name);
		return 0;
	}
	for (i = 0; i < NR_CONTEXTS; i++)
		n += !only || !strcmp(only, contexts[i].name);
	if (!n)
		usage();
	/*
	 * Each context has its own stream, so --only replays it as it ran;
	 * rounded up, so that the contexts make at least --calls in all.
	 */
	per = (calls + NR_CONTEXTS - 1) / NR_CONTEXTS;
	if (!per)
		per = 1;
	ktap_plan(n);
	diag("fuzz: seed=%llu calls=%lu (%lu per context) bits=%d pid_max=%d",
	     (unsigned long long)seed, per * n, per, (int)sizeof(long) * 8,
	     pid_max_get());
	diag("reproduce: %s --seed %llu --calls %lu [--only CONTEXT]",
	     argv[0], (unsigned long long)seed, calls);
	stats = shared_alloc(sizeof(*stats) * NR_CONTEXTS);
	if (!stats || chain_create(&chain, CWP_MAX_LEVEL)) {
		diag("cannot create %d nested pid namespaces: %s",
		     CWP_MAX_LEVEL, strerror(errno));
		for (i = 0; i < n; i++)
			ktap_result(false, "setup");
		return ktap_exit();
	}
	for (i = 0; i < NR_CONTEXTS; i++) {
		const struct fuzz_ctx *ctx = &contexts[i];
		static struct job j;
		pid_t pid;

		if (only && strcmp(only, ctx->name))
			continue;
		memset(&j, 0, sizeof(j));
		j.ctx = ctx;
		j.seed = seed * 0x100000001b3ULL + i;
		j.calls = per;
		j.timeout = 60 + per / 10;
		j.st = &stats[i];
		t = now();
		pid = spawn_at(&chain, ctx->level,
			       ctx->mode == MODE_SETNS ? SPAWN_SETNS :
			       SPAWN_NATIVE, worker, &j);
		code = pid > 0 ? cwp_reap(pid) : -1;
		report(&j, now() - t);
		if (code > 128)
			diag("%s: worker killed by signal %d%s", ctx->name,
			     code - 128, code == 128 + SIGALRM ?
			     " (timed out)" : "");
		ktap_result(code == 0, "%s", ctx->name);
	}
	chain_destroy(&chain);
	diag("fuzz: seed=%llu, %.1f s in all", (unsigned long long)seed,
	     now() - t0);
	return ktap_exit();
}
