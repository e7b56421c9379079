#!/bin/sh
# One lock discipline for every program (lib/guard): a `relancectl restart`
# under config A (node a, its own lock_dir and journal) and a
# `handle_component --foreground` under config B (node b, another lock_dir
# and journal) never act on one component at the same time. Both reach
# the same host (transport local), so they meet at its host lock: the
# second comer stands down (the handler) or exits 4 (relancectl), naming
# the holder. Both orders.
#
# The component is a real small process whose start waits while a gate
# file exists: the test holds the first comer inside its start while the
# second one comes. Every stop and start writes "begin PID ACTION" and
# "end PID ACTION" to the component's log: the intervals must not
# overlap. Its name is unique to this run: the host lock lives in the
# account's ~/.relance/locks, which other tests and runs share.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/relancectl/config.sh"

ctl=$top_builddir/ctl/relancectl
hc=$top_builddir/handlers/handle_component
[ -x "$ctl" ] && [ -x "$hc" ] ||
	skip_all "relancectl or handle_component not built"
command -v setsid >/dev/null || skip_all "setsid needed"
unset RELANCE_CONFIG NO_COLOR

T=$(mktemp -d "${TMPDIR:-/tmp}/guard.XXXXXX") || exit 1
APP=guard$$
C=$APP/svc
# where the local transport's commands find ~ (the password database's)
home=$(getent passwd "$(id -u)" | cut -d: -f6)
hostlock=${home:-$HOME}/.relance/locks/$APP%2Fsvc.lock
ctl_pid= hc_pid=
cleanup() {
	rm -f "$T/gate"
	for p in $ctl_pid $hc_pid; do kill "$p" 2>/dev/null; done
	[ -f "$T/svc.pid" ] && kill "$(cat "$T/svc.pid")" 2>/dev/null
	rm -rf "$hostlock"
	rm -rf "$T"
}
trap cleanup EXIT
[ -n "$RELANCE_TEST_KEEP" ] && trap - EXIT # to look around after a failure
trap 'exit 1' INT TERM

# a start waits while $T/gate exists (relancectl/gated.sh)
gated_install "$T"

# config NODE: relance-NODE.ini, with lock_dir, journal of its own
config() {
	cat >"$T/relance-$1.ini" <<EOF
[relance]
node     = $1
journal  = $T/journal-$1.jsonl
lock_dir = $T/locks-$1
hold_dir = $T/holds-$1

[host "here"]
transport = local

$(gated_component "$C" here "$T")
start_timeout = 90s
stop_timeout  = 5s
EOF
	chmod 600 "$T/relance-$1.ini"
}
config a
config b
A=$T/relance-a.ini B=$T/relance-b.ini

# the log's intervals: each begin followed by its own end, nothing open
no_overlap() {
	awk '$1 == "begin" { if (open != "") bad = 1; open = $2 }
	     $1 == "end" { if (open != $2) bad = 1; open = "" }
	     END { exit bad || open != "" }' "$T/svc.log"
}
begins() { grep -c '^begin' "$T/svc.log" 2>/dev/null; }
starts() { grep -c '^end [0-9]* start' "$T/svc.log" 2>/dev/null; }
gone() { ! kill -0 "$1" 2>/dev/null; }
# the second comer is done, or it began acting while the first is inside
second_done_or_overlaps() { gone "$1" || [ "$(begins)" -gt "$2" ]; }
heal() { "$hc" -c "$B" -C "$C" --state CRITICAL --state-type HARD --attempt 1 --foreground; }
show_log() { sed 's/^/#   log: /' "$T/svc.log"; }

"$ctl" -c "$A" start "$C" >/dev/null 2>&1
ok $? "$C runs"

# --- relancectl first ---------------------------------------------------------
: >"$T/svc.log"
touch "$T/gate"
"$ctl" -c "$A" restart "$C" >"$T/ctl1.out" 2>&1 &
ctl_pid=$!
wait_for 30 eval 'grep -q "^begin [0-9]* start" "$T/svc.log"'
ok $? "ctl first: relancectl a is inside the start, held at the gate"
n0=$(begins)
heal >"$T/hc1.out" 2>&1 &
hc_pid=$!
wait_for 60 second_done_or_overlaps "$hc_pid" "$n0"
gone "$hc_pid"; ok $? "ctl first: the handler of b is done while relancectl holds the component"
rm -f "$T/gate"
wait "$hc_pid"
is $? 0 "ctl first: the handler exits 0 (decided: it stood down)"
hc_pid=
wait "$ctl_pid"
is $? 0 "ctl first: relancectl restart exits 0"
ctl_pid=
no_overlap; ok $? "ctl first: no two actions on $C at once" || show_log
is "$(starts)" 1 "ctl first: one start, relancectl's"
last=$(grep '"event":"decision"' "$T/journal-b.jsonl" | tail -n 1)
like "$last" "\"node\":\"b\".*\"result\":\"stand-down\".*\"reason\":\"in progress: host lock of $C on here held by a pid [0-9]+ start [0-9]+ boot [0-9a-f-]+ relancectl restart $C by [^\"]+\"" \
	"ctl first: b's journal: stood down, naming the holder (node a, pid, relancectl)"
is "$(grep -c '"event":"plan"' "$T/journal-b.jsonl")" 0 "ctl first: b ran no plan"
[ ! -e "$hostlock" ]; ok $? "ctl first: relancectl released the host lock"

# --- the handler first ----------------------------------------------------------
"$ctl" -c "$A" stop "$C" >/dev/null 2>&1
: >"$T/svc.log"
touch "$T/gate"
heal >"$T/hc2.out" 2>&1 &
hc_pid=$!
wait_for 30 eval 'grep -q "^begin [0-9]* start" "$T/svc.log"'
ok $? "handler first: the handler of b is inside the start, held at the gate"
na=$(wc -l <"$T/journal-a.jsonl")
n0=$(begins)
"$ctl" -c "$A" restart "$C" >"$T/ctl2.out" 2>&1 &
ctl_pid=$!
wait_for 60 second_done_or_overlaps "$ctl_pid" "$n0"
gone "$ctl_pid"; ok $? "handler first: relancectl of a is done while the handler holds the component"
rm -f "$T/gate"
wait "$ctl_pid"
is $? 4 "handler first: relancectl exits 4 (locked)"
ctl_pid=
like "$(cat "$T/ctl2.out")" "^relancectl: host lock of $C on here held by b pid [0-9]+ start [0-9]+ boot [0-9a-f-]+ handle_component restart $C$" \
	"handler first: one line naming the component, the host and the holder"
is "$(wc -l <"$T/ctl2.out")" 1 "handler first: one line only"
wait "$hc_pid"
is $? 0 "handler first: the handler's restart exits 0"
hc_pid=
no_overlap; ok $? "handler first: no two actions on $C at once" || show_log
is "$(starts)" 1 "handler first: one start, the handler's"
is "$(wc -l <"$T/journal-a.jsonl")" "$na" "handler first: the refused relancectl journaled nothing"
[ ! -e "$hostlock" ]; ok $? "handler first: the handler released the host lock"

"$ctl" -c "$A" stop "$C" >/dev/null 2>&1
ok $? "$C stops"
done_testing
