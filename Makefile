# SPDX-License-Identifier: GPL-2.0
# clone_with_pids: the series, its kernel, the guest and the tests.
# See README.md. Every target sets up what it needs and is missing.

SHELL := /bin/bash
T := tooling
# CMD reaches the guest byte for byte: make would expand every "$" of it
# when exporting it, so it is neither exported nor expanded, but handed to
# the shell single-quoted, from its unexpanded value.
unexport CMD
quote = '$(subst ','\'',$(value $(1)))'
export MUTANTS ONLY CWP_KERNEL_TREE
# ARCH=arm64 (run, check, vm, kernel, selftests, userspace): the same on
# arm64, under qemu-system-aarch64 (README, "arm64"). The rest is x86_64's.
x86_only := $(filter hardening mutants bench,$(MAKECMDGOALS))
ifneq ($(filter-out x86_64 x86,$(or $(ARCH),x86_64)),)
ifneq ($(x86_only),)
$(error make $(x86_only): x86_64 only, not ARCH=$(ARCH))
endif
endif

.PHONY: all run check vm series kernel selftests setup tree hardening bench userspace mutants clean help

all: run

help:
	@sed -n 's/^## //p' $(firstword $(MAKEFILE_LIST))

## make run      series -> kernel -> QEMU -> clone_with_pids kselftests
run:
	@$(T)/check.sh run

## make check    every test and gate; ends with "N passed, N failed, N skipped"
## make check ONLY=gates|guest|userspace|hardening   one part of it
## make run|check|vm|kernel|selftests|userspace ARCH=arm64   the same on arm64
check:
	@$(T)/check.sh check

## make vm CMD='...'   run CMD as root in the guest, host filesystem visible
vm: kernel
	@$(T)/vm.sh $(call quote,CMD)

## make series   the series as git format-patch files in out/series/
##                (read them as a reviewer would; README "The series")
series: tree
	@$(T)/series.sh --format-patch
	@ls out/series

## make kernel   build the patched kernel (tinyconfig + tooling/config/)
kernel: tree
	@$(T)/series.sh
	@$(T)/build-kernel.sh normal

## make selftests   build the guest test programs into out/selftests/
selftests: kernel
	@$(T)/build-selftests.sh

setup:
	@$(T)/setup.sh

tree: setup
	@$(T)/kernel-tree.sh

## make hardening   debug kernel: fuzz, fault injection, races
hardening:
	@$(T)/check.sh hardening

## make userspace   restart tools alone: crate, cwp-restore, C sample (KTAP)
# The sample builds against the kernel headers that "make selftests" makes.
userspace: selftests
	@$(T)/userspace-tests.sh

## make mutants  apply each mutant of tooling/mutants/ (one wrong line in the
##                kernel side), rebuild, run the guest suites: every one must
##                be killed; ends with "N killed, N survived"
## make mutants MUTANTS=DIR   the mutant patches in DIR instead;
##                ONLY="17 *cap*" only those (name prefixes or globs)
mutants: kernel
	@set -f; $(T)/mutants.sh $(value ONLY)

## make bench    instruction counts, 3 boots (8-15 min): out/bench/latest.txt
bench: kernel
	@$(T)/bench.sh

clean:
	rm -rf out
