#!/bin/sh
# bench/ssh_check.sh - wall time of one check (`true`, a fresh connection
# each time) over a loopback sshd: relance's ssh backend (libssh2) against
# the ssh client and check_by_ssh. Not a test: prints a table.
#   bench/ssh_check.sh [RUNS]    (from the source tree, after a build;
#                                 BUILD=_build/plain by default; root)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
top_srcdir=$top
top_builddir=${BUILD:-$top/_build/plain}
case $top_builddir in /*) ;; *) top_builddir=$top/$top_builddir ;; esac
runs=${1:-30}
. "$top/tests/lib.sh"
. "$top/tests/sshd.sh"
[ -x "$top_builddir/tests/ssh_drive" ] ||
	make -s -C "$top_builddir" tests/ssh_drive >/dev/null ||
	{ echo "build first: tools/build $top_builddir" >&2; exit 1; }
sshd_setup
sshd_start h1
P=$SSHD_PORT_h1
KEY=$SSHD_DIR/id_ed25519
KH=$SSHD_DIR/known_hosts
SSHOPT="-o BatchMode=yes -o UserKnownHostsFile=$KH -o StrictHostKeyChecking=yes -o ControlMaster=no -o ControlPath=none"
CBS=/usr/lib/nagios/plugins/check_by_ssh

# median of the wall times (ms) of RUNS runs of "$@"
median_ms() {
	i=0
	while [ $i -lt "$runs" ]; do
		t0=$(date +%s%N)
		"$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; return 1; }
		echo $(( ($(date +%s%N) - t0) / 1000 ))
		i=$((i + 1))
	done | sort -n | awk '{ v[NR] = $1 } END {
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.1f", m / 1000 }'
}

relance_one() {
	echo 'h1 0 - true' | "$top_builddir/tests/ssh_drive" -k "$KH" \
		-u "$SSHD_USER" -i "$KEY" -h "h1=127.0.0.1:$P" |
		grep -q 'status=exited .*exit=0 '
}
# shellcheck disable=SC2086
ssh_one() { ssh $SSHOPT -i "$KEY" -p "$P" "$SSHD_USER@127.0.0.1" true; }
# shellcheck disable=SC2086
cbs_one() {
	"$CBS" -H 127.0.0.1 -p "$P" -l "$SSHD_USER" -i "$KEY" \
		-o UserKnownHostsFile="$KH" -o StrictHostKeyChecking=yes \
		-o BatchMode=yes -C true
}
# ten checks on one host in one batch (one session, ten channels)
relance_ten() {
	j=0; while [ $j -lt 10 ]; do echo 'h1 0 - true'; j=$((j + 1)); done |
		"$top_builddir/tests/ssh_drive" -k "$KH" -u "$SSHD_USER" \
		-i "$KEY" -h "h1=127.0.0.1:$P" | grep -c 'exit=0 ' | grep -qx 10
}
# shellcheck disable=SC2086
cbs_ten() {
	j=0; while [ $j -lt 10 ]; do cbs_one || return 1; j=$((j + 1)); done
}

printf '# one check running `true` on a loopback sshd, fresh connection,\n'
printf '# median of %s runs (user %s, shell /bin/sh)\n\n' "$runs" "$SSHD_USER"
printf '| %-40s | %9s |\n' client "wall (ms)"
printf '|%s|%s|\n' ------------------------------------------ -----------
printf '| %-40s | %9s |\n' "relance ssh backend (libssh2)" "$(median_ms relance_one)"
printf '| %-40s | %9s |\n' "ssh (OpenSSH client)" "$(median_ms ssh_one)"
if [ -x "$CBS" ]; then
	printf '| %-40s | %9s |\n' "check_by_ssh" "$(median_ms cbs_one)"
fi
runs=$(( (runs + 2) / 3 ))
printf '| %-40s | %9s |\n' "10 checks: relance, one batch" "$(median_ms relance_ten)"
if [ -x "$CBS" ]; then
	printf '| %-40s | %9s |\n' "10 checks: check_by_ssh one by one" "$(median_ms cbs_ten)"
fi
