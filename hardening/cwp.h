/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers of the clone_with_pids() hardening programs: the raw
 * system call, KTAP output, a seeded generator, pid namespace chains,
 * capabilities and small /proc helpers.
 */
#ifndef CWP_HARDENING_H
#define CWP_HARDENING_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <asm/unistd.h>
#include <linux/types.h>
#include <linux/clone_with_pids.h>

/* From the patched kernel's headers only (KHDR, see the Makefile). */
#ifndef __NR_clone_with_pids
#error "no __NR_clone_with_pids: build with the patched kernel's headers (KHDR=)"
#endif

typedef __u64 u64;
typedef __u32 u32;
typedef __s32 s32;

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define CWP_NR		__NR_clone_with_pids
/* _NSIG: a larger exit signal (flags & CSIGNAL) is EINVAL (v2). */
#define CWP_MAX_EXIT_SIGNAL	64
/* MAX_PID_NS_LEVEL: levels 0..32, so a set has at most 33 pids. */
#define CWP_MAX_LEVEL	32
#define CWP_MAX_PIDS	(CWP_MAX_LEVEL + 1)

#ifndef __WALL
#define __WALL		0x40000000
#endif

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

/* Like fork(): 0 in the child, the pid or -errno in the parent. */
long cwp_fork(unsigned long flags, const pid_t *pids, int num);
/* A child that exits at once: its pid (not yet reaped) or -errno. */
long cwp_spawn(unsigned long flags, const pid_t *pids, int num);
/* Waits for @pid (any kind of child); its exit code, 128 + signal, or -1. */
int cwp_reap(pid_t pid);
/* Reaps every child left; returns how many there were. */
int cwp_reap_all(void);
const char *cwp_errname(long err);

/* KTAP, version 1: a plan, one line per result, diagnostics as "# ". */
void ktap_plan(int tests);
void ktap_result(bool ok, const char *fmt, ...);
void ktap_skip(const char *name, const char *reason);
/*
 * The exit status for the program: 0 when every result passed and there
 * were as many results as the plan said, else 1.
 */
int ktap_exit(void);
#define diag(fmt, ...)	printf("# " fmt "\n", ##__VA_ARGS__)

/* splitmix64: small, seedable, the same on 32 and 64 bits. */
struct rng {
	u64 state;
};

u64 rng_next(struct rng *r);
u32 rng_below(struct rng *r, u32 n);
bool rng_chance(struct rng *r, unsigned int num, unsigned int den);
u64 seed_from_time(void);

/*
 * A chain of nested pid namespaces, levels 1..depth, each held open by a
 * holder process that is its pid 1 and reaps its orphans. fd[i] opens the
 * namespace at level i, fd[0] the caller's own one.
 */
struct ns_chain {
	int depth;
	pid_t holder[CWP_MAX_LEVEL + 1];	/* level-0 pids, [0] unused */
	int fd[CWP_MAX_LEVEL + 1];
};

int chain_create(struct ns_chain *c, int depth);
void chain_destroy(struct ns_chain *c);

enum spawn_mode {
	/* the worker lives in the namespace: its own level is the level */
	SPAWN_NATIVE,
	/* the worker stays at level 0 and setns()es its children's namespace */
	SPAWN_SETNS,
};

/* Runs fn(arg) in a child at @level; returns the child's level-0 pid. */
pid_t spawn_at(struct ns_chain *c, int level, enum spawn_mode mode,
	       int (*fn)(void *), void *arg);

/* The NSpid line of /proc/PID/status: pids from level 0 on; count or -1. */
int nspid_of(pid_t pid, pid_t *out, int max);
/* The same from any file with an NSpid line, like a pidfd's fdinfo. */
int nspid_of_file(const char *path, pid_t *out, int max);
int write_file(const char *path, const char *fmt, ...);
long read_long(const char *path);
int pid_max_get(void);

/* Raw capset(2), so that no libcap is needed for -m32. */
int caps_set(u64 effective, u64 permitted, u64 inheritable);
int caps_get(u64 *effective, u64 *permitted);
#define CAP_BIT(cap)	(1ULL << (cap))

/* Shared anonymous memory, visible to forked children. */
void *shared_alloc(size_t size);

#endif /* CWP_HARDENING_H */
