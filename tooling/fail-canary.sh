#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A test that always fails: "make check CWP_FAIL_CANARY=1" runs it in the
# guest to show that a failing test fails the run.
echo "TAP version 13"
echo "1..1"
echo "not ok 1 canary_fails_on_purpose"
exit 1
