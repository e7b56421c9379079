#!/bin/sh
# Issue 5 end to end, the cases run once (tests/e2e/app.sh over a loopback
# sshd):
#   (f) ten handle_component invocations for one component at the same
#       moment, without a core: exactly one restart
#   (g) a Nagios 4 and an Icinga 2, each with its own relance config, node,
#       journal and lock_dir, watching the same component: one restart
#   (h) macros carrying shell metacharacters change nothing and run
#       nothing: the handler run by hand, and an Icinga 2 acknowledgement
#       whose author and comment carry them
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/sshd.sh"
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/core.sh"
. "$top_srcdir/tests/e2e/app.sh"

e2e_require relancectl handle_component jq curl
unset RELANCE_CONFIG NO_COLOR
e2e_app_start
echo 3600 > "$APP_DIR/run/brief.life"

# jrn FILE COND: the records of journal FILE matching a jq condition
jrn() { jq -c "select($2)" "$1" 2>/dev/null; }
jcount() { jrn "$@" | wc -l; }
jhas() { [ "$(jcount "$@")" -gt 0 ]; }
# jshow COND JOURNAL...: those records of each journal, one diagnostic line each
jshow() {
	_c=$1; shift
	for _j in "$@"; do
		jrn "$_j" "$_c" | jq -r '"#   \(.ts) \(.node) \(.event) \(.phase // "") \(.result // ""): \(.reason // .message // "")"'
	done
}
pids_but() {
	for n in $APP_NAMES; do
		case " $* " in *" $n "*) continue ;; esac
		printf '%s=%s ' "$n" "$(app_pid "$n")"
	done
}

# --- (f) ten handlers at once ------------------------------------------------------
F=$E2E_ROOT/f
mkdir -p "$F"
app_config "$F/relance.ini" mon-f "$F"
JF=$F/journal.jsonl
"$ctl" -c "$F/relance.ini" start "$APP" > "$F/start.out" 2>&1
ok $? "(f) the application runs"
P=$APP/pricer G=$APP/gateway R=$APP/reports
old_p=$(app_pid pricer) old_g=$(app_pid gateway) others=$(pids_but pricer gateway)
n_p=$(app_starts pricer) n_g=$(app_starts gateway)
kill -KILL "$old_p"
# wait until the pricer is seen down (and the gateway gone with it)
wait_for 120 eval '[ "$(app_pid pricer)" = none ] && [ "$(app_pid gateway)" = none ]'
t0=$(now_ms)
for i in 1 2 3 4 5 6 7 8 9 10; do
	(
		: >"$F/ready$i"
		while [ ! -e "$F/go" ]; do sleep 0.001; done
		a=$(now_ms)
		"$hc" -c "$F/relance.ini" -C "$P" --state CRITICAL --state-type HARD \
			--attempt 3 --max-attempts 3 > "$F/hc$i.out" 2>&1
		echo "$? $(( $(now_ms) - a ))" > "$F/hc$i.rc"
	) &
done
wait_for 120 eval '[ "$(ls "$F"/ready* | wc -l)" -eq 10 ]'
touch "$F/go"
wait
rcs=$(cat "$F"/hc*.rc | cut -d' ' -f1 | sort | uniq -c | tr -s ' ' | tr '\n' ',')
is "$rcs" " 10 0," "(f) the ten handlers exit 0"
ms=$(cat "$F"/hc*.rc | cut -d' ' -f2 | sort -n | tr '\n' ' ')
diag "(f) the ten handlers returned in (ms): $ms"
wait_for 120 jhas "$JF" ".event == \"plan\" and .phase == \"end\" and (.message // \"\" | test(\"steps\")) and .ts >= $t0 and .component == \"$P\""
ok $? "(f) a restart ran to its end"
# late comers may still be deciding: wait until the ten have decided
wait_for 120 eval '[ "$(jcount "$JF" ".event == \"decision\" and .component == \"$P\" and .ts >= $t0")" -ge 10 ]'
ok $? "(f) ten decisions journaled"
is "$(jcount "$JF" ".event == \"plan\" and .phase == \"begin\" and .component == \"$P\" and .ts >= $t0")" 1 \
	"(f) exactly one restart plan"
is "$(( $(app_starts pricer) - n_p )) $(( $(app_starts gateway) - n_g ))" "1 1" \
	"(f) the pricer and the gateway each started once"
new_p=$(app_pid pricer)
[ "$new_p" != none ] && [ "$new_p" != "$old_p" ]
ok $? "(f) the pricer runs again"
is "$(pids_but pricer gateway)" "$others" "(f) the others untouched"
jrn "$JF" ".event == \"decision\" and .component == \"$P\" and .ts >= $t0" |
	jq -r '"\(.result): \(.reason | sub(" [(]pid.*"; "") | sub(": .*"; ""))"' | sort | uniq -c |
	sed 's/^/#   /'

