#!/bin/sh
# Issue 5 end to end with a real Nagios 4: cases (a)-(e) of tests/e2e/cases.sh.
CORE=nagios
. "$top_srcdir/tests/e2e/cases.sh"
