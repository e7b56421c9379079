#!/bin/sh
# handle_component against real processes on this machine (transport =
# local, the demo's conf/demo/daemon components) and a command pipe read by
# a plain reader, without a monitoring core: the decisions, the holds, the
# detached restart and what is written back, bad macros, the journal that
# cannot be written, ten handlers at once, shell metacharacters.
# The end-to-end tests (tests/e2e/) do the same with a real Nagios and
# Icinga 2.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/local.sh"

hc="$top_builddir/handlers/handle_component"
ctl="$top_builddir/ctl/relancectl"
daemon="$top_srcdir/conf/demo/daemon"
[ -x "$hc" ] || skip_all "handle_component not built"
[ -x "$ctl" ] || skip_all "relancectl not built"

local_setup rl-handler
unset RELANCE_CONFIG

. "$top_srcdir/tests/integration/relancectl/config.sh"
fx_extra() {
	case $1 in
	reports) echo 'heal = never' ;;
	cache) echo 'heal = soft:2' ;;
	esac
}
# write_config FILE [EXTRA-RELANCE-LINES]
write_config() {
	fx_config "$1" "command_file = $T/cmd
${2:-}" 'start_timeout = 10s
stop_timeout = 10s
restart_limit = 3/1h' marketdata 'cache marketdata' 'pricer marketdata cache' \
		'gateway pricer' 'reports cache'
}
cfg=$T/relance.ini
write_config "$cfg"

# a reader that never sees EOF: it holds the pipe open for writing too
mkfifo "$T/cmd"
: >"$T/cmd.log"
(exec 3<>"$T/cmd"; exec cat <&3 >>"$T/cmd.log") &
bg_pid=$!

pid_of() { head -n 1 "$T/run/$1.pid" 2>/dev/null; }
alive() { # alive PID: running, not a zombie
	[ -n "$1" ] && [ -r "/proc/$1/stat" ] &&
		! sed 's/.*) //' "/proc/$1/stat" | grep -q '^Z'
}
journal() { cat "$T/journal.jsonl" 2>/dev/null; }
# cmd_has PATTERN...: every pattern (grep -E) has a line in cmd.log; the
# reader appends what the handler wrote to the pipe when it gets to it, so
# a test waits for the very lines it expects (wait_for 120 cmd_has ...)
# before reading the log: a line an earlier case wrote may still come in
# after the log was emptied
cmd_has() {
	for _p in "$@"; do grep -Eq -- "$_p" "$T/cmd.log" || return 1; done
}
decisions() { # decisions COMPONENT RESULT: how many
	journal | grep '"event":"decision"' | grep "\"component\":\"$1\"" |
		grep -c "\"result\":\"$2\""
}
handle() { # handle COMPONENT STATE TYPE ATTEMPT [more options]
	_c=$1 _s=$2 _t=$3 _a=$4; shift 4
	"$hc" -c "$cfg" -C "$_c" --state "$_s" --state-type "$_t" \
		--attempt "$_a" "$@"
}
worker_done() { # the run with that id has its plan end record
	journal | grep '"event":"plan"' | grep '"phase":"end"' | grep -q "$1"
}

"$ctl" -c "$cfg" start fx >/dev/null 2>&1
ok $? "the application starts"
for n in marketdata cache pricer gateway reports; do
	eval "pid_$n=\$(pid_of $n)"
done

# --- the detached heal ----------------------------------------------------
kill "$pid_pricer"
wait_for 120 sh -c "! '$daemon' status gateway '$T/run' >/dev/null"
ok $? "the pricer killed, the gateway goes down with it"
t0=$(date +%s%N)
out=$(handle fx/pricer CRITICAL HARD 2 --host app-01 --service 'FX pricer' 2>&1)
rc=$?
t1=$(date +%s%N)
is "$rc" 0 "the handler exits 0 on a heal"
like "$out" '^relance: fx/pricer: heal: restart of 2 components on 1 host$' \
	"it says what it starts"
diag "handler returned to the caller in $(((t1 - t0) / 1000000)) ms"
run=$(journal | grep '"event":"decision"' | grep '"result":"heal"' |
	sed -n 's/.*"run":"\([^"]*\)".*/\1/p' | tail -n 1)
