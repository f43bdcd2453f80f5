// SPDX-License-Identifier: GPL-2.0
/*
 * Reads /dev/kmsg while faults are injected. With verbose=2 every injected
 * fault logs "FAULT_INJECTION: forcing a failure." and a stack dump; the
 * first frames above the allocator name the allocation site. Any other
 * report (WARN, BUG, KASAN, UBSAN, lockdep, a stall) is counted and shown:
 * the console does not show them while its loglevel hides the dumps.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "hardening.h"
#include "kmsg.h"

int kmsg_open(struct kmsg_state *k)
{
	memset(k, 0, sizeof(*k));
	k->fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (k->fd < 0)
		return -1;
	/* only what is logged from now on */
	return lseek(k->fd, 0, SEEK_END) < 0 ? -1 : 0;
}

void kmsg_close(struct kmsg_state *k)
{
	if (k->fd >= 0)
		close(k->fd);
	k->fd = -1;
}

/* Frames of the allocators and of the helpers between them and a caller. */
static bool plumbing(const char *fn)
{
	static const char *const prefixes[] = {
		"dump_stack", "should_fail", "fail_dump", "slab_", "kmem_cache_",
		"__kmem_cache", "kmalloc", "__kmalloc", "krealloc", "kzalloc",
		"kmemdup", "kstrdup", "kvmalloc", "__kvmalloc", "__alloc_pages",
		"alloc_pages", "__alloc_frozen", "prepare_alloc_pages",
		"__get_free_pages", "get_zeroed_page", "alloc_page",
		"__folio_alloc", "folio_alloc", "vmalloc", "__vmalloc",
		"___slab_alloc", "__slab_alloc", "allocate_slab", "new_slab",
		"alloc_slab_page", "pte_alloc", "__pte_alloc", "___pte_alloc",
		"__pmd_alloc", "__pud_alloc", "__p4d_alloc", "alloc_vmap_area",
		"__get_vm_area", "radix_tree", "__radix_tree", "idr_", "ida_",
		"xa_", "xas_", "__xa", "mas_", "mtree_", "kasan_", "__kasan",
		"kmemleak_", "__kmemleak", "stack_depot", "__stack_depot",
		"create_object", "__create_object", "mem_pool_alloc",
		"__alloc_pages_noprof", "get_page_from_freelist",
	};
	unsigned int i;

	if (strstr(fn, "_noprof"))
		return true;
	for (i = 0; i < ARRAY_SIZE(prefixes); i++)
		if (!strncmp(fn, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

static bool splat(const char *msg)
{
	static const char *const marks[] = {
		"BUG:", "WARNING:", "KASAN", "UBSAN", "Oops", "general protection",
		"lockdep", "possible circular", "possible recursive",
		"INFO: task", "suspected memory leak", "Call Trace:",
		"detected stall", "self-detected stall", "Kernel panic",
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(marks); i++)
		if (strstr(msg, marks[i]))
			return true;
	return false;
}

static void add_site(struct kmsg_state *k, struct fault_site *sites,
		     unsigned int *nsites)
{
	unsigned int i;

	if (!k->site[0])
		snprintf(k->site, sizeof(k->site), "(no caller in the dump)");
	for (i = 0; i < *nsites; i++)
		if (!strcmp(sites[i].where, k->site) &&
		    !strcmp(sites[i].attr, k->attr))
			break;
	if (i == *nsites) {
		if (*nsites == MAX_SITES)
			return;
		memset(&sites[i], 0, sizeof(sites[i]));
		snprintf(sites[i].where, sizeof(sites[i].where), "%s", k->site);
		snprintf(sites[i].attr, sizeof(sites[i].attr), "%s", k->attr);
		(*nsites)++;
	}
	sites[i].count++;
}

static void frame(struct kmsg_state *k, const char *msg)
{
	char fn[64];
	size_t n;

	while (*msg == ' ')
		msg++;
	if (*msg == '?' || *msg == '<' || !*msg)
		return;
	n = strcspn(msg, "+ ");
	if (!n || n >= sizeof(fn) || msg[n] != '+')
		return;
	memcpy(fn, msg, n);
	fn[n] = 0;
	if (!k->frame_wanted || plumbing(fn))
		return;
	if (!k->site[0]) {
		snprintf(k->site, sizeof(k->site), "%s", fn);
	} else {
		n = strlen(k->site);
		snprintf(k->site + n, sizeof(k->site) - n, " <- %s", fn);
		k->frame_wanted = false;
	}
}

int kmsg_poll(struct kmsg_state *k, struct fault_site *sites,
	      unsigned int *nsites)
{
	char rec[8192], *msg, *nl;
	unsigned int before = k->dumps;
	ssize_t n;

	for (;;) {
		n = read(k->fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records: go on */
		if (n <= 0)
			break;
		rec[n] = 0;
		msg = strchr(rec, ';');
		if (!msg)
			continue;
		msg++;
		nl = strchr(msg, '\n');
		if (nl)
			*nl = 0;
		if (strstr(msg, "FAULT_INJECTION: forcing a failure")) {
			if (k->in_dump)
				add_site(k, sites, nsites);
			k->in_dump = true;
			k->frame_wanted = true;
			k->site[0] = 0;
			k->attr[0] = 0;
			k->dumps++;
		}
		if (k->in_dump) {
			char *name = strstr(msg, "name ");

			if (name && !k->attr[0])
				sscanf(name, "name %15[a-z_]", k->attr);
			frame(k, msg);
			if (strstr(msg, "</TASK>")) {
				add_site(k, sites, nsites);
				k->in_dump = false;
			}
			continue;
		}
		if (splat(msg)) {
			k->splats++;
			diag("kernel: %s", msg);
		}
	}
	return k->dumps - before;
}
