#!/bin/sh
# bench/plugins.sh - the plugins against check_by_ssh and the protocol
# floor (bench/floor: a bare libssh2 connect, handshake, host key check,
# auth, one exec), over sshds from tests/sshd.sh, every check running
# `true` with the same key:
#   one check: the floor, check_component (the real plugin, a config),
#              check_by_ssh, the ssh client: wall, user+sys CPU, peak RSS
#   30 components on 5 hosts: the floor (five execs in parallel, one per
#              host, each running that host's six checks as one command),
#              check_application once, check_by_ssh run once per
#              component (30 runs, one after the other)
#   XML: check_component on the same component in a config that also has
#              an xml component (its xpath keys are validated, so libxml2
#              is loaded), and on that xml component
# First on loopback, then at a round-trip time of RTT ms: two network
# namespaces made here, joined by bench/delaylink (a TUN forwarder that
# holds each packet RTT/2 ms: this kernel has no sch_netem), the sshds in
# one, the clients in the other, everything torn down at the end.
# Not a test: prints tables, every wall time also as a ratio to its floor,
# and the ratios against issue 4's and issue 17's targets.
#   bench/plugins.sh [--rtt MS] [RUNS [APP-RUNS]]   (from the source tree,
#       after a build; BUILD=_build/plain; root; --rtt 0: loopback only;
#       default 20). CA_REF=PATH adds a row for another build's
#       check_application (e.g. one from before a change), same config.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
top_srcdir=$top
top_builddir=${BUILD:-$top/_build/plain}
case $top_builddir in /*) ;; *) top_builddir=$top/$top_builddir ;; esac
rtt=20
inner=
while [ $# -gt 0 ]; do
	case $1 in
	--rtt) rtt=$2; shift 2 ;;
	--inner) inner=$2; shift 2 ;; # (internal) measure at this label
	*) break ;;
	esac
done
runs=${1:-30}
app_runs=${2:-5}
. "$top/tests/lib.sh"
CC=$top_builddir/plugins/check_component
CA=$top_builddir/plugins/check_application
FLOOR=$top_builddir/bench/floor
CBS=/usr/lib/nagios/plugins/check_by_ssh
TIME=/usr/bin/time
[ -x "$CC" ] && [ -x "$CA" ] && [ -x "$FLOOR" ] ||
	{ echo "build first: tools/build $top_builddir" >&2; exit 1; }
[ -x "$CBS" ] || { echo "no $CBS (monitoring-plugins-basic)" >&2; exit 1; }
[ -x "$TIME" ] || { echo "no $TIME (Debian package time)" >&2; exit 1; }
unset RELANCE_CONFIG
# the build tree's XML module (lib/xpath_load.c), as make check does
RELANCE_XPATH_MODULE=${RELANCE_XPATH_MODULE:-$top_builddir/lib/xpath.so}
export RELANCE_XPATH_MODULE

if [ -z "$inner" ]; then
	# the loopback table, then the same across the delay link
	sh "$0" --inner loopback "$runs" "$app_runs" || exit 1
	case $rtt in 0 | 0.0) exit 0 ;; esac
	DL=$top_builddir/bench/delaylink
	[ -x "$DL" ] || { echo "build first: no $DL" >&2; exit 1; }
	ns=relance-wan-$$
	dlpid=
	teardown() {
		[ -n "$dlpid" ] && kill "$dlpid" 2>/dev/null && wait "$dlpid"
		ip netns del "$ns-a" 2>/dev/null
		ip netns del "$ns-b" 2>/dev/null
		rm -f "${dlout:-}"
	}
	trap teardown EXIT
	trap 'exit 130' INT TERM
	ip netns add "$ns-a" && ip netns add "$ns-b" ||
		{ echo "cannot make network namespaces (root?)" >&2; exit 1; }
	dlout=$(mktemp "${TMPDIR:-/tmp}/relance-dl.XXXXXX") || exit 1
	"$DL" "$rtt" "$ns-a" rlwan$$a "$ns-b" rlwan$$b >"$dlout" &
	dlpid=$!
	i=0
	until grep -q ready "$dlout"; do
		kill -0 "$dlpid" 2>/dev/null || { dlpid=; exit 1; }
		i=$((i + 1)); [ $i -lt 600 ] || exit 1
		sleep 0.05
	done
	# 198.18.0.0/15: the range set aside for benchmarks (RFC 2544)
	ip -n "$ns-a" addr add 198.18.0.1 peer 198.18.0.2 dev rlwan$$a &&
		ip -n "$ns-a" link set rlwan$$a up &&
		ip -n "$ns-a" link set lo up &&
		ip -n "$ns-b" addr add 198.18.0.2 peer 198.18.0.1 dev rlwan$$b &&
		ip -n "$ns-b" link set rlwan$$b up &&
		ip -n "$ns-b" link set lo up || exit 1
	echo
	SSHD_ADDR=198.18.0.1 SSHD_EXEC="nsenter --net=/run/netns/$ns-a" \
		nsenter --net="/run/netns/$ns-b" \
		sh "$0" --inner "RTT $rtt ms (delay link)" "$runs" "$app_runs"
	exit $?
fi

. "$top/tests/sshd.sh"
sshd_setup
for h in h1 h2 h3 h4 h5; do sshd_start $h; done
KEY=$SSHD_DIR/id_ed25519
KH=$SSHD_DIR/known_hosts
P=$SSHD_PORT_h1
SSHOPT="-o BatchMode=yes -o UserKnownHostsFile=$KH -o StrictHostKeyChecking=yes -o ControlMaster=no -o ControlPath=none"

cfg=$SSHD_DIR/relance.ini
{
	printf '[ssh]\nuser = %s\nidentity = %s\nknown_hosts = %s\n' \
		"$SSHD_USER" "$KEY" "$KH"
	printf 'timeout = 10s\n\n'
	for h in h1 h2 h3 h4 h5; do
		eval "p=\$SSHD_PORT_$h"
		printf '[host "%s"]\naddress = %s\nport = %s\n\n' "$h" \
			"$SSHD_ADDR" "$p"
	done
	printf '[component "one/c"]\nhost = h1\ncheck = true\n'
	printf 'start = true\nstop = true\n\n'
	i=0
	while [ $i -lt 30 ]; do
		printf '[component "thirty/c%02d"]\nhost = h%d\ncheck = true\n' \
			$i $((i % 5 + 1))
		printf 'start = true\nstop = true\n\n'
		i=$((i + 1))
	done
} >"$cfg"
chmod 600 "$cfg"
# the same, and one component in check_mode xml (a Tomcat-like status)
cfgx=$SSHD_DIR/relance-xml.ini
{
	cat "$cfg"
	printf '[component "xml/status"]\nhost = h1\n'
	printf 'check = printf %s\n' "'<status state=\"RUNNING\"><c busy=\"3\"/></status>'"
	printf 'check_mode = xml\nstart = true\nstop = true\n'
	printf 'xpath.state = string(/status/@state)\nxpath.state.expect = RUNNING\n'
	printf 'xpath.busy = sum(//c/@busy)\nxpath.busy.warning = 150\n\n'
} >"$cfgx"
chmod 600 "$cfgx"

# the commands, as sh -c scripts for /usr/bin/time (variables from the
# environment)
A=$SSHD_ADDR
CA_REF=${CA_REF:-}
export CC CA CA_REF CBS FLOOR KEY KH P A SSHD_USER SSHOPT cfg cfgx
for h in h1 h2 h3 h4 h5; do eval "export SSHD_PORT_$h"; done
cbs_fn='cbs_one() {
	"$CBS" -H "$A" -p "$1" -l "$SSHD_USER" -i "$KEY" \
		-o UserKnownHostsFile="$KH" -o StrictHostKeyChecking=yes \
		-o BatchMode=yes -t 10 -C true
}'
floor_cmd='exec "$FLOOR" -k "$KH" -u "$SSHD_USER" -i "$KEY" "$A:$P" true'
# the floor of 30 checks on 5 hosts: one exec per host, in parallel, each
# running that host's six checks as one command
six='true; true; true; true; true; true'
floor30_cmd='exec "$FLOOR" -k "$KH" -u "$SSHD_USER" -i "$KEY" \
	"$A:$SSHD_PORT_h1" "'$six'" "$A:$SSHD_PORT_h2" "'$six'" \
	"$A:$SSHD_PORT_h3" "'$six'" "$A:$SSHD_PORT_h4" "'$six'" \
	"$A:$SSHD_PORT_h5" "'$six'"'
cc_cmd='exec "$CC" --config "$cfg" -C one/c -t 10'
ccx_cmd='exec "$CC" --config "$cfgx" -C one/c -t 10'
ccxml_cmd='exec "$CC" --config "$cfgx" -C xml/status -t 10'
ssh_cmd='exec ssh $SSHOPT -i "$KEY" -p "$P" "$SSHD_USER@$A" true'
cbs_cmd="$cbs_fn"'
cbs_one "$P"'
ca_cmd='exec "$CA" --config "$cfg" -A thirty -t 30'
caref_cmd='exec "$CA_REF" -c "$cfg" -A thirty -t 30'
cbs30_cmd="$cbs_fn"'
i=0
while [ $i -lt 30 ]; do
	eval "p=\$SSHD_PORT_h$((i % 5 + 1))"
	cbs_one "$p" || exit 1
	i=$((i + 1))
done'

# measure N CMD...: N runs under /usr/bin/time; prints the medians of
# wall (ms), user+sys CPU (ms) and peak RSS (KiB), then the mean CPU (ms)
# of one run from the total of all N runs measured at once (time's
# figures are in 10 ms steps: one plugin run is often below that)
measure() {
	n=$1; shift
	out=$SSHD_DIR/time.out
	: >"$out"
	i=0
	while [ $i -lt "$n" ]; do
		t0=$(date +%s%N)
		"$TIME" -a -o "$out" -f '%e %U %S %M' "$@" >/dev/null 2>&1 ||
			{ echo "failed: $*" >&2; return 1; }
		# time's %e is in 10 ms steps: the wall time from date(1)
		echo "wall $(( ($(date +%s%N) - t0) / 1000 ))" >>"$out"
		i=$((i + 1))
	done
	med=$(awk '
		function median(a, n,   i, j, t) {
			for (i = 2; i <= n; i++)
				for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
					t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
				}
			return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
		}
		/^[0-9]/ { k++; c[k] = ($2 + $3) * 1000; m[k] = $4 }
		/^wall / { w[k] = $2 / 1000 }
		END { printf "%.1f %.0f %d", median(w, k), median(c, k), median(m, k) }' \
		"$out")
	"$TIME" -o "$out" -f '%U %S' sh -c '
		n=$1; shift; i=0
		while [ $i -lt "$n" ]; do "$@" >/dev/null 2>&1; i=$((i + 1)); done
	' sh "$n" "$@"
	mean=$(awk -v n="$n" '/^[0-9]/ { printf "%.2f", ($1 + $2) * 1000 / n }' "$out")
	echo "$med $mean"
}

# check that each works once before measuring
for c in "$floor_cmd" "$floor30_cmd" "$cc_cmd" "$ccx_cmd" "$ccxml_cmd" \
	"$ssh_cmd" "$cbs_cmd" "$ca_cmd" "$cbs30_cmd"; do
	sh -c "$c" >/dev/null 2>&1 ||
		{ echo "does not work: $c" >&2; sh -c "$c"; exit 1; }
done

r_floor=$(measure "$runs" sh -c "$floor_cmd")
r_cc=$(measure "$runs" sh -c "$cc_cmd")
r_ccx=$(measure "$runs" sh -c "$ccx_cmd")
r_ccxml=$(measure "$runs" sh -c "$ccxml_cmd")
r_cbs=$(measure "$runs" sh -c "$cbs_cmd")
r_ssh=$(measure "$runs" sh -c "$ssh_cmd")
r_floor30=$(measure "$app_runs" sh -c "$floor30_cmd")
r_ca=$(measure "$app_runs" sh -c "$ca_cmd")
[ -z "$CA_REF" ] || r_caref=$(measure "$app_runs" sh -c "$caref_cmd")
r_cbs30=$(measure "$app_runs" sh -c "$cbs30_cmd")

# shellcheck disable=SC2086
set -- $r_floor; fl_w=$1
# shellcheck disable=SC2086
set -- $r_floor30; fl30_w=$1
row() { # row LABEL "WALL CPU RSS MEAN" FLOOR_WALL
	# shellcheck disable=SC2086
	set -- "$1" $2 "$3"
	printf '| %-44s | %9s | %8s | %11s | %12s | %12.1f |\n' "$1" "$2" \
		"$(awk -v w="$2" -v f="$6" 'BEGIN { printf "%.2fx", w / f }')" \
		"$3" "$5" "$(awk -v k="$4" 'BEGIN { print k / 1024 }')"
}
printf '# %s: `true` on sshds at %s (user %s, shell /bin/sh), a fresh\n' \
	"$inner" "$A" "$SSHD_USER"
printf '# connection each run; medians of %s runs (%s for 30 components);\n' \
	"$runs" "$app_runs"
printf '# CPU = user + sys of the process and its children; "floor" = the\n'
printf '# wall time / the floor'"'"'s (one exec, or one exec per host for 30)\n\n'
printf '| %-44s | %9s | %8s | %11s | %12s | %12s |\n' measure "wall ms" \
	floor "CPU ms med" "CPU ms mean" "peak RSS MiB"
printf '|%s|%s|%s|%s|%s|%s|\n' ---------------------------------------------- \
	----------- ---------- ------------- -------------- --------------
row "floor: libssh2, one exec (bench/floor)" "$r_floor" "$fl_w"
row "check_component (relance, libssh2)" "$r_cc" "$fl_w"
row "check_by_ssh" "$r_cbs" "$fl_w"
row "ssh (OpenSSH client)" "$r_ssh" "$fl_w"
row "check_component, config with xpath keys" "$r_ccx" "$fl_w"
row "check_component, xml component" "$r_ccxml" "$fl_w"
row "floor: 5 hosts in parallel, 1 exec of 6 each" "$r_floor30" "$fl30_w"
row "check_application, 30 components / 5 hosts" "$r_ca" "$fl30_w"
[ -z "$CA_REF" ] ||
	row "check_application of CA_REF" "$r_caref" "$fl30_w"
row "check_by_ssh x 30, one after the other" "$r_cbs30" "$fl30_w"

# shellcheck disable=SC2086
set -- $r_cc; cc_w=$1; cc_m=$3; cc_cpu=$4
# shellcheck disable=SC2086
set -- $r_cbs; cbs_w=$1; cbs_cpu=$4
# shellcheck disable=SC2086
set -- $r_ca; ca_w=$1
# shellcheck disable=SC2086
set -- $r_cbs30; cbs30_w=$1
awk -v ccw="$cc_w" -v cbsw="$cbs_w" -v ccc="$cc_cpu" -v cbsc="$cbs_cpu" \
	-v ccm="$cc_m" -v caw="$ca_w" -v c30w="$cbs30_w" -v flw="$fl_w" \
	-v fl30w="$fl30_w" 'BEGIN {
	printf "\n| %-44s | %10s | %10s | %4s |\n", "target (issues 4 and 17)", "measured", "goal", ""
	printf "|----------------------------------------------|------------|------------|------|\n"
	f = "| %-44s | %10s | %10s | %4s |\n"
	r = ccw / cbsw
	printf f, "check_component wall / check_by_ssh wall", sprintf("%.3f", r), "<= 0.25", (r <= 0.25 ? "yes" : "NO")
	r = ccc / cbsc
	printf f, "check_component CPU / check_by_ssh CPU, mean", sprintf("%.3f", r), "<= 0.10", (r <= 0.10 ? "yes" : "NO")
	r = ccm / 1024
	printf f, "check_component peak RSS (MiB)", sprintf("%.1f", r), "<= 8", (r <= 8 ? "yes" : "NO")
	r = c30w / caw
	printf f, "check_by_ssh x 30 wall / check_application", sprintf("%.1fx", r), ">= 20x", (r >= 20 ? "yes" : "NO")
	r = ccw / flw
	printf f, "check_component wall / floor", sprintf("%.2fx", r), "<= 1.1x", (r <= 1.1 ? "yes" : "NO")
	r = caw / fl30w
	printf f, "check_application wall / floor (1 exec/host)", sprintf("%.2fx", r), "<= 1.3x", (r <= 1.3 ? "yes" : "NO")
}'