[ -n "$run" ]; ok $? "the decision is journaled with a run id"
wait_for 120 worker_done "$run"
ok $? "the detached worker finishes the restart"
"$daemon" status pricer "$T/run" >/dev/null &&
	"$daemon" status gateway "$T/run" >/dev/null
ok $? "pricer and gateway run again"
is "$(pid_of marketdata) $(pid_of cache) $(pid_of reports)" \
	"$pid_marketdata $pid_cache $pid_reports" \
	"the components that did not fail keep their processes"
like "$(journal | grep "$run" | grep '"event":"step"' | grep '"phase":"end"' |
	sed -n 's/.*"action":"\([^"]*\)".*"component":"\([^"]*\)".*"result":"\([^"]*\)".*/\1 \2 \3/p' | tr '\n' ,)" \
	'^stop fx/gateway skipped,stop fx/pricer skipped,start fx/pricer ok,start fx/gateway ok,$' \
	"the journal has every step of the targeted restart"
wait_for 120 cmd_has 'SCHEDULE_FORCED_SVC_CHECK;app-01;FX pricer'
ok $? "the core is asked for a forced check of the handled service"
log=$(cat "$T/cmd.log")
like "$log" '^\[[0-9]+\] ADD_SVC_COMMENT;app-01;FX pricer;0;relance;relance: restarted fx/pricer and fx/gateway on here in [0-9.]+m?s \(node testnode\)$' \
	"a comment says what was restarted, where, how fast, by which node"
like "$log" '^\[[0-9]+\] PROCESS_SERVICE_CHECK_RESULT;app-01;FX pricer;0;COMPONENT OK - fx/pricer on here is up' \
	"a passive OK for the handled service, on the core's names"
like "$log" '^\[[0-9]+\] PROCESS_SERVICE_CHECK_RESULT;here;fx/gateway;0;COMPONENT OK' \
	"a passive OK for the dependent, on its generated names"
like "$(journal | grep '"event":"writeback"')" '"result":"ok"' \
	"the write-back is journaled"

# --- the worker left the handler's process group ---------------------------
# a slow start: the worker is still running when the handler has returned
# (it waits for slow.go, up to 120 s, so that the handler's return is
# seen while it runs however busy the machine is)
cat >"$T/slow.sh" <<EOF
#!/bin/sh
i=0
while [ ! -e "$T/slow.go" ] && [ \$i -lt 2400 ]; do sleep 0.05; i=\$((i + 1)); done
exec "$daemon" start "\$@"
EOF
chmod 755 "$T/slow.sh"
sed "s|^start = $daemon start gateway|start = $T/slow.sh gateway|" "$cfg" >"$T/slow.ini"
chmod 600 "$T/slow.ini"
kill "$(pid_of gateway)"
wait_for 120 sh -c "! '$daemon' status gateway '$T/run' >/dev/null"
: >"$T/cmd.log"
setsid -w sh -c 'echo $$ > "$1/hsid"; exec "$2" -c "$1/slow.ini" -C fx/gateway --state CRITICAL --state-type HARD --attempt 2 >/dev/null' x "$T" "$hc"
hsid=$(cat "$T/hsid")
wait_for 120 pgrep -f "$T/slow.sh" >/dev/null
ok $? "the handler returned while the worker is still starting the gateway"
w=$(ps -eo pid=,sid=,args= | awk -v s="$hsid" '$2 == s && /slow.sh|handle_component/' | wc -l)
is "$w" 0 "nothing of the restart runs in the handler's session"
touch "$T/slow.go"
wait_for 120 cmd_has 'PROCESS_SERVICE_CHECK_RESULT;here;fx/gateway;0'
ok $? "the detached worker healed the gateway after the handler returned"

# --- decisions that do nothing --------------------------------------------
n0=$(decisions fx/pricer heal)
out=$(handle fx/pricer CRITICAL SOFT 1 -v 2>&1)
like "$out" 'ignore: policy: heal = hard, waiting for the HARD state' \
	"heal = hard: a SOFT CRITICAL waits"
