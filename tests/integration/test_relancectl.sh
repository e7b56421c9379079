#!/bin/sh
# relancectl against real processes on this machine (transport = local).
# Components are tiny sh scripts (relancectl/comp.sh) that keep a `sleep`
# daemon with a pid file; the test ends only the processes whose pid files
# it made its components write.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/local.sh"

ctl="$top_builddir/ctl/relancectl"
[ -x "$ctl" ] || skip_all "relancectl not built"
command -v python3 >/dev/null || skip_all "python3 needed to parse JSON"
command -v setsid >/dev/null || skip_all "setsid needed"

local_setup relancectl comp
mkdir "$T/locks"
unset NO_COLOR RELANCE_CONFIG

. "$top_srcdir/tests/integration/relancectl/config.sh"
cfg=$T/relance.ini
journal=$T/journal.jsonl
write_config "$cfg" "$journal"

rc() { # rc CMD...: runs relancectl, output in $out (stdout+stderr), status in $st
	out=$("$ctl" "$@" 2>&1)
	st=$?
}
pid_of() { cat "$T/run/$1.pid" 2>/dev/null || echo none; }
pids() { for n in marketdata cache pricer gateway batch; do
	printf '%s=%s ' "$n" "$(pid_of $n)"; done; }
alive() { # a zombie (nobody reaps orphans in some containers) is not alive
	s=$(ps -o stat= -p "$(pid_of "$1")" 2>/dev/null) || return 1
	case $s in Z*|"") return 1 ;; esac
}

# --- usage ---------------------------------------------------------------
rc --help
is "$st" 0 "--help exits 0"
like "$out" "^usage: relancectl" "--help prints the usage"
like "$out" "4 refused: another action holds a lock" "--help lists the exit codes"
rc help
is "$st" 0 "help exits 0"
rc --version
is "$st" 0 "--version exits 0"
like "$out" "^relancectl \(relance\) [0-9]" "--version prints the version"
rc
is "$st" 3 "no command: exit 3"
like "$out" "^relancectl: missing command" "no command: says so"
rc -c "$cfg" frobnicate
is "$st" 3 "unknown command: exit 3"
like "$out" "^relancectl: unknown command 'frobnicate'" "unknown command: named"
rc -c "$cfg" --bogus status
is "$st" 3 "unknown option: exit 3"
rc -c "$cfg" restart
is "$st" 3 "restart without argument: exit 3"
rc -c "$cfg" restart demo/cache demo/pricer
is "$st" 3 "restart with two arguments: exit 3"
rc -c "$cfg" plan frob demo/cache
is "$st" 3 "plan with an unknown action: exit 3"
like "$out" "unknown action 'frob'" "plan: the action is named"
rc -c "$cfg" -t 5x status
is "$st" 3 "bad -t: exit 3"
rc -c "$cfg" history --limit 0
is "$st" 3 "history --limit 0: exit 3"
rc -c "$cfg" status --since 1h
is "$st" 3 "--since outside history: exit 3"
like "$out" "^relancectl: --since is for history, not status" \
	"--since outside history: names its command"
rc -c "$cfg" --since 1h history
is "$st" 3 "--since before the command: exit 3"
like "$out" "^relancectl: --since is for history: give it after the command" \
	"--since before the command: says where it goes"
# each command its own help
for c in status start stop restart plan history config generate hostkey hold release graph; do
	rc $c --help
	[ "$st" = 0 ] && printf '%s\n' "$out" | head -n 1 | grep -q "^usage: relancectl $c" &&
		printf '%s\n' "$out" | grep -q '^example: relancectl'
	ok $? "$c --help: exit 0, its own usage and an example"
