#!/bin/sh
# Issue 13 part 2: relance's .deb installed as an admin installs it, under
# Debian's own nagios4 (its /etc/nagios4, user nagios) and its web UI
# (nagios4-cgi on apache2, a digest login), driven as a browser drives it.
# The application is the demo's (conf/demo: five local processes, run by
# user nagios) plus one component on a loopback sshd host (h1):
#   heal    kill the pricer: the core calls the handler, relance restarts
#           the pricer and what requires it (the gateway, and the archive
#           over ssh), nothing else; the comment shows in the service's
#           page (extinfo.cgi), the state is OK again in status.cgi; kill
#           -> OK seen in the UI is printed; a Chromium screenshot of the
#           page is saved in tests/e2e/artifacts/webui-service.png
#   ack     reports dies, an engineer acknowledges it through cmd.cgi's
#           form (CSRF cookie and nagFormId, as a browser): on HARD relance
#           stands down and says so in a comment; nothing is restarted
#   ctl     relancectl history, status and plan as root and as nagios
# Everything changed on the machine is put back at the end (tools/webui.sh).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/sshd.sh"
. "$top_srcdir/tools/webui.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root (dpkg -i relance, runs Debian's nagios4 and apache2)"
# one web UI run at a time on this machine; then what it needs
webui_lock || skip_all "$WEBUI_WHY"
webui_usable || skip_all "$WEBUI_WHY"
webui_no_relance || skip_all "$WEBUI_WHY"
command -v jq >/dev/null || skip_all "jq needed"
# the installed programs, with the package's modules (XML, Icinga 2 API), not the build's
unset RELANCE_CONFIG RELANCE_XPATH_MODULE RELANCE_API_MODULE NO_COLOR
t_begin=$(now_ms)

sshd_setup
sshd_start h1 8>&-
WEBUI_DIR=$(mktemp -d /tmp/rl-webui-XXXXXX) || exit 1
chmod 755 "$WEBUI_DIR"
ART=$top_builddir/tests/e2e/artifacts
mkdir -p "$ART"

cleanup() {
	trap - EXIT
	webui_down
	sshd_cleanup
	if [ -n "${E2E_KEEP:-}" ]; then echo "# kept $WEBUI_DIR"; else rm -rf "$WEBUI_DIR"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP PIPE

bail() {
	echo "Bail out! $*"
	exit 1
}

webui_save || bail "$WEBUI_WHY"

# --- relance installed, the config, the application ------------------------------
# the Debian package (tools/deb, kept in the build tree with
# tests/integration/test_package.sh's: built once for both), dpkg -i; in
# the ASan build of the suite too (tools/webui.sh, install_relance)
t0=$(now_ms)
install_relance "$top_srcdir" "$top_builddir/deb"
ok $? "the .deb built and installed: dpkg -i ${WEBUI_INSTALLED##*/} ($(($(now_ms) - t0)) ms)" || bail "$WEBUI_WHY"
is "$(dpkg-query -W -f='${db:Status-Status}' relance)" installed "dpkg: relance installed"
is "$(command -v relancectl) $(ls /usr/lib/nagios/plugins/check_component /usr/lib/nagios/plugins/handle_component 2>&1 | tr '\n' ' ')" \
	"/usr/bin/relancectl /usr/lib/nagios/plugins/check_component /usr/lib/nagios/plugins/handle_component " \
	"relancectl in /usr/bin, the plugins and the handler in /usr/lib/nagios/plugins"
id -nG nagios | tr ' ' '\n' | grep -qx relance
ok $? "the postinst put nagios in group relance"
is "$(stat -c '%a %U:%G' /var/lib/relance /run/relance 2>&1 | tr '\n' ' ')" \
	"750 nagios:relance 755 nagios:nagios " \
	"the package made /var/lib/relance (nagios:relance 0750) and /run/relance (tmpfiles.d)"
grep -q '^cfg_dir=/etc/nagios-plugins/config$' "$WEBUI_CFG"
ok $? "Debian's nagios.cfg reads /etc/nagios-plugins/config (cfg_dir), where the package's relance.cfg is"

webui_configure
ok $? "Debian's nagios4 and nagios4-cgi configured (login $WEBUI_USER)" || bail "$WEBUI_WHY"

webui_app "$top_srcdir" || bail "cannot write the config"
is "$(stat -c '%a %U:%G' "$WEBUI_CONF")" "640 root:relance" \
	"$WEBUI_CONF written over: the package's mode and group kept (root:relance 0640)"
# the ssh host: the key and known_hosts readable by nagios (the handler)
install -d -o nagios -g nagios -m 700 "$WEBUI_DIR/ssh"
install -o nagios -g nagios -m 600 "$SSHD_DIR/id_ed25519" "$WEBUI_DIR/ssh/id_ed25519"
install -o nagios -g nagios -m 644 "$SSHD_DIR/known_hosts" "$WEBUI_DIR/ssh/known_hosts"
install -d -o "$SSHD_USER" -m 755 "$WEBUI_DIR/run-h1"
D=$WEBUI_DIR/bin/daemon R1=$WEBUI_DIR/run-h1
cat >>"$WEBUI_CONF" <<EOF

[ssh]
user = $SSHD_USER
identity = $WEBUI_DIR/ssh/id_ed25519
known_hosts = $WEBUI_DIR/ssh/known_hosts
timeout = 20s

[host "h1"]
address = 127.0.0.1
port = $SSHD_PORT_h1

[component "demo/archive"]
description = price archive on h1, fed by the pricer
host = h1
requires = pricer
check = $D status archive $R1
start = $D start archive $R1
stop = $D stop archive $R1
start_timeout = 10s
stop_timeout = 10s
heal = hard
restart_limit = 3/1h
EOF
relancectl config check >"$WEBUI_DIR/check.out" 2>&1
ok $? "relancectl config check (as root, the installed default config)" ||
	sed 's/^/#   /' "$WEBUI_DIR/check.out"

APP_NAMES="marketdata cache pricer gateway reports archive"
pid_of() { # NAME: its pid, if its process runs
	case $1 in archive) _f=$R1/$1.pid ;; *) _f=$WEBUI_RUN/$1.pid ;; esac
	_p=$(cat "$_f" 2>/dev/null) && [ -d "/proc/$_p" ] &&
		{ tr '\0' ' ' <"/proc/$_p/cmdline"; } 2>/dev/null | grep -q "daemon run $1 " && echo "$_p" && return
	echo none
}
starts() { # NAME: how many times it was started
	case $1 in archive) _f=$R1/$1.log ;; *) _f=$WEBUI_RUN/$1.log ;; esac
	grep -c ": started, pid" "$_f" 2>/dev/null || echo 0
}
pids() { for n in "$@"; do printf '%s=%s ' "$n" "$(pid_of "$n")"; done; }

