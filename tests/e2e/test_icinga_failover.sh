#!/bin/sh
# Issue 15 (2): a failover in the middle of a heal. The HA zone of
# tests/e2e/ha.sh (ha1, ha2) with one more component, ${APP}g/svc, whose
# start waits while a gate file exists (tests/integration/relancectl/
# gated.sh). Kill it; once the endpoint that checks it has its handler's
# worker inside the start, SIGKILL that endpoint's icinga2 and the worker.
# The cut start ends on the target before any other begins; the survivor
# takes over the checks; the dead worker's host lock refuses the survivor
# until its expiry (another node's lock) and no longer: a `relancectl
# restart` there is refused meanwhile. The survivor sees no state change:
# the retry notification (heal_retry, 10 s here) calls its handler again,
# which stands down on the lock, then heals once; both journals tell it.
HA_RELANCE_KEYS="heal_retry=10s"
ha_extra_config() { # FILE
	G=$APP_DIR/gated
	mkdir -p "$G"
	chmod 777 "$G"
	cp "$top_srcdir/tests/integration/relancectl/gated.sh" "$G/comp.sh"
	chmod 755 "$G/comp.sh"
	{
		printf '[component "%sg/svc"]\nhost = h1\n' "$APP"
		for a in check start stop; do
			printf '%s = %s/comp.sh %s %s\n' "$a" "$G" "$G" "$a"
		done
		printf 'start_timeout = 10s\nstop_timeout = 5s\n'
		printf 'heal = hard\nrestart_limit = 5/1h\n\n'
	} >> "$1"
}
. "$top_srcdir/tests/e2e/ha.sh"

C=${APP}g/svc
"$ctl" --config "$E2E_ROOT/ha1/relance.ini" start "${APP}g" > "$E2E_ROOT/start.out" 2>&1
ok $? "relancectl starts $C (the gated component)" || sed 's/^/#   /' "$E2E_ROOT/start.out"
wait_for 120 eval 'up_on ha1 "$C" && up_on ha2 "$C"'
ok $? "$C OK HARD on both endpoints ($WAITED_MS ms)"
wait_for 120 eval 'case $(source_of "$C") in ha1|ha2) true ;; *) false ;; esac'
A=$(source_of "$C")
B=$([ "$A" = ha1 ] && echo ha2 || echo ha1)
diag "$C is checked by $A; $B is the survivor"

svc_pid() { cat "$G/svc.pid" 2>/dev/null; }
starts() { grep -c ' start$' "$G/svc.log" 2>/dev/null | grep '^[0-9]' || echo 0; }
n0=$(grep -c '^begin .* start$' "$G/svc.log")
touch "$G/gate"
chmod 644 "$G/gate"
p0=$(svc_pid)
t_kill=$(now_ms)
kill -KILL "$p0"
# the worker inside the start: its journal record, and the start's begin
S=".event == \"step\" and .phase == \"begin\" and .action == \"start\" and .component == \"$C\" and .ts >= $t_kill"
wait_for 120 eval '[ "$(jn "$S")" -ge 1 ] && [ "$(grep -c "^begin .* start$" "$G/svc.log")" -gt "$n0" ]'
ok $? "a handler's worker is inside $C's start ($WAITED_MS ms after the kill)"
rec=$(jall "$S" | head -1)
wnode=$(echo "$rec" | jq -r .node)
wpid=$(echo "$rec" | jq -r .pid)
is "$wnode" "$A" "the worker is $A's, the endpoint that checks $C"
lockf=$(getent passwd "$SSHD_USER" | cut -d: -f6)/.relance/locks/$APP"g%2Fsvc.lock/owner"
wait_for 120 test -s "$lockf"
diag "host lock: $(tr '\n' ' ' < "$lockf" 2>/dev/null)"
like "$(head -1 "$lockf")" "^$A pid $wpid " "the host lock's owner is that worker ($A pid $wpid)"
expiry=$(sed -n 2p "$lockf")
s1=$(cut -d' ' -f1 "$G/start.pid")

