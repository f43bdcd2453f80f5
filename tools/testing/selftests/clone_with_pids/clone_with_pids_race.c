// SPDX-License-Identifier: GPL-2.0
/*
 * clone_with_pids(): processes racing for one pid. At most one gets it,
 * the others fail with EBUSY and keep nothing, not even the pids they
 * wanted at other levels; once the winner is reaped the pid is free again.
 * In the races below one always wins, as no racer can fail after it has
 * taken the contended pid. A caller that takes a pid at one level and then
 * fails on a busy pid at another gives the first one back: a racer for it
 * may have seen EBUSY meanwhile, but the pid is never left taken.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clone_with_pids_harness.h"

#define RACERS 8
#define ROUNDS 8

/* The contended pid one level down. */
#define CONTENDED 500

enum mode {
	SAME_SET,		/* everyone wants the same set */
	OWN_LEVEL0,		/* same pid at level 1, own pid at level 0 */
	OWN_LEVEL1,		/* same pid at level 0, own pid at level 1 */
};

struct result {
	int ret;		/* the call's return value */
	int err;		/* its errno */
	int nr;			/* the winner's child: its NSpid */
	pid_t nspid[CWP_MAX_PIDS];
};

FIXTURE(race) {
	pid_t pid0[RACERS];	/* free pids of the initial pid namespace */
};

FIXTURE_VARIANT(race) {
	int depth;		/* the racers' level */
	enum mode mode;
};

FIXTURE_VARIANT_ADD(race, level0) {
	.depth = 0,
	.mode = SAME_SET,
};

FIXTURE_VARIANT_ADD(race, level1) {
	.depth = 1,
	.mode = SAME_SET,
};

FIXTURE_VARIANT_ADD(race, level1_own_level0_pid) {
	.depth = 1,
	.mode = OWN_LEVEL0,
};

FIXTURE_VARIANT_ADD(race, level1_own_level1_pid) {
	.depth = 1,
	.mode = OWN_LEVEL1,
};

FIXTURE_SETUP(race)
{
	int i;

	cwp_require(_metadata);
	if (_metadata->exit_code)
		return;
	for (i = 0; i < RACERS; i++) {
		self->pid0[i] = cwp_free_pid();
		ASSERT_LT(0, self->pid0[i]);
	}
}

FIXTURE_TEARDOWN(race)
{
}

/* The set racer @i wants, at level @depth. */
static void racer_set(const pid_t *pid0, int depth, enum mode mode, int i,
		      pid_t *pids)
{
	if (!depth) {
		pids[0] = pid0[0];
		return;
	}
	pids[0] = mode == OWN_LEVEL0 ? pid0[i] : pid0[0];
	pids[1] = mode == OWN_LEVEL1 ? CONTENDED + i : CONTENDED;
}

/*
 * Wait at the start line (until @go is closed), make the call, report it
 * in @res and, when it won, keep the child and its pids until @hold is
 * closed.
 */
static void racer(struct target_pid_set *set, int go, int done, int hold,
		  struct result *res)
{
	char byte;
	pid_t pid;

	if (read(go, &byte, 1) != 0)
		_exit(1);
	pid = cwp_clone(SIGCHLD, set);
	if (pid == 0) {
		res->nr = cwp_read_nspid(cwp_proc0, "self/status", res->nspid,
					 CWP_MAX_PIDS);
		if (write(done, "x", 1) != 1)
			_exit(1);
		/* Keep the pid while the others are being checked. */
		while (read(hold, &byte, 1) > 0)
			;
		_exit(0);
	}
	res->ret = pid;
	res->err = pid < 0 ? errno : 0;
	if (write(done, "x", 1) != 1)
		_exit(1);
	_exit(pid > 0 ? cwp_wait(pid) : 0);
}

/*
 * Fork one racer for each of the RACERS sets, all waiting for go[1] to be
 * closed; the caller keeps go[1], done[0] and hold[1].
 */