done
rc generate --help
like "$out" "--interval-length" "generate --help: its options"
unlike "$out" "hostkey HOST" "generate --help: not the other commands"
rc history --help
like "$out" "--journal FILE" "history --help: --journal"
rc config --help
like "$out" "config diff" "config --help: check and diff"
rc help hold
like "$out" "^usage: relancectl hold " "help COMMAND: that command's help"
# errors under --json: one object, the exit code unchanged
json_err() { # json_err WANT-EXIT DESCRIPTION: $out is one {"error", "exit"}
	printf '%s' "$out" | python3 -c 'import json,sys
d = json.loads(sys.stdin.read())
assert set(d) == {"error", "exit"}, d
assert d["exit"] == int(sys.argv[1]), d
print(d["error"])' "$1" >/dev/null
	ok $? "$2"
}
out=$("$ctl" --json -c "$cfg" frobnicate 2>/dev/null); st=$?
is "$st" 3 "--json, unknown command: exit 3"
json_err 3 "--json, unknown command: one JSON object on stdout"
out=$("$ctl" -c "$cfg" status --bogus --json 2>/dev/null); st=$?
is "$st" 3 "--json after a bad option: exit 3"
json_err 3 "--json after a bad option: JSON too"
out=$("$ctl" -c "$T/missing.ini" --json status 2>/dev/null); st=$?
is "$st" 2 "--json, missing config: exit 2"
json_err 2 "--json, missing config: JSON, exit 2 inside"
like "$out" "missing.ini" "--json, missing config: names the file"
out=$("$ctl" -c "$cfg" --json status nope/nope 2>/dev/null); st=$?
is "$st" 3 "--json, unknown component: exit 3"
json_err 3 "--json, unknown component: JSON"
rc -c "$cfg" config
is "$st" 3 "config without check: exit 3"
n_lines=$(printf '%s\n' "$out" | wc -l)
is "$n_lines" 1 "usage errors are one line"

# --- config check --------------------------------------------------------
rc -c "$cfg" config check
is "$st" 0 "config check: exit 0"
like "$out" "^config OK: 2 applications, 5 components on 1 host \(.*relance.ini\)$" \
	"config check: counts and files"
out=$(RELANCE_CONFIG=$cfg "$ctl" config check 2>&1)
is "$?" 0 "config check through RELANCE_CONFIG"
# -f, --config as the plugins; -c as before
for o in -f --config; do
	rc $o "$cfg" config check
	like "$out" "^config OK: .*relance.ini\)$" "config check $o FILE"
done
rc config check -f "$T/missing.ini"
is "$st" 2 "-f after the command: that config (missing: exit 2)"
rc -c "$T/missing.ini" config check
is "$st" 2 "missing config: exit 2"
like "$out" "missing.ini" "missing config: the file is named"

bad=$T/bad.ini
write_config "$bad" "$journal"
printf '[component "demo/x"]\nhost = here\nretrys = 3\n' >>"$bad"
rc -c "$bad" config check
is "$st" 2 "unknown key: exit 2"
like "$out" "bad.ini:[0-9]+:.*retrys" "unknown key: file:line and the key"
n_lines=$(printf '%s\n' "$out" | wc -l)
is "$n_lines" 1 "a config error is one line"

write_config "$bad" "$journal"
printf '[component "demo/loop"]\nhost = here\ncheck = true\nstart = true\nstop = true\nrequires = demo/loop2\n[component "demo/loop2"]\nhost = here\ncheck = true\nstart = true\nstop = true\nrequires = demo/loop\n' >>"$bad"
rc -c "$bad" config check
is "$st" 2 "requirement cycle: exit 2"
like "$out" "bad.ini:[0-9]+:.*cycle" "requirement cycle: file:line"

write_config "$bad" "$journal"
printf '[component "demo/semi"]\nhost = here\ncheck = true\nstart = true\nstop = kill 1 ; rm -f x\n' >>"$bad"
rc -c "$bad" config check
is "$st" 2 "inline ' ;' in a command: exit 2"
like "$out" "bad.ini:[0-9]+:" "inline ' ;': file:line"

