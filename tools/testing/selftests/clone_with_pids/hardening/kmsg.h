/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading the kernel log while faults are injected: which allocation an
 * injected fault hit (from the stack fault injection dumps), and whether
 * anything else (a WARN, KASAN, lockdep...) was reported meanwhile.
 */
#ifndef CWP_KMSG_H
#define CWP_KMSG_H

#include <stdbool.h>

#define MAX_SITES	256

struct fault_site {
	char where[120];	/* "alloc_pid <- copy_process" */
	char attr[16];		/* failslab or fail_page_alloc */
	unsigned int count;
};

struct kmsg_state {
	int fd;
	bool in_dump;		/* inside a FAULT_INJECTION stack dump */
	bool frame_wanted;	/* the dump's site is still to be found */
	int frames;
	char attr[16];
	char site[120];
	unsigned int dumps;	/* fault dumps seen since the last take */
	unsigned int splats;	/* reports that are not ours */
};

int kmsg_open(struct kmsg_state *k);
/* Reads what was logged since; returns the number of fault dumps. */
int kmsg_poll(struct kmsg_state *k, struct fault_site *sites,
	      unsigned int *nsites);
void kmsg_close(struct kmsg_state *k);

#endif /* CWP_KMSG_H */
