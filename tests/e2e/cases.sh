# tests/e2e/cases.sh - issue 5's cases (a) to (e) against one real core,
# sourced by test_heal_nagios.sh and test_heal_icinga.sh with CORE set to
# nagios or icinga. One core instance runs every case, one after another,
# on the application $APP (tests/e2e/app.sh) over a loopback sshd:
#   checks  the core runs check_component; a killed component goes
#           CRITICAL HARD; a passive result written to the pipe shows up
#   (a)     kill the pricer: the pricer and the gateway (which requires it)
#           are restarted, nothing else; OK in the core, a comment, every
#           step in the journal; timings printed
#   (b)     acknowledged before HARD: no restart, the journal says why
#   (d)     a start that fails: a passive CRITICAL names who is down now
#   (e)     the journal unwritable: nothing done, a comment and stderr
#   (c)     a component that dies after each start: relance gives up after
#           its restart_limit and says so in a comment
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/sshd.sh"
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/core.sh"
. "$top_srcdir/tests/e2e/app.sh"

ctl=$top_builddir/handlers/relancectl
hc=$top_builddir/handlers/handle_component
gen=$top_builddir/tests/e2e/gen_driver
[ -x "$ctl" ] && [ -x "$gen" ] && [ -x "$top_builddir/plugins/check_component" ] ||
	skip_all "relancectl, gen_driver or check_component not built"
if [ "$CORE" = nagios ]; then have_nagios || skip_all "nagios4 not installed"
else have_icinga || skip_all "icinga2 not installed"; fi
command -v jq >/dev/null || skip_all "jq needed"
command -v curl >/dev/null || skip_all "curl needed"
command -v setsid >/dev/null || skip_all "setsid needed"
unset RELANCE_CONFIG NO_COLOR

sshd_setup
sshd_start h1
e2e_setup
E2E_CLEANUP_HOOKS=sshd_cleanup
app_setup
have_handler=yes
[ -x "$hc" ] || have_handler=

# --- the core and its abstraction ---------------------------------------------
CD=$E2E_ROOT/$CORE
NODE=mon-$CORE
STATE=$E2E_ROOT/state
J=$STATE/journal.jsonl
CFG=$E2E_ROOT/relance.ini
mkdir -p "$CD/objs" "$STATE"
if [ "$CORE" = nagios ]; then
	CMDFILE=$CD/var/nagios.cmd
	CORELOG=$CD/var/nagios.log
	c_state() { nagios_state "$CD" h1 "$1"; }
	c_output() { nagios_field "$CD" h1 "$1" plugin_output; }
	c_comments() { nagios_comments "$CD" h1 "$1"; }
	c_cmd() { nagios_cmd "$CD" "$1"; }
	# a sticky acknowledgement with notify = 1 (the core then calls the
	# acknowledgement notification command)
	c_ack() { c_cmd "ACKNOWLEDGE_SVC_PROBLEM;h1;$1;2;1;1;$2;$3"; }
	c_retry() { c_cmd "CHANGE_RETRY_SVC_CHECK_INTERVAL;h1;$1;$2"; }
	c_passive_logged() { # SVC TEXT: the core logged a passive result with TEXT
		grep -F "PASSIVE SERVICE CHECK: h1;$1;" "$CORELOG" | grep -qF "$2"; }
else
	CMDFILE=$CD/run/cmd/icinga2.cmd
	CORELOG=$CD/log/icinga2.log
	c_state() { icinga_state "$CD" h1 "$1"; }
	c_output() { icinga_field "$CD" h1 "$1" last_check_result.output; }
	c_comments() { icinga_comments "$CD" h1 "$1"; }
	c_cmd() { icinga_cmd "$CD" "$1"; }
	_c_filter() { jq -cn --arg s "$1" '{type: "Service",
		filter: "host.name == \"h1\" && service.name == s", filter_vars: {s: $s}}'; }
	# a sticky acknowledgement through the REST API
	c_ack() {
		icinga_api "$CD" POST /v1/actions/acknowledge-problem "$(_c_filter "$1" |
			jq -c --arg a "$2" --arg c "$3" '. + {author: $a, comment: $c, sticky: true, notify: true}')"
	}
	c_retry() {
		icinga_api "$CD" POST /v1/objects/services "$(_c_filter "$1" |
			jq -c --argjson r "$2" 'del(.type) + {attrs: {retry_interval: $r}}')"
	}
	c_passive_logged() {
		grep -F "PROCESS_SERVICE_CHECK_RESULT;h1;$1;" "$CORELOG" | grep -qF "$2"; }
