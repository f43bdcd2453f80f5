# SPDX-License-Identifier: GPL-2.0
#
# The clone_with_pids() stress programs: fuzzing, fault injection, races,
# pid exhaustion and privilege checks. Included by ../Makefile after
# lib.mk: built with the selftests, into $(OUTPUT)/hardening/, but not run
# by run_tests, since they want a debug kernel and minutes. x86 only, as their raw system calls are assembly.
# Static, so that the guest needs no libraries of the ia32 build
# ("make CC='gcc -m32'").

ifneq ($(filter x86_64 i%86,$(shell $(CC) -dumpmachine | cut -d- -f1)),)

CWP_HARDENING := $(addprefix $(OUTPUT)/hardening/,fuzz faults race exhaust \
	security)
CWP_HARDENING_HDRS := hardening/hardening.h hardening/fuzz.h \
	hardening/fi.h hardening/kmsg.h

# Filtered out of the link line by lib.mk's rule.
LOCAL_HDRS += $(CWP_HARDENING_HDRS)
EXTRA_CLEAN += $(CWP_HARDENING)

all: $(CWP_HARDENING)

# Just these: "make hardening".
hardening: $(CWP_HARDENING)
.PHONY: hardening

$(CWP_HARDENING): override CFLAGS += -O2 -Wextra -Wno-unused-parameter \
	-Wno-missing-field-initializers
$(CWP_HARDENING): LDFLAGS += -static
$(CWP_HARDENING): hardening/cwp_raw.S $(CWP_HARDENING_HDRS) \
	| $(OUTPUT)/hardening
$(OUTPUT)/hardening/fuzz: hardening/fuzz_input.c
$(OUTPUT)/hardening/faults: hardening/fi.c hardening/kmsg.c

$(OUTPUT)/hardening:
	mkdir -p $@

endif
