#!/bin/sh
# The journal's group commit (issue 17), read from the system calls
# themselves (strace -f): `relancectl restart a/db` on three components
# that are files (start: touch, stop: rm, check: test -f; a/w1 and a/w2
# require a/db), 6 steps in 4 levels.
#  - every action's begin record is written and synced (fdatasync of the
#    journal's descriptor) before the action's program is executed;
#  - every record written is synced before the process exits;
#  - fewer syncs than records (the outcome records wait for the next
#    sync), and the journal holds every record, in order;
#  - a sync that fails (strace injects EIO) stops the run before the
#    next action;
#  - a relancectl killed (SIGKILL) in the middle of a start loses nothing
#    it wrote: the begin record is there, no end.
. "$top_srcdir/tests/lib.sh"

ctl="$top_builddir/ctl/relancectl"
[ -x "$ctl" ] || skip_all "relancectl not built"
command -v strace >/dev/null || skip_all "strace needed (Debian package strace)"
command -v jq >/dev/null || skip_all "jq needed to read the journal"

T=$(mktemp -d "${TMPDIR:-/tmp}/rl-jsync.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM
unset RELANCE_CONFIG
# LeakSanitizer cannot run under ptrace (it exits 1 at the end of a
# sanitized build's relancectl under strace): leaks are checked elsewhere
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
mkdir "$T/up"
{
	printf '[relance]\njournal = %s/journal.jsonl\n' "$T"
	printf 'lock_dir = %s/locks\nhost_lock_dir = %s/hostlocks\n' "$T" "$T"
	printf 'node = testnode\n\n[host "here"]\ntransport = local\n\n'
	for c in db w1 w2; do
		printf '[component "a/%s"]\nhost = here\n' "$c"
		printf 'check = test -f %s/up/%s\n' "$T" "$c"
		printf 'start = touch %s/up/%s\n' "$T" "$c"
		printf 'stop = rm -f %s/up/%s\n' "$T" "$c"
		[ $c = db ] || printf 'requires = db\n'
		printf '\n'
	done
} >"$T/relance.ini"
chmod 600 "$T/relance.ini"
touch "$T/up/db" "$T/up/w1" "$T/up/w2"

# strace: every write, sync, exec and exit of relancectl and its children,
# strings whole (-s), descriptors with their paths (-y)
strace -f -y -s 4096 -e trace=write,fdatasync,fsync,execve,exit_group \
	-o "$T/trace" "$ctl" -c "$T/relance.ini" restart a/db >"$T/out" 2>&1
is $? 0 "relancectl restart a/db under strace: exit 0" || sed 's/^/#   /' "$T/out"
J=$T/journal.jsonl
nrec=$(wc -l <"$J")
is "$(jq -r 'select(.event == "step") | "\(.phase) \(.action) \(.component)"' "$J" | tr '\n' ,)" \
	"begin stop a/w1,begin stop a/w2,end stop a/w1,end stop a/w2,begin stop a/db,end stop a/db,begin start a/db,end start a/db,begin start a/w1,begin start a/w2,end start a/w1,end start a/w2," \
	"the journal has every step's begin and end, in order"

# The trace, in order, as events: "W <kind>" a record written to the
# journal (kind: the event and phase), "S" a sync of the journal, "X
# <program> <last argument>" an exec that succeeded, "E" relancectl's exit.
# An exec that another process's call interrupted in the trace is split
# in two lines ("<unfinished ...>", then "<... execve resumed>) = 0"): it
# is placed where it began, once it is known to have succeeded.
awk -v j="$J" '
	function exec_ev(l, pos,    p, n, parts, a) {
		p = l; sub(/^[0-9]+ +execve\("/, "", p); sub(/".*/, "", p)
		n = split(p, parts, "/")
		a = l; sub(/"\], 0x.*/, "", a); sub(/.*"/, "", a)
		print pos "\tX " parts[n] " " a
	}
	index($0, "<" j ">") && /write\(/ {
		k = "other"
		if ($0 ~ /\\"event\\":\\"step\\"/ && $0 ~ /\\"phase\\":\\"begin\\"/) k = "begin"
		else if ($0 ~ /\\"event\\":\\"step\\"/) k = "end"
		else if ($0 ~ /\\"event\\":\\"plan\\"/) k = "plan"
		print NR "\tW " k; next }
	index($0, "<" j ">") && /(fdatasync|fsync)\(/ { print NR "\tS"; next }
	/ execve\(/ && /<unfinished \.\.\.>$/ { pend[$1] = $0; at[$1] = NR; next }
	/<\.\.\. execve resumed>/ {
		if (($1 in pend) && / = 0$/) exec_ev(pend[$1], at[$1])
		delete pend[$1]; next }
	/ execve\(/ && / = 0$/ { exec_ev($0, NR) }
' "$T/trace" | sort -n | cut -f2- >"$T/events"
[ -s "$T/events" ]; ok $? "the trace has the journal's writes and syncs" ||
	head -20 "$T/trace" | sed 's/^/#   /'

# (a) no action's program runs while a begin record is unsynced; each
# action (touch, rm) ran after at least one begin record
out=$(awk '
	$1 == "W" { unsynced++; if ($2 == "begin") { ub++; begins++ } }
	$1 == "S" { unsynced = 0; ub = 0 }
	$1 == "X" && ($2 == "touch" || $2 == "rm") {
		actions++
		if (ub > 0) print "action " $2 " " $3 " ran with " ub " begin record(s) unsynced"
		if (begins == 0) print "action " $2 " " $3 " ran before any begin record"
	}
	END { print "actions " actions }
' "$T/events")
is "$out" "actions 6" "each of the 6 actions ran after its begin record was synced" ||
	sed 's/^/#   /' "$T/events"

# (b) nothing written is left unsynced at the end
is "$(awk '$1 == "W" { u = 1 } $1 == "S" { u = 0 } END { print u + 0 }' "$T/events")" 0 \
	"the last record written is synced before relancectl exits"

# (c) group commit: fewer syncs than records, all records written
nw=$(grep -c '^W' "$T/events")
ns=$(grep -c '^S' "$T/events")
is "$nw" "$nrec" "every record in the journal was one write ($nrec)"
[ "$ns" -lt "$nw" ]
ok $? "fewer syncs ($ns) than records ($nw)"
# one per round of actions (4 levels; the plan's begin record goes with
# the first) and the plan's end: at most 5
[ "$ns" -le 5 ]
ok $? "at most one sync per level with actions, plus the plan's end ($ns)"
diag "records $nw, syncs $ns (one per record before issue 17's group commit)"

# (e) a sync that fails mid-run stops the next action: strace makes the
# 2nd fdatasync fail (EIO), the one before level 2's stop of a/db; level
# 1 (stop w1 and w2) ran, so exit 7 with the state left, and a/db's stop
# never runs (its begin record is written, never synced, no end)
touch "$T/up/db" "$T/up/w1" "$T/up/w2"
strace -f -qq -s 4096 -e trace=fdatasync,execve \
	-e inject=fdatasync:error=EIO:when=2 -o "$T/trace2" \
	"$ctl" -c "$T/relance.ini" restart a/db >"$T/out3" 2>&1
is $? 7 "a sync failing before level 2: exit 7 (journal failed mid-action)" ||
	sed 's/^/#   /' "$T/out3"
like "$(cat "$T/out3")" "cannot sync journal '$J': Input/output error" \
	"the sync's error said, with the journal's path"
like "$(cat "$T/out3")" "down now: a/w1, a/w2" "the state left said"
[ -f "$T/up/db" ] && [ ! -f "$T/up/w1" ] && [ ! -f "$T/up/w2" ]
ok $? "level 1 stopped w1 and w2; a/db untouched"
is "$(grep -c 'execve("[^"]*/rm", .*/up/db"' "$T/trace2")" 0 \
	"the stop of a/db was never exec'd"
grep -q 'execve("[^"]*/rm", .*/up/w1"' "$T/trace2" &&
	grep -q 'execve("[^"]*/rm", .*/up/w2"' "$T/trace2"
ok $? "(the trace sees level 1's two stops)"
is "$(tail -1 "$J" | jq -r '"\(.event) \(.phase) \(.action) \(.component)"')" \
	"step begin stop a/db" "the journal ends with a/db's begin, no end"

# (d) a relancectl killed inside a start: the begin record is in the file
# (the kill loses no write; only a power loss can lose unsynced records)
rm -f "$T/up/db" "$T/up/w1" "$T/up/w2"
touch "$T/gate"
sed -i "s|^start = touch $T/up/db\$|start = sh -c 'while [ -e $T/gate ]; do sleep 0.1; done; touch $T/up/db'|" "$T/relance.ini"
# (the restart above began a start of a/db too: a new record is waited for)
begins() { jq -c 'select(.event == "step" and .phase == "begin" and .action == "start" and .component == "a/db")' "$J" 2>/dev/null | wc -l; }
nb=$(begins)
inside() { [ "$(begins)" -gt "$nb" ]; }
"$ctl" -c "$T/relance.ini" start a/db >"$T/out2" 2>&1 &
pid=$!
# the start's own child is waiting on the gate once its begin is written
wait_for 120 inside
ok $? "the start's begin record is in the journal while the start runs" ||
	sed 's/^/#   /' "$T/out2"
kill -KILL "$pid"
wait "$pid" 2>/dev/null
# the start, if it outlived relancectl, ends now
rm -f "$T/gate"
tail -1 "$J" | jq -e '.event == "step" and .phase == "begin" and .component == "a/db"' >/dev/null
ok $? "after SIGKILL the journal ends with that begin record, no end"
"$ctl" -c "$T/relance.ini" history a/db >"$T/hist" 2>&1
like "$(cat "$T/hist")" "start +a/db" "history shows the start that has no end" ||
	sed 's/^/#   /' "$T/hist"

done_testing