out=$(handle fx/reports CRITICAL HARD 2 -v 2>&1)
like "$out" 'ignore: policy: heal = never' "heal = never only reports"
out=$(handle fx/pricer WARNING HARD 2 -v 2>&1)
like "$out" 'ignore: state: WARNING' "WARNING is not healed"
out=$(handle fx/cache CRITICAL SOFT 1 -v 2>&1)
like "$out" 'ignore: policy: heal = soft:2, SOFT attempt 1' \
	"soft:2 waits at attempt 1"
is "$(decisions fx/pricer heal)" "$n0" "none of those healed"
is "$(decisions fx/pricer ignore)" 2 "each is journaled as ignore"

: >"$T/cmd.log"
out=$(handle fx/pricer CRITICAL HARD 2 --ack 2 2>&1)
like "$out" 'stand-down: acknowledged in the core \(sticky\)' \
	"an acknowledged problem is left to the human"
out=$(handle fx/pricer CRITICAL HARD 2 --downtime 1 2>&1)
like "$out" 'stand-down: downtime' "a service in downtime is left alone"
wait_for 120 cmd_has 'not restarting fx/pricer: downtime'
ok $? "a stand-down is said in the core"
like "$(cat "$T/cmd.log")" 'ADD_SVC_COMMENT;here;fx/pricer;0;relance;relance: not restarting fx/pricer: acknowledged' \
	"the acknowledged stand-down too, on the component's generated names"

# --- holds: acknowledgement notifications and relancectl -------------------
# (the config as -f, as the generated commands give it; handle() uses -c)
"$hc" -f "$cfg" -C fx/pricer --ack-notification --type ACKNOWLEDGEMENT \
	--author alice --comment 'looking at it' >/dev/null
ok $? "an ACKNOWLEDGEMENT notification sets a hold (-f CONFIG)"
out=$(handle fx/pricer CRITICAL HARD 2 2>&1)
like "$out" 'stand-down: acknowledged by alice.*: looking at it' \
	"the handler stands down on it (Nagios gives no ack macro)"
like "$(journal | grep '"event":"decision"' | tail -n 1)" '"author":"alice"' \
	"the decision names who acknowledged"
"$hc" --config "$cfg" -C fx/pricer --ack-notification --type PROBLEM \
	--author x --comment y >/dev/null
like "$("$ctl" -c "$cfg" hold 2>&1)" 'fx/pricer +acknowledged by alice' \
	"a PROBLEM notification changes nothing"
handle fx/pricer OK HARD 1 >/dev/null
ok $? "on OK the handler"
like "$("$ctl" -c "$cfg" hold 2>&1)" '^relancectl: no holds$' \
	"clears the acknowledgement hold"
# the recovery is the core's report, not alice's doing: the record is the
# handler's, alice named as the one who had acknowledged
cleared=$(journal | grep '"event":"hold"' | grep '"result":"cleared"' | tail -n 1)
unlike "$cleared" '"author":"alice"' "the hold cleared is not credited to the acknowledger"
like "$cleared" "\"user\":\"$(id -un)" "but to the handler's user"
like "$cleared" "the hold was alice's acknowledgement" "which names who had acknowledged"
"$ctl" -c "$cfg" hold fx/pricer --reason 'disk swap at 22:00' >/dev/null
ok $? "relancectl hold sets a hold by hand"
handle fx/pricer OK HARD 1 >/dev/null
out=$(handle fx/pricer CRITICAL HARD 2 2>&1)
like "$out" 'stand-down: held by root .*disk swap at 22:00' \
	"a hand-set hold survives a recovery and stops the handler"
"$ctl" -c "$cfg" hold fx/pricer >/dev/null 2>&1
is $? 3 "hold without --reason is a usage error"
"$ctl" -c "$cfg" release fx/pricer >/dev/null
ok $? "relancectl release clears it"
hist=$("$ctl" -c "$cfg" history fx/pricer)
like "$hist" " $(id -un) +handler +fx/pricer +stand-down .*acknowledged by alice" \
	"history shows the decision by the handler's account, the ack author in the reason"
like "$hist" 'hold manual +fx/pricer +cleared' "history shows the holds"

# --- the restart limit ----------------------------------------------------
write_config "$T/limit.ini"
sed -i 's|^restart_limit = 3/1h$|restart_limit = 2/1h|' "$T/limit.ini"
lim() { "$hc" -c "$T/limit.ini" -C fx/marketdata --state CRITICAL \
	--state-type HARD --attempt 2 --foreground "$@"; }
