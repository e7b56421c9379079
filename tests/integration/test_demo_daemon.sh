#!/bin/sh
# shellcheck disable=SC1091,SC2154 # lib.sh and top_srcdir come from make check
# conf/demo/daemon alone: the program behind every demo component.
. "$top_srcdir/tests/lib.sh"

daemon=$top_srcdir/conf/demo/daemon
[ -x "$daemon" ] || skip_all "no $daemon"
run=$(mktemp -d "${TMPDIR:-/tmp}/test_demo_daemon.XXXXXX") || exit 1
run=$(cd "$run" && pwd -P)

# Every process of this test runs "daemon run NAME $run": find them by the
# unique run directory, end them by pid.
ours() {
	for d in /proc/[0-9]*; do
		cmd=$(tr '\0' ' ' 2>/dev/null <"$d/cmdline") || continue
		case $cmd in
		*"daemon run "*" $run "*) echo "${d#/proc/}" ;;
		esac
	done
}
cleanup() {
	for p in $(ours); do kill -s KILL "$p" 2>/dev/null; done
	[ -n "${bystander:-}" ] && kill "$bystander" 2>/dev/null
	rm -rf "$run"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

d() { "$daemon" "$@"; }
pid_of() { cat "$run/$1.pid" 2>/dev/null; }
# wait_for COMMAND...: up to 120 s for COMMAND to succeed
wait_for() {
	_i=0
	while ! "$@"; do
		[ $_i -ge 1200 ] && return 1
		sleep 0.1
		_i=$((_i + 1))
	done
}
alive() { kill -0 "$1" 2>/dev/null && ! grep -q '^[^)]*) [ZX]' "/proc/$1/stat"; }
dead() { ! alive "$1"; }

# --- usage -------------------------------------------------------------------
d bogus x "$run" >/dev/null 2>&1
is $? 3 "an unknown command is a usage error (exit 3)"
d start '../x' "$run" >/dev/null 2>&1
is $? 3 "a name with a slash is refused"
d status x "$run/nowhere" >/dev/null 2>&1
is $? 3 "a missing run directory is refused"

# --- start, status ---------------------------------------------------------
out=$(d status marketdata "$run")
is $? 2 "status of a component never started: exit 2"
is "$out" "marketdata is not running" "and says so"

# The start must return at once even when its stdout is a pipe that the
# caller reads to the end, as relance does: the daemon keeps no copy of it.
# The environment is as minimal as relance's.
t0=$(date +%s)
out=$(timeout 10 env -i PATH=/usr/bin:/bin LANG=C "$daemon" start marketdata "$run")
rc=$?
t1=$(date +%s)
is $rc 0 "start marketdata: exit 0"
ok $((t1 - t0 > 2)) "start returns at once through a pipe (took $((t1 - t0)) s)"
like "$out" "^marketdata started \(pid [0-9]+\)$" "start says the pid"
md=$(pid_of marketdata)
like "$md" "^[0-9]+$" "the pid file holds a pid"
alive "$md"
ok $? "that pid is alive"
like "$(tr '\0' ' ' <"/proc/$md/cmdline")" "daemon run marketdata $run" \
	"and is the long-running process itself"
out=$(d status marketdata "$run")
is $? 0 "status of a running component: exit 0"
is "$out" "marketdata is running (pid $md)" "status names the pid"
wait_for grep -q "marketdata: EUR/USD 1\.[0-9]" "$run/marketdata.log"
ok $? "the component writes ticks to its log"

out=$(d start marketdata "$run")
is $? 0 "start of a running component: exit 0"
is "$(pid_of marketdata)" "$md" "and it keeps its process"

# --- requirements ----------------------------------------------------------
out=$(d start pricer "$run" marketdata cache 2>&1)
is $? 1 "start refused when a requirement is down (exit 1)"
like "$out" "requires cache, which is not running" "the refusal names it"
[ ! -e "$run/pricer.pid" ]
ok $? "no pid file after a refused start"
is "$(ours | wc -l)" 1 "no process after a refused start"

d start cache "$run" marketdata >/dev/null
is $? 0 "start cache (requires marketdata)"
d start pricer "$run" marketdata cache >/dev/null
is $? 0 "start pricer (requires marketdata and cache)"
d start gateway "$run" pricer >/dev/null
is $? 0 "start gateway (requires pricer)"
cache=$(pid_of cache)
pricer=$(pid_of pricer)
gateway=$(pid_of gateway)

# --- kill -9 ---------------------------------------------------------------
kill -9 "$pricer"
wait_for dead "$pricer"
out=$(d status pricer "$run")
is $? 2 "after kill -9, status exits 2"
is "$out" "pricer is not running" "and says not running"
wait_for dead "$gateway"
ok $? "the gateway exits when the pricer it used is gone"
like "$(cat "$run/gateway.log")" "gateway: lost pricer \(pid $pricer\), exiting" \
	"and logs why"
alive "$cache"
ok $? "the cache, which does not need the pricer, runs on"

out=$(d stop pricer "$run")
is $? 0 "stop of a component that is not running: exit 0"
is "$out" "pricer is not running" "and says so"
[ ! -e "$run/pricer.pid" ]
ok $? "the stale pid file is removed"
d stop nothing "$run" >/dev/null
is $? 0 "stop of a component never started: exit 0"

# --- a reused pid is not ours ----------------------------------------------
sleep 60 &
bystander=$!
echo "$bystander" >"$run/reports.pid"
out=$(d status reports "$run")
is $? 2 "a pid file naming another process: not running"
d stop reports "$run" >/dev/null
is $? 0 "stop with a pid file naming another process: exit 0"
alive "$bystander"
ok $? "and that other process is left alone"
kill "$bystander"
bystander=""

# --- the .fail file --------------------------------------------------------
touch "$run/pricer.fail"
out=$(d start pricer "$run" marketdata cache 2>&1)
is $? 1 "start fails while NAME.fail exists (exit 1)"
like "$out" "pricer\.fail exists" "and says why"
d status pricer "$run" >/dev/null
is $? 2 "nothing started"
rm -f "$run/pricer.fail"
d start pricer "$run" marketdata cache >/dev/null
is $? 0 "start works again once NAME.fail is gone"
pricer=$(pid_of pricer)

# --- stop ------------------------------------------------------------------
out=$(d stop pricer "$run")
is $? 0 "stop pricer: exit 0"
is "$out" "pricer stopped (was pid $pricer)" "stop names the pid"
dead "$pricer"
ok $? "the process is gone as soon as stop returns"
[ ! -e "$run/pricer.pid" ]
ok $? "the pid file is removed"
like "$(cat "$run/pricer.log")" "pricer: stopping on SIGTERM" \
	"the component logged its SIGTERM"

# a component that ignores SIGTERM gets SIGKILL after 5 s
touch "$run/cache.noterm"
t0=$(date +%s)
out=$(d stop cache "$run")
rc=$?
t1=$(date +%s)
is $rc 0 "stop of a component ignoring SIGTERM: exit 0"
like "$out" "ignored SIGTERM for 5 s, sending SIGKILL" "after SIGKILL"
ok $((t1 - t0 < 5 || t1 - t0 > 60)) "after the 5 s of grace ($((t1 - t0)) s)"
dead "$cache"
ok $? "and the process is gone"

# marketdata, the last one; then nothing of ours may be left
d stop marketdata "$run" >/dev/null
is $? 0 "stop marketdata"
none_ours() { [ -z "$(ours)" ]; }
wait_for none_ours # the sleep of a killed loop ends within 0.5 s
left=$(ours)
is "$left" "" "no process of this test is left running"
pids=$(find "$run" -name '*.pid')
is "$pids" "" "no pid file is left"

done_testing
