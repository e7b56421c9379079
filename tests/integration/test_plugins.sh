#!/bin/sh
# check_component and check_application against real processes on this
# machine (transport = local); components are relancectl/comp.sh daemons.
# Also: conf/nagios and conf/icinga2 equal the generator's commands and load
# in the real cores.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/local.sh"

cc="$top_builddir/plugins/check_component"
ca="$top_builddir/plugins/check_application"
[ -x "$cc" ] && [ -x "$ca" ] || skip_all "plugins not built"
command -v setsid >/dev/null || skip_all "setsid needed"

local_setup plugins comp
unset RELANCE_CONFIG

cat >"$T/disk.sh" <<'EOS'
#!/bin/sh
echo "WARNING - disk 91% | disk=91%;90;95"
echo "second line of disk"
exit 1
EOS
cat >"$T/hang.sh" <<'EOS'
#!/bin/sh
exec sleep 30
EOS
chmod 755 "$T/disk.sh" "$T/hang.sh"

cfg=$T/relance.ini
{
	printf '[relance]\nnode = testnode\n\n[host "here"]\ntransport = local\n\n'
	for c in fx/marketdata fx/cache fx/pricer fx/gateway other/batch; do
		n=${c#*/}
		printf '[component "%s"]\nhost = here\n' "$c"
		printf 'check = %s/comp.sh %s %s check\n' "$T" "$T" "$n"
		printf 'start = %s/comp.sh %s %s start\n' "$T" "$T" "$n"
		printf 'stop = %s/comp.sh %s %s stop\n' "$T" "$T" "$n"
		case $n in
		cache) printf 'requires = fx/marketdata\n' ;;
		pricer) printf 'requires = fx/marketdata fx/cache\n' ;;
		gateway) printf 'requires = fx/pricer\n' ;;
		esac
		echo
	done
	printf '[component "fx/disk"]\nhost = here\ncheck = %s/disk.sh\n' "$T"
	printf 'check_mode = plugin\nstart = true\nstop = true\n'
	printf 'requires = fx/gateway\n\n'
	printf '[component "slow/hang"]\nhost = here\ncheck = %s/hang.sh\n' "$T"
	printf 'start = true\nstop = true\n\n'
	printf '[component "web/tomcat"]\nhost = here\ncheck = cat %s/status.xml\n' "$T"
	printf 'check_mode = xml\nstart = true\nstop = true\n'
	printf 'xpath.busy = sum(/status/connector/threadInfo/@currentThreadsBusy)\n'
	printf 'xpath.busy.warning = 150\nxpath.busy.critical = 190\n'
	printf 'xpath.state = string(/status/@state)\nxpath.state.expect = RUNNING\n\n'
} >"$cfg"
printf '%s\n' '<status state="RUNNING"><connector><threadInfo currentThreadsBusy="180"/></connector></status>' >"$T/status.xml"
chmod 600 "$cfg"

run() { # run PROG ARGS...: output in $out, status in $st
	out=$("$@" 2>&1)
	st=$?
}
status_line() { printf '%s\n' "$out" | head -n 1; }

"$T/comp.sh" "$T" marketdata start
"$T/comp.sh" "$T" pricer start

# --- check_component -------------------------------------------------------
run "$cc" -f "$cfg" -C fx/marketdata
is "$st" 0 "component up: exit 0"
like "$(status_line)" '^COMPONENT OK - fx/marketdata on here is up \| time=[0-9.]+s;;;0$' \
	"component up: the status line"

run "$cc" -f "$cfg" -C fx/cache
is "$st" 2 "component down (exit mode): exit 2"
like "$(status_line)" '^COMPONENT CRITICAL - fx/cache on here is down: .*cache not running \| time=' \
	"component down: says why"

run "$cc" -f "$cfg" -C fx/disk
is "$st" 1 "plugin mode: the check's WARNING passes through"
like "$(status_line)" '^COMPONENT WARNING - fx/disk on here: WARNING - disk 91% \| time=[0-9.]+s;;;0 disk=91%;90;95$' \
	"plugin mode: its perfdata after ours"
like "$out" 'second line of disk' "plugin mode: its long output"