webui_as_nagios relancectl start demo >"$WEBUI_DIR/start.out" 2>&1
ok $? "relancectl start demo, as nagios" || sed 's/^/#   /' "$WEBUI_DIR/start.out"

webui_objects --define-hosts
ok $? "relancectl generate nagios -o /etc/nagios4/conf.d/relance" ||
	diag "$WEBUI_WHY"
ls /etc/nagios4/conf.d/relance | sed 's/^/#   generated: /'
# relance's commands are the package's (/etc/nagios-plugins/config/relance.cfg,
# on /etc/relance/relance.ini), not generated (only --define-hosts' host checks)
! grep -rEqs 'command_name +relance-(component|application|handle-component|ack-notification) *$' \
	/etc/nagios4/conf.d/relance
ok $? "generate wrote none of relance's command objects"
grep -Eq 'command_name +relance-handle-component *$' /etc/nagios-plugins/config/relance.cfg
ok $? "the package's relance.cfg defines them"
grep -q 'command_line.*/usr/lib/nagios/plugins/handle_component -f /etc/relance/relance.ini ' \
	/etc/nagios-plugins/config/relance.cfg
ok $? "the installed relance-handle-component runs the handler on $WEBUI_CONF"

t0=$(now_ms)
webui_nagios_start
ok $? "nagios4 -v accepts the generated objects with the package's commands; Debian's nagios4 runs, as user nagios ($(($(now_ms) - t0)) ms, pid $WEBUI_NAGIOS_PID)" ||
	bail "$WEBUI_WHY"
is "$(ps -o user= -p "$WEBUI_NAGIOS_PID" | tr -d ' ')" nagios "the core's user is nagios"
t0=$(now_ms)
webui_apache_start
ok $? "apache2 serves the CGIs on 127.0.0.1 behind the login ($(($(now_ms) - t0)) ms)" ||
	bail "$WEBUI_WHY"
is "$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1/cgi-bin/nagios4/status.cgi)" 401 \
	"without the login: 401"

# --- every component OK in the UI ----------------------------------------------
ui_state() { webui_svc_state "$WEBUI_HOST" "demo/$1"; }
[ -n "$(ui_state pricer)" ] || webui_get "/cgi-bin/nagios4/status.cgi?host=$WEBUI_HOST" >"$WEBUI_DIR/status-first.html"
all_ok() {
	for n in $APP_NAMES; do
		h="$WEBUI_HOST"
		[ "$n" = archive ] && h=h1
		[ "$(webui_svc_state "$h" "demo/$n")" = OK ] || return 1
	done
}
wait_for 180 all_ok
ok $? "status.cgi: the six components OK ($WAITED_MS ms)" ||
	for n in $APP_NAMES; do diag "  demo/$n: $(ui_state "$n")"; done

