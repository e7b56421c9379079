# tests/e2e/app.sh - the demo's application run over a loopback sshd
# (tests/sshd.sh), for the end-to-end tests. Source after tests/sshd.sh and
# tests/e2e/core.sh; then e2e_app_start, or app_setup after sshd_setup,
# sshd_start h1 and e2e_setup.
#
#   e2e_app_start         the start of a test on the application: a
#                         loopback sshd for host h1 (stopped on exit),
#                         $E2E_ROOT (e2e_setup), the sanitizers' logs
#                         (e2e_sanitizers), then app_setup
#   app_setup             $APP_DIR: conf/demo/daemon, tests/e2e/brief.sh
#                         and run/ (pid files and logs, written by the test
#                         user on the target side); $APP: the application's
#                         name, unique to this test process (the host lock
#                         lives in the test user's home, shared by every
#                         test that runs at the same time)
#   app_config FILE NODE STATEDIR [KEY=VALUE...]
#                         writes a relance config: [relance] node NODE,
#                         journal STATEDIR/journal.jsonl, lock_dir
#                         STATEDIR/locks, then each KEY = VALUE; host h1 is
#                         the sshd; application $APP (marketdata, cache,
#                         pricer, gateway, reports as in conf/demo) and
#                         application ${APP}b (brief: dies LIFE s after each
#                         start, $BRIEF_LIFE, default 1.5 s)
#   app_pid NAME          pid of component NAME (from its pid file)
#   app_pids              "marketdata=P cache=P pricer=P gateway=P reports=P"
#   app_starts NAME       how many times NAME's process was started
#   app_kill NAME         SIGKILL to its process, if it runs
#   app_stop_all          stops what the components started (cleanup hook)

APP_NAMES="marketdata cache pricer gateway reports"

app_setup() {
	APP=fx$$
	APP_DIR=$E2E_ROOT/app
	mkdir -p "$APP_DIR/run" || exit 1
	chmod 755 "$APP_DIR"
	chmod 777 "$APP_DIR/run"
	cp "$top_srcdir/conf/demo/daemon" "$top_srcdir/tests/e2e/brief.sh" "$APP_DIR/"
	chmod 755 "$APP_DIR/daemon" "$APP_DIR/brief.sh"
	E2E_CLEANUP_HOOKS="app_stop_all $E2E_CLEANUP_HOOKS"
}

e2e_app_start() {
	sshd_setup
	sshd_start h1
	e2e_setup
	e2e_sanitizers
	E2E_CLEANUP_HOOKS=sshd_cleanup
	app_setup
}

app_config() { # FILE NODE STATEDIR [KEY=VALUE...]
	_f=$1 _node=$2 _sd=$3
	shift 3
	mkdir -p "$_sd/locks"
	_d=$APP_DIR/daemon _r=$APP_DIR/run
	{
		printf '[relance]\nnode = %s\njournal = %s/journal.jsonl\nlock_dir = %s/locks\n' \
			"$_node" "$_sd" "$_sd"
		for kv in "$@"; do printf '%s = %s\n' "${kv%%=*}" "${kv#*=}"; done
		printf '\n[ssh]\nuser = %s\nidentity = %s/id_ed25519\n' "$SSHD_USER" "$SSHD_DIR"
		printf 'known_hosts = %s/known_hosts\ntimeout = 20s\n\n' "$SSHD_DIR"
		printf '[host "h1"]\naddress = 127.0.0.1\nport = %s\n\n' "$SSHD_PORT_h1"
		printf '[application "%s"]\ndescription = FX pricing over ssh (e2e)\n\n' "$APP"
		for c in marketdata: cache:marketdata pricer:marketdata,cache \
			gateway:pricer reports:cache; do
			n=${c%%:*} req=$(echo "${c#*:}" | tr , ' ')
			printf '[component "%s/%s"]\nhost = h1\n' "$APP" "$n"
			[ -n "$req" ] && printf 'requires = %s\n' "$req"
			printf 'check = %s status %s %s\n' "$_d" "$n" "$_r"
			printf 'start = %s start %s %s %s\n' "$_d" "$n" "$_r" "$req"
			printf 'stop = %s stop %s %s\n' "$_d" "$n" "$_r"
			printf 'start_timeout = 10s\nstop_timeout = 10s\n'
			printf 'heal = hard\nrestart_limit = 5/1h\n\n'
		done
		printf '[component "%sb/brief"]\nhost = h1\n' "$APP"
		for a in check:status start stop; do
			printf '%s = %s/brief.sh %s brief %s %s\n' "${a%%:*}" "$APP_DIR" \
				"${a#*:}" "$_r" "${BRIEF_LIFE:-1.5}"
		done
		printf 'start_timeout = 150s\nheal = hard\nrestart_limit = 2/1h\n\n'
	} > "$_f"
	chmod 600 "$_f"
}

app_pid() {
	_p=$(cat "$APP_DIR/run/$1.pid" 2>/dev/null) && pid_alive "$_p" && echo "$_p" && return
	echo none
}

app_pids() {
	for n in $APP_NAMES; do printf '%s=%s ' "$n" "$(app_pid "$n")"; done
}

app_starts() {
	case $1 in
	brief) [ -f "$APP_DIR/run/brief.starts" ] && wc -l < "$APP_DIR/run/brief.starts" || echo 0 ;;
	*) grep -c ": started, pid" "$APP_DIR/run/$1.log" 2>/dev/null || echo 0 ;;
	esac
}

app_stop_all() {
	for f in "$APP_DIR"/run/*.pid; do
		[ -f "$f" ] || continue
		p=$(cat "$f")
		pid_alive "$p" && kill -KILL "$p" 2>/dev/null
	done
}

# app_kill NAME: SIGKILL to component NAME's process, if it runs
app_kill() {
	_p=$(app_pid "$1")
	[ "$_p" != none ] || { echo "# app_kill: $1 is not running"; return 1; }
	kill -KILL "$_p"
}
