#!/bin/sh
# Issue 15 (2): a failover in the middle of a heal. The HA zone of
# tests/e2e/ha.sh (ha1, ha2) with one more component, ${APP}g/svc, whose
# start waits while a gate file exists (tests/integration/relancectl/
# gated.sh). Kill it; once the endpoint that checks it has its handler's
# worker inside the start, SIGKILL that endpoint's icinga2 and the worker.
# The cut start ends on the target before any other begins; the survivor
# takes over the checks; the dead worker's host lock refuses the survivor
# until its expiry (another node's lock) and no longer: `relancectl
# restart` there then starts it once more; both journals tell it. The
# survivor's handler is never called (no state change on it): a TODO.
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
# service was CRITICAL HARD before (from $A's results) and stays so, so
# $B's handler is never called. Known gap (see README, Distributed
# Icinga 2): the admin, or a cron job, restarts it with relancectl.
t_s=$(date +%s)
wait_for 120 eval '[ "$(icinga_field "$E2E_ROOT/$B" h1 "$C" last_check | cut -d. -f1)" -ge $((t_s + 3)) ]'
ok $? "$B checked $C again, three seconds later"
is "$(jn ".node == \"$B\" and .component == \"$C\" and .ts >= $t_kill")" 0 \
	"$B's handler was not called for $C (no state change on $B)"
up_on "$B" "$C"
todo $? "$C healed by $B's handler" "Icinga 2 calls no handler on the survivor: CRITICAL HARD before and after"

# the dead worker's host lock holds $B off until its expiry, no longer
out=$("$ctl" --config "$E2E_ROOT/$B/relance.ini" restart "$C" 2>&1)
st=$?
now=$(date +%s)
if [ "$now" -lt "$expiry" ]; then
	is "$st" 4 "relancectl restart on $B before the lock's expiry: refused (exit 4)"
	like "$out" "$A pid $wpid" "naming the dead worker's lock"
fi
restart_b() {
	"$ctl" --config "$E2E_ROOT/$B/relance.ini" restart "$C" > "$E2E_ROOT/restart.out" 2>&1
}
wait_for 120 restart_b
st=$?
t_ok=$(date +%s)
ok $st "relancectl restart on $B succeeds" || sed 's/^/#   /' "$E2E_ROOT/restart.out"
[ "$t_ok" -ge "$expiry" ]
ok $? "not before the dead worker's lock expired"
diag "component killed at $(( t_kill / 1000 )) s, lock expiry $expiry s, failover at $(( t_fo / 1000 )) s: $B got the lock $(( t_ok - expiry )) s after the expiry, $(( t_ok - t_fo / 1000 )) s after the failover"
wait_for 120 up_on "$B" "$C"
ok $? "$C OK HARD on $B ($(( $(now_ms) - t_fo )) ms after the failover)"
is "$(grep -c '^begin .* start$' "$G/svc.log")" $((n0 + 2)) "two starts since the kill: the dead worker's, cut, and $B's"
# the journals: A's worker began the start and never ended it; B's
# restart is whole
R=".component == \"$C\" and .ts >= $t_kill"
is "$(jn "$R and .node == \"$A\" and .event == \"step\" and .action == \"start\"" ) $(jn "$R and .node == \"$A\" and .event == \"plan\" and .phase == \"end\"")" "1 0" \
	"$A's journal: the start began, no end, no plan end (the worker died in it)"
is "$(jall "$R and .node == \"$B\" and .event == \"plan\" and .phase == \"end\"" | jq -r .result)" ok \
	"$B's journal: its restart ended ok"
jall ".ts >= $t_kill and .component == \"$C\" and .event != \"check\"" |
	jq -r '"#   \(.node) \(.pid) \(.event) \(.phase // "") \(.action // "") \(.result // ""): \(.reason // .message // "")"'
echo "# svc.log:"; sed 's/^/#   /' "$G/svc.log"

e2e_sanitizer_ok
diag "test_icinga_failover: $(( $(now_ms) - T0 )) ms"
done_testing
