// SPDX-License-Identifier: GPL-2.0
/*
 * Race stress: many processes, at several pid namespace levels, claim
 * overlapping pids at several levels at once, for a bounded time.
 *
 * A chain of 3 nested namespaces; every worker creates its children in
 * the deepest one, so every set addresses levels 0..3. Workers live at
 * level 0, 1, 2 and 3 (setns() into level 3 for their children where
 * they are not there themselves). Each call wants a pid from a small pool
 * at level 3, often one at level 2, sometimes one at level 1, so calls
 * collide at one level while another is free, and the loser must give
 * back what it already took. A winner holds its pids for a moment
 * (its child is not reaped at once).
 *
 * Checked: no two live children ever hold the same wanted pid (a shared
 * counter per pid, raised after a win and lowered before the reap), every
 * loser gets EBUSY, the winner's pids are the wanted ones (the returned
 * pid, and now and then every level read back from /proc) and its child
 * exits with 0, and when all is done every pid of the pools can be taken
 * again. Every finding printed as "FAIL" fails one of the results.
 *
 * Usage: race [--seconds N] [--seed N]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>

#include "hardening.h"

#define LEVELS		4		/* 0..3 */
#define POOL3		8
#define POOL2		4
#define POOL1		2
#define NR_WORKERS	8

/* Far above what the kernel hands out in these namespaces meanwhile. */
static const pid_t base[LEVELS] = { 0, 22000, 21000, 20000 };
static const int pool[LEVELS] = { 0, POOL1, POOL2, POOL3 };

struct stats {
	unsigned long attempts, wins, ebusy, other, verified, double_wins;
	/* winners with other pids than wanted; children not exiting with 0 */
	unsigned long wrong_pids, bad_exits;
	unsigned long wins_at[LEVELS];
	int holders[LEVELS][POOL3];
	int max_holders;
	int last_errno;
};

static struct stats *st;