write_config "$bad" "$journal"
chmod 666 "$bad"
rc -c "$bad" config check
is "$st" 2 "config writable by others: exit 2"
like "$out" "writable" "config writable by others: says so"
rc -c "$bad" status
is "$st" 2 "status with a bad config: exit 2"

# --- start, status ------------------------------------------------------------
rc -c "$cfg" --no-color start demo
is "$st" 0 "start demo: exit 0"
like "$out" "\[ok\] 1/4 start demo/marketdata \(" "start demo: progress line per step"
like "$out" "\[ok\] 4/4 start demo/gateway" "start demo: the last step"
alive marketdata && alive cache && alive pricer && alive gateway
ok $? "start demo: the four components run"
alive batch
ok $((! $?)) "start demo: other/batch untouched"
rc -c "$cfg" start other
is "$st" 0 "start other: exit 0"

rc -c "$cfg" status
is "$st" 0 "status, all up: exit 0"
like "$out" "^demo: OK \(4 components: 4 OK\)" "status: application header"
like "$out" "^  \[OK\] +demo/marketdata +on here .*marketdata running" \
	"status: a level-0 line, output shown"
like "$out" "^      \[OK\] +demo/pricer .*requires demo/marketdata, demo/cache" \
	"status: level 2 indented, requirements listed"
order=$(printf '%s\n' "$out" | grep -o 'demo/[a-z]*  ' | tr -d ' ' | tr '\n' ' ')
is "$order" "demo/marketdata demo/cache demo/pricer demo/gateway " \
	"status: components in dependency order"
unlike "$out" "$(printf '\033')" "status: no colour when not a tty"
unlike "$out" "long output line" "status: long output only with -v"
rc -c "$cfg" -v status demo
like "$out" "long output line for cache" "status -v: long output"
unlike "$out" "other/batch" "status APP: only that application"

# colour only on a terminal, and not with NO_COLOR or --no-color
if command -v script >/dev/null; then
	esc=$(printf '\033')
	out=$(script -qec "'$ctl' -c '$cfg' status" /dev/null)
	like "$out" "$esc\[32m\[OK\]$esc\[0m" "status on a tty: [OK] in green"
	out=$(NO_COLOR=1 script -qec "'$ctl' -c '$cfg' status" /dev/null)
	unlike "$out" "$esc" "status on a tty with NO_COLOR: no colour"
	out=$(script -qec "'$ctl' -c '$cfg' --no-color status" /dev/null)
	unlike "$out" "$esc" "status on a tty with --no-color: no colour"
	like "$out" "\[OK\]" "status on a tty with --no-color: markers"
fi

out=$("$ctl" -c "$cfg" --json status)
is "$?" 0 "status --json: exit 0"
printf '%s' "$out" | python3 -m json.tool >/dev/null
ok $? "status --json parses"
st_json=$(printf '%s' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["state"], len(d["applications"]), [c["name"] for c in d["applications"][0]["components"]][2])')
is "$st_json" "OK 2 demo/pricer" "status --json: state, applications, order"
# the global options may follow the command and its argument
out=$("$ctl" status demo --json -c "$cfg")
is "$?" 0 "status APP --json -c CONFIG: exit 0"
is "$(printf '%s' "$out" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["applications"]))')" 1 \
	"status APP --json -c CONFIG: JSON of that application"

# --- a component dies ---------------------------------------------------------
kill "$(pid_of pricer)"
wait_for 120 sh -c "! '$T/comp.sh' '$T' pricer check >/dev/null"
rc -c "$cfg" --no-color status
is "$st" 2 "status with a component down: exit 2"
like "$out" "^demo: CRITICAL \(4 components: 3 OK, 1 CRITICAL\)" \
	"status: header with the worst state"
like "$out" "\[CRITICAL\] demo/pricer .*pricer not running" "status: the dead one marked"
rc -c "$cfg" status demo/marketdata
is "$st" 0 "status of one healthy component: exit 0"
rc -c "$cfg" status other
is "$st" 0 "status of the other application: exit 0"
rc -c "$cfg" status demo/nope
is "$st" 3 "status of an unknown component: exit 3"
like "$out" "^relancectl: .*unknown component.*demo/nope" "unknown component named"

