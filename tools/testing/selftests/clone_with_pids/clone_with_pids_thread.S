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
#include <asm/unistd.h>

/* From the headers of the kernel under test (KHDR_INCLUDES), as in C. */
#ifndef __NR_clone_with_pids
#error "no __NR_clone_with_pids in <asm/unistd.h>: use the patched kernel's KHDR_INCLUDES"
#endif

#if defined(__x86_64__) || defined(__i386__)
	.text
	.globl	cwp_clone_thread
	.type	cwp_clone_thread, @function
cwp_clone_thread:
#endif

#if defined(__x86_64__)
	mov	%rcx, %r10
	mov	$__NR_clone_with_pids, %eax
	syscall
	test	%rax, %rax
	jz	1f
	ret
1:	mov	$__NR_gettid, %eax
	syscall
	mov	(%rsp), %rdi
	mov	%eax, (%rdi)
2:	mov	$__NR_pause, %eax
	syscall
	jmp	2b
#elif defined(__i386__)
	/* Arguments go in ebx, ecx, edx, esi, edi, ebp, as for clone(). */
	push	%ebp
	push	%edi
	push	%esi
	push	%ebx
	mov	20(%esp), %ebx
	mov	24(%esp), %ecx
	mov	28(%esp), %edx
	mov	32(%esp), %esi
	mov	36(%esp), %edi
	mov	40(%esp), %ebp
	mov	$__NR_clone_with_pids, %eax
	int	$0x80
	test	%eax, %eax
	jz	1f
	pop	%ebx
	pop	%esi
	pop	%edi
	pop	%ebp
	ret
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
