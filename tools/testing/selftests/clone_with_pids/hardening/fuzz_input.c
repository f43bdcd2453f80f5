// SPDX-License-Identifier: GPL-2.0
/*
 * Inputs for the clone_with_pids() fuzzer, and the model of how the
 * kernel reads them.
 *
 * Every call gets random flags from a safe subset (the child exits at
 * once from cwp_raw.S, whatever it shares), now and then a bit above 31
 * (64-bit ABI only) or an exit signal byte anywhere in 0..255, which v2
 * refuses with EINVAL before reading the set (bits above 31, signals
 * above 64); random pointers for
 * parent_tid, child_tid, tls and the set, and a set whose header and
 * array may sit in readable memory, straddle into a PROT_NONE page, land
 * in a hole or at a kernel address. The model then reads the bytes back
 * as the kernel will and says which errno the flags, else the set alone,
 * must produce, since both are checked before clone() looks at anything
 * else.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <asm/ldt.h>
#include <linux/sched.h>
#include <sys/mman.h>

#include "fuzz.h"

/* Known to be unmapped (checked at start): never readable by anyone. */
static u64 bad_ptrs[16];
static unsigned int nbad_ptrs;

static const u64 bad_candidates[] = {
	0x10, 0x1000, 0xfff, 0xfffff000, 0xfffffffc, 0xffffffff,
	0xc0000000, 0x80000004,
#ifdef __x86_64__
	0xffff888000000000ULL, 0xffffffff81000000ULL,
	0x8000000000000000ULL, 0x0000800000000000ULL,
	0x00007ffffffff000ULL, 0xfffffffffffff000ULL,
	0xffffffffffffffffULL, 0x00007ffffffffffcULL,
#endif
};

static bool unmapped(u64 addr)
{
	uintptr_t page = (uintptr_t)(addr & ~(PAGE_SZ - 1));

	if (addr != (uintptr_t)addr)
		return true;
	/* msync() fails with ENOMEM where nothing is mapped */
	return msync((void *)page, PAGE_SZ, MS_ASYNC) && errno == ENOMEM;
}

int fuzz_arena_init(struct fuzz_env *e)
{
	int flags = MAP_PRIVATE | MAP_ANONYMOUS;
	size_t stack_size = 16 * PAGE_SZ;
	char *stack;
	unsigned int i;

#ifdef __x86_64__
	/* int $0x80 passes 32-bit pointers */
	if (e->int80)
		flags |= MAP_32BIT;
#endif
	e->arena = mmap(NULL, NR_ARENA_PAGES * PAGE_SZ, PROT_READ | PROT_WRITE,
			flags, -1, 0);
	stack = mmap(NULL, stack_size, PROT_READ | PROT_WRITE, flags, -1, 0);
	if (e->arena == MAP_FAILED || stack == MAP_FAILED)
		return -1;
	e->stack_top = (unsigned long)(stack + stack_size - 64);
	if (mprotect(arena_page(e, PG_GUARD), PAGE_SZ, PROT_NONE) ||
	    mprotect(arena_page(e, PG_END), PAGE_SZ, PROT_NONE) ||
	    mprotect(arena_page(e, PG_RO), PAGE_SZ, PROT_READ) ||
	    munmap(arena_page(e, PG_HOLE), PAGE_SZ))
		return -1;
	nbad_ptrs = 0;
	for (i = 0; i < ARRAY_SIZE(bad_candidates);
	     i++) {
		u64 p = bad_candidates[i];

		if ((e->compat && p > UINT32_MAX) || !unmapped(p))
			continue;
		if (nbad_ptrs < ARRAY_SIZE(bad_ptrs))
			bad_ptrs[nbad_ptrs++] = p;
	}
	return nbad_ptrs ? 0 : -1;
}

/* Whether the kernel can read [addr, addr + len), as the model sees it. */
static bool readable(const struct fuzz_env *e, u64 addr, u64 len)
{
	u64 base = (uintptr_t)e->arena, page;

	if (!len)
		return true;
	if (addr + len < addr)
		return false;
	for (page = addr & ~(PAGE_SZ - 1); page < addr + len;
	     page += PAGE_SZ) {
		u64 idx = (page - base) / PAGE_SZ;

		if (page < base || idx >= NR_ARENA_PAGES)
			return false;
		if (idx != PG_SET0 && idx != PG_SET1 && idx != PG_RO &&
		    idx != PG_SCRATCH)
			return false;
	}
	return true;
}

