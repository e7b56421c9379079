#!/bin/sh
# Faults that used to make relance's records lie (issue 12, "What lies"):
# a hold that cannot be written, a journal that fills up in the middle of a
# restart. Each file system that fills is a tmpfs of a few KiB in a mount
# namespace of our own (root and unshare -m needed; skipped with the reason
# elsewhere): the machine's mounts are never touched. Components are the
# relancectl tests' sh daemons (relancectl/comp.sh), run locally.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/local.sh"

ctl="$top_builddir/ctl/relancectl"
[ -x "$ctl" ] || skip_all "relancectl not built"
[ "$(id -u)" = 0 ] || skip_all "needs root to mount a small tmpfs in a mount namespace"
command -v unshare >/dev/null || skip_all "unshare needed"
unshare -m sh -c 'mount --make-rprivate / && mount -t tmpfs -o size=8k none /mnt' \
	2>/dev/null || skip_all "unshare -m with a tmpfs mount is not allowed here"
command -v setsid >/dev/null || skip_all "setsid needed"

local_setup rl-faults-rec comp
mkdir "$T/locks" "$T/holds" "$T/jfs"
unset NO_COLOR RELANCE_CONFIG

. "$top_srcdir/tests/integration/relancectl/config.sh"
# write_config FILE JOURNAL, with the holds in $T/holds
write_hold_config() {
	write_config "$1" "$2"
	sed -i "s|^node     = testnode$|&\nhold_dir = $T/holds|" "$1"
}
cfg=$T/relance.ini
journal=$T/journal.jsonl
write_hold_config "$cfg" "$journal"
up() { "$T/comp.sh" "$T" "$1" check >/dev/null 2>&1; }

# in_ns SCRIPT ARGS...: runs SCRIPT with sh, ARGS as $2..., in a mount
# namespace of its own (where SCRIPT mounts its tmpfs)
in_ns() {
	unshare -m sh -c 'mount --make-rprivate / || exit 90
		'"$1" _ "$@"
}

# --- hold: written first, journaled after; a failed write journaled failed ---
"$ctl" -c "$cfg" start demo >/dev/null 2>&1
ok $? "start demo"
in_ns 'mount -t tmpfs -o size=8k none "$2/holds" || exit 91
	dd if=/dev/zero of="$2/holds/filler" bs=4096 count=64 2>/dev/null
	"$3" -c "$2/relance.ini" hold demo/pricer --reason "disk work" \
		>"$2/hold.out" 2>"$2/hold.err"
	echo $? >"$2/hold.st"
	ls "$2/holds" >"$2/hold.ls"' "$T" "$ctl"
is "$(cat "$T/hold.st")" 6 "hold on a full file system: exit 6"
like "$(cat "$T/hold.err")" "^relancectl: .*No space left on device" \
	"... saying why"
unlike "$(cat "$T/hold.ls")" "pricer" "... and no hold file is left"
rec=$(grep '"event":"hold"' "$journal")
like "$rec" '"component":"demo/pricer".*"result":"failed"' \
	"the journal has the attempt, as failed"
like "$rec" '"result":"failed".*No space left on device' \
	"... with the error"
unlike "$rec" '"result":"set"' "... and no hold 'set'"
out=$("$ctl" -c "$cfg" history demo/pricer 2>&1)
like "$out" "hold +manual +demo/pricer +failed" "history shows it failed"
"$ctl" -c "$cfg" hold demo/pricer --reason "disk work" >/dev/null 2>&1
ok $? "hold with room: exit 0"
like "$(tail -n 1 "$journal")" '"event":"hold".*"result":"set"' \
	"... journaled as set once written"
"$ctl" -c "$cfg" release demo/pricer >/dev/null 2>&1
ok $? "release"

# --- a journal that fills up in the middle of a restart -------------------
# restart demo/pricer: stop gateway, stop pricer, start pricer, start
# gateway. A dry run learns the size of its records; then the journal is
# on a full tmpfs whose last page has room for the plan's begin and the
# two stops (five records) and half of the pricer's start begin.
write_hold_config "$T/dry.ini" "$T/dry.jsonl"
"$ctl" -c "$T/dry.ini" restart demo/pricer >/dev/null 2>&1
ok $? "dry run of the restart"
l5=$(tail -n 10 "$T/dry.jsonl" | head -n 5 | wc -c)
l6=$(tail -n 10 "$T/dry.jsonl" | sed -n 6p | wc -c)
pad=$((4096 - l5 - l6 / 2 - 1))
[ "$pad" -gt 100 ]
ok $? "the first six records fit in a page ($l5 + $l6 bytes)"
write_hold_config "$T/full.ini" "$T/jfs/journal.jsonl"
in_ns 'mount -t tmpfs -o size=16k none "$2/jfs" || exit 91
	# one line of padding: the journal ends a record there
	printf "{\"pad\":\"%s\"}\n" "$(head -c "$(($4 - 11))" /dev/zero | tr "\\0" x)" \
		>"$2/jfs/journal.jsonl"
	dd if=/dev/zero of="$2/jfs/filler" bs=4096 count=64 2>/dev/null
	"$3" -c "$2/full.ini" --no-color restart demo/pricer \
		>"$2/full.out" 2>"$2/full.err"
	echo $? >"$2/full.st"
	cp "$2/jfs/journal.jsonl" "$2/full.jsonl"' "$T" "$ctl" "$pad"
