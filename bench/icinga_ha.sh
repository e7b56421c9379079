#!/bin/sh
# bench/icinga_ha.sh [RUNS]: kill -> OK in Icinga 2, through a satellite
# and on a single node. Each run SIGKILLs the demo's gateway (a leaf: only
# it is restarted) and measures until the core shows it OK HARD again
# after relance's restart: on the master, the satellite checking and
# healing (tests/e2e/satellite.sh's set-up), then on one Icinga 2 doing
# both (tests/e2e/core.sh's icinga_start). Checks every 1 s, retries every
# 500 ms, 3 attempts, as in the e2e tests. Needs root (sshd, test user)
# and a build (BUILD=DIR, default _build/plain). Medians of RUNS (5).
# Asserts nothing; the set-up's TAP lines are shown.
RUNS=${1:-5}
top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
top_builddir=$(cd "${BUILD:-$top_srcdir/_build/plain}" && pwd) || exit 1
export top_srcdir top_builddir

. "$top_srcdir/tests/e2e/satellite.sh"

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# kill_to_ok DIR: ms from the gateway's SIGKILL to OK HARD in DIR's core
# after a restart (the journal's plan end, the component's new pid)
kill_to_ok() {
	_kd=$1
	_p0=$(app_pid gateway)
	_t=$(now_ms)
	app_kill gateway
	wait_for 120 eval '[ "$(app_pid gateway)" != none ] && [ "$(app_pid gateway)" != "$_p0" ] && up_on "$_kd" "$APP/gateway"' ||
		{ echo "# run failed" >&2; echo 999999; return; }
	echo $(( $(now_ms) - _t ))
	# settled before the next run: two more checks, OK, same pid
	_p1=$(app_pid gateway) _s=$(date +%s)
	wait_for 120 eval '[ "$(icinga_field "$_kd" h1 "$APP/gateway" last_check | cut -d. -f1)" -ge $((_s + 2)) ] && up_on "$_kd" "$APP/gateway"'
	[ "$(app_pid gateway)" = "$_p1" ] || echo "# gateway restarted again after the run" >&2
}

sat=
for i in $(seq "$RUNS"); do sat="$sat $(kill_to_ok "$M")"; done
icinga_stop "$M"
icinga_stop "$S"

# one Icinga 2 checking and healing, the same application and intervals
ONE=$E2E_ROOT/single
mkdir -p "$ONE/objs"
app_config "$ONE/relance.ini" single "$ONE/state" "command_file=$ONE/run/cmd/icinga2.cmd"
"$ctl" --config "$ONE/relance.ini" generate icinga2 --define-hosts --with-commands \
	--plugin-dir "$top_builddir/plugins" --handler "$hc" > "$ONE/objs/relance.conf"
sed -i -e 's/^\tcheck_interval = 1m$/\tcheck_interval = 1s/' \
	-e 's/^\tretry_interval = 15s$/\tretry_interval = 500ms/' "$ONE/objs/relance.conf"
icinga_start "$ONE" "$ONE/objs/relance.conf" || exit 1
wait_for 120 up_on "$ONE" "$APP/gateway"
one=
for i in $(seq "$RUNS"); do one="$one $(kill_to_ok "$ONE")"; done

echo
echo "kill -> OK HARD in the core, gateway, ms ($RUNS runs):"
printf '%-44s %8s   %s\n' "where" "median" "runs"
printf '%-44s %8s   %s\n' "master, checked and healed on the satellite" \
	"$(echo $sat | tr ' ' '\n' | median)" "$sat"
printf '%-44s %8s   %s\n' "single node" "$(echo $one | tr ' ' '\n' | median)" "$one"
