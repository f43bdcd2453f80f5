/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Raw clone_with_pids() entry points for the hardening programs.
 *
 * The child must never return into C: with CLONE_VM (and CLONE_VFORK or
 * CLONE_THREAD) it would run on the parent's stack, and with a random stack
 * pointer it has no usable stack at all. So the child leaves with exit(0)
 * right after the system call, touching neither memory nor the stack, and
 * only the parent returns: the child's pid, or a negative errno.
 *
 * long cwp_raw(unsigned long flags, unsigned long stack, int *parent_tid,
 *		int *child_tid, unsigned long tls, const void *pid_set);
 * long cwp_raw_int80(same): x86_64 only, enters through int $0x80, so that a
 *		64-bit task makes a compat (ia32) system call.
 * long cwp_raw_armed(struct cwp_armed *a): writes a->arm to a->fd (say
 *		"5" to /proc/thread-self/fail-nth), makes the call, reads a->fd
 *		into a->left and writes "0" to it. Between arming and disarming
 *		the parent writes no memory but a's, which is shared: after a fork
 *		its private pages are copy-on-write, and a write fault there would
 *		use up the armed fault outside the system call.
 */

/*
 * The numbers come from the patched kernel's headers (KHDR_INCLUDES).
 * int $0x80 from a 64-bit task takes the ia32 number, from unistd_32.h,
 * which must be read first: unistd.h (unistd_64.h here) then redefines
 * every __NR_ name, silently, as both are system headers.
 */
#ifdef __x86_64__
#include <asm/unistd_32.h>
#ifndef __NR_clone_with_pids
#error "no __NR_clone_with_pids in asm/unistd_32.h: build with the patched kernel's headers"
#endif
	.set	NR_CLONE_WITH_PIDS_IA32, __NR_clone_with_pids
#endif
#include "../clone_with_pids_raw.inc"

/* struct cwp_armed: every field an unsigned long, in this order */
#define A_ARGS		0	/* flags, stack, ptid, ctid, tls, set */
#define A_FD		6
#define A_ARM		7
#define A_ARM_LEN	8
#define A_LEFT		9
#define A_LEFT_LEN	10
#define A_ZERO		11

#ifdef __x86_64__
#define NR_EXIT_64		60
#define NR_EXIT_32		1

	.text
	.globl	cwp_raw
	.type	cwp_raw, @function
cwp_raw:
	CWP_CALL 1f
1:	movl	$NR_EXIT_64, %eax
	xorl	%edi, %edi
	syscall
	hlt
	.size	cwp_raw, . - cwp_raw

	.globl	cwp_raw_int80
	.type	cwp_raw_int80, @function
cwp_raw_int80:
	pushq	%rbx
	pushq	%rbp
	movq	%rdi, %rbx		/* flags */
	movq	%rcx, %rax		/* child_tid, parked */
	movq	%rsi, %rcx		/* stack */
	movq	%rax, %rsi		/* child_tid */
	movq	%r8, %rdi		/* tls */
	movq	%r9, %rbp		/* pid_set */
	movl	$NR_CLONE_WITH_PIDS_IA32, %eax
	int	$0x80
	testl	%eax, %eax
	jz	1f
	popq	%rbp
	popq	%rbx
	movslq	%eax, %rax
	ret
1:	movl	$NR_EXIT_32, %eax
	xorl	%ebx, %ebx
	int	$0x80
	hlt
	.size	cwp_raw_int80, . - cwp_raw_int80

#define NR_PREAD64		17
#define NR_PWRITE64		18
#define W(i)			(8 * (i))

	/* pread64() or pwrite64() of a->fd at offset 0; a is in %rbx */
	.macro	FD_IO nr, buf, len
	movl	$\nr, %eax
	movq	W(A_FD)(%rbx), %rdi
	movq	W(\buf)(%rbx), %rsi
	movq	\len, %rdx
	xorl	%r10d, %r10d
	syscall
	.endm

	.globl	cwp_raw_armed
	.type	cwp_raw_armed, @function
cwp_raw_armed:
	pushq	%rbx
	pushq	%r12
	movq	%rdi, %rbx
	FD_IO	NR_PWRITE64, A_ARM, W(A_ARM_LEN)(%rbx)
	movq	W(0)(%rbx), %rdi
	movq	W(1)(%rbx), %rsi
	movq	W(2)(%rbx), %rdx
	movq	W(3)(%rbx), %r10
	movq	W(4)(%rbx), %r8
	movq	W(5)(%rbx), %r9
	movl	$__NR_clone_with_pids, %eax
	syscall
	testq	%rax, %rax
	jz	1f
	movq	%rax, %r12
	FD_IO	NR_PREAD64, A_LEFT, W(A_LEFT_LEN)(%rbx)
	FD_IO	NR_PWRITE64, A_ZERO, $1
	movq	%r12, %rax
	popq	%r12
	popq	%rbx
	ret
1:	movl	$NR_EXIT_64, %eax
	xorl	%edi, %edi
	syscall
	hlt
	.size	cwp_raw_armed, . - cwp_raw_armed
#endif

#ifdef __i386__
#define NR_EXIT_32		1

	.text
	.globl	cwp_raw
	.type	cwp_raw, @function
cwp_raw:
	CWP_CALL 1f
1:	movl	$NR_EXIT_32, %eax
	xorl	%ebx, %ebx
	int	$0x80
	hlt
	.size	cwp_raw, . - cwp_raw

#define NR_PREAD64		180
#define NR_PWRITE64		181
#define W(i)			(4 * (i))

	/*
	 * pread64() or pwrite64() of a->fd at offset 0; a is cwp_raw_armed()'s
	 * argument, which stays at 20(%esp): reading the stack is no write.
	 */
	.macro	FD_IO nr, buf, len
	movl	20(%esp), %eax
	movl	W(A_FD)(%eax), %ebx
	movl	W(\buf)(%eax), %ecx
	movl	\len, %edx
	xorl	%esi, %esi
	xorl	%edi, %edi
	movl	$\nr, %eax
	int	$0x80
	.endm

	.globl	cwp_raw_armed
	.type	cwp_raw_armed, @function
cwp_raw_armed:
	pushl	%ebp
	pushl	%edi
	pushl	%esi
	pushl	%ebx
	FD_IO	NR_PWRITE64, A_ARM, W(A_ARM_LEN)(%eax)
	movl	20(%esp), %eax
	movl	W(0)(%eax), %ebx
	movl	W(1)(%eax), %ecx
	movl	W(2)(%eax), %edx
	movl	W(3)(%eax), %esi
	movl	W(4)(%eax), %edi
	movl	W(5)(%eax), %ebp
	movl	$__NR_clone_with_pids, %eax
	int	$0x80
	testl	%eax, %eax
	jz	1f
	movl	%eax, %ebp
	FD_IO	NR_PREAD64, A_LEFT, W(A_LEFT_LEN)(%eax)
	FD_IO	NR_PWRITE64, A_ZERO, $1
	movl	%ebp, %eax
	popl	%ebx
	popl	%esi
	popl	%edi
	popl	%ebp
	ret
1:	movl	$NR_EXIT_32, %eax
	xorl	%ebx, %ebx
	int	$0x80
	hlt
	.size	cwp_raw_armed, . - cwp_raw_armed
#endif

	.section .note.GNU-stack, "", @progbits