static void start_racers(struct __test_metadata *_metadata,
			 struct target_pid_set *sets, struct result *res,
			 pid_t *racers, int go[2], int done[2], int hold[2])
{
	int i;

	memset(res, 0, RACERS * sizeof(*res));
	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(done));
	ASSERT_EQ(0, pipe(hold));
	for (i = 0; i < RACERS; i++) {
		res[i].ret = -2;
		racers[i] = fork();
		ASSERT_LE(0, racers[i]);
		if (racers[i] == 0) {
			close(go[1]);
			close(done[0]);
			close(hold[1]);
			racer(&sets[i], go[0], done[1], hold[0], &res[i]);
		}
	}
	close(go[0]);
	close(done[1]);
	close(hold[0]);
}

static void race_round(struct __test_metadata *_metadata,
		       const pid_t *pid0, int depth, enum mode mode,
		       struct result *res)
{
	int go[2], done[2], hold[2], i, winner = -1, busy = 0;
	pid_t pids[RACERS][2], racers[RACERS];
	struct target_pid_set sets[RACERS], set;
	int nr = depth + 1;
	char bytes[RACERS + 1];
	struct cwp_child c;

	for (i = 0; i < RACERS; i++) {
		racer_set(pid0, depth, mode, i, pids[i]);
		sets[i].num_pids = nr;
		sets[i].target_pids = pids[i];
	}
	start_racers(_metadata, sets, res, racers, go, done, hold);

	/* Off they go: all of them see the end of the pipe at once. */
	close(go[1]);
	/* Every racer reports, and so does the child of the one that won. */
	EXPECT_EQ(0, cwp_read_all(done[0], bytes, RACERS + 1));
	close(done[0]);
	for (i = 0; i < RACERS; i++) {
		if (res[i].ret > 0) {
			EXPECT_EQ(-1, winner)
				TH_LOG("racers %d and %d both won", winner, i);
			winner = i;
		} else {
			EXPECT_EQ(-1, res[i].ret);
			EXPECT_EQ(EBUSY, res[i].err)
				TH_LOG("racer %d: %s", i, strerror(res[i].err));
			busy += res[i].err == EBUSY;
		}
	}
	ASSERT_LE(0, winner);
	EXPECT_EQ(RACERS - 1, busy);

	/* The winner got what it asked for. */
	EXPECT_EQ(pids[winner][nr - 1], res[winner].ret);
	ASSERT_EQ(nr, res[winner].nr);
	for (i = 0; i < nr; i++)
		EXPECT_EQ(pids[winner][i], res[winner].nspid[i]);

	/* The losers kept nothing: their own pids are free. */
	for (i = 0; mode != SAME_SET && i < RACERS; i++) {
		if (i == winner)
			continue;
		if (mode == OWN_LEVEL0)
			pids[i][1] = 0;
		else
			pids[i][0] = 0;
		set.num_pids = nr;
		set.target_pids = pids[i];
		ASSERT_EQ(0, cwp_spawn(&c, SIGCHLD, NULL, &set));
		cwp_check_nspid(_metadata, &c.rep, pids[i], nr);
		EXPECT_EQ(0, cwp_release(&c));
	}

	close(hold[1]);
	for (i = 0; i < RACERS; i++)
		EXPECT_EQ(0, cwp_wait(racers[i]));

	/* The winner reaped, its pids are free again. */
	racer_set(pid0, depth, mode, winner, pids[winner]);
	set.num_pids = nr;
	set.target_pids = pids[winner];
	ASSERT_EQ(0, cwp_spawn(&c, SIGCHLD, NULL, &set));
	cwp_check_nspid(_metadata, &c.rep, pids[winner], nr);
	EXPECT_EQ(0, cwp_release(&c));
}

TEST_F_TIMEOUT(race, exactly_one_wins, 120)
{
	struct result *res;
	pid_t pid;

	res = mmap(NULL, RACERS * sizeof(*res), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(res != MAP_FAILED);

	pid = cwp_fork_nested(variant->depth);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int round;

		for (round = 0; round < ROUNDS; round++)
			race_round(_metadata, self->pid0, variant->depth,
				   variant->mode, res);
		_exit(0);
	}
	EXPECT_EQ(0, cwp_wait(pid));
	munmap(res, RACERS * sizeof(*res));
}

