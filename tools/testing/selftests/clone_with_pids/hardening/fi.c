// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection knobs for faults.c; see fi.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hardening.h"
#include "fi.h"

static const char *const dirs[] = {
	"/sys/kernel/debug/failslab",
	"/sys/kernel/debug/fail_page_alloc",
};

/* Every file either attribute has that this program writes. */
static const char *const knobs[] = {
	"probability", "interval", "times", "space", "verbose",
	"verbose_ratelimit_interval_ms", "verbose_ratelimit_burst",
	"task-filter", "require-start", "require-end", "reject-start",
	"reject-end", "stacktrace-depth", "ignore-gfp-wait",
	"ignore-gfp-highmem", "min-order",
};

#define NR_DIRS		(ARRAY_SIZE(dirs))
#define NR_KNOBS	(ARRAY_SIZE(knobs))

static struct {
	char path[96];
	char value[64];
} saved[NR_DIRS * NR_KNOBS + 1];
static int nsaved;
static char saved_printk[64];

bool fi_available(void)
{
	return !access("/sys/kernel/debug/failslab/probability", W_OK) &&
	       !access("/sys/kernel/debug/fail_page_alloc/probability", W_OK) &&
	       !access("/proc/thread-self/fail-nth", W_OK) &&
	       !access("/proc/thread-self/make-it-fail", W_OK);
}

static int read_text(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

int fi_save(void)
{
	unsigned int d, k;

	nsaved = 0;
	for (d = 0; d < NR_DIRS; d++) {
		for (k = 0; k < NR_KNOBS; k++) {
			snprintf(saved[nsaved].path, sizeof(saved[0].path),
				 "%s/%s", dirs[d], knobs[k]);
			if (!read_text(saved[nsaved].path, saved[nsaved].value,
				       sizeof(saved[0].value)))
				nsaved++;
		}
	}
	return read_text("/proc/sys/kernel/printk", saved_printk,
			 sizeof(saved_printk));
}

void fi_restore(void)
{
	int i;

	cwp_write_file("/proc/thread-self/fail-nth", "0");
	cwp_write_file("/proc/thread-self/make-it-fail", "0");
	for (i = 0; i < nsaved; i++)
		cwp_write_file(saved[i].path, "%s", saved[i].value);
	fi_quiet_console(false);
}

static int set_both(const char *knob, const char *value)
{
	char path[96];
	unsigned int d;
	int ret = 0;

	for (d = 0; d < NR_DIRS; d++) {
		snprintf(path, sizeof(path), "%s/%s", dirs[d], knob);
		if (access(path, F_OK))
			continue;	/* not every attribute has every knob */
		if (cwp_write_file(path, "%s", value)) {
			diag("cannot write %s: %s", path, strerror(errno));
			ret = -1;
		}
	}
	return ret;
}

static int set_num(const char *knob, unsigned long long value)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%llu", value);
	return set_both(knob, buf);
}

int fi_set_filter(const struct fi_range *r)
{
	/* no range: every call tree */
	return set_num("require-start", r ? r->start : 0) |
	       set_num("require-end", r ? r->end : ~0ULL) |
	       set_num("stacktrace-depth", 32);
}

/*
 * fail-nth ignores probability and times; the random mode uses them, for
 * the tasks that have make-it-fail set (task-filter).
 */
int fi_set_mode(int probability, int times)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%d", times);
	return set_num("probability", probability) |
	       set_both("times", buf) |
	       set_num("interval", 1) |
	       set_num("space", 0) |
	       set_both("task-filter", "Y") |
	       set_num("verbose", 2) |
	       set_num("verbose_ratelimit_interval_ms", 0) |
	       set_both("ignore-gfp-wait", "N") |
	       set_both("ignore-gfp-highmem", "N") |
	       set_num("min-order", 0);
}

int fi_lookup(const char *const *names, struct fi_range *r, int n)
{
	unsigned long long addr;
	char line[512], sym[256], type;
	int i, open_ranges = 0, found = 0;
	FILE *f = fopen("/proc/kallsyms", "re");

	if (!f)
		return -1;
	memset(r, 0, sizeof(*r) * n);
	/*
	 * One pass, as the file is long: it is sorted by address, so a
	 * function ends where the next symbol above it starts.
	 */
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %c %255s", &addr, &type, sym) != 3)
			continue;
		for (i = 0; open_ranges && i < n; i++) {
			if (r[i].start && !r[i].end && addr > r[i].start) {
				r[i].end = addr;
				open_ranges--;
				found++;
			}
		}
		if (type != 't' && type != 'T')
			continue;
		for (i = 0; i < n; i++) {
			if (!r[i].start && !strcmp(sym, names[i]) && addr) {
				r[i].start = addr;
				open_ranges++;
			}
		}
		if (found == n)
			break;
	}
	fclose(f);
	return found;
}

void fi_quiet_console(bool quiet)
{
	/*
	 * Notices (the FAULT_INJECTION line) and the default level (its stack
	 * dump) stay in the log for kmsg.c; errors still reach the console.
	 */
	if (quiet)
		cwp_write_file("/proc/sys/kernel/printk", "4");
	else if (saved_printk[0])
		cwp_write_file("/proc/sys/kernel/printk", "%s", saved_printk);
}
