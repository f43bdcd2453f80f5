/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the clone_with_pids() hardening programs share beyond the helpers
 * of the selftests (../clone_with_pids_selftests.h): the raw system call
 * entries of cwp_raw.S, a seeded generator, and diagnostics.
 */
#ifndef CWP_HARDENING_H
#define CWP_HARDENING_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <sys/types.h>
#include <linux/types.h>

#include "../clone_with_pids_selftests.h"

typedef __u64 u64;
typedef __u32 u32;
typedef __s32 s32;

/* _NSIG: a larger exit signal (flags & CSIGNAL) is EINVAL (v2). */
#define CWP_MAX_EXIT_SIGNAL	64

/* A line of diagnostics, "# " and all, through kselftest.h. */
#define diag(fmt, ...)	ksft_print_msg(fmt "\n", ##__VA_ARGS__)

/* struct target_pid_set as a 32-bit caller lays it out. */
struct cwp_set32 {
	s32 num_pids;
	u32 target_pids;
};

/*
 * In cwp_raw.S. The child exits at once with status 0; the parent gets
 * the child's pid or a negative errno.
 */
long cwp_raw(unsigned long flags, unsigned long stack, int *parent_tid,
	     int *child_tid, unsigned long tls, const void *pid_set);
#ifdef __x86_64__
long cwp_raw_int80(unsigned long flags, unsigned long stack, int *parent_tid,
		   int *child_tid, unsigned long tls, const void *pid_set);
#endif

/*
 * cwp_raw() between arming and disarming fault injection; see cwp_raw.S.
 * Must live in shared memory, as must every buffer it points to.
 */
struct cwp_armed {
	unsigned long flags, stack, ptid, ctid, tls, set;
	unsigned long fd;
	unsigned long arm, arm_len;
	unsigned long left, left_len;
	unsigned long zero;
};

long cwp_raw_armed(struct cwp_armed *a);

static inline int pid_max_get(void)
{
	return cwp_read_long("/proc/sys/kernel/pid_max");
}

/* splitmix64: small, seedable, the same on 32 and 64 bits. */
struct rng {
	u64 state;
};

static inline u64 rng_next(struct rng *r)
{
	u64 z = (r->state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline u32 rng_below(struct rng *r, u32 n)
{
	return n ? (u32)(rng_next(r) % n) : 0;
}

static inline bool rng_chance(struct rng *r, unsigned int num,
			      unsigned int den)
{
	return rng_below(r, den) < num;
}

static inline u64 seed_from_time(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	/* Small enough to type back in from the log. */
	return ((u64)ts.tv_sec * 1000003u + ts.tv_nsec / 1000) %
	       1000000007u;
}

#endif /* CWP_HARDENING_H */