# --- (g) two cores, one component -------------------------------------------------------
have_nagios && have_icinga || { diag "(g), (h) need nagios4 and icinga2"; done_testing; exit; }
N=$E2E_ROOT/nagios I=$E2E_ROOT/icinga
mkdir -p "$N/objs" "$I/objs" "$E2E_ROOT/gn" "$E2E_ROOT/gi"
app_config "$E2E_ROOT/gn/relance.ini" mon-n "$E2E_ROOT/gn" "command_file=$N/var/nagios.cmd"
app_config "$E2E_ROOT/gi/relance.ini" mon-i "$E2E_ROOT/gi" "command_file=$I/run/cmd/icinga2.cmd"
JN=$E2E_ROOT/gn/journal.jsonl JI=$E2E_ROOT/gi/journal.jsonl
"$ctl" -c "$E2E_ROOT/gn/relance.ini" generate nagios --define-hosts --with-commands \
	--plugin-dir "$top_builddir/plugins" --handler "$hc" > "$N/objs/relance.cfg" &&
"$ctl" -c "$E2E_ROOT/gi/relance.ini" generate icinga2 --define-hosts --with-commands \
	--plugin-dir "$top_builddir/plugins" --handler "$hc" > "$I/objs/relance.conf"
ok $? "(g) generate for both cores, each from its own config"
sed -i -e 's/^\tcheck_interval = 1m$/\tcheck_interval = 1s/' \
	-e 's/^\tretry_interval = 15s$/\tretry_interval = 500ms/' "$I/objs/relance.conf"
"$ctl" -c "$E2E_ROOT/gn/relance.ini" start "$APP" > /dev/null 2>&1 &&
"$ctl" -c "$E2E_ROOT/gn/relance.ini" start "${APP}b" > /dev/null 2>&1
ok $? "(g) $APP and ${APP}b run before the cores start"
nagios_start "$N" "$N/objs/relance.cfg" && icinga_start "$I" "$I/objs/relance.conf"
ok $? "(g) a Nagios and an Icinga 2 running"
both_ok() { # SVC
	[ "$(nagios_state "$N" h1 "$1")" = "OK HARD" ] &&
		nagios_field "$N" h1 "$1" plugin_output | grep -q '^COMPONENT OK' &&
		[ "$(icinga_state "$I" h1 "$1")" = "OK HARD" ] &&
		icinga_field "$I" h1 "$1" last_check_result.output | grep -q '^COMPONENT OK'
}
# the component on which the two meet: brief (see brief.sh), whose start
# waits at a gate the test opens once both cores have called their
# handler on HARD: whichever core is first, its restart is still running
# when the other one acts (a fixed slow start was not enough: under ASan
# and load, Nagios's checks came 4-5 s apart and it saw brief up again
# before its third attempt)
B=${APP}b/brief
wait_for 120 both_ok "$B"
ok $? "(g) both see $B OK ($WAITED_MS ms)"
n_b=$(app_starts brief) others=$(app_pids)
touch "$APP_DIR/run/brief.gate"
t0=$(now_ms)
app_kill brief
wait_for 120 eval 'jhas "$JN" ".event == \"decision\" and .component == \"$B\" and .result != \"ignore\" and .ts >= $t0" &&
	jhas "$JI" ".event == \"decision\" and .component == \"$B\" and .result != \"ignore\" and .ts >= $t0"'
ok $? "(g) both cores called their handler on HARD ($WAITED_MS ms)" || {
	diag "(g) kill at $t0; every record of $B in both journals:"
	jshow ".component == \"$B\"" "$JN" "$JI"
	diag "(g) nagios log and status of $B:"
	grep -F "$B" "$N/var/nagios.log" | tail -20 | sed 's/^/#   /'
	_nagios_block "$N" servicestatus h1 "$B" |
		grep -E 'state|attempt|next_check|last_check|should_be|is_being|plugin_output' | sed 's/^/#   /'
}
rm -f "$APP_DIR/run/brief.gate"
wait_for 120 both_ok "$B"
ok $? "(g) both cores see $B OK again ($WAITED_MS ms)"
plans=$(( $(jcount "$JN" ".event == \"plan\" and .phase == \"begin\" and .component == \"$B\" and .ts >= $t0") +
	$(jcount "$JI" ".event == \"plan\" and .phase == \"begin\" and .component == \"$B\" and .ts >= $t0") ))
is "$plans" 1 "(g) one restart plan over the two nodes"
is "$(( $(app_starts brief) - n_b ))" 1 "(g) brief started once"
is "$(app_pids)" "$others" "(g) the application untouched"
jshow ".component == \"$B\" and .ts >= $t0 and (.event == \"decision\" and .result != \"ignore\" or .event == \"plan\" or .event == \"writeback\")" \
	"$JN" "$JI"

