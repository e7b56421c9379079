#!/bin/sh
# Issue 14 end to end: relance and a real Icinga 2 that has no command
# pipe (the `command` feature off) and the `api` feature on. The handler
# heals through the API: the comment and the passive result are seen
# through the API; an acknowledgement and a downtime set through the API
# make it stand down, from the core's macros and, run without them, from
# the service's state read through the API. The ApiUser is the one
# `relancectl generate icinga2` writes (least permissions). Each failure
# of the API (wrong password, unknown service, wrong CA, API down, no
# answer, the API module missing) is one line naming the endpoint (or the
# module), journaled, and the restart is journaled as done all the same; the endpoints of an HA zone are tried in
# turn; a password file others may read is refused at load.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/sshd.sh"
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/core.sh"
. "$top_srcdir/tests/e2e/app.sh"

e2e_require relancectl handle_component check_component icinga2 \
	jq curl python3 setsid
unset RELANCE_CONFIG NO_COLOR
e2e_app_start

# relance verifies the API's certificate, host name included: the node's
# certificate is made for "localhost" (its own CA, kept like the one of
# the other Icinga tests); the other CA serves as a wrong one
WRONG_PKI=${TMPDIR:-/tmp}/relance-e2e-icinga-pki
(ICINGA_PKI=$WRONG_PKI; icinga_pki) ||
	{ echo "Bail out! no certificates in $WRONG_PKI"; exit 1; }
ICINGA_NODE=localhost
ICINGA_PKI=${TMPDIR:-/tmp}/relance-e2e-icinga-pki-localhost
ICINGA_PIPE=no

CD=$E2E_ROOT/icinga
NODE=mon-api
STATE=$E2E_ROOT/state
J=$STATE/journal.jsonl
CFG=$E2E_ROOT/relance.ini
PW=$E2E_ROOT/api.pw
OBJS=$CD/objs/relance.conf
mkdir -p "$CD/objs" "$STATE"
printf 'relance-e2e-%s\n' "$$" > "$PW"
chmod 600 "$PW"

# mkcfg FILE URLS [KEY=VALUE...]: the application's config with an
# [icinga_api] section (user relance, password file $PW, the test's CA,
# timeout 5s), each KEY=VALUE replacing or adding a key there
mkcfg() {
	_mf=$1 _mu=$2
	shift 2
	app_config "$_mf" "$NODE" "$STATE"
	printf '[icinga_api]\nurl = %s\n' "$_mu" >> "$_mf"
	for k in user password_file ca_file timeout; do
		case $k in
		user) v=relance ;;
		password_file) v=$PW ;;
		ca_file) v=$ICINGA_PKI/certs/ca.crt ;;
		timeout) v=5s ;;
		esac
		for kv in "$@"; do [ "${kv%%=*}" = "$k" ] && v=${kv#*=}; done
		printf '%s = %s\n' "$k" "$v" >> "$_mf"
	done
}

jrn() { jq -c "select($1)" "$J" 2>/dev/null; }
jcount() { jrn "$1" | wc -l; }
jhas() { [ "$(jcount "$1")" -gt 0 ]; }

# the objects, generated before the port is known
mkcfg "$CFG" https://localhost:1
"$ctl" --config "$CFG" generate icinga2 --define-hosts --with-commands \
	--plugin-dir "$top_builddir/plugins" --handler "$hc" > "$OBJS"
ok $? "relancectl generates the Icinga 2 objects with [icinga_api]"
sed -n '/^object ApiUser "relance"/,/^}/p' "$OBJS" > "$E2E_ROOT/apiuser"
like "$(tr '\n\t' '  ' < "$E2E_ROOT/apiuser")" \
	'password = RelanceApiPassword .*"actions/add-comment".*"actions/process-check-result".*"actions/reschedule-check".*"objects/query/Service"' \
	"the generated ApiUser has the four permissions, the password a constant"
is "$(grep -c 'filter = {{ typeof(service.vars.relance_component) == String }}' "$E2E_ROOT/apiuser")" 4 \
	"each filtered to the services of components"