/* Whether the kernel can write there: readable, and not read-only. */
bool fuzz_writable(const struct fuzz_env *e, u64 addr, u64 len)
{
	u64 ro = (uintptr_t)arena_page(e, PG_RO);

	if (!len)
		return true;
	return readable(e, addr, len) &&
	       (addr >= ro + PAGE_SZ || addr + len <= ro);
}

/* x86_64's TASK_SIZE_MAX with 4-level paging (the guest boots la57=off) */
#define TASK_SIZE_MAX_4L	((1ULL << 47) - PAGE_SZ)

/*
 * What copy_thread() makes of CLONE_SETTLS's @tls: an fs base below
 * TASK_SIZE_MAX for the 64-bit ABI (else EPERM); for a compat caller a
 * struct user_desc that must be readable (else EFAULT) and name a TLS
 * slot of the GDT, 12..14 (else EINVAL). gen_tls() only writes
 * descriptors that tls_desc_okay() accepts.
 */
long fuzz_tls_errno(const struct fuzz_env *e, unsigned long tls)
{
	struct user_desc desc;
	u64 addr = e->compat ? (u32)tls : (u64)tls;

	if (!e->compat)
		return addr >= TASK_SIZE_MAX_4L ? -EPERM : 0;
	if (!readable(e, addr, sizeof(desc)))
		return -EFAULT;
	memcpy(&desc, (const void *)(uintptr_t)addr, sizeof(desc));
	if (desc.entry_number < 12 || desc.entry_number > 14)
		return -EINVAL;
	return 0;
}

/* Writes what lands in writable (or read-only, made writable) pages. */
static void poke(struct fuzz_env *e, u64 addr, const void *src,
		 size_t len)
{
	u64 base = (uintptr_t)e->arena;
	const unsigned char *s = src;
	bool ro = false;
	size_t i;

	for (i = 0; i < len; i++) {
		u64 a = addr + i, idx = (a - base) / PAGE_SZ;

		if (a < base || idx >= NR_ARENA_PAGES)
			continue;
		if (idx == PG_RO && !ro) {
			mprotect(arena_page(e, PG_RO), PAGE_SZ,
				 PROT_READ | PROT_WRITE);
			ro = true;
		}
		if (idx == PG_SET0 || idx == PG_SET1 || idx == PG_SCRATCH ||
		    idx == PG_RO)
			*(unsigned char *)(uintptr_t)a = s[i];
	}
	if (ro)
		mprotect(arena_page(e, PG_RO), PAGE_SZ, PROT_READ);
}

static u64 bad_ptr(struct fuzz_env *e)
{
	return bad_ptrs[rng_below(&e->rng, nbad_ptrs)];
}

/*
 * A place for @len bytes: mostly readable, sometimes straddling into the
 * guard page, read-only, in the guard, in the hole, or a bad constant.
 * @bad is the chance, in percent, of anything but a readable place.
 */
static u64 gen_place(struct fuzz_env *e, size_t len, unsigned int bad)
{
	u64 set0 = (uintptr_t)arena_page(e, PG_SET0);
	u64 set1_end = (uintptr_t)arena_page(e, PG_GUARD);
	struct rng *r = &e->rng;
	u64 off;

	if (len > 2 * PAGE_SZ - 64)
		len = 2 * PAGE_SZ - 64;
	if (rng_below(r, 100) >= bad) {
		off = rng_below(r, 2 * PAGE_SZ - len + 1);
		/* mostly naturally aligned, sometimes not at all */
		if (rng_chance(r, 4, 5))
			off &= ~3ULL;
		return set0 + off;
	}
	switch (rng_below(r, 6)) {
	case 0:	/* the tail end crosses into the guard page */
		off = 1 + rng_below(r, len > 1 ? len - 1 : 1);
		if (rng_chance(r, 2, 3))
			off = (off + 3) & ~3ULL;
		return set1_end - off;
	case 1:
		return (uintptr_t)arena_page(e, PG_RO) +
		       rng_below(r, PAGE_SZ - len + 1);
	case 2:
		return (uintptr_t)arena_page(e, PG_GUARD) +
		       rng_below(r, PAGE_SZ);
	case 3:
		return (uintptr_t)arena_page(e, PG_HOLE) +
		       rng_below(r, PAGE_SZ);
	case 4:
		return 0;
	default:
		return bad_ptr(e);
	}
}