struct worker {
	int id;
	int live;		/* level the worker lives at */
	bool setns;		/* its children's namespace is set to level 3 */
	int fd3;
	u64 seed;
	double deadline;
	unsigned long stack;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void hold(int level, int idx, int delta)
{
	int n = __atomic_add_fetch(&st->holders[level][idx], delta,
				   __ATOMIC_SEQ_CST);

	if (n > 1) {
		__atomic_add_fetch(&st->double_wins, 1, __ATOMIC_SEQ_CST);
		diag("FAIL: pid %d at level %d has %d live holders", base[level] +
		     idx, level, n);
	}
	if (n > st->max_holders)
		st->max_holders = n;
}

static int work(void *arg)
{
	struct worker *w = arg;
	struct rng r = { w->seed };
	pid_t pids[LEVELS], nsp[LEVELS + 1];
	struct target_pid_set set = { LEVELS, pids };
	int idx[LEVELS], l, n;
	unsigned long flags;
	long ret;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (w->setns && setns(w->fd3, CLONE_NEWPID))
		return 2;
	while (now() < w->deadline) {
		memset(pids, 0, sizeof(pids));
		for (l = 1; l < LEVELS; l++) {
			idx[l] = -1;
			/* level 3 always, level 2 one call in 2, level 1 in 4 */
			if (l < 3 && !rng_chance(&r, 1, 1 << (3 - l)))
				continue;
			idx[l] = rng_below(&r, pool[l]);
			pids[l] = base[l] + idx[l];
		}
		/* mostly vfork()-like children: cheap, yet they hold pids */
		flags = SIGCHLD;
		if (!rng_chance(&r, 1, 4))
			flags |= CLONE_VM | CLONE_VFORK;
		ret = cwp_raw(flags, w->stack, NULL, NULL, 0, &set);
		__atomic_add_fetch(&st->attempts, 1, __ATOMIC_RELAXED);
		if (ret == -EBUSY) {
			__atomic_add_fetch(&st->ebusy, 1, __ATOMIC_RELAXED);
			continue;
		}
		if (ret < 0) {
			__atomic_add_fetch(&st->other, 1, __ATOMIC_RELAXED);
			st->last_errno = -ret;
			continue;
		}
		__atomic_add_fetch(&st->wins, 1, __ATOMIC_RELAXED);
		for (l = 1; l < LEVELS; l++) {
			if (idx[l] < 0)
				continue;
			hold(l, idx[l], 1);
			__atomic_add_fetch(&st->wins_at[l], 1, __ATOMIC_RELAXED);
		}
		/* The caller's own level of the child is what we got back. */
		if (w->live == 3 && ret != pids[3]) {
			__atomic_add_fetch(&st->wrong_pids, 1, __ATOMIC_SEQ_CST);
			diag("FAIL: got pid %ld, wanted %d", ret, pids[3]);
		} else if (w->live == 0 && rng_chance(&r, 1, 8)) {
			n = cwp_nspid_of(ret, nsp, LEVELS + 1);
			for (l = 1; n == LEVELS && l < LEVELS; l++)
				if (pids[l] && nsp[l] != pids[l])
					n = -1;
			if (n != LEVELS) {
				__atomic_add_fetch(&st->wrong_pids, 1,
						   __ATOMIC_SEQ_CST);
				diag("FAIL: child %ld has other pids than wanted",
				     ret);
			} else {
				__atomic_add_fetch(&st->verified, 1,
						   __ATOMIC_RELAXED);
			}
		}
		if (rng_chance(&r, 1, 2))
			usleep(rng_below(&r, 2000));
		/* lowered before the reap, which is when the pids go free */
		for (l = 1; l < LEVELS; l++)
			if (idx[l] >= 0)
				hold(l, idx[l], -1);
		n = cwp_wait(ret);
		if (n) {
			__atomic_add_fetch(&st->bad_exits, 1, __ATOMIC_SEQ_CST);
			diag("FAIL: child %ld ended with %d, not 0", ret, n);
		}
	}
	return 0;
}

/* Every pool pid, alone at its level, can be taken again. */
static int all_free(void *arg)
{
	unsigned long stack = *(unsigned long *)arg;
	struct target_pid_set set;
	pid_t pids[LEVELS];
	int l, i, bad = 0;
	long ret;

	for (l = 1; l < LEVELS; l++) {
		for (i = 0; i < pool[l]; i++) {
			memset(pids, 0, sizeof(pids));
			pids[0] = base[l] + i;
			set.num_pids = LEVELS - l;
			set.target_pids = pids;
			ret = cwp_raw(SIGCHLD | CLONE_VM | CLONE_VFORK, stack,
				      NULL, NULL, 0, &set);
			if (ret > 0) {
				cwp_wait(ret);
				continue;
			}
			bad++;
			diag("FAIL: pid %d at level %d still taken: %s",
			     pids[0], l, cwp_errname(ret));
		}
	}
	return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
	/* where the workers live; all make their children at level 3 */
	static const int lives[NR_WORKERS] = { 0, 0, 1, 2, 3, 3, 3, 0 };
	u64 seed = seed_from_time();
	double seconds = 20, t0;
	struct worker w[NR_WORKERS];
	pid_t pid[NR_WORKERS];
	struct cwp_ns_chain chain;
	unsigned long stack;
	int i, code, bad = 0, free_code;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
			seconds = atof(argv[++i]);
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = strtoull(argv[++i], NULL, 0);
	}
	ksft_print_header();
	ksft_set_plan(4);
	diag("race: seed=%llu seconds=%.0f workers=%d bits=%d",
	     (unsigned long long)seed, seconds, NR_WORKERS,
	     (int)sizeof(long) * 8);
	st = cwp_shared_alloc(sizeof(*st));
	stack = (unsigned long)mmap(NULL, 65536, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!st || stack == (unsigned long)MAP_FAILED ||
	    cwp_chain_create(&chain, 3)) {
		diag("setup failed");
		ksft_finished();
	}
	stack += 65536 - 64;
	t0 = now();
	for (i = 0; i < NR_WORKERS; i++) {
		w[i].id = i;
		w[i].live = lives[i];
		w[i].setns = lives[i] < 3;
		w[i].fd3 = chain.fd[3];
		w[i].seed = seed * 31 + i;
		w[i].deadline = t0 + seconds;
		w[i].stack = stack;
		pid[i] = cwp_spawn_at(&chain, lives[i], CWP_SPAWN_NATIVE, work, &w[i]);
	}
	for (i = 0; i < NR_WORKERS; i++) {
		code = cwp_wait(pid[i]);
		if (code) {
			bad++;
			diag("FAIL: worker %d (level %d) ended with %d", i,
			     lives[i], code);
		}
	}
	diag("%lu attempts, %lu wins, %lu EBUSY, %lu other errors, in %.1f s",
	     st->attempts, st->wins, st->ebusy, st->other, now() - t0);
	diag("%lu winners' pids read back from /proc", st->verified);
	diag("wins per level: L1 %lu, L2 %lu, L3 %lu; most live holders of one pid: %d",
	     st->wins_at[1], st->wins_at[2], st->wins_at[3], st->max_holders);
	diag("%lu winners with other pids than wanted, %lu children not exiting with 0",
	     st->wrong_pids, st->bad_exits);
	if (st->other)
		diag("FAIL: unexpected errno: %s", cwp_errname(st->last_errno));
	ksft_test_result(!st->double_wins && !bad && st->wins > 0,
			 "exactly_one_winner_per_pid\n");
	ksft_test_result(!st->other && st->ebusy > 0, "losers_get_ebusy\n");
	/* and some winners were read back, or the check proved nothing */
	ksft_test_result(!st->wrong_pids && !st->bad_exits && st->verified > 0,
			 "winners_have_the_wanted_pids_and_exit_0\n");
	free_code = cwp_wait(cwp_spawn_at(&chain, 3, CWP_SPAWN_SETNS,
					  all_free, &stack));
	ksft_test_result(free_code == 0, "every_pid_free_afterwards\n");
	cwp_chain_destroy(&chain);
	ksft_finished();
}
