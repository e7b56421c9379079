#!/bin/sh
# Issue 5 end to end with a real Icinga 2: cases (a)-(e) of tests/e2e/cases.sh.
CORE=icinga
. "$top_srcdir/tests/e2e/cases.sh"
