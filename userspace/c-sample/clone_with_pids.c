// SPDX-License-Identifier: GPL-2.0
/*
 * clone_with_pids() as a restart tool calls it: create a child with the
 * pids it had, one per pid namespace level, and show what it got.
 *
 * Usage: clone_with_pids [-n] [PID...]
 *
 * PID...  the wanted pids, oldest pid namespace first (level 0 is the
 *         initial one); 0 lets the kernel choose a level's pid. Fewer pids
 *         than the child has levels apply to the youngest namespaces.
 * -n      CLONE_NEWPID: the child is pid 1 of a new pid namespace, which
 *         takes no entry of the set.
 *
 * The child prints its NSpid line (its pid at every level, as seen from
 * /proc) and the parent the pid the call returned. Choosing a pid needs
 * CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE over the namespaces concerned.
 * The same source works for 64-bit and 32-bit callers: the kernel reads
 * struct target_pid_set in the caller's own layout.
 *
 * The system call number comes from the headers of the kernel the sample
 * is built for (its "make headers" output): the call is not in mainline,
 * and its number may mean another call on any other kernel, so there is
 * no fallback. Run it on the kernel it was built for.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <asm/unistd.h>

#ifndef __NR_clone_with_pids
#error "no __NR_clone_with_pids: build with the patched kernel's headers (KHDR=)"
#endif

#include <linux/clone_with_pids.h>

/* One pid per level: levels 0 to MAX_PID_NS_LEVEL (32). */
#define MAX_PIDS 33

static long clone_with_pids(unsigned long flags, struct target_pid_set *set)
{
	/* No new stack: the child runs on a copy of ours, as after fork(). */
	return syscall(__NR_clone_with_pids, flags, 0UL, NULL, NULL, 0UL, set);
}

static const char *explain(int err)
{
	switch (err) {
	case EBUSY:
		return "a wanted pid is already in use in its namespace";
	case EPERM:
		return "CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE needed where a pid is chosen";
	case EINVAL:
		return "more pids than the child has levels, or a pid not below pid_max";
	default:
		/* including "Function not implemented": no such call here */
		return "see clone_with_pids(2)";
	}
}

static void print_nspid(void)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");

	if (!f) {
		perror("/proc/self/status");
		return;
	}
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "NSpid:", 6))
			printf("child %s", line);
	fclose(f);
}

static int parse_pids(int argc, char **argv, pid_t *pids)
{
	int n = 0;
	char *end;
	long pid;

	for (; optind < argc; optind++) {
		if (n == MAX_PIDS) {
			fprintf(stderr, "at most %d pids\n", MAX_PIDS);
			return -1;
		}
		errno = 0;
		pid = strtol(argv[optind], &end, 10);
		if (errno || *end || end == argv[optind] || pid < 0 || pid > 0x7fffffff) {
			fprintf(stderr, "not a pid: %s\n", argv[optind]);
			return -1;
		}
		pids[n++] = pid;
	}
	return n;
}

int main(int argc, char **argv)
{
	pid_t pids[MAX_PIDS];
	struct target_pid_set set = { .target_pids = pids };
	unsigned long flags = SIGCHLD;
	int opt, status;
	long child;

	while ((opt = getopt(argc, argv, "n")) != -1) {
		if (opt != 'n') {
			fprintf(stderr, "usage: %s [-n] [PID...]\n", argv[0]);
			return 2;
		}
		flags |= CLONE_NEWPID;
	}
	set.num_pids = parse_pids(argc, argv, pids);
	if (set.num_pids < 0)
		return 2;

	child = clone_with_pids(flags, &set);
	if (child < 0) {
		fprintf(stderr, "clone_with_pids: %s: %s\n", strerror(errno),
			explain(errno));
		return 1;
	}
	if (child == 0) {
		printf("child getpid() %d\n", getpid());
		print_nspid();
		fflush(stdout);
		_exit(0);
	}

	if (waitpid(child, &status, 0) != child) {
		perror("waitpid");
		return 1;
	}
	printf("parent: clone_with_pids() returned %ld\n", child);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
