// SPDX-License-Identifier: GPL-2.0
/*
 * clone_with_pids(): processes racing for one pid. Exactly one gets it,
 * the others fail with EBUSY and keep nothing, not even the pids they
 * wanted at other levels; once the winner is reaped the pid is free again.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "clone_with_pids_selftests.h"

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

	memset(res, 0, RACERS * sizeof(*res));
	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(done));
	ASSERT_EQ(0, pipe(hold));
	for (i = 0; i < RACERS; i++) {
		racer_set(pid0, depth, mode, i, pids[i]);
		sets[i].num_pids = nr;
		sets[i].target_pids = pids[i];
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

TEST_HARNESS_MAIN