t0=$(date +%s%N)
run "$cc" -f "$cfg" -C slow/hang -t 1
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
is "$st" 3 "hanging check, -t 1: UNKNOWN"
like "$(status_line)" '^COMPONENT UNKNOWN - slow/hang on here: .*tim' "hanging check: says it timed out"
# generous (a busy machine): the check would hang for 30 s
ok $([ "$ms" -lt 10000 ]; echo $?) "hanging check: ends long before the check would (took ${ms}ms)"

run "$cc" -f "$cfg" -C slow/hang -t 1:CRITICAL
is "$st" 2 "hanging check, -t 1:CRITICAL: CRITICAL"
like "$(status_line)" '^COMPONENT CRITICAL - ' "-t 1:CRITICAL: the status line"

run "$cc" -f "$cfg" -H here -s pricer
is "$st" 0 "-H/-s: finds fx/pricer by its short name"
like "$(status_line)" '^COMPONENT OK - fx/pricer on here is up' "-H/-s: the status line"
run "$cc" -f "$cfg" -H here -s fx/cache
is "$st" 2 "-H/-s with APP/NAME"
run "$cc" -f "$cfg" -H nowhere -s pricer
is "$st" 3 "-H unknown host: UNKNOWN"
like "$out" "^COMPONENT UNKNOWN - unknown host 'nowhere'$" "-H unknown host: one line"

one_line_unknown() { # DESC PATTERN
	is "$st" 3 "$1: exit 3"
	is "$(printf '%s\n' "$out" | wc -l | tr -d ' ')" 1 "$1: one line"
	like "$out" "^COMPONENT UNKNOWN - $2" "$1: the message"
}
run "$cc" -f "$cfg" -C fx/nothing
one_line_unknown "unknown component" "unknown component 'fx/nothing'"
printf '[component "x/y"]\nhost = nowhere\n' >"$T/bad.ini"
chmod 600 "$T/bad.ini"
run "$cc" -f "$T/bad.ini" -C x/y
one_line_unknown "bad config" "config: .*bad.ini"
run "$cc" -f "$T/missing.ini" -C x/y
one_line_unknown "missing config" "config: "
run "$cc" -f "$cfg" -C fx/pricer -t 0
one_line_unknown "-t 0" "-t: "
run "$cc" -f "$cfg" -C fx/pricer -t abc
one_line_unknown "-t abc" "-t: "
run "$cc" -f "$cfg" -C fx/pricer -t 5:SOMETIMES
one_line_unknown "-t 5:SOMETIMES" "-t: "
run "$cc"
one_line_unknown "no arguments" "give either -C"
run "$cc" -f "$cfg" -C fx/pricer --frobnicate
one_line_unknown "unknown option" "invalid option"
run "$cc" -f "$cfg" -C fx/pricer stray
one_line_unknown "stray argument" "unexpected argument 'stray'"
# -c and -w are the guidelines' thresholds: the config is -f / --config
run "$cc" -c "$cfg" -C fx/marketdata
one_line_unknown "-c is not the config" "invalid option: unknown option '-c'"
run "$cc" --config "$cfg" -C fx/marketdata
is "$st" 0 "--config FILE: the config"
run "$ca" -c "$cfg" -A fx
is "$st" 3 "check_application -c: unknown option, exit 3"
like "$out" "^APPLICATION UNKNOWN - invalid option: unknown option '-c'" \
	"check_application -c: says so"
run "$ca" --config="$cfg" -A other
like "$(status_line)" '^APPLICATION [A-Z]+ - other: ' "check_application --config=FILE"
run "$cc" -h
is "$st" 0 "-h: exit 0"
like "$out" '^Usage: check_component -f CONFIG -C APP/NAME' "-h: usage"
run "$cc" -V
is "$st" 0 "-V: exit 0"
like "$out" '^check_component [0-9]' "-V: the version"
# graded verbosity (the monitoring-plugins guidelines): 0 one line, -v one
# line with more detail, -vv the config, commands and hosts, -vvv timings
lines() { printf '%s\n' "$out" | wc -l | tr -d ' '; }
run "$cc" -f "$cfg" -C fx/marketdata
is "$(lines)" 1 "verbosity 0: one line"
run "$cc" -f "$cfg" -C fx/marketdata -v
is "$(lines)" 1 "-v: still one line"
like "$out" '^COMPONENT OK - fx/marketdata on here is up: exit 0: marketdata running .* \([0-9.]+s, local\) \| time=' \
	"-v: the check's output, the time and the transport on it"
