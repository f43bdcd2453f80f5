/* SPDX-License-Identifier: GPL-2.0 */
/*
 * long cwp_clone_thread(unsigned long flags, void *stack, int *parent_tid,
 *			 int *child_tid, unsigned long tls,
 *			 struct target_pid_set *pid_set);
 *
 * clone_with_pids() for a new thread. A thread cannot return from
 * syscall() on a stack of its own, so the call is made here. The new
 * thread uses registers only, touching neither the caller's stack nor its
 * TLS: it stores its gettid() where the word at the top of @stack points
 * and sleeps until its thread group exits. The caller gets the tid, or
 * -errno.
 */
#include "clone_with_pids_raw.inc"

#if defined(__x86_64__) || defined(__i386__)
	.text
	.globl	cwp_clone_thread
	.type	cwp_clone_thread, @function
cwp_clone_thread:
	CWP_CALL 1f
#endif

#if defined(__x86_64__)
1:	mov	$__NR_gettid, %eax
	syscall
	mov	(%rsp), %rdi
	mov	%eax, (%rdi)
2:	mov	$__NR_pause, %eax
	syscall
	jmp	2b
#elif defined(__i386__)
1:	mov	$__NR_gettid, %eax
	int	$0x80
	mov	(%esp), %ecx
	mov	%eax, (%ecx)
2:	mov	$__NR_pause, %eax
	int	$0x80
	jmp	2b
#endif

#if defined(__x86_64__) || defined(__i386__)
	.size	cwp_clone_thread, . - cwp_clone_thread
#endif
/* Elsewhere there is no cwp_clone_thread, and the thread tests skip. */

	.section .note.GNU-stack, "", @progbits