static int gen_num(struct fuzz_env *e, int addressable)
{
	static const int odd[] = { -1, INT_MIN, 34, 33, INT_MAX, 0x10000,
				   -33, 64, 1 << 30 };
	struct rng *r = &e->rng;
	unsigned int pick = rng_below(r, 100);

	if (pick < 5)
		return 0;
	if (pick < 30)
		return addressable;
	if (pick < 80)
		return 1 + rng_below(r, addressable);
	if (pick < 88)
		return addressable + 1 + rng_below(r, 3);
	return odd[rng_below(r, ARRAY_SIZE(odd))];
}

static pid_t gen_pid(struct fuzz_env *e)
{
	struct rng *r = &e->rng;
	unsigned int pick = rng_below(r, 100);

	if (pick < 40)
		return 0;
	if (pick < 80)
		return 2 + rng_below(r, e->pid_max - 2);
	if (pick < 85)
		return 1;
	if (pick < 90)
		return 2 + rng_below(r, 20);
	if (pick < 93)
		return e->pid_max - 1;
	if (e->nrecent)
		return e->recent[rng_below(r, e->nrecent)];
	return 0;
}

static pid_t poison_pid(struct fuzz_env *e)
{
	const pid_t odd[] = { -1, INT_MIN, e->pid_max, e->pid_max + 1,
			      INT_MAX, -e->pid_max, 4194304, -300 };

	return odd[rng_below(&e->rng, ARRAY_SIZE(odd))];
}

/* Levels the set may address, as kernel/clone_with_pids.rs counts them. */
static int addressable(const struct fuzz_env *e, unsigned long flags)
{
	/* A namespace made now, or one without its init, takes no entry. */
	if ((flags & CLONE_NEWPID) || e->fc_has_init)
		return e->fc_level + 1;
	return e->fc_level;
}

static void gen_set(struct fuzz_env *e, struct fuzz_call *c)
{
	struct rng *r = &e->rng;
	pid_t pids[40] = { 0 };
	int num, i, n, a = addressable(e, c->flags);
	u64 array, hdr;
	unsigned char raw[16];
	u32 p32;

	if (rng_chance(r, 8, 100)) {
		c->set = 0;
		return;
	}
	num = gen_num(e, a > 0 ? a : 1);
	n = num > 0 && num < 40 ? num : 40;
	if (!rng_chance(r, 1, 10))
		for (i = 0; i < n; i++)
			pids[i] = gen_pid(e);
	/*
	 * An unprivileged caller: half of its sets want pids only where it
	 * may choose them, so that some succeed.
	 */
	if (e->cap_from > 0 && num > 0 && num <= a && rng_chance(r, 1, 2))
		for (i = 0; i < num && a - num + i < e->cap_from; i++)
			pids[i] = 0;
	if (rng_chance(r, 15, 100))
		pids[rng_below(r, n)] = poison_pid(e);
	array = gen_place(e, (num > 0 && num <= 40 ? num : 8) * 4, 12);
	if (!e->compat && rng_chance(r, 1, 32))
		array |= rng_next(r) & 0xffff000000000000ULL;
	hdr = gen_place(e, 16, 18);
	poke(e, array, pids, n * sizeof(pid_t));
	/* the padding of the 64-bit layout is ignored: make it noise */
	p32 = rng_next(r);
	memcpy(raw, &num, 4);
	if (e->compat) {
		u32 a32 = (u32)array;

		memcpy(raw + 4, &a32, 4);
		memcpy(raw + 8, &p32, 4);
		memcpy(raw + 12, &p32, 4);
	} else {
		memcpy(raw + 4, &p32, 4);
		memcpy(raw + 8, &array, 8);
	}
	poke(e, hdr, raw, sizeof(raw));
	c->set = hdr;
}

/* Exit signals that cannot stop or kill the parent: it catches them all. */
static const int exit_signals[] = {
	SIGCHLD, SIGCHLD, SIGCHLD, SIGCHLD, SIGCHLD, SIGCHLD, 0, 0,
	SIGHUP, SIGUSR1, SIGUSR2, SIGPIPE, SIGTERM, SIGWINCH, SIGURG, SIGPWR,
	34, 40, 50, 64,
};