for i in 1 2; do
	kill "$(pid_of marketdata)"
	wait_for 120 sh -c "! '$daemon' status marketdata '$T/run' >/dev/null"
	lim >/dev/null
	ok $? "restart $i of 2 within the limit (--foreground)"
done
: >"$T/cmd.log"
out=$(lim 2>&1)
like "$out" 'stand-down: restart limit: 2 restarts in 1h, a human is needed' \
	"the third time, relance gives up"
wait_for 120 cmd_has 'a human is needed'
ok $? "and says so in the core"
"$ctl" -c "$cfg" restart fx/marketdata >/dev/null 2>&1

# --- a start that fails ---------------------------------------------------
kill "$(pid_of gateway)"
wait_for 120 sh -c "! '$daemon' status gateway '$T/run' >/dev/null"
touch "$T/run/gateway.fail"
: >"$T/cmd.log"
handle fx/gateway CRITICAL HARD 2 --foreground >/dev/null 2>&1
is $? 1 "a failed restart exits 1 in the foreground"
wait_for 120 cmd_has 'PROCESS_SERVICE_CHECK_RESULT;here;fx/gateway;2;' \
	'ADD_SVC_COMMENT;here;fx/gateway;.*FAILED'
like "$(cat "$T/cmd.log")" 'PROCESS_SERVICE_CHECK_RESULT;here;fx/gateway;2;COMPONENT CRITICAL - relance: restart of fx/gateway failed: down now: fx/gateway$' \
	"a passive CRITICAL names who is down now"
like "$(cat "$T/cmd.log")" 'relance: restart of fx/gateway FAILED after .*: .*down now: fx/gateway' \
	"a comment says it failed"
rm -f "$T/run/gateway.fail"

# --- the journal cannot be written ----------------------------------------
write_config "$T/full.ini"
sed -i "s|^journal = .*|journal = /dev/full|" "$T/full.ini"
: >"$T/cmd.log"
"$ctl" -c "$cfg" start fx >/dev/null 2>&1
kill "$(pid_of gateway)"
wait_for 120 sh -c "! '$daemon' status gateway '$T/run' >/dev/null"
out=$("$hc" -c "$T/full.ini" -C fx/gateway --state CRITICAL --state-type HARD --attempt 2 2>&1 >/dev/null)
is $? 5 "a journal that cannot be written: exit 5"
wait_for 120 cmd_has 'ADD_SVC_COMMENT;here;fx/gateway;.*cannot write journal'
like "$out" "^handle_component: fx/gateway: cannot write journal '/dev/full': No space left on device; nothing done$" \
	"one line on stderr says why"
like "$(cat "$T/cmd.log")" "ADD_SVC_COMMENT;here;fx/gateway;0;relance;relance: fx/gateway: cannot write journal '/dev/full'" \
	"and the core is told"
"$daemon" status gateway "$T/run" >/dev/null
is $? 2 "the gateway was not touched: still down"
"$ctl" -c "$cfg" start fx >/dev/null 2>&1

# --- an acknowledgement hold that cannot be written ------------------------
# journaled as failed, never as set (issue 12 item 7, the handler's side)
write_config "$T/nohold.ini" "hold_dir = $T/nohold"
: >"$T/nohold" # a file where the hold directory should be
out=$("$hc" -c "$T/nohold.ini" -C fx/pricer --ack-notification \
	--type ACKNOWLEDGEMENT --author bob --comment x 2>&1 >/dev/null)
is $? 6 "an ack hold that cannot be written: exit 6"
like "$out" "^handle_component: fx/pricer: .*nohold" "one line naming the hold dir"
last=$(tail -n 1 "$T/journal.jsonl")
like "$last" '"event":"hold","action":"ack","component":"fx/pricer".*"result":"failed"' \
	"journaled as failed"
! grep '"author":"bob"' "$T/journal.jsonl" | grep -q '"result":"set"'
ok $? "never journaled as set"
rm -f "$T/nohold"