grep -q 'ExternalCommandListener' "$OBJS"
ok $((!$?)) "nothing generated needs the command pipe"
# the password where only Icinga 2 reads it, as the README says
printf 'const RelanceApiPassword = "%s"\n' "$(cat "$PW")" > "$CD/objs/secret.conf"
chmod 600 "$CD/objs/secret.conf"
sed -i -e 's/^\tcheck_interval = 1m$/\tcheck_interval = 1s/' \
	-e 's/^\tretry_interval = 15s$/\tretry_interval = 500ms/' "$OBJS"

# the application runs before the core starts
"$ctl" --config "$CFG" start "$APP" > "$E2E_ROOT/start.out" 2>&1
ok $? "relancectl starts $APP over ssh" || sed 's/^/#   /' "$E2E_ROOT/start.out"

t0=$(now_ms)
icinga_start "$CD" "$CD/objs/secret.conf" "$OBJS"
st=$?
ok $st "icinga2 starts with the api feature and no command pipe ($(( $(now_ms) - t0 )) ms)"
[ $st = 0 ] || { done_testing; exit 1; }
PORT=$(cat "$CD/api_port")
URL=https://localhost:$PORT
mkcfg "$CFG" "$URL"
cp "$CFG" "$CFG.good"
grep -q 'ExternalCommandListener' "$CD/etc/icinga2.conf"
ok $((!$?)) "the core's config has no ExternalCommandListener"
[ ! -e "$CD/run/cmd/icinga2.cmd" ]
ok $? "and there is no command pipe"

# --- the ApiUser relance: what it may do, and nothing more ----------------------
as_relance() { # METHOD PATH [JSON]: the HTTP status, body in $E2E_ROOT/r.json
	set -- "$1" "$2" "${3:-{\}}"
	curl -s --max-time 20 --cacert "$ICINGA_PKI/certs/ca.crt" \
		-u "relance:$(cat "$PW")" -H 'Accept: application/json' \
		-H 'X-HTTP-Method-Override: GET' -o "$E2E_ROOT/r.json" \
		-w '%{http_code}' -X "$1" "$URL$2" -d "$3"
}
svc_filter() { # SVC: the filter of the service SVC on h1, as the API takes it
	jq -cn --arg s "$1" '{type: "Service", filter: "host.name == \"h1\" && service.name == s",
		filter_vars: {s: $s}}'
}
is "$(as_relance POST /v1/objects/services "$(svc_filter "$APP/pricer" | jq -c 'del(.type)')")" 200 \
	"ApiUser relance may query a component's service (curl, verified TLS)"
is "$(jq '.results | length' "$E2E_ROOT/r.json")" 1 "and sees it"
as_relance POST /v1/objects/services "$(svc_filter "$APP" | jq -c 'del(.type)')" > /dev/null
is "$(jq '.results | length' "$E2E_ROOT/r.json")" 0 \
	"the application's service (no relance_component) is filtered out"
# (Icinga 2.13 answers 404 where the user has no permission)
is "$(as_relance POST /v1/status)" 404 "no status/query: refused"
is "$(as_relance POST /v1/objects/hosts '{}')" 404 "no objects/query/Host: refused"
is "$(as_relance POST /v1/actions/acknowledge-problem "$(svc_filter "$APP/pricer" |
	jq -c '. + {author: "x", comment: "y"}')")" 404 \
	"no actions/acknowledge-problem, even on a component: refused"

# --- the core checks; all up ------------------------------------------------------
c_state() { icinga_state "$CD" h1 "$1"; }
c_output() { icinga_field "$CD" h1 "$1" last_check_result.output; }
c_comments() { icinga_comments "$CD" h1 "$1"; }
c_up() { [ "$(c_state "$1")" = "OK HARD" ] && case $(c_output "$1") in
	"COMPONENT OK"*) return 0 ;; *) return 1 ;; esac; }
c_hard() { [ "$(c_state "$1")" = "CRITICAL HARD" ]; }
c_soft() { [ "$(c_state "$1")" = "CRITICAL SOFT" ]; }
all_up() { for n in $APP_NAMES; do c_up "$APP/$n" || return 1; done; }
wait_for 120 all_up
ok $? "the five components are OK HARD after a real check ($WAITED_MS ms)"
api_post() { icinga_api "$CD" POST "$@"; }
set_attrs() { # SVC JSON-ATTRS
	api_post /v1/objects/services "$(svc_filter "$1" | jq -c --argjson a "$2" 'del(.type) + {attrs: $a}')" > /dev/null
}
rewind() {
	"$ctl" --config "$CFG" start "$APP" > "$E2E_ROOT/rewind.out" 2>&1 ||
		sed 's/^/#   /' "$E2E_ROOT/rewind.out"
	wait_for 120 all_up
	ok $? "$1: the application is OK again in the core ($WAITED_MS ms)"
}