FIXTURE(loser) {
	pid_t pid0[2];		/* free pids of the initial pid namespace */
};

FIXTURE_SETUP(loser)
{
	cwp_require(_metadata);
	if (_metadata->exit_code)
		return;
	self->pid0[0] = cwp_free_pid();
	self->pid0[1] = cwp_free_pid();
	ASSERT_LT(0, self->pid0[1]);
}

FIXTURE_TEARDOWN(loser)
{
}

/*
 * In a process at level 2: the set @pids, of which the entry at level
 * @busy is in use, fails with EBUSY; every other pid of the set is free
 * afterwards, and a call choosing them all (the busy level left to the
 * kernel) gets exactly them, at once.
 */
static void check_loser(struct __test_metadata *_metadata, pid_t *pids,
			int busy)
{
	struct target_pid_set set = { 3, pids };
	pid_t wanted = pids[busy];
	struct cwp_child c;

	EXPECT_EQ(-EBUSY, cwp_clone_err(SIGCHLD, NULL, &set))
		TH_LOG("pid %d at level %d in use", wanted, busy);
	if (busy)
		EXPECT_FALSE(cwp_pid0_in_use(pids[0]));

	pids[busy] = 0;
	ASSERT_EQ(0, cwp_spawn(&c, SIGCHLD, NULL, &set));
	EXPECT_EQ(pids[2] ? pids[2] : c.rep.nspid[2], c.pid);
	cwp_check_nspid(_metadata, &c.rep, pids, 3);
	EXPECT_EQ(0, cwp_release(&c));
	pids[busy] = wanted;
}

/*
 * The loser of "at most one wins" keeps nothing: whichever level's pid is
 * taken first, and whichever level then turns out to be busy, the pids it
 * reserved before failing are free again when the call returns.
 */
TEST_F(loser, ebusy_frees_reserved_pids)
{
	pid_t pid;

	pid = cwp_fork_nested(2);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		pid_t hold1[] = { 0, 0, 0 }, hold2[] = { 0, 0, 0 };
		pid_t hold0[] = { self->pid0[1], 0, 0 };
		struct target_pid_set set = { 3, NULL };
		struct cwp_child c0, c1, c2;
		pid_t pids[3];

		/* Busy: pid0[1] at level 0, Q = 70 at level 1, 80 at 2. */
		hold1[1] = 70;
		hold2[2] = 80;
		set.target_pids = hold0;
		ASSERT_EQ(0, cwp_spawn(&c0, SIGCHLD, NULL, &set));
		set.target_pids = hold1;
		ASSERT_EQ(0, cwp_spawn(&c1, SIGCHLD, NULL, &set));
		set.target_pids = hold2;
		ASSERT_EQ(0, cwp_spawn(&c2, SIGCHLD, NULL, &set));
		ASSERT_EQ(80, c2.pid);

		/* P free at level 0, Q busy at level 1. */
		pids[0] = self->pid0[0];
		pids[1] = 70;
		pids[2] = 0;
		check_loser(_metadata, pids, 1);
		/* And with a pid at level 2, taken before either. */
		pids[2] = 90;
		check_loser(_metadata, pids, 1);

		/* Busy at level 0: what was chosen below is given back. */
		pids[0] = self->pid0[1];
		pids[1] = 71;
		pids[2] = 91;
		check_loser(_metadata, pids, 0);

		/* Busy at level 2. */
		pids[0] = self->pid0[0];
		pids[1] = 72;
		pids[2] = 80;
		check_loser(_metadata, pids, 2);

		EXPECT_EQ(0, cwp_release(&c2));
		EXPECT_EQ(0, cwp_release(&c1));
		EXPECT_EQ(0, cwp_release(&c0));
		_exit(0);
	}
	EXPECT_EQ(0, cwp_wait(pid));
	EXPECT_FALSE(cwp_pid0_in_use(self->pid0[0]));
}