# --- (h) shell metacharacters in the macros -----------------------------------------------
H=$E2E_ROOT/h
mkdir -p "$H/victim"
touch "$H/victim/keep"
CAN=$H/canary
nl='
'
bad_values="h1; touch $CAN.1
\$(touch $CAN.2)
\`touch $CAN.3\`
x' ; rm -rf $H/victim ; echo '
x\" ; rm -rf $H/victim ; echo \"
line one${nl}PROCESS_SERVICE_CHECK_RESULT;h1;$R;0;forged
a|touch $CAN.4 && touch $CAN.5 > $CAN.6"
before=$(app_pids)
nb=$(jcount "$JI" "true")
# each bad value in each free-text or name option (relance config of the
# Icinga node: its pipe is read, so a written command would show up)
CI=$E2E_ROOT/gi/relance.ini
i=0
printf '%s\n' "$bad_values" | while IFS= read -r v; do
	for opt in --host --service; do
		"$hc" -c "$CI" -C "$R" --state OK --state-type HARD --attempt 1 "$opt" "$v" \
			> /dev/null 2>> "$H/err"
		echo "$opt $?" >> "$H/rcs"
	done
	for opt in --state --state-type --attempt --ack --downtime; do
		"$hc" -c "$CI" -C "$R" --state CRITICAL --state-type HARD --attempt 3 "$opt" "$v" \
			> /dev/null 2>> "$H/err"
		echo "$opt $?" >> "$H/rcs"
	done
	"$hc" -c "$CI" -C "$v" --state CRITICAL --state-type HARD --attempt 3 > /dev/null 2>> "$H/err"
	echo "-C $?" >> "$H/rcs"
	"$hc" -c "$CI" -C "$R" --ack-notification --type ACKNOWLEDGEMENT \
		--author "$v" --comment "$v" > /dev/null 2>> "$H/err"
	echo "ack $?" >> "$H/rcs"
	"$ctl" -c "$CI" release "$R" > /dev/null 2>&1
done
# the multi-line value, whole, as one argument
"$hc" -c "$CI" -C "$R" --ack-notification --type ACKNOWLEDGEMENT \
	--author "eve${nl}PROCESS_SERVICE_CHECK_RESULT;h1;$R;2;forged" \
	--comment "one${nl}[0] PROCESS_SERVICE_CHECK_RESULT;h1;$R;2;forged" > /dev/null 2>> "$H/err"
echo "ack-nl $?" >> "$H/rcs"
"$ctl" -c "$CI" release "$R" > /dev/null 2>&1
is "$(find "$H" -name 'canary*' | wc -l)" 0 "(h) by hand: no canary file was created"
[ -f "$H/victim/keep" ]; ok $? "(h) by hand: nothing was removed"
is "$(app_pids)" "$before" "(h) by hand: no component touched"
bad=$(sort "$H/rcs" | uniq -c | awk '$3 != 0 && $3 != 3 { print }')
is "$bad" "" "(h) by hand: each call exits 0 (decided, or refused the value) or 3 (bad macro)"
sort "$H/rcs" | uniq -c | tr -s ' ' | tr '\n' ',' | sed 's/^/#   exits: /'; echo
sed 's/^/#   /' "$H/err" | sort -u | head -8
unlike "$(grep -F forged "$I/log/icinga2.log")" "PROCESS_SERVICE_CHECK_RESULT;h1;$R;[02];forged" \
	"(h) by hand: no forged command reached the core"
hs=$(jrn "$JI" ".event == \"hold\" and .result == \"set\"" | tail -1 | jq -r .reason)
is "$hs" "one${nl}[0] PROCESS_SERVICE_CHECK_RESULT;h1;$R;2;forged" \
	"(h) by hand: the comment is journaled verbatim, as one JSON string"

# through the core: an Icinga 2 acknowledgement whose author and comment
# carry them (the notification command passes them as arguments)
nagios_stop "$N"   # the other node would heal what Icinga's holds back
"$ctl" -c "$CI" hold "$R" --reason "e2e (h)" > /dev/null
t0=$(now_ms)
app_kill reports
wait_for 120 eval '[ "$(icinga_state "$I" h1 "$R")" = "CRITICAL HARD" ]'
ok $? "(h) icinga: reports held and CRITICAL HARD"
evil_a="\$(touch $CAN.a)\`touch $CAN.b\`"
evil_c="x'; rm -rf $H/victim; touch $CAN.c; echo \"\$(touch $CAN.d)\" | sh"
"$ctl" -c "$CI" release "$R" > /dev/null
icinga_api "$I" POST /v1/actions/acknowledge-problem "$(jq -cn --arg s "$R" --arg a "$evil_a" --arg c "$evil_c" \
	'{type: "Service", filter: "host.name == \"h1\" && service.name == s", filter_vars: {s: $s},
	  author: $a, comment: $c, notify: true, sticky: true}')" > /dev/null
wait_for 120 jhas "$JI" ".event == \"hold\" and .result == \"set\" and .ts >= $t0"
ok $? "(h) icinga: the acknowledgement notification reached the handler"
h=$(jrn "$JI" ".event == \"hold\" and .result == \"set\" and .ts >= $t0" | tail -1)
is "$(echo "$h" | jq -r .author)" "$evil_a" "(h) icinga: the author journaled verbatim"
is "$(echo "$h" | jq -r .reason)" "$evil_c" "(h) icinga: the comment journaled verbatim"
is "$(find "$H" -name 'canary*' | wc -l)" 0 "(h) icinga: no canary file was created"
[ -f "$H/victim/keep" ]; ok $? "(h) icinga: nothing was removed"

e2e_sanitizer_ok
done_testing