# every check result of h1 as the API's event stream gives it (curl, as an
# admin would); the stream says nothing until an event: ready when the
# first check result is in
curl -sN --max-time 900 -k -u e2e:e2e-secret -H 'Accept: application/json' -X POST \
	"https://127.0.0.1:$PORT/v1/events" \
	-d '{"queue": "rl-e2e", "types": ["CheckResult"], "filter": "event.host == \"h1\""}' \
	> "$E2E_ROOT/events.jsonl" 2>/dev/null &
EVENTS_PID=$!
events_stop() { kill "$EVENTS_PID" 2>/dev/null; }
E2E_CLEANUP_HOOKS="events_stop $E2E_CLEANUP_HOOKS"
wait_for 60 test -s "$E2E_ROOT/events.jsonl"
ok $? "the API's event stream of check results is open"

# --- (a) a killed component is healed; the core is told through the API -------
P=$APP/pricer G=$APP/gateway
old_p=$(app_pid pricer)
t_kill=$(now_ms)
kill -KILL "$old_p"
WB=".event == \"writeback\" and .ts >= $t_kill and (.component | startswith(\"$APP/\"))"
wait_for 120 jhas "$WB"
ok $? "(a) the handler healed and wrote back ($WAITED_MS ms after the kill)"
is "$(jrn "$WB" | jq -r .result | sort -u)" ok "(a) the write-back is journaled ok"
jrn "$WB" | jq -r '"#   writeback: \(.component): \(.message)"'
run=$(jrn "$WB" | head -1 | jq -r .run)
is "$(jrn ".run == \"$run\" and .event == \"plan\" and .phase == \"end\"" | jq -r .result)" ok \
	"(a) the restart is journaled as done"
new_p=$(app_pid pricer)
[ "$new_p" != none ] && [ "$new_p" != "$old_p" ]
ok $? "(a) the pricer runs again ($old_p -> $new_p)"
# on the handled service: the pricer's, or the gateway's when its handler
# came first (it then heals the pricer it requires)
pc() { c_comments "$P"; c_comments "$G"; }
wait_for 120 eval 'pc | grep -Eq "^relance: relance: restarted $P and $G on h1 in [0-9.]+m?s \(node $NODE\)$"'
ok $? "(a) the comment is seen through /v1/objects/comments"
pc | grep restarted | sed 's/^/#   comment: /'
passive_seen() { # SVC: the passive OK relance sent, in the event stream
	jq -c --arg s "$1" --arg n "$NODE" 'select(.service == $s and
		.check_result.check_source == $n and .check_result.state == 0 and
		(.check_result.output | test("^COMPONENT OK - .* is up \\(restarted by relance, node ")))' \
		"$E2E_ROOT/events.jsonl" 2>/dev/null | grep -q .
}
wait_for 60 passive_seen "$P"
ok $? "(a) the passive OK of $P reached the core (check_source $NODE)"
wait_for 60 passive_seen "$G"
ok $? "(a) and that of $G, restarted with it"
wait_for 120 eval 'c_up "$P" && c_up "$G"'
ok $? "(a) the service objects are OK HARD"

# the passive result in the service object: a service whose next active
# check is far away keeps it (the handled one is checked again at once)
set_attrs "$G" '{"check_interval": 3600, "retry_interval": 3600}'
# the check already scheduled is done: the next one is an hour away
wait_for 60 eval '[ "$(icinga_field "$CD" h1 "$G" next_check | cut -d. -f1)" -gt $(( $(date +%s) + 600 )) ]'
ok $? "(a) $G: no active check for an hour"
t_g=$(now_ms)
kill -KILL "$(app_pid pricer)"
wait_for 120 jhas ".event == \"writeback\" and .ts >= $t_g and .result == \"ok\""
ok $? "(a) killed again: healed and written back ($WAITED_MS ms)"
g_passive() {
	[ "$(icinga_field "$CD" h1 "$G" last_check_result.check_source)" = "$NODE" ] &&
		c_output "$G" | grep -q "restarted by relance, node $NODE"
}
wait_for 60 g_passive
ok $? "(a) the service object of $G holds the passive result (check_source $NODE)"
diag "$G: $(c_output "$G")"
set_attrs "$G" '{"check_interval": 1, "retry_interval": 0.5}'
api_post /v1/actions/reschedule-check "$(svc_filter "$G" | jq -c '. + {force: true}')" > /dev/null
rewind "(a)"

