// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection on the clone_with_pids() path.
 *
 * Each sweep repeats one call, making the 1st, 2nd, ... allocation of the
 * calling task fail through /proc/thread-self/fail-nth (failslab and
 * fail_page_alloc, with GFP_KERNEL and order-0 allocations included),
 * optionally only within one function's call tree (the stack trace
 * filter, require-start/require-end from /proc/kallsyms), until a call
 * runs without reaching the next allocation. The last sweep uses the
 * random mode instead: probability with task-filter, for the task that
 * set make-it-fail, where several allocations of one call can fail. Every
 * call must fail cleanly (ENOMEM; EAGAIN or ENOSPC where namespaces are
 * made, as their counters fail so; EFAULT when the read of the pid set
 * fails) or succeed with the wanted pids;
 * then the same call without faults must succeed, so no wanted pid was
 * left allocated. At the end no pid may be left in the namespaces the
 * sweeps used, and no task may be left in their /proc view. The sites
 * that failed are read from the fault injection stack dumps.
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
#include <linux/sched.h>
#include <sys/mman.h>

#include "hardening.h"
#include "fi.h"
#include "kmsg.h"

#define MAX_NTH		3000
/* Where the pid set of the "fresh" sweep is mapped anew for every call. */
#define FRESH_ADDR	0x60000000UL
#define PAGE_SIZE_4K	4096

struct sweep {
	const char *name;
	int level;
	enum cwp_spawn_mode mode;
	unsigned long flags;
	int num;
	pid_t pids[3];
	bool fresh;		/* the set sits in a page not yet mapped in */
	const char *filter;	/* only this function's call tree fails */
	int probability;	/* with make-it-fail, instead of fail-nth */
	int calls;		/* how many, then */
	bool both;		/* also for ia32: the compat paths differ */
};

/* Level-0 pids are high, away from what the system hands out. */
static const struct sweep sweeps[] = {
	{ "fork_setns_L2", 2, CWP_SPAWN_SETNS, SIGCHLD, 3, { 0, 901, 902 },
	  .both = true },
	{ "newpid_native_L2", 2, CWP_SPAWN_NATIVE, CLONE_NEWPID | SIGCHLD, 3,
	  { 31011, 0, 912 } },
	{ "namespaces_pidfd_native_L1", 1, CWP_SPAWN_NATIVE,
	  CLONE_NEWUSER | CLONE_NEWUTS | CLONE_NEWNS | CLONE_NEWPID |
	  CLONE_PIDFD | SIGCHLD, 2, { 31021, 922 } },
	{ "vfork_vm_native_L1", 1, CWP_SPAWN_NATIVE,
	  CLONE_VM | CLONE_VFORK | SIGCHLD, 2, { 31031, 932 }, .both = true },
	{ "filter_alloc_pid", 2, CWP_SPAWN_NATIVE, CLONE_NEWPID | SIGCHLD, 3,
	  { 31041, 0, 942 }, false, "alloc_pid", .both = true },
	{ "filter_copy_process", 2, CWP_SPAWN_SETNS, SIGCHLD, 3, { 0, 951, 952 },
	  false, "copy_process" },
	{ "filter_prepare_fresh_page", 0, CWP_SPAWN_NATIVE, SIGCHLD, 1, { 31061 },
	  true, "clone_with_pids_prepare", .both = true },
	/*
	 * A single failure there is hidden: the uaccess fixup retries the
	 * copy byte by byte, faulting the tables in again. Failing them all
	 * gives EFAULT.
	 */
	{ "prepare_always_fails", 0, CWP_SPAWN_NATIVE, SIGCHLD, 1, { 31071 },
	  true, "clone_with_pids_prepare", 100, 5, true },
	{ "random_copy_process", 2, CWP_SPAWN_SETNS, SIGCHLD, 3, { 0, 971, 972 },
	  false, "copy_process", 25, 60 },
	/*
	 * Several failures in one alloc_pid(): the idr preload and then the
	 * atomic allocation under pidmap_lock, at any of 4 levels, so that
	 * the levels already allocated are given back.
	 */
	{ "random_alloc_pid", 2, CWP_SPAWN_NATIVE, CLONE_NEWPID | SIGCHLD, 3,
	  { 31091, 0, 992 }, false, "alloc_pid", 50, 40, true },
};

#define NR_SWEEPS	(ARRAY_SIZE(sweeps))