/* Whether the parent survives @sig as its child's exit signal. */
static bool exit_signal_harmless(int sig)
{
	unsigned int i;

	if (sig >= 34 && sig <= 64)	/* caught: fuzz_install_handlers() */
		return true;
	for (i = 0; i < ARRAY_SIZE(exit_signals); i++)
		if (exit_signals[i] == sig)
			return true;
	return false;
}

/*
 * The low byte of the flags: mostly a harmless signal; one call in eight
 * any value 0..255, the edges of the valid range more often. Above 64
 * (_NSIG) the call must fail with EINVAL (v2), 128 being also what
 * CLONE_NEWTIME would be; a valid signal that could stop or kill the
 * parent is replaced by SIGCHLD.
 */
static unsigned long gen_exit_signal(struct rng *r)
{
	static const int edges[] = { 0, 1, 63, 64, 65, 66, 127, 128, 129, 255 };
	int sig;

	if (!rng_chance(r, 1, 8))
		return exit_signals[rng_below(r, ARRAY_SIZE(exit_signals))];
	if (rng_chance(r, 1, 4))
		sig = edges[rng_below(r, ARRAY_SIZE(edges))];
	else
		sig = rng_below(r, 256);
	if (sig <= CWP_MAX_EXIT_SIGNAL && !exit_signal_harmless(sig))
		sig = SIGCHLD;
	return sig;
}

static const unsigned long benign_flags[] = {
	CLONE_FS, CLONE_FILES, CLONE_PARENT_SETTID, CLONE_CHILD_SETTID,
	CLONE_CHILD_CLEARTID, CLONE_UNTRACED, CLONE_IO, CLONE_SYSVSEM,
	CLONE_DETACHED, CLONE_PTRACE, CLONE_VFORK, CLONE_PIDFD,
	CLONE_VM, CLONE_VM | CLONE_SIGHAND, CLONE_VM | CLONE_VFORK,
	CLONE_NEWPID, CLONE_NEWPID, CLONE_NEWUTS, CLONE_NEWNS, CLONE_NEWUSER,
	CLONE_NEWCGROUP, CLONE_SETTLS,
	CLONE_VM | CLONE_SIGHAND | CLONE_THREAD,
};

/*
 * Every flag but CLONE_PARENT, whose child the fuzz worker could not reap
 * (it would be its parent's); CLONE_NEWNET is rare as it is slow.
 */
static const unsigned long all_flags[] = {
	CLONE_VM, CLONE_FS, CLONE_FILES, CLONE_SIGHAND, CLONE_PIDFD,
	CLONE_PTRACE, CLONE_VFORK, CLONE_THREAD, CLONE_NEWNS, CLONE_SYSVSEM,
	CLONE_SETTLS, CLONE_PARENT_SETTID, CLONE_CHILD_CLEARTID,
	CLONE_DETACHED, CLONE_UNTRACED, CLONE_CHILD_SETTID, CLONE_NEWCGROUP,
	CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID, CLONE_IO,
};

/*
 * CLONE_VM is frequent: a child that shares our memory costs a quarter of
 * one that copies it (under KASAN and TCG), and the pid handling the
 * fuzzer is after is the same for both.
 */
static unsigned long gen_flags(struct fuzz_env *e)
{
	struct rng *r = &e->rng;
	unsigned long flags;
	unsigned int i, n;

	flags = gen_exit_signal(r);
	if (rng_chance(r, 3, 5)) {
		if (rng_chance(r, 2, 3))
			flags |= CLONE_VM;
		n = rng_below(r, 3);
		for (i = 0; i < n; i++)
			flags |= benign_flags[rng_below(r,
				ARRAY_SIZE(benign_flags))];
	} else {
		for (i = 0; i < ARRAY_SIZE(all_flags); i++)
			if (rng_chance(r, 1, 8))
				flags |= all_flags[i];
		if (rng_chance(r, 1, 2))
			flags |= CLONE_VM;
		if (rng_chance(r, 1, 64))
			flags |= CLONE_NEWNET;
	}
#ifdef __x86_64__
	/*
	 * Bits above 31: EINVAL in v2, where clone() ignores them. Only the
	 * 64-bit ABI can pass them; int $0x80 takes 32-bit registers.
	 */
	if (!e->compat && rng_chance(r, 1, 16)) {
		switch (rng_below(r, 4)) {
		case 0:
			flags |= CLONE_CLEAR_SIGHAND;
			break;
		case 1:
			flags |= CLONE_INTO_CGROUP;
			break;
		case 2:
			flags |= 1UL << (32 + rng_below(r, 32));
			break;
		default:
			flags |= (rng_next(r) | 1UL << 63) &
				 0xffffffff00000000ULL;
			break;
		}
	}
#endif
	return flags;
}