# --- ten handlers at once -------------------------------------------------
kill "$(pid_of pricer)"
wait_for 120 sh -c "! '$daemon' status gateway '$T/run' >/dev/null"
n0=$(decisions fx/pricer heal)
i=0 pids=
while [ $i -lt 10 ]; do
	handle fx/pricer CRITICAL HARD 2 >"$T/ten.$i" 2>&1 &
	pids="$pids $!"
	i=$((i + 1))
done
wait $pids
is "$(cat "$T"/ten.* | grep -c ': heal: ')" 1 "ten handlers at once: one heals"
is "$(cat "$T"/ten.* | grep -c 'stand-down: in progress')" 9 \
	"the nine others stand down: in progress"
is "$(($(decisions fx/pricer heal) - n0))" 1 "one heal in the journal"
run=$(journal | grep '"result":"heal"' | sed -n 's/.*"run":"\([^"]*\)".*/\1/p' | tail -n 1)
wait_for 120 worker_done "$run"
ok $? "its restart finishes"
is "$(journal | grep "$run" | grep '"event":"step"' | grep '"phase":"end"' | grep -c '"action":"start"')" 2 \
	"pricer and gateway started once each"

# --- the dependent's handler comes first ----------------------------------
# the cores may call the gateway's handler before the pricer's: both go
# CRITICAL within one check interval
kill "$(pid_of pricer)"
wait_for 120 sh -c "! '$daemon' status gateway '$T/run' >/dev/null"
pm=$(pid_of marketdata) pc=$(pid_of cache)
out=$(handle fx/gateway CRITICAL HARD 2 --foreground 2>&1)
ok $? "the gateway's handler, the pricer being down"
like "$(journal | grep '"event":"decision"' | tail -n 1)" \
	'"component":"fx/pricer".*"result":"heal","message":"the down component that the handled one requires","reason":"requires: fx/gateway requires fx/pricer, which is down"' \
	"heals the pricer it requires, journaled as the pricer's heal"
"$daemon" status pricer "$T/run" >/dev/null &&
	"$daemon" status gateway "$T/run" >/dev/null
ok $? "pricer and gateway run again"
is "$(pid_of marketdata) $(pid_of cache)" "$pm $pc" \
	"what the pricer requires is untouched"
erun=$(journal | grep '"event":"decision"' | tail -n 1 | sed -n 's/.*"run":"\([^"]*\)".*/\1/p')
is "$(journal | grep "\"run\":\"$erun\"" | sed -n 's/.*"event":"\([a-z]*\)".*/\1/p' | sort -u | tr '\n' ' ')" \
	"decision plan step writeback " "its plan, steps and write-back carry its run id"