# --- plan: nothing changes ----------------------------------------------------
before=$(pids)
cp "$journal" "$T/journal.before"
rc -c "$cfg" plan restart demo/cache
is "$st" 0 "plan restart: exit 0"
like "$out" "demo/gateway" "plan restart: lists the dependents"
out=$("$ctl" -c "$cfg" --json plan restart demo/cache)
printf '%s' "$out" | python3 -m json.tool >/dev/null
ok $? "plan --json parses"
is "$(pids)" "$before" "plan: PIDs unchanged"
cmp -s "$journal" "$T/journal.before"
ok $? "plan: journal byte-identical"
rc -c "$cfg" plan start demo/nope
is "$st" 3 "plan of an unknown component: exit 3"

# --- restart ----------------------------------------------------------------
md_before=$(pid_of marketdata)
batch_before=$(pid_of batch)
cache_before=$(pid_of cache)
gw_before=$(pid_of gateway)
rc -c "$cfg" restart demo/cache
is "$st" 0 "restart demo/cache: exit 0"
like "$out" "\[ok\] [0-9]/[0-9] stop demo/gateway" "restart: stops the dependents"
like "$out" "^restart demo/cache: done" "restart: summary"
alive cache && alive pricer && alive gateway
ok $? "restart: cache and its dependents run"
[ "$(pid_of cache)" != "$cache_before" ] && [ "$(pid_of gateway)" != "$gw_before" ]
ok $? "restart: cache and gateway are new processes"
is "$(pid_of marketdata) $(pid_of batch)" "$md_before $batch_before" \
	"restart: unrelated PIDs unchanged"
rc -c "$cfg" status
is "$st" 0 "status after the restart: exit 0"
out=$(SUDO_USER=alice "$ctl" -c "$cfg" --json restart demo/gateway)
is "$?" 0 "restart --json: exit 0"
res=$(printf '%s' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["ok"], d["target"], [s["outcome"] for s in d["steps"]], d["down"])')
is "$res" "True demo/gateway ['ok', 'ok'] []" "restart --json: one object with the steps"
out=$("$ctl" -c "$cfg" status demo/nope 2>/dev/null)
is "$out" "" "errors go to stderr, not stdout"

# --- history ------------------------------------------------------------------
rc -c "$cfg" history
is "$st" 0 "history: exit 0"
like "$out" "^TIME +NODE +USER +ACTION +COMPONENT +RESULT +DURATION +CONFIG +MESSAGE" \
	"history: table header"
like "$out" "testnode +[^ ]+ .*restart.*demo/cache" "history: the restart is there"
me=$(id -un)
rc -c "$cfg" history demo/gateway --limit 1
like "$out" " $me \(sudo by alice\) " "history: the user, and who used sudo"
rc -c "$cfg" history demo/cache --limit 1
is "$(printf '%s\n' "$out" | wc -l)" 2 "history --limit 1: one row"
rc -c "$cfg" history other
unlike "$out" "demo/" "history APP: only that application"
out=$("$ctl" -c "$cfg" --json history demo)
printf '%s\n' "$out" | python3 -c 'import json,sys
n=0
for l in sys.stdin:
    json.loads(l); n+=1
sys.exit(0 if n > 0 else 1)'
ok $? "history --json: JSON Lines"
rc -c "$cfg" history --since 1h
like "$out" "demo/cache" "history --since 1h: recent records"
rc -c "$cfg" history demo/nope
is "$st" 3 "history of an unknown, unrecorded component: exit 3"