static unsigned long gen_tid_ptr(struct fuzz_env *e, unsigned long good)
{
	struct rng *r = &e->rng;
	unsigned int pick = rng_below(r, 100);

	if (pick < 80)
		return good;
	if (pick < 88)
		return (uintptr_t)arena_page(e, PG_RO);
	if (pick < 92)
		return 0;
	return (unsigned long)bad_ptr(e);
}

static unsigned long gen_tls(struct fuzz_env *e)
{
	char *scratch = arena_page(e, PG_SCRATCH);
	struct user_desc desc = {
		.entry_number = 12 + rng_below(&e->rng, 3),
		.limit = 0xfffff,
		.seg_32bit = 1,
		.limit_in_pages = 1,
	};
	struct rng *r = &e->rng;
	unsigned int pick = rng_below(r, 100);

	if (!e->compat) {
		/* an fs base: user, kernel or non-canonical */
		if (pick < 60)
			return (uintptr_t)scratch;
		if (pick < 80)
			return (unsigned long)bad_ptr(e);
		return (unsigned long)rng_next(r);
	}
	/* a struct user_desc pointer, as for i386 clone() */
	if (pick < 15)
		desc.entry_number = -1;
	else if (pick < 25)
		desc.entry_number = rng_below(r, 64);
	memcpy(scratch + 256, &desc, sizeof(desc));
	if (pick > 90)
		return (unsigned long)bad_ptr(e);
	if (pick > 85)	/* straddles into the guard page */
		return (uintptr_t)arena_page(e, PG_GUARD) - 4;
	return (uintptr_t)(scratch + 256);
}

void fuzz_generate(struct fuzz_env *e, struct fuzz_call *c)
{
	char *scratch = arena_page(e, PG_SCRATCH);
	struct rng *r = &e->rng;

	memset(c, 0, sizeof(*c));
	c->flags = gen_flags(e);
	if (c->flags & CLONE_VM)
		c->stack = e->stack_top;
	else if (rng_chance(r, 1, 4))
		c->stack = e->stack_top;
	else if (rng_chance(r, 1, 3))
		c->stack = (unsigned long)rng_next(r);
	c->ptid = gen_tid_ptr(e, (uintptr_t)scratch);
	c->ctid = gen_tid_ptr(e, (uintptr_t)(scratch + 64));
	if (c->flags & CLONE_SETTLS)
		c->tls = gen_tls(e);
	else if (rng_chance(r, 1, 4))
		c->tls = (unsigned long)rng_next(r);
	/* A thread cannot be waited for: its child_tid clearing is watched. */
	if (c->flags & CLONE_THREAD) {
		c->flags |= CLONE_CHILD_CLEARTID;
		c->ctid = (uintptr_t)(scratch + 64);
	}
	c->ctid_init = -1;
	*(int *)(scratch + 64) = c->ctid_init;
	*(int *)scratch = -1;
	gen_set(e, c);
}

/*
 * Flags clone_with_pids() refuses (v2) before it reads the set: a bit
 * above 31 as the kernel sees the flags (an ia32 caller's are 32 bits
 * wide), or an exit signal above _NSIG.
 */
bool fuzz_flags_invalid(const struct fuzz_env *e, unsigned long flags)
{
	u64 seen = e->compat ? (u32)flags : (u64)flags;

	return (seen >> 32) || (seen & CSIGNAL) > CWP_MAX_EXIT_SIGNAL;
}