run "$cc" -f "$cfg" -C fx/marketdata -vv
like "$(status_line)" '^COMPONENT OK - fx/marketdata on here is up: ' "-vv: the status line first"
like "$out" "
config: $cfg" "-vv: the config file"
like "$out" "
fx/marketdata: check '$T/comp.sh $T marketdata check' \(mode exit, check_timeout 10000ms\) on here via local" \
	"-vv: the command, mode, timeout and host"
like "$out" "
timeout: 10000ms, then UNKNOWN" "-vv: the timeout"
unlike "$out" "total: " "-vv: no timings"
run "$cc" -f "$cfg" -C fx/marketdata -vvv
like "$out" "
fx/marketdata: OK in [0-9.]+ms; output [0-9]+ bytes" "-vvv: the check's time and sizes"
like "$out" "
config: loaded in [0-9.]+ms \(1 files?, 4 applications, 8 components, 1 hosts?\)" "-vvv: the config's load"
like "$out" "
total: [0-9.]+ms$" "-vvv: the total time, last"
is "$st" 0 "-vvv: the state unchanged"
run "$ca" -f "$cfg" -A other -v
like "$(status_line)" '^APPLICATION [A-Z]+ - other: .* \(slowest other/batch, [0-9.]+s\) \|' \
	"check_application -v: the slowest check on the status line"