is "$(cat "$T/full.st")" 7 "journal full mid-restart: exit 7, not 5"
err=$(cat "$T/full.err")
like "$err" "^relancectl: journal failed mid-action, stopped there: cannot write journal '$T/jfs/journal.jsonl'" \
	"... the error line says the journal failed mid-action"
like "$err" "; down now: (demo/pricer, demo/gateway|demo/gateway, demo/pricer)$" \
	"... and names what is down"
up pricer
ok $((! $?)) "the pricer really is down (its stop ran)"
up gateway
ok $((! $?)) "the gateway really is down"
up marketdata
ok $? "what the plan did not touch still runs"
like "$(cat "$T/full.out")" "\[ok\] 2/4 stop demo/pricer" \
	"the stops that ran are shown"
unlike "$(cat "$T/full.out")" "\[ok\] [34]/4 start" "no start ran"
is "$(grep -c '"phase":"end"' "$T/full.jsonl")" 2 \
	"the journal has the two stops' ends and nothing after"
"$ctl" -c "$cfg" start demo >/dev/null 2>&1
ok $? "with a journal that works, the start puts it back"
up pricer && up gateway
ok $? "... both run"

# --- the same in the event handler's worker ----------------------------------
# the pricer is down, the handler restarts it (stop gateway, stop pricer:
# skipped, start pricer, start gateway) after journaling its decision: room
# for the decision, the plan's begin, the gateway's stop and the pricer's
# skipped stop, and half of the pricer's start begin
hc="$top_builddir/handlers/handle_component"
heal() { # heal CONFIG: a HARD CRITICAL of the pricer, in the foreground
	"$hc" -c "$1" -C demo/pricer --state CRITICAL --state-type HARD \
		--attempt 2 --foreground
}
"$T/comp.sh" "$T" pricer stop
write_hold_config "$T/hdry.ini" "$T/hdry.jsonl"
heal "$T/hdry.ini" >/dev/null 2>&1
ok $? "dry run of the heal"
up pricer && up gateway
ok $? "... it restarted the pricer"
l5=$(head -n 5 "$T/hdry.jsonl" | wc -c)
l6=$(sed -n 6p "$T/hdry.jsonl" | wc -c)
like "$(sed -n 6p "$T/hdry.jsonl")" '"event":"step","phase":"begin","action":"start","component":"demo/pricer"' \
	"... its sixth record is the pricer's start begin"
pad=$((4096 - l5 - l6 / 2 - 1))
"$T/comp.sh" "$T" pricer stop
write_hold_config "$T/hfull.ini" "$T/jfs/journal.jsonl"
in_ns 'mount -t tmpfs -o size=16k none "$2/jfs" || exit 91
	printf "{\"pad\":\"%s\"}\n" "$(head -c "$(($4 - 11))" /dev/zero | tr "\\0" x)" \
		>"$2/jfs/journal.jsonl"
	dd if=/dev/zero of="$2/jfs/filler" bs=4096 count=64 2>/dev/null
	"$3" -c "$2/hfull.ini" -C demo/pricer --state CRITICAL \
		--state-type HARD --attempt 2 --foreground \
		>"$2/hfull.out" 2>"$2/hfull.err"
	echo $? >"$2/hfull.st"' "$T" "$hc" "$pad"
is "$(cat "$T/hfull.st")" 7 "handler: journal full mid-heal: exit 7, not 5"
like "$(cat "$T/hfull.err")" "^handle_component: demo/pricer: journal failed mid-action, stopped there: cannot write journal .*; down now: (demo/pricer, demo/gateway|demo/gateway, demo/pricer)$" \
	"... its error line (also to syslog) names what is down"
unlike "$(cat "$T/hfull.err")" "nothing done" "... never 'nothing done'"
up gateway
ok $((! $?)) "... the gateway really is down (its stop ran)"
up pricer
ok $((! $?)) "... and the pricer was not started"

# --- the handler with a lock_dir it cannot use: not "in progress" ------------
# (the pricer is down from the case above)
write_hold_config "$T/hlock.ini" "$T/hlock.jsonl"
: >"$T/lockfile"
sed -i "s|^lock_dir = .*|lock_dir = $T/lockfile|" "$T/hlock.ini"
err=$(heal "$T/hlock.ini" 2>&1 >/dev/null)
is "$?" 6 "handler: a lock_dir that is a file: exit 6"
like "$err" "^handle_component: cannot create lock directory '$T/lockfile': not a directory$" \
	"... its error line (also to syslog) names the path and the reason"
unlike "$(cat "$T/hlock.jsonl")" "in progress" \
	"... and no stand-down 'in progress' is journaled"

"$ctl" -c "$cfg" stop demo >/dev/null 2>&1
ok $? "stop demo"
done_testing