is "$(journal | grep '"event":"writeback"' | tail -n 1 | sed -n 's/.*"component":"\([^"]*\)".*/\1/p')" \
	fx/pricer "the write-back is journaled as the pricer's"
"$ctl" -c "$cfg" hold fx/pricer --reason 'pricer under repair' >/dev/null
write_config "$T/esc.ini"	# the gateway has had its 3 restarts
sed -i 's|^restart_limit = 3/1h$|restart_limit = 10/1h|' "$T/esc.ini"
kill "$(pid_of pricer)"
wait_for 120 sh -c "! '$daemon' status gateway '$T/run' >/dev/null"
out=$("$hc" -c "$T/esc.ini" -C fx/gateway --state CRITICAL --state-type HARD \
	--attempt 2 --foreground 2>&1)
like "$(journal | grep '"event":"decision"' | tail -n 1)" \
	'"component":"fx/gateway".*"stand-down".*"reason":"requires fx/pricer, which is down and held by root.*pricer under repair"' \
	"but not when the pricer has a hold"
"$daemon" status pricer "$T/run" >/dev/null
is $? 2 "the held pricer stays down"
"$ctl" -c "$cfg" release fx/pricer >/dev/null
"$ctl" -c "$cfg" start fx >/dev/null 2>&1

# --- retry: the core's re-notification (heal_retry) ------------------------
# the same rules as a HARD CRITICAL event; a retry that finds the
# component up stands down, and such stand-downs spend no restart_limit
write_config "$T/retry.ini"
# its own journal: the heals of the cases above are not counted
sed -i -e 's|^restart_limit = 3/1h$|restart_limit = 2/1h|' \
	-e "s|^journal = .*|journal = $T/retry.jsonl|" "$T/retry.ini"
"$ctl" -c "$cfg" start fx >/dev/null 2>&1
retry() { "$hc" -c "$T/retry.ini" -C fx/gateway --retry --foreground "$@"; }
stood() { grep '"event":"decision"' "$T/retry.jsonl" | grep '"result":"stand-down"' |
	grep 'already up' | grep -c 'retry (heal_retry)'; }
for i in 1 2 3; do
	retry >/dev/null 2>&1
	is $? 0 "retry $i on a component up: exit 0"
	is "$(stood)" "$i" "... stands down: already up (journaled as a retry)"
done
is "$(grep '"event":"decision"' "$T/retry.jsonl" | grep '"result":"heal"' |
	grep -c 'retry (heal_retry)')" 3 \
	"each retry's decision is journaled as a retry"
for i in 1 2; do
	kill "$(pid_of gateway)"
	wait_for 120 sh -c "! '$daemon' status gateway '$T/run' >/dev/null"
	retry --state CRITICAL --state-type HARD >/dev/null 2>&1
	ok $? "retry $i on the gateway down: healed (the stand-downs spent none of restart_limit 2/1h)"
	"$daemon" status gateway "$T/run" >/dev/null
	ok $? "... the gateway runs again"
done
kill "$(pid_of gateway)"
wait_for 120 sh -c "! '$daemon' status gateway '$T/run' >/dev/null"
out=$(retry 2>&1)
like "$out" 'stand-down: restart limit: 2 restarts in 1h' "the third heal: the limit, as for an event"
"$ctl" -c "$cfg" start fx >/dev/null 2>&1
# a node whose heal_retry is 0 ignores retries (a master sending the
# notifications of a satellite's services): the gateway stays down
sed -e 's|^\[relance\]$|&\nheal_retry = 0|' \
	-e "s|^journal = .*|journal = $T/noretry.jsonl|" "$T/retry.ini" >"$T/noretry.ini"
chmod 600 "$T/noretry.ini"
kill "$(pid_of gateway)"
wait_for 120 sh -c "! '$daemon' status gateway '$T/run' >/dev/null"
out=$("$hc" -c "$T/noretry.ini" -C fx/gateway --retry --foreground -v 2>&1)
is $? 0 "heal_retry = 0 on this node: a retry exits 0"
like "$out" 'ignore: policy: heal_retry = 0 on this node' "... and is ignored, said with -v"
"$daemon" status gateway "$T/run" >/dev/null
is $? 2 "... the gateway not touched: still down"
"$hc" -c "$T/noretry.ini" -C fx/gateway --state CRITICAL --state-type HARD \
	--attempt 2 --foreground >/dev/null 2>&1
"$daemon" status gateway "$T/run" >/dev/null
ok $? "... while an event heals it on that node as ever"
"$ctl" -c "$cfg" start fx >/dev/null 2>&1

# --- bad input ------------------------------------------------------------
bad() { # bad EXIT PATTERN DESCRIPTION ARGS...
	_e=$1 _p=$2 _d=$3; shift 3
	_o=$("$hc" "$@" 2>&1 >/dev/null)
	_r=$?
	is "$_r" "$_e" "$_d: exit $_e"
	like "$_o" "$_p" "$_d: the message"
	is "$(printf '%s\n' "$_o" | wc -l)" 1 "$_d: one line"
}
A="-c $cfg -C fx/pricer --state-type HARD --attempt 2"
bad 3 "^handle_component: --state: invalid value 'BROKEN' \\(OK, WARNING, CRITICAL or UNKNOWN\\)$" \
	"a bad state" $A --state BROKEN
bad 3 "--state-type: invalid value 'MEDIUM'" "a bad state type" \
	-c "$cfg" -C fx/pricer --state CRITICAL --state-type MEDIUM --attempt 1
bad 3 "--attempt: invalid value '-1'" "a negative attempt" \
	-c "$cfg" -C fx/pricer --state CRITICAL --state-type HARD --attempt -1
bad 3 "--attempt: invalid value '\\\$SERVICEATTEMPT\\\$'" "an unexpanded macro" \
	-c "$cfg" -C fx/pricer --state CRITICAL --state-type HARD --attempt '$SERVICEATTEMPT$'
bad 3 "--ack: invalid value '3'" "an ack out of range" $A --state CRITICAL --ack 3
bad 3 "--host: invalid value 'h;x'" "a host with ';'" $A --state CRITICAL --host 'h;x'
bad 3 "--service: invalid value 'a\\?b'" "a service with a newline" $A --state CRITICAL --service 'a
b'
bad 3 "-C: unknown component 'fx/nope'" "an unknown component" \
	-c "$cfg" -C fx/nope --state CRITICAL --state-type HARD --attempt 2
bad 3 "--state, --state-type and --attempt are required" "missing macros" \
	-c "$cfg" -C fx/pricer --state CRITICAL
bad 3 "unknown option '--bogus'" "an unknown option" $A --state CRITICAL --bogus
bad 3 "--ack-notification needs --type" "ack mode without --type" \
	-c "$cfg" -C fx/pricer --ack-notification
bad 3 "^handle_component: --retry and --ack-notification exclude each other" \
	"--retry with --ack-notification" -c "$cfg" -C fx/pricer --retry \
	--ack-notification --type ACKNOWLEDGEMENT
bad 3 "^handle_component: --retry: invalid --state-type SOFT \\(a retry is for a HARD state\\)$" \
	"--retry in a SOFT state" -c "$cfg" -C fx/pricer --retry --state CRITICAL \
	--state-type SOFT
bad 2 "$T/missing.ini" "a missing config" \
	-c "$T/missing.ini" -C fx/pricer --state CRITICAL --state-type HARD --attempt 2
cp "$cfg" "$T/open.ini"; chmod 666 "$T/open.ini"
bad 2 "writable by group or others" "a config others can write" \
	-c "$T/open.ini" -C fx/pricer --state CRITICAL --state-type HARD --attempt 2
"$hc" -c "$cfg" -C fx/pricer --state CRITICAL --state-type HARD --attempt 1.000000 --max-attempts 2.0 --ack 0 --downtime 0 --foreground -v >/dev/null 2>&1
ok $? "Icinga 2's numbers (1.000000) are accepted"

# --- shell metacharacters -------------------------------------------------
: >"$T/cmd.log"
marker=$T/pwned
evil="\$(touch $marker) \`touch $marker\` '\"; touch $marker; #"
evil_name="\$(touch $marker) \`touch $marker\` '\" && touch $marker #"
"$hc" -c "$cfg" -C fx/pricer --ack-notification --type ACKNOWLEDGEMENT \
	--author "$evil" --comment "$evil
rm -rf $T" >/dev/null
ok $? "an acknowledgement with metacharacters is taken as text"
handle fx/pricer CRITICAL HARD 2 --service "$evil_name" --host "x\$(id)" >/dev/null 2>&1
ok $? "a handler call with metacharacters in its names"
handle fx/pricer OK HARD 1 --service "$evil_name" >/dev/null 2>&1
wait_for 120 cmd_has 'ADD_SVC_COMMENT;x\$\(id\);.*not restarting'
[ ! -e "$marker" ] && [ -d "$T/run" ]
ok $? "nothing they carry ran"
like "$(grep 'not restarting' "$T/cmd.log")" "ADD_SVC_COMMENT;x\\\$\\(id\\);\\\$\\(touch" \
	"they reach the core as the text they are"
like "$(journal | grep '"event":"hold"' | tail -n 2 | head -n 1)" '"reason":"\$\(touch [^"]*\\"; touch [^"]*; #\\nrm -rf' \
	"the journal keeps them as text, on one line"

# --- bytes that are not UTF-8 ----------------------------------------------
# A core may hand over macros in Latin-1 (or any bytes): every journal line
# stays UTF-8 JSON, each stray byte written as U+FFFD.
"$hc" -c "$cfg" -C fx/pricer --ack-notification --type ACKNOWLEDGEMENT \
	--author "$(printf 'ren\351')" --comment "$(printf 'caf\351 \300\200')" >/dev/null
ok $? "an acknowledgement with bytes that are not UTF-8"
python3 -c 'import json, sys
for raw in open(sys.argv[1], "rb"):
    json.loads(raw.decode("utf-8"))' "$T/journal.jsonl"
ok $? "every journal line is UTF-8 JSON (python3's json module)"
fffd=$(printf '\357\277\275')
like "$(journal | grep '"event":"hold"' | tail -n 1)" "\"author\":\"ren$fffd\"" \
	"the Latin-1 byte of the author reads as U+FFFD"
handle fx/pricer OK HARD 1 >/dev/null
like "$("$ctl" -c "$cfg" hold 2>&1)" '^relancectl: no holds$' \
	"and the hold clears on OK as any other"

# --- syslog ----------------------------------------------------------------
# Decisions, outcomes and errors also go to syslog (/dev/log), where a
# detached worker's failure reaches an admin when neither the journal nor
# the core can be written. In a mount namespace of our own, /dev is a
# tmpfs with null and a log socket that tests/integration/syslog_sink.py
# reads; the machine's /dev is never touched.
sink=$top_srcdir/tests/integration/syslog_sink.py
if [ "$(id -u)" = 0 ] && unshare -m sh -c 'mount --make-rprivate / && mount -t tmpfs none /dev' 2>/dev/null; then
	write_config "$T/sys.ini"	# the pricer has had its 3 restarts
	sed -i 's|^restart_limit = 3/1h$|restart_limit = 100/1h|' "$T/sys.ini"
	"$ctl" -c "$cfg" start fx >/dev/null 2>&1
	kill "$(pid_of pricer)"
	wait_for 120 sh -c "! '$daemon' status gateway '$T/run' >/dev/null"
	unshare -m sh -c '
		mount --make-rprivate / && mount -t tmpfs none /dev &&
			mknod -m 666 /dev/null c 1 3 || exit 1
		python3 "$1" /dev/log "$2/syslog.out" "restarted " &
		sp=$!
		i=0; while [ ! -S /dev/log ] && [ $i -lt 2400 ]; do sleep 0.05; i=$((i + 1)); done
		"$3" -c "$4" -C fx/pricer --state "CRIT
ICAL" --state-type HARD --attempt 2 2>/dev/null
		"$3" -c "$4" -C fx/pricer --state CRITICAL --state-type HARD --attempt 2 >/dev/null
		wait $sp' _ "$sink" "$T" "$hc" "$T/sys.ini"
	ok $? "syslog: a heal and a bad macro, in a mount namespace with a /dev/log of its own"
	log=$(cat "$T/syslog.out" 2>/dev/null)
	like "$log" '^<29>.* handle_component\[[0-9]+\]: fx/pricer: heal: HARD CRITICAL \(CRITICAL HARD attempt 2, node testnode\)$' \
		"syslog: the decision, at daemon.notice"
	like "$log" '^<29>.* handle_component\[[0-9]+\]: restarted fx/pricer and fx/gateway on here in [0-9.]+m?s \(node testnode\)$' \
		"syslog: the detached worker's outcome"
	like "$log" "^<27>.* handle_component\\[[0-9]+\\]: --state: invalid value 'CRIT\\?ICAL'" \
		"syslog: a bad macro, at daemon.err, on one line"
	is "$(printf '%s\n' "$log" | grep -vc '^<')" 0 "syslog: every message on one line"
	printf '%s\n' "$log" | sed 's/^/#   /'
else
	diag "skip syslog: needs root and unshare -m with a tmpfs mount"
fi

# every record the handler, its worker and relancectl wrote carries the
# hash of the config they loaded, whose copy is kept (issue 18)
kinds=$(python3 - "$T/journal.jsonl" "$T/configs" <<'EOF'
import json, os, sys
kinds, bad = set(), 0
for l in open(sys.argv[1]):
    r = json.loads(l)
    kinds.add(r.get("event", "?") + "/" + r.get("phase", r.get("result", "")))
    h = r.get("config", "")
    bad += len(h) != 64 or not os.path.exists(os.path.join(sys.argv[2], h))
print(" ".join(sorted(kinds)))
sys.exit(1 if bad else 0)
EOF
)
ok $? "every record carries a config hash whose copy is kept"
diag "record kinds seen: $kinds"
like "$kinds" "decision/.*hold/.*plan/.*step/.*writeback/" \
	"among them decisions, holds, plans, steps and write-backs"

"$ctl" -c "$cfg" stop fx >/dev/null 2>&1
ok $? "the application stops"
done_testing