# --- (b) an acknowledgement set through the API --------------------------------
R=$APP/reports
set_attrs "$R" '{"retry_interval": 3}'
n_r=$(app_starts reports)
t_kill=$(now_ms)
app_kill reports
wait_for 120 c_soft "$R"
ok $? "(b) reports killed: CRITICAL SOFT ($WAITED_MS ms)"
api_post /v1/actions/acknowledge-problem "$(svc_filter "$R" |
	jq -c '. + {author: "tester", comment: "e2e: looking at it", notify: false}')" > "$E2E_ROOT/ack.json"
like "$(jq -r '.results[0].status' "$E2E_ROOT/ack.json")" "acknowledged" \
	"(b) acknowledged with /v1/actions/acknowledge-problem"
SD=".event == \"decision\" and .component == \"$R\" and .result == \"stand-down\" and .ts >= $t_kill"
wait_for 120 jhas "$SD"
ok $? "(b) on the HARD CRITICAL the handler stands down ($WAITED_MS ms)"
like "$(jrn "$SD" | head -1 | jq -r .reason)" '^acknowledged in the core' \
	"(b) the journal says why: $(jrn "$SD" | head -1 | jq -r .reason)"
wait_for 120 eval 'c_comments "$R" | grep -q "relance: not restarting $R: acknowledged"'
ok $? "(b) the stand-down is said in a comment, through the API"
is "$(app_pid reports) $(app_starts reports)" "none $n_r" "(b) reports not restarted"
# run without the macros: the acknowledgement is read through the API
t_h=$(now_ms)
out=$("$hc" --config "$CFG" -C "$R" --state CRITICAL --state-type HARD --attempt 1 2>&1)
is "$?" 0 "(b) the handler run by hand, without --ack: exit 0"
like "$out" "stand-down: acknowledged in the core \\(Icinga 2 API\\)" \
	"(b) it read the acknowledgement through the API"
jhas ".event == \"decision\" and .result == \"stand-down\" and .reason == \"acknowledged in the core (Icinga 2 API)\" and .ts >= $t_h"
ok $? "(b) and journaled it"
api_post /v1/actions/remove-acknowledgement "$(svc_filter "$R")" > /dev/null
set_attrs "$R" '{"retry_interval": 0.5}'
rewind "(b)"

# --- (c) a downtime scheduled through the API -------------------------------------
now=$(date +%s)
api_post /v1/actions/schedule-downtime "$(svc_filter "$R" | jq -c --argjson t "$now" \
	'. + {author: "tester", comment: "e2e maintenance", start_time: $t, end_time: ($t + 3600), fixed: true}')" \
	> "$E2E_ROOT/dt.json"
like "$(jq -r '.results[0].status' "$E2E_ROOT/dt.json")" "Successfully scheduled downtime" \
	"(c) a downtime scheduled with /v1/actions/schedule-downtime"
wait_for 60 eval '[ "$(icinga_field "$CD" h1 "$R" downtime_depth | cut -d. -f1)" -ge 1 ]'
ok $? "(c) the service is in downtime"
n_r=$(app_starts reports)
t_kill=$(now_ms)
app_kill reports
SD=".event == \"decision\" and .component == \"$R\" and .result == \"stand-down\" and .ts >= $t_kill"
wait_for 120 jhas "$SD"
ok $? "(c) on the HARD CRITICAL the handler stands down ($WAITED_MS ms)"
like "$(jrn "$SD" | head -1 | jq -r .reason)" '^downtime' \
	"(c) the journal says why: $(jrn "$SD" | head -1 | jq -r .reason)"
