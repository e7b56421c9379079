# tests/e2e/core.sh - a real Nagios 4 and a real Icinga 2, each running in
# its own temporary directory, for the end-to-end tests. Source it after
# tests/lib.sh (and tests/e2e/lib.sh for have_nagios / have_icinga).
#
#   e2e_setup                  makes $E2E_ROOT, sets the exit trap (which
#                              also runs $E2E_CLEANUP_HOOKS, e.g. sshd_cleanup)
#   (now_ms and wait_for SECONDS CMD... are in tests/lib.sh)
#
# Nagios (interval_length = 1: every interval in seconds):
#   nagios_start DIR CFG...    writes DIR/nagios.cfg loading CFG..., checks it
#                              with `nagios4 -v`, starts the daemon, returns
#                              once an external command has been processed
#   nagios_stop DIR            SIGTERM to its pid (SIGKILL after 10 s)
#   nagios_cmd DIR 'CMD;a;b'   one external command, written with a deadline
#   nagios_field DIR HOST SVC FIELD    a field of the service in status.dat
#   nagios_state DIR HOST SVC  "STATE TYPE" as in "CRITICAL HARD"
#   nagios_comments DIR HOST SVC       "author: text" lines, oldest first
#
# Icinga 2 (checker, notification, ExternalCommandListener, REST API):
#   icinga_start DIR CONF...   writes DIR/etc/icinga2.conf including CONF...,
#                              validates, starts, returns once the API and
#                              the pipe answer (ICINGA_PIPE=no: no pipe,
#                              the command feature off); the API port is in
#                              DIR/api_port, certificates are made once
#                              (icinga_pki) and copied
#   icinga_stop DIR
#   icinga_cmd DIR 'CMD;a;b'   one external command through the pipe
#   icinga_api DIR METHOD URLPATH [JSON]   the REST API (curl -k)
#   icinga_field DIR HOST SVC ATTR     an attribute (jq path under attrs,
#                              e.g. state or last_check_result.output)
#   icinga_state DIR HOST SVC  "CRITICAL HARD" etc.
#   icinga_comments DIR HOST SVC       "author: text" lines, oldest first
#
# Everything started here is stopped on exit by its pid, and $E2E_ROOT is
# removed (kept with E2E_KEEP=1).

E2E_NAGIOS_DIRS=
E2E_ICINGA_DIRS=
E2E_CLEANUP_HOOKS=

e2e_setup() {
	E2E_ROOT=$(mktemp -d /tmp/rl-e2e-XXXXXX) || exit 1
	chmod 755 "$E2E_ROOT"
	trap e2e_cleanup EXIT
	# a reader that goes away (| head) must not leave the cores running
	trap 'exit 130' INT TERM HUP PIPE
}

e2e_cleanup() {
	for d in $E2E_NAGIOS_DIRS; do nagios_stop "$d"; done
	for d in $E2E_ICINGA_DIRS; do icinga_stop "$d"; done
	for h in $E2E_CLEANUP_HOOKS; do "$h"; done
	if [ -n "${E2E_KEEP:-}" ]; then
		echo "# kept $E2E_ROOT"
	else
		rm -rf "$E2E_ROOT"
	fi
}

# pid_alive PID: a live process (zombies, which pid 1 here may not reap,
# count as gone)
pid_alive() {
	[ -r "/proc/$1/stat" ] || return 1
	_pa=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
	[ -n "$_pa" ] && [ "$_pa" != Z ] && [ "$_pa" != X ]
}

# stop_pid PID WHAT: SIGTERM, then SIGKILL after 10 s
stop_pid() {
	kill -TERM "$1" 2>/dev/null || return 0
	wait_for 120 eval '! pid_alive '"$1" && return 0
	echo "# $2 (pid $1) still alive after 120 s: SIGKILL"
	kill -KILL "$1" 2>/dev/null
}

