#!/bin/sh
# bench/handler.sh - issue 5's timings: from a component killed to OK in the
# core's state, split into detection, handler decision, restart and
# write-back, with a real Nagios 4 and a real Icinga 2 (tests/e2e/core.sh)
# and the demo application on a loopback sshd (tests/e2e/app.sh).
# Not a test: prints a table, asserts nothing. Needs root (sshd, test user).
#   bench/handler.sh [RUNS [DIRECT-RUNS]]   (defaults 5 and 20; from the
#                 source tree after a build; BUILD=_build/plain by default)
#
# Per run: kill -9 the pricer, wait until the pricer and the gateway are OK
# in the core, put everything back. From the journal's timestamps (ms) and
# the core's state:
#   detection   kill -> the handler's "heal" decision (the core's checks,
#               retries and its call of the handler)
#   to restart  decision -> restart plan begins (detach, host lock over
#               ssh, re-check)
#   restart     plan begin -> end (stops, starts, each verified)
#   own         the components' own time in it: sum of the steps' durations
#   write-back  plan end -> write-back journaled (comment, passive results,
#               forced check written to the pipe)
#   to OK       write-back -> OK in the core's state (Icinga 2: the service's
#               last_state_change, before the write-back when the core's own
#               check came first; Nagios: status.dat polled every 50 ms,
#               which Nagios rewrites every second)
# And the handler's own return time, handle_component run DIRECT-RUNS times
# by hand with a HARD CRITICAL for a component that is up (it decides,
# journals, detaches; the worker then finds it up).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/_build/plain}
case $build in /*) ;; *) build=$top/$build ;; esac
runs=${1:-5}
druns=${2:-20}
top_srcdir=$top
top_builddir=$build
export top_srcdir top_builddir
hc=$build/handlers/handle_component
ctl=$build/ctl/relancectl
[ -x "$hc" ] && [ -x "$ctl" ] || { echo "build first: tools/build $build" >&2; exit 1; }
. "$top/tests/lib.sh"
. "$top/tests/sshd.sh"
. "$top/tests/e2e/lib.sh"
. "$top/tests/e2e/core.sh"
. "$top/tests/e2e/app.sh"
sshd_setup >/dev/null
sshd_start h1 >/dev/null
e2e_setup
E2E_CLEANUP_HOOKS=sshd_cleanup
app_setup
echo 3600 > "$APP_DIR/run/brief.life"

median() {
	sort -n | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "-"; exit }
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.0f\n", m }'
}
jrn() { jq -c "select($2)" "$1" 2>/dev/null; }
jts() { jrn "$1" "$2" | head -1 | jq -r .ts; }

# --- the handler's return time, by hand -----------------------------------------
D=$E2E_ROOT/direct
mkdir -p "$D"
app_config "$D/relance.ini" bench "$D"
sed -i 's/^restart_limit = .*/restart_limit = 1000\/1h/' "$D/relance.ini"
"$ctl" -c "$D/relance.ini" start "$APP" > /dev/null 2>&1 || { echo "cannot start the application" >&2; exit 1; }
i=0
: > "$D/ms"
while [ $i -lt "$druns" ]; do
	a=$(date +%s%N)
	"$hc" -c "$D/relance.ini" -C "$APP/pricer" --state CRITICAL --state-type HARD \
		--attempt 3 > /dev/null 2>&1
	echo $(( ($(date +%s%N) - a) / 1000 )) >> "$D/ms"
	# let the worker finish (it takes the lock) before the next one
	wait_for 10 eval '[ "$(jrn "$D/journal.jsonl" ".event == \"decision\" and (.reason // \"\" | startswith(\"already up\"))" | wc -l)" -gt '$i' ]'
	i=$((i + 1))
done
ret=$(median < "$D/ms")
printf 'handle_component returns to the core in %s us (median of %s, by hand; target <= 100 ms)\n\n' \
	"$ret" "$druns"

# --- per core -------------------------------------------------------------------
printf '%-8s %4s %9s %9s %9s %9s %9s %9s %9s\n' core run detection to-restart \
	restart own write-back to-OK kill-to-OK