# the failover: A's icinga2 and its worker, SIGKILL
t_fo=$(now_ms)
cluster_kill "$E2E_ROOT/$A"
kill -KILL "$wpid"
wait_for 120 eval '! pid_alive "$wpid" && ! icinga_pid "$E2E_ROOT/$A" > /dev/null'
ok $? "$A's icinga2 and worker $wpid are gone"
# the remote start ends with the channel (lib/shell's watcher)
wait_for 120 eval '! pid_alive "$s1"'
ok $? "the start the dead worker ran (pid $s1) ended on the target ($WAITED_MS ms)"
is "$(grep -c '^begin .* start$' "$G/svc.log")" $((n0 + 1)) "no other start began before it ended"
rm -f "$G/gate"
t_open=$(now_ms)

wait_for 120 cluster_ready "$E2E_ROOT/$B" 0
ok $? "$B sees $A gone ($WAITED_MS ms)"
src_is() { [ "$(icinga_field "$E2E_ROOT/$B" h1 "$1" last_check_result.check_source)" = "$2" ]; }
wait_for 120 src_is "$C" "$B"
ok $? "$B checks $C now ($(( $(now_ms) - t_fo )) ms after the failover)"
# Icinga 2 runs an event handler on a state change only: on $B the
# service was CRITICAL HARD before (from $A's results) and stays so. The
# Notification relance-retry (heal_retry = 10s here) runs $B's handler
# again (handle_component --retry): it stands down while the dead
# worker's host lock holds (another node's: until its expiry), then heals.
now=$(date +%s)
if [ "$now" -lt "$((expiry - 5))" ]; then
	out=$("$ctl" --config "$E2E_ROOT/$B/relance.ini" restart "$C" 2>&1)
	st=$?
	if [ "$(date +%s)" -lt "$expiry" ]; then
		is "$st" 4 "relancectl restart on $B before the lock's expiry: refused (exit 4)"
		like "$out" "$A pid $wpid" "naming the dead worker's lock"
	fi
fi
wait_for $((expiry - now + 180)) up_on "$B" "$C"
ok $? "$C healed on $B, OK HARD ($(( $(now_ms) - t_fo )) ms after the failover)"
RB=".component == \"$C\" and .ts >= $t_kill and .node == \"$B\""
# the run that restarted it: its plan; its decision says it was a retry
run_b=$(jall "$RB and .event == \"plan\" and .phase == \"begin\"" | jq -r .run | tail -1)
like "$(jall "$RB and .run == \"$run_b\" and .event == \"decision\" and .result == \"heal\"" | jq -r .message)" \
	'^retry \(heal_retry\)' "by $B's handler, called again by the retry notification (its decision: 'retry (heal_retry)')"
is "$(jn "$RB and .event == \"plan\" and .phase == \"begin\"")" 1 "$B began one restart of $C"
is "$(jall "$RB and .run == \"$run_b\" and .event == \"plan\" and .phase == \"end\"" | jq -r .result)" ok \
	"$B's journal: that retry's restart ended ok"
pb=$(jall "$RB and .run == \"$run_b\" and .event == \"plan\" and .phase == \"begin\"" | jq -r '.ts / 1000 | floor')
[ -n "$pb" ] && [ "$pb" -ge "$expiry" ]
ok $? "not before the dead worker's lock expired (plan began at ${pb:-none}, expiry $expiry)"
nsd=$(jn "$RB and .event == \"decision\" and .result == \"stand-down\" and (.reason // \"\" | test(\"in progress\"))")
diag "component killed at $(( t_kill / 1000 )) s, lock expiry $expiry s, failover at $(( t_fo / 1000 )) s: $B's retry healed it $(( pb - expiry )) s after the expiry, after $nsd stand-downs on the lock"
is "$(grep -c '^begin .* start$' "$G/svc.log")" $((n0 + 2)) "two starts since the kill: the dead worker's, cut, and $B's"
# the journals: A's worker began the start and never ended it; B's
# restart is whole
R=".component == \"$C\" and .ts >= $t_kill"
is "$(jn "$R and .node == \"$A\" and .event == \"step\" and .action == \"start\"" ) $(jn "$R and .node == \"$A\" and .event == \"plan\" and .phase == \"end\"")" "1 0" \
	"$A's journal: the start began, no end, no plan end (the worker died in it)"
jall ".ts >= $t_kill and .component == \"$C\" and .event != \"check\"" |
	jq -r '"#   \(.node) \(.pid) \(.event) \(.phase // "") \(.action // "") \(.result // ""): \(.reason // .message // "")"'
echo "# svc.log:"; sed 's/^/#   /' "$G/svc.log"

e2e_sanitizer_ok
diag "test_icinga_failover: $(( $(now_ms) - T0 )) ms"
done_testing
