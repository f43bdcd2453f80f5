// SPDX-License-Identifier: GPL-2.0
/*
 * A bounded, seeded, reproducible fuzzer for clone_with_pids().
 *
 * A chain of 32 nested pid namespaces is made once; fuzz workers then run
 * in several contexts: living at a level (native), at level 0 with their
 * children's namespace setns()ed to a deep one (a restore tool), after
 * unshare(CLONE_NEWPID) (a namespace without init), for 64-bit builds
 * through int $0x80 (the compat layout from a 64-bit task), and without
 * privilege: as uid 65534 without capabilities (any chosen pid is EPERM,
 * a set of zeros works), and as uid 65534 owning a user namespace that
 * owns two pid namespaces of its own (pids may be chosen there, EPERM
 * above), living in the deepest or setns()ing into it.
 *
 * The outcome of every call is predicted exactly: invalid flags (a bit
 * above 31, an exit signal above 64) are EINVAL, the set unread; else a
 * bad set decides it (the model in fuzz_input.c: EFAULT, EINVAL, EPERM);
 * else clone()'s own checks, in the kernel's order (flag combinations,
 * namespaces, CLONE_SETTLS), then EBUSY exactly when a wanted pid is in
 * use at its level (level 0 from /proc, deeper levels from what lives
 * there: only this program's processes), ENOMEM in a namespace whose init
 * has gone, EFAULT for a pidfd that cannot be written, else a child,
 * whose pids are checked (NSpid) and which is reaped. Two outcomes are
 * let pass although not predicted, and counted: ENOMEM for a namespace's
 * first child (a signal can restart the call after its pid 1 was taken,
 * which ends the namespace, as for clone()), and EBUSY for a pid that the
 * previous call's child, reaped by the kernel, held a moment ago.
 * At least FLOOR_PCT percent of the calls whose pid set the model calls
 * valid, and at least one, must create a child in each context, so
 * that a kernel (or a model) that refuses valid sets fails. After each
 * context, every pid that a failed call wanted must be free again.
 * Output is KTAP, one result per context.
 *
 * Usage: fuzz [--seed N] [--calls N | --quick] [--only CONTEXT] [--list]
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/futex.h>
#include <linux/sched.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "fuzz.h"

enum fuzz_mode { MODE_NATIVE, MODE_SETNS, MODE_UNSHARE };

/*
 * USER_NOBODY: uid 65534, no capabilities. USER_OWNER: uid 65534, owner
 * of a user namespace made at @level that owns OWNED_LEVELS nested pid
 * namespaces below it; native: living in the deepest, setns: living at
 * @level with its children's namespace set to the deepest.
 */
enum fuzz_user { USER_ROOT, USER_NOBODY, USER_OWNER };

#define OWNED_LEVELS	2

struct fuzz_ctx {
	const char *name;
	int level;
	enum fuzz_mode mode;
	bool int80;
	enum fuzz_user user;
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
	{ "nobody_L0", 0, MODE_NATIVE, false, USER_NOBODY },
	{ "nobody_L3", 3, MODE_NATIVE, false, USER_NOBODY },
	{ "owner_native_L1", 1, MODE_NATIVE, false, USER_OWNER },
	{ "owner_setns_L2", 2, MODE_SETNS, false, USER_OWNER },
#ifdef __x86_64__
	{ "int80_nobody_L2", 2, MODE_NATIVE, true, USER_NOBODY },
	{ "int80_owner_setns_L1", 1, MODE_SETNS, true, USER_OWNER },
#endif
};

#define NR_CONTEXTS	(ARRAY_SIZE(contexts))
#define MAX_ERRNO	134
#define MAX_REPORTS	10
#define MAX_RECLAIM	24
/*
 * The floor of successful calls among those whose pid set is valid (and
 * at least one). Measured, seeds 1-9, 10,000 calls per ABI: 19% at least
 * (unshare_L31: each unshare()d namespace takes one child), 28% to 82%
 * elsewhere.
 */
#define FLOOR_PCT	15
#define MIN_CHILDREN	1