/*
 * In a process at level 2, one round: half the racers want {0, P, 0},
 * which can succeed, the other half {B, P, 0}, with B in use at level 0,
 * which takes P at level 1 before it fails. Those always fail with EBUSY;
 * of the others at most one wins: possibly none, as they may have met P
 * reserved by a loser. Afterwards P is free, or the winner's until it is
 * reaped.
 */
static void loser_round(struct __test_metadata *_metadata, pid_t busy,
			struct result *res)
{
	pid_t pids[RACERS][3], racers[RACERS], want[] = { 0, CONTENDED, 0 };
	int go[2], done[2], hold[2], i, winner = -1, nr, got, reported;
	struct target_pid_set sets[RACERS], set = { 3, want };
	char bytes[1];
	struct cwp_child c;

	for (i = 0; i < RACERS; i++) {
		pids[i][0] = i % 2 ? busy : 0;
		pids[i][1] = CONTENDED;
		pids[i][2] = 0;
		sets[i].num_pids = 3;
		sets[i].target_pids = pids[i];
	}
	start_racers(_metadata, sets, res, racers, go, done, hold);
	close(go[1]);

	/* Every racer reports; a winner's child as well. */
	for (got = 0;; got++) {
		for (i = 0, reported = 0, nr = 0; i < RACERS; i++) {
			reported += res[i].ret != -2;
			nr += res[i].ret > 0;
		}
		if (reported == RACERS && got == RACERS + nr)
			break;
		ASSERT_EQ(0, cwp_read_all(done[0], bytes, 1));
	}
	nr = 0;
	for (i = 0; i < RACERS; i++) {
		if (res[i].ret > 0) {
			EXPECT_EQ(0, i % 2) TH_LOG("racer %d won", i);
			EXPECT_EQ(-1, winner)
				TH_LOG("racers %d and %d both won", winner, i);
			winner = i;
			nr++;
		} else {
			EXPECT_EQ(-1, res[i].ret);
			EXPECT_EQ(EBUSY, res[i].err)
				TH_LOG("racer %d: %s", i, strerror(res[i].err));
		}
	}
	if (winner >= 0) {
		EXPECT_EQ(3, res[winner].nr);
		EXPECT_EQ(CONTENDED, res[winner].nspid[1]);
		EXPECT_EQ(res[winner].ret, res[winner].nspid[2]);
		/* P is the winner's. */
		EXPECT_EQ(-EBUSY, cwp_clone_err(SIGCHLD, NULL, &set));
	}
	close(done[0]);
	close(hold[1]);
	for (i = 0; i < RACERS; i++)
		EXPECT_EQ(0, cwp_wait(racers[i]));

	/* The losers left P free; so did the winner, reaped. */
	ASSERT_EQ(0, cwp_spawn(&c, SIGCHLD, NULL, &set));
	cwp_check_nspid(_metadata, &c.rep, want, 3);
	EXPECT_EQ(0, cwp_release(&c));
	EXPECT_LE(nr, 1);
}

TEST_F_TIMEOUT(loser, at_most_one_wins, 120)
{
	struct result *res;
	pid_t pid;

	res = mmap(NULL, RACERS * sizeof(*res), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(res != MAP_FAILED);

	pid = cwp_fork_nested(2);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		pid_t hold0[] = { self->pid0[1], 0, 0 };
		struct target_pid_set set = { 3, hold0 };
		struct cwp_child c0;
		int round;

		/* B, in use at level 0. */
		ASSERT_EQ(0, cwp_spawn(&c0, SIGCHLD, NULL, &set));
		for (round = 0; round < ROUNDS; round++)
			loser_round(_metadata, self->pid0[1], res);
		EXPECT_EQ(0, cwp_release(&c0));
		_exit(0);
	}
	EXPECT_EQ(0, cwp_wait(pid));
	munmap(res, RACERS * sizeof(*res));
}

TEST_HARNESS_MAIN