struct shared {
	struct fi_range ranges[NR_SWEEPS];
	struct fault_site sites[MAX_SITES];
	unsigned int nsites;
	unsigned int iterations;
};

static struct shared *shared;

/* What cwp_raw_armed() touches, in shared memory. */
struct armed {
	struct cwp_armed a;
	char arm[16], left[16], zero[2];
	int pidfd;
};

struct ctx {
	const struct sweep *sw;
	struct armed *m;
	struct fi_range range;
	int nth_fd, fail_fd;
	unsigned long stack;
	struct target_pid_set set;
	pid_t pids[3];
	int memfd;
	struct kmsg_state kmsg;
	struct fault_site sites[MAX_SITES];
	unsigned int nsites;
	unsigned int injected, silent, tolerated, failures, errs[3];
	bool done;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int map_fresh(struct ctx *c)
{
	void *p;

	/* the page tables of this region go with the mapping */
	munmap((void *)FRESH_ADDR, PAGE_SIZE_4K);
	p = mmap((void *)FRESH_ADDR, PAGE_SIZE_4K, PROT_READ,
		 MAP_SHARED | MAP_FIXED, c->memfd, 0);
	return p == (void *)FRESH_ADDR ? 0 : -1;
}

static int setup_fresh(struct ctx *c)
{
	unsigned char raw[16 + 4 * 3] = { 0 };
	u64 array = FRESH_ADDR + 16;
	void *p;

	p = mmap((void *)FRESH_ADDR, PAGE_SIZE_4K, PROT_READ,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p != (void *)FRESH_ADDR)
		return -1;
	memcpy(raw, &c->sw->num, 4);
	if (sizeof(long) == 4)
		memcpy(raw + 4, &array, 4);
	else
		memcpy(raw + 8, &array, 8);
	memcpy(raw + 16, c->sw->pids, 4 * c->sw->num);
	c->memfd = memfd_create("cwp-set", MFD_CLOEXEC);
	if (c->memfd < 0 || ftruncate(c->memfd, PAGE_SIZE_4K) ||
	    pwrite(c->memfd, raw, sizeof(raw), 0) != sizeof(raw))
		return -1;
	return map_fresh(c);
}

static long call(struct ctx *c, int *pidfd, unsigned long extra)
{
	const void *set = c->sw->fresh ? (void *)FRESH_ADDR : &c->set;

	*pidfd = -1;
	return cwp_raw(c->sw->flags | extra, c->stack, pidfd, NULL, 0, set);
}

/* A child: its pids are the wanted ones, and it is reaped. */
static const char *check_child(struct ctx *c, long ret, int pidfd)
{
	const struct sweep *sw = c->sw;
	int caller = sw->mode == CWP_SPAWN_SETNS ? 0 : sw->level;
	int child = sw->level + !!(sw->flags & CLONE_NEWPID);
	int first = sw->level + 1 - sw->num, n = -1, i;
	pid_t nsp[CWP_MAX_PIDS + 1];
	const char *why = NULL;
	char path[64];

	if (caller >= first && sw->pids[caller - first] &&
	    ret != sw->pids[caller - first])
		why = "returned pid is not the wanted one";
	if (pidfd >= 0) {
		snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", pidfd);
		n = cwp_read_nspid(AT_FDCWD, path, nsp, CWP_MAX_PIDS + 1);
		close(pidfd);
	} else if (caller == 0) {
		n = cwp_nspid_of(ret, nsp, CWP_MAX_PIDS + 1);
	}
	if (!why && n >= 0 && n != child + 1)
		why = "wrong number of pid levels";
	for (i = 0; !why && n >= 0 && i < sw->num; i++)
		if (sw->pids[i] && nsp[first + i] != sw->pids[i])
			why = "child did not get the wanted pid";
	if (cwp_wait(ret) && !why)
		why = "child did not exit with 0";
	return why;
}

/* Then the same call without faults: every wanted pid must be free. */
static const char *again(struct ctx *c)
{
	int pidfd, try;
	long ret;

	for (try = 0; try < 3; try++) {
		if (c->sw->fresh)
			map_fresh(c);
		/* a vfork()-like child is the cheapest to make */
		ret = call(c, &pidfd, CLONE_VM | CLONE_VFORK);
		if (ret > 0)
			return check_child(c, ret, pidfd);
		if (ret != -EBUSY)
			break;
		usleep(20000);
	}
	return ret == -EBUSY ? "a wanted pid stayed allocated (EBUSY)" :
			       "the same call without faults failed";
}

static void fail(struct ctx *c, unsigned int nth, long ret, const char *why)
{
	if (c->failures++ < 10)
		diag("FAIL %s: fault %u: %ld (%s): %s", c->sw->name, nth, ret,
		     ret < 0 ? cwp_errname(ret) : "pid", why);
}

static void one(struct ctx *c, unsigned int nth)
{
	const void *set = c->sw->fresh ? (void *)FRESH_ADDR : &c->set;
	struct armed *m = c->m;
	int pidfd, dumps, injected;
	const char *why = NULL;
	long ret;

	if (c->sw->fresh && map_fresh(c))
		fail(c, nth, 0, "cannot map the set");
	memset(m, 0, sizeof(*m));
	m->pidfd = -1;
	m->a.flags = c->sw->flags;
	m->a.stack = c->stack;
	m->a.ptid = (uintptr_t)&m->pidfd;
	m->a.set = (uintptr_t)set;
	m->a.fd = c->sw->probability ? c->fail_fd : c->nth_fd;
	snprintf(m->arm, sizeof(m->arm), "%u", c->sw->probability ? 1 : nth);
	m->zero[0] = '0';
	m->a.arm = (uintptr_t)m->arm;
	m->a.arm_len = strlen(m->arm);
	m->a.left = (uintptr_t)m->left;
	m->a.left_len = sizeof(m->left) - 1;
	m->a.zero = (uintptr_t)m->zero;
	ret = cwp_raw_armed(&m->a);
	pidfd = m->pidfd;
	dumps = kmsg_poll(&c->kmsg, c->sites, &c->nsites);
	injected = c->sw->probability ? dumps : atoi(m->left) == 0;
	if (!c->sw->probability && injected && !dumps)
		c->silent++;	/* a __GFP_NOWARN allocation failed */
	c->injected += !!injected;
	if (ret > 0) {
		c->tolerated += !!injected;
		why = check_child(c, ret, pidfd);
	} else if (ret == -ENOMEM ||
		   /* ucounts and namespace counts fail so, as for clone() */
		   ((ret == -EAGAIN || ret == -ENOSPC) &&
		    (c->sw->flags & (CLONE_NEWUSER | CLONE_NEWPID)))) {
		c->errs[0]++;
	} else if (ret == -EFAULT && c->sw->fresh && c->sw->probability) {
		/* the page tables for reading the set could not be made */
		c->errs[1]++;
	} else {
		c->errs[2]++;
		why = "not a documented errno for an allocation failure";
	}
	if (why)
		fail(c, nth, ret, why);
	why = again(c);
	if (why)
		fail(c, nth, 0, why);
	/* stop at the first call that ran out of allocations to fail */
	c->done = !c->sw->probability && !injected;
}

static int sweep_worker(void *arg)
{
	struct ctx *c = arg;
	unsigned int nth, i, j, max;
	double t0 = now();

	c->m = cwp_shared_alloc(sizeof(*c->m));
	c->nth_fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	c->fail_fd = open("/proc/thread-self/make-it-fail",
			  O_RDWR | O_CLOEXEC);
	if (!c->m || c->nth_fd < 0 || c->fail_fd < 0 || kmsg_open(&c->kmsg) ||
	    (c->sw->fresh && setup_fresh(c))) {
		diag("%s: setup: %s", c->sw->name, strerror(errno));
		return 2;
	}
	max = c->sw->probability ? (unsigned int)c->sw->calls : MAX_NTH;
	for (nth = 1; nth <= max; nth++) {
		one(c, nth);
		if (c->done)
			break;
	}
	kmsg_poll(&c->kmsg, c->sites, &c->nsites);
	diag("%s: %u calls, %u faults injected (%u silent), %u tolerated, %.1f s",
	     c->sw->name, nth > max ? max : nth, c->injected, c->silent,
	     c->tolerated, now() - t0);
	diag("%s: ENOMEM/EAGAIN/ENOSPC %u, EFAULT %u, other %u, kernel reports %u",
	     c->sw->name, c->errs[0], c->errs[1], c->errs[2], c->kmsg.splats);
	for (i = 0; i < c->nsites; i++) {
		diag("  %s: %s x%u", c->sites[i].attr, c->sites[i].where,
		     c->sites[i].count);
		for (j = 0; j < shared->nsites; j++)
			if (!strcmp(shared->sites[j].where, c->sites[i].where) &&
			    !strcmp(shared->sites[j].attr, c->sites[i].attr))
				break;
		if (j == shared->nsites && j < MAX_SITES)
			shared->sites[shared->nsites++] = c->sites[i];
		else if (j < MAX_SITES)
			shared->sites[j].count += c->sites[i].count;
	}
	shared->iterations += nth;
	if (!c->sw->probability && nth > MAX_NTH)
		diag("%s: more than %d allocations?", c->sw->name, MAX_NTH);
	return c->failures || c->kmsg.splats || c->errs[2] ? 1 : 0;
}

static int run_sweep(struct cwp_ns_chain *chain, const struct sweep *sw,
		     const struct fi_range *range, unsigned long stack)
{
	static struct ctx c;
	int code;

	memset(&c, 0, sizeof(c));
	c.sw = sw;
	c.stack = stack;
	memcpy(c.pids, sw->pids, sizeof(c.pids));
	c.set.num_pids = sw->num;
	c.set.target_pids = c.pids;
	c.range = *range;
	if (sw->filter && !c.range.end) {
		ksft_test_result_code(KSFT_SKIP, sw->name,
				      "function not in /proc/kallsyms");
		return 0;
	}
	if (fi_set_filter(sw->filter ? &c.range : NULL) ||
	    fi_set_mode(sw->probability, -1)) {
		ksft_test_result(false, "%s\n", sw->name);
		return 1;
	}
	if (sw->filter)
		diag("%s: faults only under %s [%#llx, %#llx)", sw->name,
		     sw->filter, c.range.start, c.range.end);
	code = cwp_wait(cwp_spawn_at(chain, sw->level, sw->mode,
				     sweep_worker, &c));
	if (code > 128)
		diag("%s: killed by signal %d", sw->name, code - 128);
	ksft_test_result(code == 0, "%s\n", sw->name);
	return code != 0;
}

/* Tasks at each level, as level 0's /proc shows them. */
static void count_tasks(int *per_level, int levels)
{
	pid_t nsp[CWP_MAX_PIDS + 1];
	struct dirent *d;
	DIR *dir = opendir("/proc");
	int n, i;

	memset(per_level, 0, sizeof(int) * levels);
	while (dir && (d = readdir(dir))) {
		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		n = cwp_nspid_of(atoi(d->d_name), nsp, CWP_MAX_PIDS + 1);
		for (i = 0; i < n && i < levels; i++)
			per_level[i]++;
	}
	if (dir)
		closedir(dir);
}

struct scan {
	unsigned long stack;
	int limit[3];
	int failures;
};

/*
 * No number may stay taken in levels 1 and 2: every pid no live task has
 * can be claimed there. Runs with its children's namespace at level 2.
 */
static int scan_worker(void *arg)
{
	struct scan *s = arg;
	pid_t nsp[CWP_MAX_PIDS + 1], want[2] = { 0 };
	struct target_pid_set set = { .target_pids = want };
	static char busy[3][4096];
	struct dirent *d;
	DIR *dir = opendir("/proc");
	int level, p, n, i;
	long ret;

	while (dir && (d = readdir(dir))) {
		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		n = cwp_nspid_of(atoi(d->d_name), nsp, CWP_MAX_PIDS + 1);
		for (i = 1; i < n && i <= 2; i++)
			if (nsp[i] < 4096)
				busy[i][nsp[i]] = 1;
	}
	if (dir)
		closedir(dir);
	/*
	 * A child with kernel-chosen pids shows how far each level's cyclic
	 * allocation got: no pid above it was ever handed out there.
	 */
	ret = cwp_raw(SIGCHLD | CLONE_VM | CLONE_VFORK, s->stack, NULL, NULL,
		      0, NULL);
	n = ret > 0 ? cwp_nspid_of(ret, nsp, CWP_MAX_PIDS + 1) : -1;
	if (ret > 0)
		cwp_wait(ret);
	if (n != 3) {
		diag("cannot probe the levels: %s", cwp_errname(ret));
		return 1;
	}
	for (level = 1; level <= 2; level++) {
		s->limit[level] = nsp[level] < 4096 ? nsp[level] : 4096;
		for (p = 2; p < s->limit[level]; p++) {
			if (busy[level][p])
				continue;
			/* level 1: {p, 0}; level 2: {p} */
			set.num_pids = 3 - level;
			want[0] = p;
			ret = cwp_raw(SIGCHLD | CLONE_VM | CLONE_VFORK,
				      s->stack, NULL, NULL, 0, &set);
			if (ret > 0) {
				cwp_wait(ret);
				continue;
			}
			if (s->failures++ < 10)
				diag("pid %d at level %d cannot be taken: %s", p,
				     level, cwp_errname(ret));
		}
	}
	return s->failures ? 1 : 0;
}

/*
 * glibc's rseq area is written by the kernel on the way back to user
 * space; after a fork it is copy-on-write, so that write can use up an
 * armed fault and rseq answers with SIGSEGV. Run without rseq.
 */
static void no_rseq(char **argv)
{
	const char *t = getenv("GLIBC_TUNABLES");

	if (t && strstr(t, "glibc.pthread.rseq=0"))
		return;
	setenv("GLIBC_TUNABLES", "glibc.pthread.rseq=0", 1);
	execv("/proc/self/exe", argv);
}

int main(int argc, char **argv)
{
	const char *only = argc > 2 && !strcmp(argv[1], "--only") ? argv[2] :
			   NULL;
	int before[3], after[3], code;
	const char *names[NR_SWEEPS];
	bool run[NR_SWEEPS];
	int planned;
	unsigned long stack;
	struct cwp_ns_chain chain;
	struct scan *sc;
	unsigned int i;

	no_rseq(argv);
	/*
	 * ia32 callers differ in how the set is read; the rest of the path
	 * is the same code, swept by the 64-bit build.
	 */
	for (i = 0; i < NR_SWEEPS; i++)
		run[i] = (sizeof(long) == 8 || sweeps[i].both) &&
			 (!only || !strcmp(only, sweeps[i].name));
	for (i = 0, planned = 2; i < NR_SWEEPS; i++)
		planned += run[i];
	ksft_print_header();
	ksft_set_plan(planned);
	if (!fi_available()) {
		for (i = 0; i < NR_SWEEPS; i++)
			if (run[i])
				ksft_test_result_code(KSFT_SKIP, sweeps[i].name,
						      "no fault injection");
		ksft_test_result_code(KSFT_SKIP, "tasks_unchanged",
				      "no fault injection");
		ksft_test_result_code(KSFT_SKIP, "no_pid_left_behind",
				      "no fault injection");
		ksft_finished();
	}
	shared = cwp_shared_alloc(sizeof(*shared));
	stack = (unsigned long)mmap(NULL, 65536, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!shared || stack == (unsigned long)MAP_FAILED || fi_save() ||
	    cwp_chain_create(&chain, 2)) {
		diag("setup failed: %s", strerror(errno));
		ksft_finished();
	}
	stack += 65536 - 64;
	count_tasks(before, 3);
	fi_quiet_console(true);
	for (i = 0; i < NR_SWEEPS; i++)
		names[i] = sweeps[i].filter ? sweeps[i].filter : "-";
	fi_lookup(names, shared->ranges, NR_SWEEPS);
	for (i = 0; i < NR_SWEEPS; i++)
		if (run[i])
			run_sweep(&chain, &sweeps[i], &shared->ranges[i],
				  stack);
	fi_restore();

	count_tasks(after, 3);
	diag("tasks per level before %d/%d/%d, after %d/%d/%d", before[0],
	     before[1], before[2], after[0], after[1], after[2]);
	ksft_test_result(before[1] == after[1] && before[2] == after[2],
			 "tasks_unchanged\n");
	sc = cwp_shared_alloc(sizeof(*sc));
	sc->stack = stack;
	code = cwp_wait(cwp_spawn_at(&chain, 2, CWP_SPAWN_SETNS, scan_worker, sc));
	diag("claimed every free pid below %d at level 1, %d at level 2",
	     sc->limit[1], sc->limit[2]);
	ksft_test_result(code == 0, "no_pid_left_behind\n");
	cwp_chain_destroy(&chain);

	diag("allocation sites failed (%u sweeps, %u calls):",
	     (unsigned int)NR_SWEEPS,
	     shared->iterations);
	for (i = 0; i < shared->nsites; i++)
		diag("  %-16s %s x%u", shared->sites[i].attr,
		     shared->sites[i].where, shared->sites[i].count);
	ksft_finished();
}
