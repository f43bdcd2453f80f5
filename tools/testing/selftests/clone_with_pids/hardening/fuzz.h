/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The clone_with_pids() fuzzer: its inputs, the memory they point into,
 * and the model of what the kernel's reading of the pid set must return.
 */
#ifndef CWP_FUZZ_H
#define CWP_FUZZ_H

#include "hardening.h"

#define PAGE_SZ		4096UL

/*
 * The arena: every pointer the fuzzer passes points into it or is a
 * constant known to be unmapped, so the model knows which bytes the
 * kernel can read.
 */
enum arena_page {
	PG_SET0,	/* read-write: sets and arrays */
	PG_SET1,	/* read-write, ends at the guard */
	PG_GUARD,	/* PROT_NONE */
	PG_RO,		/* read-only */
	PG_HOLE,	/* unmapped */
	PG_END,		/* PROT_NONE, keeps the hole a hole */
	PG_SCRATCH,	/* read-write: parent_tid, child_tid, user_desc */
	NR_ARENA_PAGES,
};

struct fuzz_env {
	struct rng rng;
	char *arena;
	unsigned long stack_top;	/* a stack for CLONE_VM children */
	bool compat;		/* the kernel reads the ia32 layout */
	bool int80;		/* 64-bit task entering through int $0x80 */
	int self_level;		/* level of the caller's own (active) namespace */
	int fc_level;		/* level of pid_ns_for_children */
	bool fc_active;		/* which is the caller's active namespace */
	bool fc_has_init;	/* and whether it has had its pid 1 */
	bool unshared;		/* pid_ns_for_children is an unshare()d one */
	bool fc_dead;		/* its first fork failed past alloc_pid() */
	int pid_max;
	/*
	 * Privilege: the lowest level whose pids the caller may choose
	 * (CWP_MAX_PIDS: none), and whether it has CAP_SYS_ADMIN in its own
	 * user namespace (for CLONE_NEW* without CLONE_NEWUSER).
	 */
	int cap_from;
	bool ns_admin;
	pid_t recent[16];	/* recently wanted pids, to want them again */
	unsigned int nrecent;
};

struct fuzz_call {
	unsigned long flags, stack, tls;
	unsigned long ptid, ctid;
	u64 set;
	/* the model's verdict on the pid set, from the bytes as written */
	long expect;		/* 0 when the set passes, else -errno */
	int num;
	u64 array;
	pid_t pids[CWP_MAX_PIDS];
	int addressable;	/* levels the set may address: L + 1 */
	bool any_pid;		/* a non-zero pid is wanted */
	const char *reason;	/* why the model expects what it expects */
	int ctid_init;		/* what child_tid held before the call */
	bool bad_flags;		/* refused for its flags, set unread */
};

int fuzz_arena_init(struct fuzz_env *e);
void fuzz_generate(struct fuzz_env *e, struct fuzz_call *c);
void fuzz_model(struct fuzz_env *e, struct fuzz_call *c);
bool fuzz_flags_invalid(const struct fuzz_env *e, unsigned long flags);
bool fuzz_writable(const struct fuzz_env *e, u64 addr, u64 len);
long fuzz_tls_errno(const struct fuzz_env *e, unsigned long tls);
int fuzz_describe(const struct fuzz_call *c, char *buf, size_t len);
void fuzz_install_handlers(void);

static inline void *arena_page(const struct fuzz_env *e, enum arena_page pg)
{
	return e->arena + pg * PAGE_SZ;
}

#endif /* CWP_FUZZ_H */