is "$(app_pid reports) $(app_starts reports)" "none $n_r" "(c) reports not restarted"
t_h=$(now_ms)
out=$("$hc" --config "$CFG" -C "$R" --state CRITICAL --state-type HARD --attempt 1 2>&1)
is "$?" 0 "(c) the handler run by hand, without --downtime: exit 0"
like "$out" "stand-down: downtime" "(c) it read the downtime through the API"
jhas ".event == \"decision\" and .result == \"stand-down\" and (.reason | startswith(\"downtime\")) and .ts >= $t_h"
ok $? "(c) and journaled it"
api_post /v1/actions/remove-downtime "$(svc_filter "$R")" > /dev/null
rewind "(c)"

# --- (d) what fails, fails on one line, journaled; the restart stands ------------------
# the core's own handler is off for the two services used here: the
# handler runs by hand with the config under test
set_attrs "$R" '{"enable_event_handler": false}'
set_attrs "$G" '{"enable_event_handler": false}'
free_port() { python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
DEAD=$(free_port)

# heal_with NAME CFG COMPONENT [SERVICE]: kills COMPONENT and runs the
# handler by hand in the foreground; $out: its stderr, $rc, $run, $wb (the
# write-back record)
heal_with() {
	_hn=$1 _hc=$2 _hcomp=$3 _hsvc=${4:-$APP/$3}
	app_kill "$_hcomp"
	_ht=$(now_ms)
	out=$("$hc" --config "$_hc" -C "$APP/$_hcomp" --state CRITICAL --state-type HARD \
		--attempt 1 --ack 0 --downtime 0 --service "$_hsvc" --foreground 2>&1 >/dev/null)
	rc=$?
	wb=$(jrn ".event == \"writeback\" and .component == \"$APP/$_hcomp\" and .ts >= $_ht" | tail -1)
	run=$(echo "$wb" | jq -r .run)
	is "$rc" 0 "(d) $_hn: the handler exits 0 (the restart worked)"
	is "$(jrn ".run == \"$run\" and .event == \"plan\" and .phase == \"end\"" | jq -r .result)" ok \
		"(d) $_hn: the restart is journaled as done"
	[ "$(app_pid "$_hcomp")" != none ]
	ok $? "(d) $_hn: $_hcomp runs again"
}
# failed_with NAME PATTERN: the write-back failed, said on one line
failed_with() {
	is "$(echo "$wb" | jq -r .result)" failed "(d) $1: the write-back is journaled as failed"
	like "$(echo "$wb" | jq -r .message)" "$2" "(d) $1: the journal names the endpoint and the failure"
	is "$(printf '%s\n' "$out" | grep -c 'write-back to the core failed')" 1 "(d) $1: one line on stderr"
	like "$out" "write-back to the core failed: ${2#^}" "(d) $1: $(printf '%s\n' "$out" | grep 'write-back' | cut -c1-220)"
}

# wrong password
printf 'not-the-password\n' > "$E2E_ROOT/bad.pw"
chmod 600 "$E2E_ROOT/bad.pw"
mkcfg "$E2E_ROOT/c401.ini" "$URL" "password_file=$E2E_ROOT/bad.pw"
heal_with "wrong password" "$E2E_ROOT/c401.ini" reports
failed_with "wrong password" "^$URL: add-comment on h1!$R: 401 unauthorized: wrong password for ApiUser 'relance'"
# reading the state (no --ack, no --downtime) fails the same way: said,
# journaled, and the decision goes on without it (reports is up: the
# worker finds it so)
t_s=$(now_ms)
out=$("$hc" --config "$E2E_ROOT/c401.ini" -C "$R" --state CRITICAL --state-type HARD \
	--attempt 1 --foreground 2>&1 >/dev/null)
is "$?" 0 "(d) wrong password, state read: the handler exits 0"
like "$out" "$R: $URL: query of h1!$R: 401 unauthorized: wrong password for ApiUser 'relance'.* \\(acknowledgements not read from it\\)" \
	"(d) wrong password, state read: one line naming the endpoint"
jhas ".event == \"status\" and .result == \"failed\" and .component == \"$R\" and .ts >= $t_s and (.message | startswith(\"$URL: query of h1!$R: 401 unauthorized\"))"
ok $? "(d) wrong password, state read: journaled"

# a service the core does not know
heal_with "unknown service" "$CFG" gateway "$APP/no-such"
failed_with "unknown service" "^$URL: add-comment on h1!$APP/no-such: (404 not found|HTTP 500, no result): the core knows no such object"