# --- two restarts at once: the second is refused --------------------------------
touch "$T/slow-cache"
rm -f "$T/starting-cache"
"$ctl" -c "$cfg" restart demo/cache >"$T/first.out" 2>&1 &
bg_pid=$!
# the first restart holds its locks while cache's start waits for
# slow-cache to go
wait_for 120 test -e "$T/starting-cache"
ok $? "the first restart is starting cache"
before=$(pids)
rc -c "$cfg" restart demo/cache
is "$st" 4 "concurrent restart: refused with exit 4"
like "$out" "another action is in progress.*relancectl restart demo/cache by" \
	"concurrent restart: says who holds the lock"
rc -c "$cfg" restart demo/gateway
is "$st" 4 "restart of a dependent meanwhile: refused too"
rm -f "$T/slow-cache"
wait "$bg_pid"
is "$?" 0 "the first restart ends well"
bg_pid=
rm -f "$T/slow-cache"
alive cache && alive pricer && alive gateway
ok $? "after both: everything runs"

# --- the journal cannot be written: nothing done -------------------------------
before=$(pids)
write_config "$T/nojournal.ini" "$T/no/such/dir/journal.jsonl"
rc -c "$T/nojournal.ini" restart demo/cache
is "$st" 5 "journal in a missing directory: exit 5"
like "$out" "journal|no/such/dir" "journal error: the path or the journal named"
is "$(pids)" "$before" "journal error: PIDs unchanged"
if [ -w /dev/full ]; then
	write_config "$T/full.ini" /dev/full
	rc -c "$T/full.ini" restart demo/cache
	is "$st" 5 "journal that cannot be written (/dev/full): exit 5"
	is "$(pids)" "$before" "/dev/full journal: PIDs unchanged"
fi

# --- a lock that cannot be opened: not "held" --------------------------------
# lock_dir is a file (root passes modes, not types): exit 6 with the path
# and the system's reason, never 4 "another action holds the lock"
before=$(pids)
write_config "$T/badlock.ini" "$journal"
: >"$T/lockfile"
sed -i "s|^lock_dir = .*|lock_dir = $T/lockfile|" "$T/badlock.ini"
rc -c "$T/badlock.ini" restart demo/cache
is "$st" 6 "lock_dir that is a file: exit 6, not 4"
like "$out" "^relancectl: cannot create lock directory '$T/lockfile': not a directory$" \
	"... naming the path and the reason"
unlike "$out" "in progress" "... never 'in progress'"
is "$(pids)" "$before" "... and nothing was done"
# a lock file that is a directory: open(2) fails with EISDIR
mkdir -p "$T/lockdir2/demo%2Fcache.lock"
sed -i "s|^lock_dir = .*|lock_dir = $T/lockdir2|" "$T/badlock.ini"
rc -c "$T/badlock.ini" restart demo/cache
is "$st" 6 "a lock file that cannot be opened: exit 6"
like "$out" "demo/cache: cannot open lock file: $T/lockdir2/demo%2Fcache.lock: open: Is a directory" \
	"... naming the file and the reason"
is "$(pids)" "$before" "... and nothing was done"

# --- a check that never answers: "state unknown", not "down now" -------------
cat >"$T/hang.ini" <<EOF
[relance]
journal  = $T/hang.jsonl
lock_dir = $T/locks
host_lock_dir = $T/hostlocks
node     = testnode

[host "here"]
transport = local

[component "hang/a"]
host          = here
check         = sleep 30
start         = true
stop          = true
check_timeout = 300ms
stop_timeout  = 1s
EOF
chmod 600 "$T/hang.ini"
rc -c "$T/hang.ini" --no-color stop hang/a
is "$st" 1 "stop of a component whose check never answers: exit 1"
like "$out" "^relancectl: stop hang/a failed; down now: none; state unknown: hang/a$" \
	"... its state is unknown, not down"
out=$("$ctl" -c "$T/hang.ini" --json stop hang/a 2>/dev/null)
printf '%s\n' "$out" | python3 -c 'import json, sys
r = json.load(sys.stdin)
sys.exit(0 if r["down"] == [] and r["unknown"] == ["hang/a"] and
         r["journal_failed"] is False else 1)'