J=/var/lib/relance/journal.jsonl
jrn() { jq -c "select($1)" "$J" 2>/dev/null; }
jcount() { jrn "$1" | wc -l; }
jhas() { [ "$(jcount "$1")" -gt 0 ]; }

# --- heal: the pricer is killed -------------------------------------------------
P=demo/pricer
old=$(pids pricer gateway archive)
others=$(pids marketdata cache reports)
n_p=$(starts pricer)
t_kill=$(now_ms)
kill -KILL "$(pid_of pricer)"
wait_for 180 eval '[ "$(ui_state pricer)" = CRITICAL ]'
ok $? "status.cgi: demo/pricer CRITICAL ($WAITED_MS ms after the kill)"
wait_for 240 eval '[ "$(ui_state pricer)" = OK ] && [ "$(ui_state gateway)" = OK ] &&
	[ "$(webui_svc_state h1 demo/archive)" = OK ] && [ "$(pid_of pricer)" != none ]'
ok $? "status.cgi: demo/pricer, demo/gateway, demo/archive OK again"
t_ok=$(now_ms)
echo "# kill->OK in UI: $(((t_ok - t_kill) / 1000)).$((((t_ok - t_kill) % 1000) / 100)) s"
run=$(jrn ".event == \"step\" and .phase == \"begin\" and .action == \"start\" and .component == \"$P\" and .ts >= $t_kill" | head -1 | jq -r .run)
starts_in_run=$(jrn ".run == \"$run\" and .event == \"step\" and .phase == \"end\" and .action == \"start\"" |
	jq -r '"\(.component) \(.result)"' | sort | tr '\n' ',')
is "$starts_in_run" "demo/archive ok,demo/gateway ok,demo/pricer ok," \
	"the journal: run $run started the pricer, the gateway and the archive (over ssh), nothing else"
is "$(jrn ".run == \"$run\" and .event == \"decision\"" | jq -r .user | head -1)" nagios \
	"the journal: the handler ran as nagios"
new=$(pids pricer gateway archive)
for n in pricer gateway archive; do
	o=$(echo "$old" | tr ' ' '\n' | sed -n "s/^$n=//p")
	w=$(echo "$new" | tr ' ' '\n' | sed -n "s/^$n=//p")
	[ "$w" != none ] && [ "$w" != "$o" ]
	ok $? "demo/$n runs again, new pid ($o -> $w)"
done
is "$(pids marketdata cache reports)" "$others" "marketdata, cache, reports: same pids"
is "$(starts pricer)" $((n_p + 1)) "the pricer was started once"
page=$(webui_svc_path "$WEBUI_HOST" "$P")
wait_for 60 eval 'webui_get "$page" | grep -Eq "relance: restarted [^<]*$P"'
ok $? "extinfo.cgi: the comment shows in the pricer's page" ||
	webui_get "$page" >"$WEBUI_DIR/pricer.html"
webui_get "$page" | grep -o "relance: restarted [^<]*" | head -1 | sed 's/^/#   comment: /'
like "$(webui_get "$page" | tr -d '\n')" "Current Status:</[Tt][Dd]><[Tt][Dd][^>]*><[Dd][Ii][Vv] [Cc][Ll][Aa][Ss][Ss]='serviceOK'>" \
	"extinfo.cgi: the page says OK" || webui_get "$page" | grep -A2 'Current Status' | sed 's/^/#   /'

t0=$(now_ms)
webui_screenshot "$page" "$ART/webui-service.png"
ok $? "Chromium's screenshot of the page: $ART/webui-service.png ($(($(now_ms) - t0)) ms)" ||
	diag "$WEBUI_WHY"

# --- ack: reports dies, the engineer acknowledges it in the UI -----------------
R=demo/reports
# a longer retry interval, so that the SOFT state lasts while the form is
# fetched and sent (3 attempts, 5 s apart)
webui_pipe "CHANGE_RETRY_SVC_CHECK_INTERVAL;$WEBUI_HOST;$R;5"
before_ack=$(pids marketdata cache pricer gateway archive)
n_r=$(starts reports)
t_kill=$(now_ms)
kill -KILL "$(pid_of reports)"
wait_for 120 eval '[ "$(ui_state reports)" = CRITICAL ]'
ok $? "status.cgi: demo/reports CRITICAL ($WAITED_MS ms)"
webui_ack "$WEBUI_HOST" "$R" "webui e2e: looking at the reports" >"$WEBUI_DIR/ack.html"
st=$?
like "$(cat "$WEBUI_DIR/ack.html")" "successfully submitted" \
	"cmd.cgi: the acknowledgement (cmd_typ=34, the form's POST with its nagFormId) was accepted" ||
	sed -n 's/<[^>]*>//g; /[A-Za-z]/p' "$WEBUI_DIR/ack.html" | head -5 | sed 's/^/#   /'
