#!/bin/sh
# Issue 15 (3, 4): relance on an Icinga 2 satellite. A master (zone
# "master") and a satellite (zone "sat", its child), each a real Icinga 2
# in its own temp dir with its own certificate. relance is configured on
# the satellite only (host h1 with zone = sat); the objects `relancectl
# generate icinga2 -o` writes from that config go into the master's
# zones.d/ (the commands, templates and ApiUser to a global zone,
# global-templates, the services to sat) and Icinga 2's config sync brings
# them to the satellite, which checks and heals. relance writes back
# through the master's API first ([icinga_api] url: master, then
# satellite): the master shows the state and relance's comments, and the
# cluster syncs the comments down to the satellite. An acknowledgement
# made on the master keeps the satellite's handler away. (5) With the
# master down, the write-back and the state read go to the satellite's own
# API, and the handler says that detour (journal, -v).
. "$top_srcdir/tests/e2e/satellite.sh"

# (3) a kill healed by the satellite, seen on the master
n0=$(app_starts gateway)
t_kill=$(now_ms)
app_kill gateway
wait_for 120 eval '[ "$(jn ".event == \"plan\" and .phase == \"end\" and .result == \"ok\" and .ts >= $t_kill")" -ge 1 ]'
ok $? "the satellite's handler restarted gateway ($WAITED_MS ms)"
wait_for 120 up_on "$M" "$APP/gateway"
ok $? "the master shows gateway OK HARD again ($(( $(now_ms) - t_kill )) ms after the kill)"
is "$(( $(app_starts gateway) - n0 ))" 1 "gateway started once"
is "$(jn ".event == \"decision\" and .component == \"$APP/gateway\" and .result != \"ignore\" and .ts >= $t_kill" )" 1 \
	"one handler acted: the satellite's (no twin standing down)"
# Icinga 2 relays check results up to the master, but not the comments
# made on a satellite: relance writes to the master's API, whose comment
# the cluster syncs down to the satellite's zone
wait_for 120 eval 'icinga_comments "$M" h1 "$APP/gateway" | grep -q "relance: restarted"'
ok $? "the master shows relance's comment (written through its API)"
icinga_comments "$M" h1 "$APP/gateway" | sed 's/^/#   master: /'
wait_for 120 eval 'icinga_comments "$S" h1 "$APP/gateway" | grep -q "relance: restarted"'
ok $? "the satellite shows it too (synced down)"
is "$(jq -r "select(.event == \"writeback\" and .component == \"$APP/gateway\" and .ts >= $t_kill) | .result" "$J" | tr '\n' ' ')" "ok " \
	"the write-back (comment, passive OK, forced check) went to the master, no detour"

# (4) an acknowledgement on the master keeps the satellite's handler away
R=$APP/reports
filt=$(jq -cn --arg s "$R" '{type: "Service", filter: "host.name == \"h1\" && service.name == s", filter_vars: {s: $s}}')
icinga_api "$M" POST /v1/objects/services "$(echo "$filt" | jq -c 'del(.type) + {attrs: {retry_interval: 30}}')" > /dev/null
wait_for 120 eval '[ "$(icinga_field "$S" h1 "$R" retry_interval)" = 30 ]'
ok $? "retry_interval of $R changed on the master reaches the satellite"
n0=$(app_starts reports)
t_kill=$(now_ms)
app_kill reports
wait_for 120 eval '[ "$(st_on "$M" "$R")" = "CRITICAL SOFT" ]'
ok $? "the master shows $R CRITICAL SOFT"
icinga_api "$M" POST /v1/actions/acknowledge-problem "$(echo "$filt" |
	jq -c '. + {author: "ops", comment: "looking at it", sticky: true}')" > /dev/null
wait_for 120 eval '[ "$(icinga_field "$S" h1 "$R" acknowledgement)" = 2 ]'
ok $? "the acknowledgement made on the master reaches the satellite"
icinga_api "$M" POST /v1/objects/services "$(echo "$filt" | jq -c 'del(.type) + {attrs: {retry_interval: 0.5}}')" > /dev/null
wait_for 120 eval '[ "$(st_on "$S" "$R")" = "CRITICAL HARD" ]'
ok $? "$R goes CRITICAL HARD on the satellite"
wait_for 120 eval '[ "$(jn ".event == \"decision\" and .component == \"$R\" and .result == \"stand-down\" and .ts >= $t_kill")" -ge 1 ]'
ok $? "the satellite's handler stands down"
jq -r "select(.component == \"$R\" and .ts >= $t_kill and .event == \"decision\") | \"#   \\(.result): \\(.reason)\"" "$J"
t_s=$(date +%s)
wait_for 120 eval '[ "$(icinga_field "$S" h1 "$R" last_check | cut -d. -f1)" -ge $((t_s + 2)) ]'
is "$(app_pid reports) $(( $(app_starts reports) - n0 ))" "none 0" "$R not restarted (two checks later)"
is "$(jn ".event == \"decision\" and .component == \"$R\" and .result == \"heal\" and .ts >= $t_kill")" 0 \
	"no heal decision for $R"
wait_for 120 eval 'icinga_comments "$M" h1 "$R" | grep -q "^relance: .*not restarting $R"'
ok $? "the master shows the stand-down's comment"
icinga_comments "$M" h1 "$R" | sed 's/^/#   master: /'

# (5) the master down: the satellite goes on, and says where it wrote
icinga_stop "$M"
# by hand, -v, no --ack: the state is read from the API, through the detour
out=$("$hc" -f "$S/relance.ini" -C "$R" --state CRITICAL --state-type HARD \
	--attempt 1 --foreground -v 2>&1)
is "$?" 0 "(5) the handler run by hand with the master down exits 0"
echo "$out" | sed 's/^/#   /'
like "$out" "relance: $R: state read through $SURL, skipped $MURL: query of h1!$R: cannot connect" \
	"(5) -v names the endpoint skipped for the state read, and why"
like "$out" "relance: $R: write-back through $SURL, skipped $MURL: add-comment on h1!$R: cannot connect" \
	"(5) -v names the endpoint skipped for the write-back, and why"
like "$out" "relance: $R: stand-down: .*acknowledged" \
	"(5) the acknowledgement read from the satellite's API: stand-down"
n0=$(app_starts gateway)
t_kill=$(now_ms)
app_kill gateway
wait_for 120 eval '[ "$(jn ".event == \"writeback\" and .result == \"ok\" and .component == \"$APP/gateway\" and .ts >= $t_kill")" -ge 1 ]'
ok $? "(5) the satellite healed gateway and wrote back with the master down"
is "$(( $(app_starts gateway) - n0 ))" 1 "(5) gateway started once"
d=$(jq -r "select(.event == \"writeback\" and .result == \"detour\" and .component == \"$APP/gateway\" and .ts >= $t_kill) | .message" "$J" | head -1)
like "$d" "^through $SURL, skipped $MURL: add-comment on h1!$APP/gateway: cannot connect" \
	"(5) the journal names the endpoint skipped and why"
wait_for 120 eval 'icinga_comments "$S" h1 "$APP/gateway" | grep -c "relance: restarted" | grep -q "^[2-9]"'
ok $? "(5) the satellite shows the new comment"
wait_for 120 up_on "$S" "$APP/gateway"
ok $? "(5) the satellite shows gateway OK HARD"

e2e_sanitizer_ok
diag "test_icinga_satellite: $(( $(now_ms) - T0 )) ms"
done_testing
