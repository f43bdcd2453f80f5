#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run test programs one after the other (in the guest), each framed by
# markers that check.sh splits on, with its exit status and a time limit.
# Usage: run-tests.sh PROGRAM...
for t in "$@"; do
	echo "@@BEGIN $t"
	timeout "${CWP_TEST_TIMEOUT:-300}" "$t"
	echo "@@END $t $?"
done
