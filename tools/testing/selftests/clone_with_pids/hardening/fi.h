/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fault injection knobs: failslab and fail_page_alloc in debugfs,
 * /proc/thread-self/fail-nth and make-it-fail, function ranges from
 * /proc/kallsyms for the stack trace filter, and the console loglevel.
 */
#ifndef CWP_FI_H
#define CWP_FI_H

#include <stdbool.h>

struct fi_range {
	unsigned long long start, end;
};

/* Saves every knob it will touch; false when fault injection is absent. */
bool fi_available(void);
int fi_save(void);
/* Puts back what fi_save() found; safe to call more than once. */
void fi_restore(void);
/* Both attributes: which call trees may fail, and how. */
int fi_set_filter(const struct fi_range *r);
int fi_set_mode(int probability, int times);
/*
 * Finds the functions' [start, end) in /proc/kallsyms; a range stays 0
 * where a name is not found. Returns how many were.
 */
int fi_lookup(const char *const *names, struct fi_range *r, int n);
/* Hides (or shows again) notices and stack dumps on the console. */
void fi_quiet_console(bool quiet);

#endif /* CWP_FI_H */