run "$ca" -f "$cfg" -A other -vv
like "$out" "
other/batch: check '$T/comp.sh $T batch check' \(mode exit" "check_application -vv: each command"
unlike "$out" "total: " "check_application -vv: no timings"
run "$ca" -f "$cfg" -A other -vvv
like "$out" "
other/batch: [A-Z]+ in [0-9.]+ms" "check_application -vvv: each check's time"

# --- check_application ----------------------------------------------------
run "$ca" -f "$cfg" -A fx
is "$st" 2 "application with a critical component: exit 2"
# the cores take the first '|' of the long output for perfdata: the wrapped
# plugin's own (fx/disk: "... | disk=91%;90;95") is shown as '/'
is "$(printf '%s\n' "$out" | sed 1d | grep -c '|')" 0 \
	"application: no '|' in the long output"
like "$out" 'fx/disk .*WARNING - disk 91% / disk=91%;90;95' \
	"application: the wrapped plugin's perfdata shown with '/'"
like "$(status_line)" '^APPLICATION CRITICAL - fx: 2 of 5 components critical: fx/cache, fx/gateway; 1 warning: fx/disk \| ok=2;;;0 warning=1;;;0 critical=2;;;0 unknown=0;;;0 ' \
	"application: the status line and counts"
like "$(status_line)" " fx/marketdata=[0-9.]+s;;;0 fx/cache=[0-9.]+s;;;0 fx/pricer=[0-9.]+s;;;0 fx/gateway=[0-9.]+s;;;0 fx/disk=[0-9.]+s;;;0$" \
	"application: one time perfdata per component, in dependency order"
markers=$(printf '%s\n' "$out" | sed -n '2,$p' | sed -n 's/^ *\[\([A-Z]*\)\] *\([^ ]*\).*/\1 \2/p' | tr '\n' ',')
is "$markers" "OK fx/marketdata,CRITICAL fx/cache,OK fx/pricer,CRITICAL fx/gateway,WARNING fx/disk," \
	"application: the tree in topological order with its markers"
unlike "$out" '^fx: ' "application: no header line in the tree"

"$T/comp.sh" "$T" cache start
"$T/comp.sh" "$T" gateway start
run "$ca" -f "$cfg" -A other -t 5
is "$st" 2 "application other: batch down"
"$T/comp.sh" "$T" batch start
run "$ca" -f "$cfg" -A other
is "$st" 0 "application all up: exit 0"
like "$(status_line)" '^APPLICATION OK - other: 1 of 1 components ok \| ok=1;;;0 warning=0;;;0 critical=0;;;0 unknown=0;;;0 other/batch=' \
	"application all up: the status line"

t0=$(date +%s%N)
run "$ca" -f "$cfg" -A slow -t 1
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
is "$st" 3 "application with a hanging check, -t 1: UNKNOWN"
ok $([ "$ms" -lt 10000 ]; echo $?) "application timeout: ends long before the check would (took ${ms}ms)"
run "$ca" -f "$cfg" -A slow -t 1:CRITICAL
is "$st" 2 "application -t 1:CRITICAL: CRITICAL"

run "$ca" -f "$cfg" -A nothing
is "$st" 3 "unknown application: exit 3"
like "$out" "^APPLICATION UNKNOWN - unknown application 'nothing'$" "unknown application: one line"
run "$ca" -f "$cfg" -A fx/cache
is "$st" 3 "-A with a component name: UNKNOWN"
run "$ca" -f "$cfg"
is "$st" 3 "no -A: exit 3"
like "$out" '^APPLICATION UNKNOWN - give the application' "no -A: says so"
run "$ca" -f "$cfg" -A fx -t x
is "$st" 3 "check_application bad -t: exit 3"
run "$ca" -h
is "$st" 0 "check_application -h: exit 0"
run "$ca" -V
like "$out" '^check_application [0-9]' "check_application -V"

# --- command definitions --------------------------------------------------
gen="$top_builddir/tests/e2e/gen_driver"
if [ -x "$gen" ]; then
	ga="--with-commands --plugin-dir /usr/lib/nagios/plugins --config-path /etc/relance/relance.ini"
	# shellcheck disable=SC2086
	"$gen" $ga nagios "$cfg" | awk '/^define command \{/{b=""; keep=1}
		keep{b=b $0 "\n"}
		/^\}/{ if (keep && b ~ /relance-(component|application|handle-component|ack-notification)\n/) printf "%s\n", b; keep=0}' \
		>"$T/gen.cfg"
	# shellcheck disable=SC2086
	"$gen" $ga icinga2 "$cfg" | awk '/^object (CheckCommand|EventCommand|NotificationCommand) "relance-/{keep=1}
		keep{print} keep && /^\}/{keep=0; print ""}' >"$T/gen.conf"
	is "$(grep -v '^#' "$top_srcdir/conf/nagios/relance-commands.cfg" | sed '/./,$!d')" \
		"$(cat "$T/gen.cfg")" "conf/nagios: the generator's command definitions"
	# conf/icinga2 is in the ITL's style (PluginDir, set_if flags the
	# generator does not write): what compares is each object, the program
	# it runs, and every macro and variable the generator passes
	itl_facts() { # FILE: "OBJECT: fact" lines, sorted
		awk '/^object [A-Za-z]+Command "/{o=$2 " " $3}
			o && /command = \[/{p=$0; sub(/.*\//, "", p); sub(/".*/, "", p); print o ": runs " p}
			o && /value = "/{v=$0; sub(/^[^"]*"/, "", v); sub(/"[^"]*$/, "", v); print o ": value " v}
			o && /^\tvars\./{print o ": " $1 " " $3}' "$1" | sort -u
	}
	itl_facts "$T/gen.conf" >"$T/gen.facts"
	itl_facts "$top_srcdir/conf/icinga2/relance-commands.conf" >"$T/itl.facts"
	is "$(sed 's/:.*//' "$T/itl.facts" | sort -u)" "$(sed 's/:.*//' "$T/gen.facts" | sort -u)" \
		"conf/icinga2: the generator's command objects"
	is "$(comm -23 "$T/gen.facts" "$T/itl.facts")" "" \
		"conf/icinga2: programs, macros and variables of the generator's commands"
else
	ok 0 "# SKIP gen_driver not built"
	ok 0 "# SKIP gen_driver not built"
	ok 0 "# SKIP gen_driver not built"
fi
. "$top_srcdir/tests/e2e/lib.sh"
if have_nagios; then
	mkdir "$T/nagios"
	# a host, a contact and two services that use both commands
	cat >"$T/nagios/use.cfg" <<'EON'
define timeperiod {
    timeperiod_name     always
    alias               always
    sunday              00:00-24:00
}
define command {
    command_name        notify_nothing
    command_line        /bin/true
}
define contact {
    contact_name                    tester
    host_notification_period        always
    service_notification_period     always
    host_notification_options       n
    service_notification_options    n
    host_notification_commands      notify_nothing
    service_notification_commands   notify_nothing
}
define host {
    host_name           fx-app-01
    address             127.0.0.1
    max_check_attempts  1
    check_period        always
    contacts            tester
}
define service {
    host_name           fx-app-01
    service_description fx/pricer
    check_command       relance-component
    _RELANCE_COMPONENT  fx/pricer
    max_check_attempts  1
    check_interval      5
    retry_interval      1
    check_period        always
    notification_period always
    contacts            tester
}
define service {
    host_name           fx-app-01
    service_description fx
    check_command       relance-application
    _RELANCE_APPLICATION fx
    max_check_attempts  1
    check_interval      5
    retry_interval      1
    check_period        always
    notification_period always
    contacts            tester
}
EON
	nagios_verify "$T/nagios" "$top_srcdir/conf/nagios/relance-commands.cfg" \
		"$T/nagios/use.cfg"
	st=$?
	ok $st "conf/nagios loads in nagios4 -v"
	[ $st = 0 ] || grep -i 'error\|warning' "$T/nagios/verify.out" | sed 's/^/#  /'
else
	ok 0 "# SKIP nagios4 not installed"
fi
if have_icinga; then
	mkdir "$T/icinga"
	# as the ITL has it: PluginDir comes from the site's constants.conf
	printf 'const PluginDir = "/usr/lib/nagios/plugins"\n' >"$T/constants.conf"
	icinga_verify "$T/icinga" "$T/constants.conf" \
		"$top_srcdir/conf/icinga2/relance-commands.conf"
	st=$?
	ok $st "conf/icinga2 loads in icinga2 daemon -C"
	[ $st = 0 ] || grep -i 'critical\|warning' "$T/icinga/verify.out" | sed 's/^/#  /'
else
	ok 0 "# SKIP icinga2 not installed"
fi

# Installed (the package, make install), the definitions are in the
# directories the cores read (nagios-plugins/config/relance.cfg,
# plugins-contrib.d/relance.conf): the objects `generate` writes beside
# them (without --with-commands) must not define the commands again, or
# the core refuses both.
rctl="$top_builddir/ctl/relancectl"
if have_nagios && [ -x "$rctl" ]; then
	mkdir "$T/nagios-both"
	"$rctl" -f "$cfg" generate nagios --define-hosts >"$T/nagios-both/gen.cfg"
	nagios_verify "$T/nagios-both" "$top_srcdir/conf/nagios/relance-commands.cfg" \
		"$T/nagios-both/gen.cfg"
	st=$?
	ok $st "nagios4 -v: relance.cfg with generate's objects beside it"
	[ $st = 0 ] || grep -i 'error\|warning' "$T/nagios-both/verify.out" | sed 's/^/#  /'
else
	ok 0 "# SKIP nagios4 not installed"
fi
if have_icinga && [ -x "$rctl" ]; then
	mkdir "$T/icinga-both"
	"$rctl" -f "$cfg" generate icinga2 --define-hosts >"$T/icinga-both/gen.conf"
	icinga_verify "$T/icinga-both" "$T/constants.conf" \
		"$top_srcdir/conf/icinga2/relance-commands.conf" "$T/icinga-both/gen.conf"
	st=$?
	ok $st "icinga2 daemon -C: relance.conf with generate's objects beside it"
	[ $st = 0 ] || grep -i 'critical\|warning' "$T/icinga-both/verify.out" | sed 's/^/#  /'
else
	ok 0 "# SKIP icinga2 not installed"
fi

# --- check_mode = xml ------------------------------------------------------
run "$cc" -f "$cfg" -C web/tomcat
is "$st" 1 "xml: 180 busy threads beyond the warning range: WARNING"
like "$(status_line)" '^COMPONENT WARNING - web/tomcat on here: .*busy = 180.*\| time=[0-9.]+s;;;0 busy=180;150;190$' \
	"xml: the expressions' perfdata follow ours"
like "$out" "state = 'RUNNING'" "xml: long output, one line per expression"
printf '%s\n' '<status state="STOPPED"><connector><threadInfo currentThreadsBusy="3"/></connector></status>' >"$T/status.xml"
run "$cc" -f "$cfg" -C web/tomcat
is "$st" 2 "xml: state STOPPED instead of RUNNING: CRITICAL"
printf '<status><a></status>\n' >"$T/status.xml"
run "$cc" -f "$cfg" -C web/tomcat
is "$st" 3 "xml: a malformed document is UNKNOWN"
like "$(status_line)" 'line 1' "xml: ... with libxml2's line"

done_testing
