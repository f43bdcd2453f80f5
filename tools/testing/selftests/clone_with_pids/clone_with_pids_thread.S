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

#if defined(__x86_64__) || defined(__i386__) || defined(__aarch64__) || \
	(defined(__arm__) && defined(__ARM_EABI__))
#define CWP_HAVE_THREAD
#endif

#ifdef CWP_HAVE_THREAD
#ifdef __arm__
	.syntax	unified
	.arm
#endif
	.text
	.globl	cwp_clone_thread
	.type	cwp_clone_thread, %function
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
#elif defined(__aarch64__)
	/* The store releases, for the caller's acquiring load. */
1:	mov	x8, #__NR_gettid
	svc	#0
	ldr	x1, [sp]
	stlr	w0, [x1]
	/* No pause() here: ppoll() of no file, with no timeout. */
2:	mov	x0, #0
	mov	x1, #0
	mov	x2, #0
	mov	x3, #0
	mov	x4, #0
	mov	x8, #__NR_ppoll
	svc	#0
	b	2b
#elif defined(__arm__)
1:	mov	r7, #__NR_gettid
	svc	#0
	ldr	r1, [sp]
	dmb	ish
	str	r0, [r1]
2:	mov	r7, #__NR_pause
	svc	#0
	b	2b
#endif

#ifdef CWP_HAVE_THREAD
	.size	cwp_clone_thread, . - cwp_clone_thread
#endif
/* Elsewhere there is no cwp_clone_thread, and the thread tests skip. */

	.section .note.GNU-stack, "", %progbits