struct ctx_stats {
	unsigned long calls, children, modelled, flagged, verified, reclaimed;
	unsigned long valid, predicted, tolerated, chosen;
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
	pid_t main_holder[CWP_MAX_LEVEL + 1];	/* the chain's, level-0 pids */
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

struct busy {
	int n;
	struct { int level; pid_t pid; } e[4096];
};

/*
 * Every (level, pid) some live task holds, from level 0's /proc, and at
 * level 0 the process groups and sessions too (their pids stay in use).
 * Tasks of the chain (level-0 pids in @skip) count only up to level
 * @branch: below it, the caller's namespaces are others than theirs.
 */
static void busy_snapshot(struct busy *b, const pid_t *skip, int branch)
{
	pid_t nsp[CWP_MAX_PIDS + 1], pid;
	char path[64], line[512], *p;
	struct dirent *d;
	DIR *dir = opendir("/proc");
	int n, i, k, pgrp, sid;
	FILE *f;

	b->n = 0;
	while (dir && (d = readdir(dir))) {
		if (d->d_name[0] < '0' || d->d_name[0] > '9')
			continue;
		pid = atoi(d->d_name);
		n = cwp_nspid_of(pid, nsp, CWP_MAX_PIDS + 1);
		for (k = 1; skip && k <= CWP_MAX_LEVEL; k++)
			if (skip[k] == pid && n > branch + 1)
				n = branch + 1;
		for (i = 0; i < n && i <= CWP_MAX_LEVEL && b->n < 4096; i++) {
			b->e[b->n].level = i;
			b->e[b->n++].pid = nsp[i];
		}
		snprintf(path, sizeof(path), "/proc/%d/stat", pid);
		f = fopen(path, "re");
		p = f && fgets(line, sizeof(line), f) ? strrchr(line, ')') : NULL;
		if (p && sscanf(p, ") %*c %*d %d %d", &pgrp, &sid) == 2) {
			for (i = 0; i < 2 && b->n < 4096; i++) {
				b->e[b->n].level = 0;
				b->e[b->n++].pid = i ? sid : pgrp;
			}
		}
		if (f)
			fclose(f);
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

/*
 * What lives in the caller's namespaces: at level 0 anything, asked of
 * /proc at each call; deeper only this program's processes (the chain,
 * the worker, its namespace holders), known from the snapshot taken as
 * the context starts, since every child is reaped before the next call.
 */
static struct busy ctx_busy;

static bool pid_in_use(int level, pid_t pid)
{
	struct stat st;
	char path[32];

	if (level == 0) {
		snprintf(path, sizeof(path), "/proc/%d", pid);
		if (!stat(path, &st))
			return true;
	}
	return is_busy(&ctx_busy, level, pid);
}

/*
 * The outcome of a call whose flags and set passed, as clone() decides
 * it, in the kernel's order: kernel_clone(), copy_process()'s checks of
 * the flags, copy_namespaces(), copy_thread(), alloc_pid() (EBUSY, then
 * a namespace that takes no more processes: ENOMEM), then the pidfd.
 * Returns 0 for a child, else -errno, and says why in c->reason.
 */
static const char unwritable_pidfd[] = "the pidfd cannot be written";
static const char ns_lacking[] = "a namespace type this kernel lacks";

/* Namespace types this kernel was built without: clone() says EINVAL. */
static unsigned long ns_missing;

static void probe_namespaces(void)
{
	static const unsigned long types[] = {
		CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER,
		CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWCGROUP,
	};
	unsigned int i;
	long ret;

	for (i = 0; i < ARRAY_SIZE(types); i++) {
		fflush(NULL);
		ret = syscall(SYS_clone, types[i] | SIGCHLD, 0, 0, 0, 0);
		if (ret == 0)
			_exit(0);
		if (ret > 0)
			cwp_wait(ret);
		else if (errno == EINVAL)
			ns_missing |= types[i];
	}
	if (ns_missing)
		diag("namespace types this kernel lacks (clone flags): %#lx",
		     ns_missing);
}

static long expect(struct fuzz_call *c, long err, const char *why)
{
	c->reason = why;
	return err;
}

static long predict(const struct fuzz_env *e, struct fuzz_call *c)
{
	unsigned long f = c->flags;
	unsigned long newns = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC |
			      CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP;
	int first = c->addressable - c->num, i;
	long err;

	if ((f & CLONE_PIDFD) && (f & CLONE_PARENT_SETTID))
		return expect(c, -EINVAL,
			      "CLONE_PIDFD with CLONE_PARENT_SETTID");
	if ((f & CLONE_NEWNS) && (f & CLONE_FS))
		return expect(c, -EINVAL, "CLONE_NEWNS with CLONE_FS");
	if ((f & CLONE_NEWUSER) && (f & CLONE_FS))
		return expect(c, -EINVAL, "CLONE_NEWUSER with CLONE_FS");
	if ((f & CLONE_THREAD) && !(f & CLONE_SIGHAND))
		return expect(c, -EINVAL, "CLONE_THREAD without CLONE_SIGHAND");
	if ((f & CLONE_SIGHAND) && !(f & CLONE_VM))
		return expect(c, -EINVAL, "CLONE_SIGHAND without CLONE_VM");
	if ((f & CLONE_THREAD) &&
	    ((f & (CLONE_NEWUSER | CLONE_NEWPID)) || !e->fc_active))
		return expect(c, -EINVAL,
			      "a thread in another pid or user namespace");
	if ((f & CLONE_PIDFD) && (f & CLONE_DETACHED))
		return expect(c, -EINVAL, "CLONE_PIDFD with CLONE_DETACHED");
	if (f & ns_missing & CLONE_NEWUSER)
		return expect(c, -EINVAL, "no user namespaces in this kernel");
	if (f & newns) {
		if (!(f & CLONE_NEWUSER) && !e->ns_admin)
			return expect(c, -EPERM,
				      "a namespace without CAP_SYS_ADMIN");
		if ((f & CLONE_NEWIPC) && (f & CLONE_SYSVSEM))
			return expect(c, -EINVAL,
				      "CLONE_NEWIPC with CLONE_SYSVSEM");
		/* create_new_namespaces(): mnt, uts, ipc, pid, cgroup, net */
		if (f & ns_missing & (CLONE_NEWNS | CLONE_NEWUTS |
				      CLONE_NEWIPC))
			return expect(c, -EINVAL, ns_lacking);
		if ((f & CLONE_NEWPID) && !e->fc_active)
			return expect(c, -EINVAL,
				      "CLONE_NEWPID after setns() or unshare()");
		if ((f & CLONE_NEWPID) && e->fc_level >= CWP_MAX_LEVEL)
			return expect(c, -ENOSPC,
				      "CLONE_NEWPID below level 32");
		if (f & ns_missing & (CLONE_NEWCGROUP | CLONE_NEWNET))
			return expect(c, -EINVAL, ns_lacking);
	}
	if (f & CLONE_SETTLS) {
		err = fuzz_tls_errno(e, c->tls);
		if (err)
			return expect(c, err, "CLONE_SETTLS");
	}
	for (i = 0; i < c->num; i++)
		if (c->pids[i] && pid_in_use(first + i, c->pids[i]))
			return expect(c, -EBUSY, "a wanted pid in use");
	if (e->unshared && (e->fc_has_init || e->fc_dead))
		return expect(c, -ENOMEM, "the namespace's init has gone");
	if ((f & CLONE_PIDFD) && !fuzz_writable(e, c->ptid, sizeof(int)))
		return expect(c, -EFAULT, unwritable_pidfd);
	return expect(c, 0, "a valid call");
}

static int nspid_of_pidfd(int fd, pid_t *out, int max)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	return cwp_read_nspid(AT_FDCWD, path, out, max);
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

/* The Threads: line of our own /proc status. */
static int read_threads(void)
{
	char line[128];
	int n = -1;
	FILE *f = fopen("/proc/self/status", "re");

	while (f && n < 0 && fgets(line, sizeof(line), f))
		if (sscanf(line, "Threads: %d", &n) != 1)
			n = -1;
	if (f)
		fclose(f);
	return n;
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
			break;
		syscall(SYS_futex, tid, FUTEX_WAIT, v, &ts, NULL, 0);
	}
	if (v)
		return "thread did not exit";
	/* and is released, its pids free again, a moment later */
	for (i = 0; i < 300; i++) {
		if (read_threads() <= 1)
			return NULL;
		nanosleep(&ts, NULL);
	}
	return "thread was not released";
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
	int c_level = e->self_level;
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
			n = cwp_nspid_of(ret, nsp, CWP_MAX_PIDS + 1);
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
	code = cwp_wait(ret);
	/* reaped by the kernel already: no status to see */
	if (autoreaped(c, new_init)) {
		if (code == -ECHILD)
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

/*
 * Pids the last child held that the kernel released by itself (an init
 * reaped by the kernel): they may be busy a moment longer.
 */
static struct { int level; pid_t pid; } settling[CWP_MAX_PIDS];
static int nsettling;

static bool was_settling(const struct fuzz_call *c)
{
	int first = c->addressable - c->num, i, k;

	for (i = 0; i < c->num; i++)
		for (k = 0; k < nsettling; k++)
			if (c->pids[i] && settling[k].pid == c->pids[i] &&
			    settling[k].level == first + i)
				return true;
	return false;
}

static void one_call(struct job *j, struct fuzz_env *e, unsigned long idx)
{
	static char msg[160];
	struct fuzz_call c;
	const char *why;
	bool new_init;
	long ret, want;
	int first, i;

	fuzz_generate(e, &c);
	fuzz_model(e, &c);
	new_init = e->unshared && !e->fc_has_init &&
		   !(c.flags & CLONE_NEWPID);
	want = c.expect;
	if (!c.expect) {
		j->st->valid++;
		want = predict(e, &c);
		if (want)
			j->st->predicted++;
	}
	ret = do_call(e, &c);
	remember(j, idx, e, &c, ret);
	j->st->calls++;
	if (c.expect)
		j->st->modelled++;
	if (c.bad_flags)
		j->st->flagged++;
	if (ret < 0 && -ret < MAX_ERRNO)
		j->st->err[-ret]++;
	first = c.addressable - c.num;
	if (ret != want && (ret < 0 || want)) {
		if (want == 0 && new_init && ret == -ENOMEM) {
			/* see the top: a restarted first fork */
			j->st->tolerated++;
			e->fc_dead = true;
		} else if (ret == -EBUSY && was_settling(&c)) {
			j->st->tolerated++;
		} else {
			snprintf(msg, sizeof(msg), "expected %s: %s",
				 want ? cwp_errname(want) : "a child",
				 c.reason);
			failure(j, idx, &c, ret, msg);
		}
	}
	nsettling = 0;
	if (ret < 0) {
		/* The one failure past alloc_pid() that fuzzing produces. */
		if (new_init && ret == want && c.reason == unwritable_pidfd)
			e->fc_dead = true;
		/* pids a failed call wanted, on our side of any branch */
		if (c.any_pid && (!c.expect || c.expect == -EPERM))
			for (i = 0; i < c.num && j->nreclaim < MAX_RECLAIM; i++)
				if (c.pids[i] && first + i <= j->ctx->level) {
					j->reclaim[j->nreclaim].level = first + i;
					j->reclaim[j->nreclaim++].pid = c.pids[i];
				}
		return;
	}
	j->st->children++;
	j->st->chosen += c.any_pid;
	if (new_init)
		e->fc_has_init = true;
	why = check_child(j, e, &c, ret, new_init);
	if (why && want == 0)
		failure(j, idx, &c, ret, why);
	if (autoreaped(&c, new_init))
		for (i = 0; i < c.num; i++) {
			settling[nsettling].level = first + i;
			settling[nsettling++].pid = c.pids[i];
		}
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

	busy_snapshot(&busy, NULL, 0);
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
			busy_snapshot(&busy, NULL, 0);
			if (is_busy(&busy, level, pids[0]))
				break;
		}
		if (ret > 0) {
			cwp_wait(ret);
			j->st->reclaimed++;
		} else if (ret != -EBUSY || !is_busy(&busy, level, pids[0])) {
			j->st->failures++;
			diag("FAIL %s: pid %d at level %d, wanted by a failed call, is taken: %s",
			     j->ctx->name, pids[0], level, cwp_errname(ret));
		}
	}
}

/*
 * The calls of one context, in the process that makes them; @self_ns
 * opens its own pid namespace.
 */
static int fuzz_loop(struct job *j, struct fuzz_env *e, int self_ns)
{
	const struct fuzz_ctx *ctx = j->ctx;
	unsigned long i, since = 0, since_init = 0, floor;
	int branch = CWP_MAX_LEVEL;

	alarm(j->timeout);
	fuzz_install_handlers();
	/*
	 * Below the level where the caller's namespaces leave the chain
	 * (an unshare()d or a user-owned one), the chain's tasks are
	 * elsewhere.
	 */
	if (ctx->mode == MODE_UNSHARE || ctx->user == USER_OWNER)
		branch = ctx->level;
	busy_snapshot(&ctx_busy, j->main_holder, branch);
	for (i = 0; i < j->calls; i++) {
		/* A fresh namespace without init now and then. */
		if (ctx->mode == MODE_UNSHARE &&
		    (!e->unshared || since >= 64 || since_init >= 4)) {
			if (setns(self_ns, CLONE_NEWPID) ||
			    unshare(CLONE_NEWPID)) {
				diag("%s: unshare: %s", ctx->name,
				     strerror(errno));
				return 2;
			}
			e->unshared = true;
			e->fc_active = false;
			e->fc_level = ctx->level + 1;
			e->fc_has_init = false;
			e->fc_dead = false;
			since = 0;
			since_init = 0;
			remember(j, i, e, NULL, 1);
		}
		/* each call's inputs follow from the seed and its index alone */
		e->rng.state = j->seed * 1000003 + i;
		one_call(j, e, i);
		since++;
		since_init += e->fc_has_init || e->fc_dead;
	}
	if (e->unshared && setns(self_ns, CLONE_NEWPID))
		return 2;
	if (cwp_reap_all()) {
		j->st->failures++;
		diag("FAIL %s: children left unreaped", ctx->name);
	}
	/* a kernel, or a model, that refuses valid sets */
	floor = j->st->valid * FLOOR_PCT / 100;
	if (floor < MIN_CHILDREN)
		floor = MIN_CHILDREN;
	if (j->st->children < floor) {
		j->st->failures++;
		diag("FAIL %s: %lu children from %lu valid sets, want at least %lu",
		     ctx->name, j->st->children, j->st->valid, floor);
	}
	return j->st->failures ? 1 : 0;
}

/* Uid 65534 without capabilities, killed when its parent ends. */
static int become_nobody(void)
{
	u64 perm = 0;

	/* Changing ids also forgets the parent-death signal. */
	if (cwp_drop_to_nobody(0) || prctl(PR_SET_PDEATHSIG, SIGKILL))
		return -1;
	return cwp_caps_get(&perm) || perm ? -1 : 0;
}

/*
 * Uid 65534: without capabilities it may choose no pid; as the owner of a
 * user namespace, those of the pid namespaces that namespace owns.
 */
static int unprivileged(struct job *j, struct fuzz_env *e, int self_ns)
{
	const struct fuzz_ctx *ctx = j->ctx;
	struct cwp_ns_chain own;
	bool native;
	int code;
	pid_t pid;

	if (become_nobody()) {
		diag("%s: cannot become uid %d without capabilities: %s",
		     ctx->name, CWP_NOBODY, strerror(errno));
		return 2;
	}
	e->cap_from = CWP_MAX_PIDS;
	e->ns_admin = false;
	if (ctx->user == USER_NOBODY)
		return fuzz_loop(j, e, self_ns);
	native = ctx->mode == MODE_NATIVE;
	if (unshare(CLONE_NEWUSER) || cwp_map_root_to_nobody() ||
	    cwp_chain_create(&own, OWNED_LEVELS) ||
	    (native && setns(own.fd[OWNED_LEVELS], CLONE_NEWPID))) {
		diag("%s: cannot make its namespaces: %s", ctx->name,
		     strerror(errno));
		return 2;
	}
	e->cap_from = ctx->level + 1;
	e->ns_admin = true;
	e->fc_level = ctx->level + OWNED_LEVELS;
	/*
	 * The calls are made in a child, which has no namespace holder
	 * among its children; native: it lives in the deepest namespace.
	 */
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (native) {
			e->self_level = e->fc_level;
			e->fc_active = true;
			self_ns = open("/proc/self/ns/pid",
				       O_RDONLY | O_CLOEXEC);
		} else if (setns(own.fd[OWNED_LEVELS], CLONE_NEWPID)) {
			self_ns = -1;
		}
		_exit(self_ns < 0 ? 2 : fuzz_loop(j, e, self_ns));
	}
	code = pid > 0 ? cwp_wait(pid) : 2;
	cwp_chain_destroy(&own);
	return code;
}

static int worker(void *arg)
{
	struct job *j = arg;
	const struct fuzz_ctx *ctx = j->ctx;
	struct fuzz_env e = { 0 };
	int self_ns, code;
	pid_t pid;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	alarm(j->timeout);
	e.rng.state = j->seed;
	e.int80 = ctx->int80;
	e.compat = sizeof(long) == 4 || ctx->int80;
	e.pid_max = pid_max_get();
	e.self_level = ctx->mode == MODE_SETNS && ctx->user == USER_ROOT ?
		       0 : ctx->level;
	e.fc_level = ctx->level;
	e.fc_active = ctx->mode == MODE_NATIVE;
	e.fc_has_init = true;
	e.ns_admin = true;
	self_ns = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
	if (fuzz_arena_init(&e) || self_ns < 0 || e.pid_max < 301) {
		diag("%s: setup failed: %s", ctx->name, strerror(errno));
		return 2;
	}
	if (ctx->user == USER_ROOT) {
		code = fuzz_loop(j, &e, self_ns);
	} else {
		/* the unprivileged part in a child; root checks after it */
		fflush(NULL);
		pid = fork();
		if (pid == 0)
			_exit(unprivileged(j, &e, self_ns));
		code = pid > 0 ? cwp_wait(pid) : 2;
		if (code > 1)
			diag("%s: the unprivileged part ended with %d",
			     ctx->name, code);
	}
	e.fc_level = ctx->level;
	reclaim_check(j, &e, ctx->level + 1);
	if (cwp_reap_all()) {
		j->st->failures++;
		diag("FAIL %s: children left unreaped", ctx->name);
	}
	return code > 1 ? code : j->st->failures ? 1 : 0;
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
	diag("%s: %lu valid sets, %lu%% ok (%lu chose pids); %lu predicted errors, %lu passed",
	     j->ctx->name, j->st->valid,
	     j->st->valid ? j->st->children * 100 / j->st->valid : 0,
	     j->st->chosen, j->st->predicted, j->st->tolerated);
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
	struct cwp_ns_chain chain;
	struct ctx_stats *stats;
	struct job *j;
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
	ksft_print_header();
	ksft_set_plan(n);
	diag("fuzz: seed=%llu calls=%lu (%lu per context) bits=%d pid_max=%d",
	     (unsigned long long)seed, per * n, per, (int)sizeof(long) * 8,
	     pid_max_get());
	diag("reproduce: %s --seed %llu --calls %lu [--only CONTEXT]",
	     argv[0], (unsigned long long)seed, calls);
	probe_namespaces();
	stats = cwp_shared_alloc(sizeof(*stats) * NR_CONTEXTS);
	/* shared: an unprivileged worker's child tells root what to reclaim */
	j = cwp_shared_alloc(sizeof(*j));
	if (!stats || !j || cwp_chain_create(&chain, CWP_MAX_LEVEL)) {
		diag("cannot create %d nested pid namespaces: %s",
		     CWP_MAX_LEVEL, strerror(errno));
		for (i = 0; i < n; i++)
			ksft_test_result(false, "setup\n");
		ksft_finished();
	}
	for (i = 0; i < NR_CONTEXTS; i++) {
		const struct fuzz_ctx *ctx = &contexts[i];
		pid_t pid;

		if (only && strcmp(only, ctx->name))
			continue;
		memset(j, 0, sizeof(*j));
		j->ctx = ctx;
		memcpy(j->main_holder, chain.holder, sizeof(j->main_holder));
		j->seed = seed * 0x100000001b3ULL + i;
		j->calls = per;
		j->timeout = 60 + per / 10;
		j->st = &stats[i];
		t = now();
		pid = cwp_spawn_at(&chain, ctx->level,
				   ctx->mode == MODE_SETNS &&
				   ctx->user == USER_ROOT ? CWP_SPAWN_SETNS :
				   CWP_SPAWN_NATIVE, worker, j);
		code = pid > 0 ? cwp_wait(pid) : -1;
		report(j, now() - t);
		if (code > 128)
			diag("%s: worker killed by signal %d%s", ctx->name,
			     code - 128, code == 128 + SIGALRM ?
			     " (timed out)" : "");
		ksft_test_result(code == 0, "%s\n", ctx->name);
	}
	cwp_chain_destroy(&chain);
	diag("fuzz: seed=%llu, %.1f s in all", (unsigned long long)seed,
	     now() - t0);
	ksft_finished();
}