# a CA that did not sign the API's certificate
mkcfg "$E2E_ROOT/cca.ini" "$URL" "ca_file=$WRONG_PKI/certs/ca.crt"
heal_with "wrong CA" "$E2E_ROOT/cca.ini" reports
failed_with "wrong CA" "^$URL: add-comment on h1!$R: TLS.* localhost:$PORT .*(not trusted|not signed by ca_file)"

# nothing listens
mkcfg "$E2E_ROOT/cdown.ini" "https://localhost:$DEAD"
heal_with "API down" "$E2E_ROOT/cdown.ini" gateway
failed_with "API down" "^https://localhost:$DEAD: add-comment on h1!$G: cannot connect \\(is Icinga 2 running, with the api feature\\?\\)"

# a listener that accepts and never answers (stops by itself after 10 min)
python3 -c 'import os, socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(16); s.settimeout(600)
with open(sys.argv[1] + ".tmp", "w") as f: f.write(str(s.getsockname()[1]))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
held = []
try:
    while True: held.append(s.accept()[0])
except socket.timeout:
    pass' "$E2E_ROOT/silent.port" &
SILENT_PID=$!
silent_stop() { kill "$SILENT_PID" 2>/dev/null; }
E2E_CLEANUP_HOOKS="silent_stop $E2E_CLEANUP_HOOKS"
wait_for 60 test -s "$E2E_ROOT/silent.port"
ok $? "a silent listener is up"
SILENT=$(cat "$E2E_ROOT/silent.port")
mkcfg "$E2E_ROOT/cslow.ini" "https://localhost:$SILENT" "timeout=2s"
heal_with "timeout" "$E2E_ROOT/cslow.ini" reports
failed_with "timeout" "^https://localhost:$SILENT: add-comment on h1!$R: no answer within 2.0s"

# an HA zone: the first endpoint is down, the second answers
mkcfg "$E2E_ROOT/cha.ini" "https://localhost:$DEAD $URL"
n_c=$(c_comments "$G" | grep -c "relance: relance: restarted $G on h1")
heal_with "HA zone" "$E2E_ROOT/cha.ini" gateway
is "$(echo "$wb" | jq -r .result)" ok "(d) HA zone: the second endpoint took the write-back"
wait_for 60 eval '[ "$(c_comments "$G" | grep -c "relance: relance: restarted $G on h1")" -gt "$n_c" ]'
ok $? "(d) HA zone: the comment is in the core"

# the Icinga 2 API module cannot be loaded (lib/icinga_api_load.c): said
# and journaled as any failure of the API, naming the module
saved_mod=$RELANCE_API_MODULE
RELANCE_API_MODULE=$E2E_ROOT/none/icinga_api.so
export RELANCE_API_MODULE
heal_with "module missing" "$CFG" reports
failed_with "module missing" "^Icinga 2 API unavailable: cannot load '$E2E_ROOT/none/icinga_api.so': cannot open shared object file"
RELANCE_API_MODULE=$saved_mod

set_attrs "$R" '{"enable_event_handler": true}'
set_attrs "$G" '{"enable_event_handler": true}'

# --- (e) a password file that others may read ----------------------------------------
cp "$PW" "$E2E_ROOT/open.pw"
chmod 644 "$E2E_ROOT/open.pw"
mkcfg "$E2E_ROOT/copen.ini" "$URL" "password_file=$E2E_ROOT/open.pw"
line=$(grep -n '^password_file' "$E2E_ROOT/copen.ini" | cut -d: -f1)
out=$("$hc" --config "$E2E_ROOT/copen.ini" -C "$R" --state CRITICAL --state-type HARD --attempt 1 2>&1)
is "$?" 2 "(e) a password file with mode 0644: the handler refuses its config (exit 2)"
like "$out" "$E2E_ROOT/copen.ini:$line: section 'icinga_api': key 'password_file': $E2E_ROOT/open.pw: refused: readable by group or others \\(mode 0644\\); chmod 600" \
	"(e) naming the file, line and key"
out=$("$ctl" --config "$E2E_ROOT/copen.ini" status 2>&1)
is "$?" 2 "(e) relancectl refuses it too"
is "$(printf '%s\n' "$out" | wc -l)" 1 "(e) on one line"

e2e_sanitizer_ok
done_testing