ok $? "--json: \"down\": [], \"unknown\": [\"hang/a\"]"
like "$(tail -n 1 "$T/hang.jsonl")" '"event":"plan","phase":"end".*"message":"0 of 1 steps done; state unknown: hang/a"' \
	"the journal's end record says so"

# --- a start that fails half-way -------------------------------------------------
rc -c "$cfg" stop demo
is "$st" 0 "stop demo: exit 0"
alive marketdata || alive cache || alive pricer || alive gateway
ok $((! $?)) "stop demo: all four stopped"
alive batch
ok $? "stop demo: other/batch still runs"
touch "$T/fail-pricer"
rc -c "$cfg" start demo
is "$st" 1 "start with a failing component: exit 1"
like "$out" "\[FAILED\] 3/4 start demo/pricer" "the failed step is shown"
like "$out" "down now: .*demo/pricer" "the down components are named"
like "$out" "^relancectl: start demo failed; down now: .*demo/pricer" \
	"one error line on stderr names them"
alive marketdata && alive cache
ok $? "the levels before the failure are up"
alive gateway
ok $((! $?)) "the level after the failure was not started"
rm -f "$T/fail-pricer"
rc -c "$cfg" start demo
is "$st" 0 "start demo again: exit 0"
like "$out" "\[skipped\] 1/4 start demo/marketdata" "what runs already is skipped"

# --- telling the core (command_file) ------------------------------------------
# a FIFO with a reader that logs what reaches it, as a core would
ccfg=$T/core.ini
write_config "$ccfg" "$journal"
sed -i "s|^node     = testnode$|node     = testnode\ncommand_file = $T/cmd|" "$ccfg"
mkfifo "$T/cmd"
: > "$T/cmd.log"
# shellcheck disable=SC2094
sh -c 'exec 3<>"$1"; exec cat <&3 >> "$2"' _ "$T/cmd" "$T/cmd.log" &
bg_pid=$!
# forced: the components the core was asked to check, in the reader's log
forced() {
	sed -n 's/^\[[0-9]*\] SCHEDULE_FORCED_SVC_CHECK;here;\([^;]*\);[0-9]*$/\1/p' "$T/cmd.log" |
		sort | tr '\n' ' '
}
rc -c "$ccfg" restart demo/pricer
is "$st" 0 "core: restart demo/pricer: exit 0"
wait_for 120 eval '[ "$(grep -c SCHEDULE_FORCED_SVC_CHECK "$T/cmd.log")" -ge 2 ]'
is "$(forced)" "demo/gateway demo/pricer " "core: a forced check of each restarted component, nothing else"
like "$(tail -n 1 "$journal")" '"event":"writeback".*"component":"demo/pricer".*"result":"ok","message":"forced check of 2 components"' \
	"core: journaled"
: > "$T/cmd.log"
rc -c "$ccfg" stop demo/gateway
is "$st" 0 "core: stop demo/gateway: exit 0"
is "$(grep -c . "$T/cmd.log")" 0 "core: a stop tells the core nothing"
rc -c "$ccfg" start demo/gateway
# the reader may append a line late: wait for the start's own four (a line
# the stop wrote would come before them, and be counted)
wait_for 120 eval '[ "$(forced)" = "demo/cache demo/gateway demo/marketdata demo/pricer " ]'
is "$(grep -c . "$T/cmd.log")" 4 "core: a start, one check of each component it touched (the gateway and what it requires)"
kill "$bg_pid"; wait "$bg_pid" 2>/dev/null; bg_pid=
# nobody reads the pipe: a warning, the restart stands
rc -c "$ccfg" restart demo/gateway
is "$st" 0 "core gone: the restart still exits 0"
like "$out" "^relancectl: warning: the core was not told: .*$T/cmd" "core gone: a warning naming the pipe"
like "$(tail -n 1 "$journal")" '"event":"writeback".*"result":"failed"' "core gone: journaled as failed"
alive gateway; ok $? "core gone: the gateway runs"

done_testing