/*
 * What kernel/clone_with_pids.rs must answer, before clone() checks
 * anything: EINVAL for invalid flags (first: the set is not read then),
 * then for the set EFAULT for an unreadable header, EINVAL for a count
 * out of 0..L+1, EFAULT for an unreadable array, EINVAL for a pid out of
 * 0..pid_max-1, and last EPERM for a non-zero pid at a level below
 * e->cap_from (a pid namespace whose owning user namespace gives the
 * caller no CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE). What clone() itself
 * then does is predicted by the fuzzer (fuzz.c), which knows the pids in
 * use.
 */
void fuzz_model(struct fuzz_env *e, struct fuzz_call *c)
{
	size_t hsize = e->compat ? 8 : 16;
	const unsigned char *h;
	int i;

	c->expect = 0;
	c->addressable = addressable(e, c->flags);
	c->bad_flags = fuzz_flags_invalid(e, c->flags);
	if (c->bad_flags) {
		c->expect = -EINVAL;
		c->reason = "invalid flags";
		return;
	}
	if (!c->set)
		return;
	if (!readable(e, c->set, hsize)) {
		c->expect = -EFAULT;
		c->reason = "unreadable set";
		return;
	}
	h = (const unsigned char *)(uintptr_t)c->set;
	memcpy(&c->num, h, 4);
	if (e->compat) {
		u32 a32;

		memcpy(&a32, h + 4, 4);
		c->array = a32;
	} else {
		memcpy(&c->array, h + 8, 8);
	}
	if (!c->num)
		return;
	if (c->num < 0 || c->num > c->addressable) {
		c->expect = -EINVAL;
		c->reason = "count out of range";
		return;
	}
	if (!readable(e, c->array, (u64)c->num * 4)) {
		c->expect = -EFAULT;
		c->reason = "unreadable pid array";
		return;
	}
	memcpy(c->pids, (const void *)(uintptr_t)c->array, c->num * 4);
	for (i = 0; i < c->num; i++) {
		if (c->pids[i] < 0 || c->pids[i] >= e->pid_max) {
			c->expect = -EINVAL;
			c->reason = "pid out of range";
			return;
		}
		if (c->pids[i])
			c->any_pid = true;
	}
	for (i = 0; i < c->num; i++) {
		if (c->pids[i] && e->nrecent < 16)
			e->recent[e->nrecent++] = c->pids[i];
		else if (c->pids[i])
			e->recent[rng_below(&e->rng, 16)] = c->pids[i];
	}
	for (i = 0; i < c->num; i++) {
		if (c->pids[i] && c->addressable - c->num + i < e->cap_from) {
			c->expect = -EPERM;
			c->reason = "a pid chosen without the privilege";
			return;
		}
	}
}

int fuzz_describe(const struct fuzz_call *c, char *buf, size_t len)
{
	int n, i;

	n = snprintf(buf, len,
		     "flags=%#lx%s stack=%#lx ptid=%#lx ctid=%#lx tls=%#lx set=%#llx",
		     c->flags, c->bad_flags ? " (invalid)" : "", c->stack,
		     c->ptid, c->ctid, c->tls, (unsigned long long)c->set);
	if (c->bad_flags)
		return n;
	if (c->set && c->expect != -EFAULT)
		n += snprintf(buf + n, len - n, " num=%d array=%#llx", c->num,
			      (unsigned long long)c->array);
	if (c->num > 0 && (!c->expect || c->expect == -EPERM)) {
		n += snprintf(buf + n, len - n, " pids=[");
		for (i = 0; i < c->num && n < (int)len - 16; i++)
			n += snprintf(buf + n, len - n, "%s%d", i ? "," : "",
				      c->pids[i]);
		n += snprintf(buf + n, len - n, "]");
	}
	return n;
}

static void noop(int sig)
{
}

void fuzz_install_handlers(void)
{
	struct sigaction sa = { .sa_handler = noop, .sa_flags = SA_RESTART };
	static const int sigs[] = { SIGHUP, SIGUSR1, SIGUSR2, SIGPIPE,
				    SIGTERM, SIGWINCH, SIGURG, SIGPWR };
	unsigned int i;
	int s;

	sigemptyset(&sa.sa_mask);
	for (i = 0; i < ARRAY_SIZE(sigs); i++)
		sigaction(sigs[i], &sa, NULL);
	for (s = 34; s <= 64; s++)
		sigaction(s, &sa, NULL);
}