fi
c_up() { # SVC: OK HARD after a real check (not the state before the first)
	[ "$(c_state "$1")" = "OK HARD" ] && case $(c_output "$1") in
	"COMPONENT OK"* | relance:*) return 0 ;; *) return 1 ;; esac
}
c_hard() { [ "$(c_state "$1")" = "CRITICAL HARD" ]; }
c_soft() { [ "$(c_state "$1")" = "CRITICAL SOFT" ]; }
all_up() { for n in $APP_NAMES; do c_up "$APP/$n" || return 1; done; }

# journal records (one JSON object a line) matching a jq condition
jrn() { jq -c "select($1)" "$J" 2>/dev/null; }
jcount() { jrn "$1" | wc -l; }
jhas() { [ "$(jcount "$1")" -gt 0 ]; }

app_config "$CFG" "$NODE" "$STATE" "command_file=$CMDFILE"
cp "$CFG" "$CFG.good"

# the application runs before the core starts; brief lives long for now
echo 3600 > "$APP_DIR/run/brief.life"
"$ctl" -c "$CFG" start "$APP" > "$E2E_ROOT/start.out" 2>&1
ok $? "relancectl starts $APP over ssh"
"$ctl" -c "$CFG" start "${APP}b" >> "$E2E_ROOT/start.out" 2>&1
ok $? "relancectl starts ${APP}b/brief over ssh"

"$gen" --define-hosts --plugin-dir "$top_builddir/plugins" --handler "$hc" \
	-o "$CD/objs" "$([ "$CORE" = nagios ] && echo nagios || echo icinga2)" "$CFG"
ok $? "generate the $CORE objects, handler $hc"
if [ "$CORE" = nagios ]; then
	# the generated template already checks every 1 (s) with 3 attempts
	OBJS=$CD/objs/relance.cfg
	t0=$(now_ms); nagios_start "$CD" "$OBJS"
else
	# the generated template checks every minute: 1 s and 0.5 s here
	OBJS=$CD/objs/relance.conf
	sed -i -e 's/^\tcheck_interval = 1m$/\tcheck_interval = 1s/' \
		-e 's/^\tretry_interval = 15s$/\tretry_interval = 500ms/' "$OBJS"
	t0=$(now_ms); icinga_start "$CD" "$OBJS"
fi
st=$?
ok $st "$CORE starts in $E2E_ROOT ($(( $(now_ms) - t0 )) ms)"
[ $st = 0 ] || { done_testing; exit 1; }

# --- checks only ----------------------------------------------------------------
wait_for 20 all_up
ok $? "$CORE: the five components are OK HARD after a real check ($WAITED_MS ms)"
wait_for 10 c_up "${APP}b/brief"
ok $? "$CORE: ${APP}b/brief OK too"
like "$(c_output "$APP/pricer")" "^COMPONENT OK - $APP/pricer on h1 is up" \
	"$CORE: the output is check_component's"

# a passive result through the pipe, on the application's service whose
# active checks are switched off first (else the next check replaces it)
c_cmd "DISABLE_SVC_CHECK;h1;$APP"
c_cmd "PROCESS_SERVICE_CHECK_RESULT;h1;$APP;1;e2e passive warning"
wait_for 5 eval 'c_state "$APP" | grep -q "^WARNING " && [ "$(c_output "$APP")" = "e2e passive warning" ]'
ok $? "$CORE: a passive result written to the pipe shows up ($WAITED_MS ms)"
c_cmd "ENABLE_SVC_CHECK;h1;$APP"
c_cmd "SCHEDULE_FORCED_SVC_CHECK;h1;$APP;$(date +%s)"

if [ -z "$have_handler" ]; then
	# without the handler: a killed component goes CRITICAL HARD and stays
	p=$(app_pid reports)
	kill -KILL "$p"
	t0=$(now_ms)
	wait_for 15 c_hard "$APP/reports"
	ok $? "$CORE: reports killed -> CRITICAL HARD in $(( $(now_ms) - t0 )) ms"
	like "$(c_output "$APP/reports")" "COMPONENT CRITICAL - $APP/reports on h1 is down" \
		"$CORE: check_component says it is down"
	diag "no $hc yet: the healing cases are not run"
	done_testing
	exit
fi
