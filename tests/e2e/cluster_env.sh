# tests/e2e/cluster_env.sh - the start of every Icinga 2 cluster test
# (tests/e2e/ha.sh, test_icinga_satellite.sh): the test libraries, skips
# when a program is missing, a loopback sshd for host h1, $E2E_ROOT, the
# application of tests/e2e/app.sh; $ctl, $hc, $T0 (ms at the start).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/sshd.sh"
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/core.sh"
. "$top_srcdir/tests/e2e/cluster.sh"
. "$top_srcdir/tests/e2e/app.sh"

ctl=$top_builddir/ctl/relancectl
hc=$top_builddir/handlers/handle_component
[ -x "$ctl" ] && [ -x "$hc" ] && [ -x "$top_builddir/plugins/check_component" ] ||
	skip_all "relancectl, handle_component or check_component not built"
have_icinga || skip_all "icinga2 not installed"
for t in jq curl setsid python3; do
	command -v $t >/dev/null || skip_all "$t needed"
done
unset RELANCE_CONFIG NO_COLOR
T0=$(now_ms)

sshd_setup
sshd_start h1
e2e_setup
e2e_sanitizers
E2E_CLEANUP_HOOKS=sshd_cleanup
app_setup