# pipe_write PIPE LINE: one external command "[now] LINE" into the core's
# FIFO within 20 s (a FIFO without a reader blocks an open for ever)
pipe_write() {
	[ -p "$1" ] || { echo "# pipe_write: $1 is not a FIFO" >&2; return 1; }
	timeout 20 sh -c 'printf "[%s] %s\n" "$(date +%s)" "$2" > "$1"' _ "$1" "$2"
}

# --- Nagios Core 4 ----------------------------------------------------------

nagios_start() {
	_nd=$1; shift
	mkdir -p "$_nd/var" "$_nd/spool/checkresults"
	rm -f "$_nd/var/nagios.cmd" "$_nd/var/status.dat" "$_nd/var/nagios.lock"
	: > "$_nd/var/nagios.log"
	printf '$USER1$=/usr/lib/nagios/plugins\n' > "$_nd/resource.cfg"
	{
		for f in "$@"; do echo "cfg_file=$f"; done
		nagios_paths "$_nd"
		cat <<EOF
resource_file=$_nd/resource.cfg
interval_length=1
status_update_interval=1
check_result_reaper_frequency=1
max_check_result_reaper_time=1
service_inter_check_delay_method=n
host_inter_check_delay_method=n
max_service_check_spread=1
max_host_check_spread=1
service_interleave_factor=1
auto_reschedule_checks=0
retain_state_information=0
use_retained_program_state=0
use_retained_scheduling_info=0
check_external_commands=1
command_check_interval=-1
execute_service_checks=1
execute_host_checks=1
accept_passive_service_checks=1
accept_passive_host_checks=1
enable_notifications=1
enable_event_handlers=1
enable_flap_detection=0
check_service_freshness=0
check_host_freshness=0
process_performance_data=0
obsess_over_services=0
obsess_over_hosts=0
cached_host_check_horizon=0
cached_service_check_horizon=0
enable_predictive_host_dependency_checks=0
enable_predictive_service_dependency_checks=0
soft_state_dependencies=0
use_syslog=0
log_notifications=1
log_service_retries=1
log_host_retries=1
log_event_handlers=1
log_initial_states=1
log_external_commands=1
log_passive_checks=1
service_check_timeout=20
host_check_timeout=20
event_handler_timeout=30
notification_timeout=30
check_for_updates=0
bare_update_check=0
illegal_object_name_chars=\`~!\$%^&*|'"<>?,()=
illegal_macro_output_chars=\`~\$&|'"<>
admin_email=root@localhost
admin_pager=root@localhost
daemon_dumps_core=0
enable_environment_macros=0
debug_level=0
EOF
	} > "$_nd/nagios.cfg"
	if ! nagios4 -v "$_nd/nagios.cfg" > "$_nd/verify.out" 2>&1; then
		grep -iE 'error|warning' "$_nd/verify.out" | sed 's/^/#   /' | head -20
		return 1
	fi
	nagios4 -d "$_nd/nagios.cfg" > "$_nd/start.out" 2>&1 || {
		sed 's/^/#   /' "$_nd/start.out"; return 1; }
	E2E_NAGIOS_DIRS="$E2E_NAGIOS_DIRS $_nd"
	wait_for 120 test -p "$_nd/var/nagios.cmd" ||
		{ echo "# nagios: no command pipe after 10 s"; return 1; }
	# ready when a harmless command has gone through the pipe
	pipe_write "$_nd/var/nagios.cmd" ENABLE_EVENT_HANDLERS || return 1
	wait_for 120 grep -q 'EXTERNAL COMMAND: ENABLE_EVENT_HANDLERS' \
		"$_nd/var/nagios.log" || { echo "# nagios: no command processed"; return 1; }
	wait_for 120 test -s "$_nd/var/status.dat"
}

# own_pid PIDFILE CONFIG: the pid PIDFILE holds, if that process runs with
# CONFIG on its command line (ours, not a stale file's reused pid)
own_pid() {
	_op=$(cat "$1" 2>/dev/null) || return 1
	case $_op in '' | *[!0-9]*) return 1 ;; esac
	tr '\0' ' ' 2>/dev/null < "/proc/$_op/cmdline" | grep -q "$2" || return 1
	echo "$_op"
}

# DIR: the daemon's pid, if it is our nagios4 on DIR's config
nagios_pid() { own_pid "$1/var/nagios.lock" "$1/nagios.cfg"; }

nagios_stop() {
	_np=$(nagios_pid "$1") || return 0
	stop_pid "$_np" "nagios4 $1"
	rm -f "$1/var/nagios.cmd"
}

nagios_cmd() { pipe_write "$1/var/nagios.cmd" "$2"; }

# The block of HOST/SVC in status.dat, as FIELD=VALUE lines.
_nagios_block() { # DIR KIND(servicestatus|servicecomment) HOST SVC
	awk -v kind="$2" -v h="$3" -v s="$4" '
		$0 == kind " {" { inb = 1; n = 0; hh = ""; ss = ""; next }
		inb && $0 ~ /^\t}/ {
			if (hh == h && ss == s) { for (i = 1; i <= n; i++) print l[i]; print "--" }
			inb = 0; next
		}
		inb {
			sub(/^\t/, ""); l[++n] = $0
			if ($0 ~ /^host_name=/) hh = substr($0, 11)
			if ($0 ~ /^service_description=/) ss = substr($0, 21)
		}' "$1/var/status.dat" 2>/dev/null
}

nagios_field() { # DIR HOST SVC FIELD
	_nagios_block "$1" servicestatus "$2" "$3" | sed -n "s/^$4=//p" | head -1
}

nagios_state() {
	_nagios_block "$1" servicestatus "$2" "$3" | awk -F= '
		$1 == "current_state" { s = $2 }
		$1 == "state_type" { t = $2 }
		END { if (s == "") exit 1
		      split("OK WARNING CRITICAL UNKNOWN", n, " ")
		      print n[s + 1], (t == 1 ? "HARD" : "SOFT") }'
}

nagios_comments() {
	_nagios_block "$1" servicecomment "$2" "$3" | awk '
		/^author=/ { a = substr($0, 8) }
		/^comment_data=/ { c = substr($0, 14) }
		$0 == "--" { print a ": " c; a = ""; c = "" }'
}

# --- Icinga 2 ---------------------------------------------------------------

ICINGA_NODE=e2e-icinga

_icinga_defines() { # DIR
	echo "-DConfigDir=$1/etc -DDataDir=$1/data -DLogDir=$1/log" \
		"-DCacheDir=$1/cache -DSpoolDir=$1/spool -DInitRunDir=$1/run" \
		"-DZonesDir=$1/etc/zones.d -DRunAsUser=root -DRunAsGroup=root" \
		"-DNodeName=$ICINGA_NODE"
}

# The API certificates, made once with `icinga2 pki` (about 3 s) into
# $ICINGA_PKI (default: ${TMPDIR:-/tmp}/relance-e2e-icinga-pki, outside the
# build tree so that distclean has nothing to remove) and reused by every
# instance and every later run; a lock orders tests made at the same time.
icinga_pki() {
	ICINGA_PKI=${ICINGA_PKI:-${TMPDIR:-/tmp}/relance-e2e-icinga-pki}
	[ -s "$ICINGA_PKI/certs/$ICINGA_NODE.crt" ] && return 0
	mkdir -p "$ICINGA_PKI" || return 1
	(
		flock 9
		[ -s "$ICINGA_PKI/certs/$ICINGA_NODE.crt" ] && exit 0
		p=$ICINGA_PKI
		mkdir -p "$p/certs" "$p/etc" "$p/log" "$p/cache" "$p/spool" "$p/run"
		# shellcheck disable=SC2046
		{ [ -s "$p/data/ca/ca.key" ] ||
			icinga2 pki new-ca $(_icinga_defines "$p"); } &&
		icinga2 pki new-cert $(_icinga_defines "$p") --cn "$ICINGA_NODE" \
			--key "$p/certs/$ICINGA_NODE.key" --csr "$p/certs/$ICINGA_NODE.csr" &&
		icinga2 pki sign-csr $(_icinga_defines "$p") \
			--csr "$p/certs/$ICINGA_NODE.csr" --cert "$p/certs/$ICINGA_NODE.crt.tmp" &&
		cp "$p/data/ca/ca.crt" "$p/certs/ca.crt" &&
		mv "$p/certs/$ICINGA_NODE.crt.tmp" "$p/certs/$ICINGA_NODE.crt"
	) 9>"$ICINGA_PKI/.lock" > "$ICINGA_PKI/pki.out" 2>&1
}

icinga_start() {
	_id=$1; shift
	icinga_pki || { echo "# icinga: no certificates:"; sed 's/^/#   /' "$ICINGA_PKI/pki.out"; return 1; }
	mkdir -p "$_id/etc" "$_id/data/certs" "$_id/log" "$_id/cache" \
		"$_id/spool" "$_id/run/cmd"
	cp "$ICINGA_PKI/certs/$ICINGA_NODE.crt" "$ICINGA_PKI/certs/$ICINGA_NODE.key" \
		"$ICINGA_PKI/certs/ca.crt" "$_id/data/certs/"
	rm -f "$_id/run/cmd/icinga2.cmd" "$_id/run/icinga2.pid"
	_port=$(python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	echo "$_port" > "$_id/api_port"
	{
		cat <<EOF
/* e2e: a self-contained Icinga 2, nothing read from /etc/icinga2 */
const ZoneName = NodeName
include <itl>
/* as Debian's /etc/icinga2: PluginDir (constants.conf) and <plugins> */
const PluginDir = "/usr/lib/nagios/plugins"
include <plugins>
object FileLogger "main-log" {
	severity = "information"
	path = LogDir + "/icinga2.log"
}
object CheckerComponent "checker" { }
object NotificationComponent "notification" { }
EOF
		# ICINGA_PIPE=no: the command feature disabled (the API only)
		[ "${ICINGA_PIPE:-yes}" = no ] || cat <<EOF
object ExternalCommandListener "command" {
	command_path = InitRunDir + "/cmd/icinga2.cmd"
}
EOF
		cat <<EOF
object ApiListener "api" {
	bind_host = "127.0.0.1"
	bind_port = $_port
	accept_commands = false
	accept_config = false
}
object Endpoint NodeName { }
object Zone ZoneName { endpoints = [ NodeName ] }
object ApiUser "e2e" {
	password = "e2e-secret"
	permissions = [ "*" ]
}
EOF
		for f in "$@"; do printf 'include "%s"\n' "$f"; done
	} > "$_id/etc/icinga2.conf"
	# shellcheck disable=SC2046
	if ! icinga2 daemon -C -c "$_id/etc/icinga2.conf" $(_icinga_defines "$_id") \
		> "$_id/verify.out" 2>&1; then
		grep -iE 'critical|error' "$_id/verify.out" | sed 's/^/#   /' | head -20
		return 1
	fi
	# shellcheck disable=SC2046
	icinga2 daemon -d -e "$_id/log/icinga2.err" -c "$_id/etc/icinga2.conf" \
		$(_icinga_defines "$_id") > "$_id/log/stdout.log" 2>&1 || {
		sed 's/^/#   /' "$_id/log/stdout.log" "$_id/log/icinga2.err"; return 1; }
	E2E_ICINGA_DIRS="$E2E_ICINGA_DIRS $_id"
	wait_for 120 _icinga_ready "$_id" ||
		{ echo "# icinga: API or pipe not ready after 15 s"; return 1; }
}

_icinga_ready() {
	{ [ "${ICINGA_PIPE:-yes}" = no ] || [ -p "$1/run/cmd/icinga2.cmd" ]; } &&
		[ "$(curl -sk -o /dev/null -w '%{http_code}' -u e2e:e2e-secret \
			"https://127.0.0.1:$(cat "$1/api_port")/v1/status")" = 200 ]
}

# DIR: the umbrella process, if it runs DIR's config
icinga_pid() { own_pid "$1/run/icinga2.pid" "$1/etc/icinga2.conf"; }

icinga_stop() {
	_ip=$(icinga_pid "$1") || return 0
	stop_pid "$_ip" "icinga2 $1"
	rm -f "$1/run/cmd/icinga2.cmd"
}

icinga_cmd() { pipe_write "$1/run/cmd/icinga2.cmd" "$2"; }

icinga_api() { # DIR METHOD URLPATH [JSON]
	if [ -n "${4:-}" ]; then
		curl -sk --max-time 5 -u e2e:e2e-secret -H 'Accept: application/json' \
			-X "$2" "https://127.0.0.1:$(cat "$1/api_port")$3" -d "$4"
	else
		curl -sk --max-time 5 -u e2e:e2e-secret -H 'Accept: application/json' \
			-X "$2" "https://127.0.0.1:$(cat "$1/api_port")$3"
	fi
}

# Objects of TYPE (services, comments) matching a filter on host and
# service, as the API's JSON.
_icinga_query() { # DIR TYPE HOSTATTR SVCATTR HOST SVC ATTRS...
	_qd=$1 _qt=$2 _qha=$3 _qsa=$4 _qh=$5 _qs=$6; shift 6
	_qj=$(jq -cn --arg h "$_qh" --arg s "$_qs" --arg ha "$_qha" --arg sa "$_qsa" \
		'{filter: ($ha + " == h && " + $sa + " == s"),
		  filter_vars: {h: $h, s: $s}, attrs: $ARGS.positional}' --args "$@")
	curl -sk --max-time 5 -u e2e:e2e-secret -H 'Accept: application/json' \
		-H 'X-HTTP-Method-Override: GET' -X POST \
		"https://127.0.0.1:$(cat "$_qd/api_port")/v1/objects/$_qt" -d "$_qj"
}

icinga_field() { # DIR HOST SVC ATTR (a jq path below attrs)
	_icinga_query "$1" services host.name service.name "$2" "$3" "${4%%.*}" |
		jq -r ".results[0].attrs.$4 // empty"
}

icinga_state() {
	_icinga_query "$1" services host.name service.name "$2" "$3" state state_type |
		jq -r '.results[0].attrs | select(.state != null) |
			(["OK","WARNING","CRITICAL","UNKNOWN"][.state]) + " " +
			(if .state_type == 1 then "HARD" else "SOFT" end)'
}

icinga_comments() {
	_icinga_query "$1" comments comment.host_name comment.service_name "$2" "$3" \
		author text entry_time |
		jq -r '.results | sort_by(.attrs.entry_time)[] | .attrs.author + ": " + .attrs.text'
}

# --- sanitizers ---------------------------------------------------------------
# e2e_sanitizers: every relance program started from here on (by the test
# or by a core, which passes its environment on) writes any ASan, LSan or
# UBSan report to $E2E_ROOT/sanitizer.PID instead of a stderr that the
# cores drop; e2e_sanitizer_ok then fails if one was written. No effect on
# a build without sanitizers.
# (without fast_unwind_on_malloc=0, which tests/sshd.sh sets for the
# ECDSA-key leak of libssh2 it suppresses: the e2e suite's key is ed25519,
# and the slow unwinder made each check over ssh 3 times slower, 191 ms
# against 58, so the cores checked seconds apart under load)
e2e_sanitizers() {
	ASAN_OPTIONS="log_path=$E2E_ROOT/sanitizer${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
	LSAN_OPTIONS="suppressions=$top_srcdir/tests/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
	UBSAN_OPTIONS="log_path=$E2E_ROOT/sanitizer:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
	export ASAN_OPTIONS LSAN_OPTIONS UBSAN_OPTIONS
}
e2e_sanitizer_ok() {
	_sr=$(ls "$E2E_ROOT"/sanitizer.* 2>/dev/null)
	is "$_sr" "" "no sanitizer report from any relance program"
	# shellcheck disable=SC2086
	[ -z "$_sr" ] || head -n 25 $_sr | sed 's/^/#   /'
}