[ $st = 0 ] || diag "$WEBUI_WHY"
page=$(webui_svc_path "$WEBUI_HOST" "$R")
wait_for 120 jhas ".event == \"decision\" and .component == \"$R\" and .result == \"stand-down\" and .ts >= $t_kill"
ok $? "the journal: on HARD the handler stood down ($WAITED_MS ms)"
jrn ".event == \"decision\" and .component == \"$R\" and .ts >= $t_kill" |
	jq -r '"#   decision \(.result): \(.reason) (\(.author // "-"))"'
# the author as cmd.cgi's form gives it (lock_author_names: the contact's
# alias of the login)
author=$(sed -n 's/^com_author=//p' "$WEBUI_DIR/ack-form.fields")
jhas ".event == \"hold\" and .component == \"$R\" and .result == \"set\" and .author == \"$author\" and .ts >= $t_kill"
ok $? "the journal: the acknowledgement notification set a hold, by '$author'" ||
	jrn ".event == \"hold\" and .ts >= $t_kill" | sed 's/^/#   /'

wait_for 60 eval 'webui_get "$page" | grep -q "relance: not restarting $R"'
ok $? "extinfo.cgi: relance says in a comment that it stands down"
webui_get "$page" | grep -o "relance: not restarting [^<]*" | head -1 | sed 's/^/#   comment: /'
like "$(webui_get "$page")" "webui e2e: looking at the reports" "extinfo.cgi: the acknowledgement's comment too"
t_s=$(date +%s)
wait_for 120 eval '[ "$(webui_get "$page" | grep -c "HARD state")" -gt 0 ] &&
	[ "$(date +%s)" -ge $((t_s + 6)) ]'
ok $? "extinfo.cgi: CRITICAL HARD state, 6 s later"
is "$(pid_of reports) $(starts reports)" "none $n_r" "reports not restarted"
is "$(pids marketdata cache pricer gateway archive)" "$before_ack" "nothing else restarted either"
is "$(jcount ".event == \"decision\" and .component == \"$R\" and .result == \"heal\" and .ts >= $t_kill")" 0 \
	"the journal: no heal decision for reports"
webui_pipe "CHANGE_RETRY_SVC_CHECK_INTERVAL;$WEBUI_HOST;$R;1"

# --- relancectl as root and as nagios, on the installed layout ---------------------
for who in root nagios; do
	if [ $who = root ]; then run_ctl() { relancectl "$@"; }; else run_ctl() { webui_as_nagios relancectl "$@"; }; fi
	out=$(run_ctl history 2>&1)
	ok $? "relancectl history, as $who" || echo "$out" | head -5 | sed 's/^/#   /'
	like "$out" "restart.*$P|$P.*restart" "  history ($who) shows the pricer's restart"
	out=$(run_ctl status demo 2>&1)
	st=$?
	# reports is down (acknowledged): the tree says so, and the exit is 2
	like "$out" "CRITICAL.*demo/reports" "relancectl status demo, as $who: reports CRITICAL in the tree" ||
		echo "$out" | head -8 | sed 's/^/#   /'
	like "$out" "OK.*demo/pricer" "  and the pricer OK"
	is "$st" 2 "  exit 2 (a component is critical)"
	out=$(run_ctl plan restart "$P" 2>&1)
	ok $? "relancectl plan restart $P, as $who" || echo "$out" | head -5 | sed 's/^/#   /'
	like "$out" "demo/archive" "  the plan ($who) restarts the archive on h1 too"
done

# the engineer brings reports back; the recovery clears the hold
webui_as_nagios relancectl start "$R" >"$WEBUI_DIR/restart.out" 2>&1
ok $? "relancectl start $R, as nagios" || sed 's/^/#   /' "$WEBUI_DIR/restart.out"
wait_for 120 eval '[ "$(ui_state reports)" = OK ]'
ok $? "status.cgi: reports OK again ($WAITED_MS ms)"

webui_as_nagios relancectl stop demo >"$WEBUI_DIR/stop.out" 2>&1
ok $? "relancectl stop demo, as nagios" || sed 's/^/#   /' "$WEBUI_DIR/stop.out"
diag "test_webui: $(($(now_ms) - t_begin)) ms in all"
done_testing