for core in nagios icinga; do
	if [ $core = nagios ]; then have_nagios || continue; else have_icinga || continue; fi
	C=$E2E_ROOT/$core
	mkdir -p "$C/objs" "$C/state"
	if [ $core = nagios ]; then cmdf=$C/var/nagios.cmd; else cmdf=$C/run/cmd/icinga2.cmd; fi
	app_config "$C/relance.ini" "bench-$core" "$C/state" "command_file=$cmdf"
	sed -i 's/^restart_limit = .*/restart_limit = 1000\/1h/' "$C/relance.ini"
	J=$C/state/journal.jsonl
	"$ctl" -c "$C/relance.ini" start "$APP" > /dev/null 2>&1 &&
		"$ctl" -c "$C/relance.ini" start "${APP}b" > /dev/null 2>&1 || exit 1
	if [ $core = nagios ]; then
		"$ctl" -c "$C/relance.ini" generate nagios --define-hosts --with-commands \
			--plugin-dir "$build/plugins" --handler "$hc" > "$C/objs/relance.cfg"
		nagios_start "$C" "$C/objs/relance.cfg" || exit 1
		st() { nagios_state "$C" h1 "$1"; }
		out() { nagios_field "$C" h1 "$1" plugin_output; }
	else
		"$ctl" -c "$C/relance.ini" generate icinga2 --define-hosts --with-commands \
			--plugin-dir "$build/plugins" --handler "$hc" > "$C/objs/relance.conf"
		sed -i -e 's/^\tcheck_interval = 1m$/\tcheck_interval = 1s/' \
			-e 's/^\tretry_interval = 15s$/\tretry_interval = 500ms/' "$C/objs/relance.conf"
		icinga_start "$C" "$C/objs/relance.conf" || exit 1
		st() { icinga_state "$C" h1 "$1"; }
		out() { icinga_field "$C" h1 "$1" last_check_result.output; }
	fi
	up() { [ "$(st "$1")" = "OK HARD" ] && out "$1" | grep -q '^COMPONENT OK\|restarted by relance'; }
	all() { for n in $APP_NAMES; do up "$APP/$n" || return 1; done; }
	wait_for 30 all || { echo "$core: the application is not OK" >&2; continue; }
	r=1
	while [ $r -le "$runs" ]; do
		t_kill=$(now_ms)
		kill -KILL "$(app_pid pricer)"
		# the run that starts the pricer, whichever handler made it (the
		# gateway's may heal the pricer it requires); its write-back
		start=".event == \"step\" and .phase == \"begin\" and .action == \"start\" and .component == \"$APP/pricer\" and .ts >= $t_kill"
		wb=".event == \"writeback\" and .ts >= $t_kill"
		if wait_for 20 eval '[ -n "$(jrn "$J" "$start")" ]' &&
			run=$(jrn "$J" "$start" | head -1 | jq -r .run) &&
			wait_for 20 eval '[ -n "$(jrn "$J" "$wb")" ]' &&
			wait_for 20 eval 'up "$APP/pricer" && up "$APP/gateway"'; then
			t_ok=$(now_ms)
			if [ $core = icinga ]; then
				t_ok=$(icinga_field "$C" h1 "$APP/pricer" last_state_change |
					awk '{ printf "%.0f", $1 * 1000 }')
			fi
			# the first heal decision: the handler the core called
			t_dec=$(jts "$J" ".event == \"decision\" and .result == \"heal\" and .ts >= $t_kill")
			t_pb=$(jts "$J" ".event == \"plan\" and .phase == \"begin\" and .run == \"$run\"")
			t_pe=$(jts "$J" ".event == \"plan\" and .phase == \"end\" and .run == \"$run\"")
			t_wb=$(jts "$J" ".event == \"writeback\" and .ts >= $t_pe")
			own=$(jrn "$J" ".event == \"step\" and .phase == \"end\" and .run == \"$run\"" |
				jq -s 'map(.duration_ms // 0) | add')
			printf '%-8s %4s %9s %9s %9s %9s %9s %9s %9s\n' $core $r \
				$((t_dec - t_kill)) $((t_pb - t_dec)) $((t_pe - t_pb)) "$own" \
				$((t_wb - t_pe)) $((t_ok - t_wb)) $((t_ok - t_kill)) | tee -a "$E2E_ROOT/rows"
		else
			printf '%-8s %4s not healed within the time limits (see the journal: %s)\n' $core $r \
				"$(jrn "$J" ".event == \"decision\" and .result != \"ignore\" and .ts >= $t_kill" |
					jq -r '"\(.component) \(.result)"' | tr '\n' ';')"
		fi
		# everything back and OK before the next run
		"$ctl" -c "$C/relance.ini" start "$APP" > /dev/null 2>&1
		wait_for 30 all
		r=$((r + 1))
	done
	if [ $core = nagios ]; then nagios_stop "$C"; else icinga_stop "$C"; fi
	awk -v c=$core '$1 == c' "$E2E_ROOT/rows" > "$E2E_ROOT/rows.$core"
	[ -s "$E2E_ROOT/rows.$core" ] || continue
	printf '%-8s %4s' $core med
	for k in 3 4 5 6 7 8 9; do
		printf ' %9s' "$(awk -v k=$k '{ print $k }' "$E2E_ROOT/rows.$core" | median)"
	done
	echo
done
echo
echo "ms; detection depends on the cores' intervals (Nagios: check 1 s, retry 1 s,"
echo "3 attempts; Icinga 2: check 1 s, retry 0.5 s, 3 attempts); restart - own"
echo "is relance's overhead in the restart (plan, locks' bookkeeping, journal);"
echo "to-OK below 0: the core's own check saw the component OK before the write-back."
