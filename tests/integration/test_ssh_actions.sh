#!/bin/sh
# relancectl and the plugins acting over SSH on two throwaway sshds
# (tests/sshd.sh). The components are relancectl/comp.sh daemons started ON
# THE TARGET side, as the test user, with requirements that cross the two
# hosts: xapp/db on h1, xapp/app on h2 requires db, xapp/web on h1 requires
# app; xapp/cache on h2 requires nothing. Then: check_application while one
# sshd is killed in the middle of its checks, and check_component with a
# check that hangs.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/sshd.sh"

ctl="$top_builddir/ctl/relancectl"
cc="$top_builddir/plugins/check_component"
ca="$top_builddir/plugins/check_application"
comp_src="$top_srcdir/tests/integration/relancectl/comp.sh"
[ -x "$ctl" ] && [ -x "$cc" ] && [ -x "$ca" ] ||
	skip_all "relancectl or the plugins not built"
command -v setsid >/dev/null || skip_all "setsid needed"
command -v pgrep >/dev/null || skip_all "pgrep needed"
sshd_setup
sshd_start h1
sshd_start h2
unset RELANCE_CONFIG NO_COLOR

# $T: the journal and locks (written here, by root) and, for the target
# side, comp.sh and run/ where relance-test writes the daemons' pid files
T=$(mktemp -d "${TMPDIR:-/tmp}/rl-sshact-XXXXXX") || exit 1
chmod 755 "$T"
mkdir "$T/run" "$T/locks"
chmod 777 "$T/run"
cp "$comp_src" "$T/comp.sh"
chmod 755 "$T/comp.sh"
bg_pid=
names="db app web cache"
cleanup_actions() {
	[ -n "$bg_pid" ] && kill "$bg_pid" 2>/dev/null
	# only the daemons whose pid files our components wrote
	for f in "$T"/run/*.pid; do
		[ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
	done
	rm -rf "$T"
	sshd_cleanup
}
trap cleanup_actions EXIT

cfg=$T/relance.ini
{
	printf '[relance]\njournal = %s/journal.jsonl\nlock_dir = %s/locks\n' \
		"$T" "$T"
	printf 'node = testnode\n\n'
	printf '[ssh]\nuser = %s\nidentity = %s/id_ed25519\n' \
		"$SSHD_USER" "$SSHD_DIR"
	printf 'known_hosts = %s/known_hosts\ntimeout = 20s\n\n' "$SSHD_DIR"
	printf '[host "h1"]\naddress = 127.0.0.1\nport = %s\n\n' "$SSHD_PORT_h1"
	printf '[host "h2"]\naddress = 127.0.0.1\nport = %s\n\n' "$SSHD_PORT_h2"
	for c in db:h1: app:h2:db web:h1:app cache:h2:; do
		n=${c%%:*}; r=${c##*:}; h=${c#*:}; h=${h%%:*}
		printf '[component "xapp/%s"]\nhost = %s\n' "$n" "$h"
		for a in check start stop; do
			printf '%s = %s/comp.sh %s %s %s\n' $a "$T" "$T" "$n" $a
		done
		printf 'start_timeout = 60s\nstop_timeout = 60s\n'
		[ -n "$r" ] && printf 'requires = xapp/%s\n' "$r"
		echo
	done
	# checks on h1 that say when they run and then wait for run/go (there
	# until the test removes it, so that h1's sshd is killed while they
	# wait, however slow the machine), immediate ones on h2
	for i in 1 2 3; do
		printf '[component "slow/a%d"]\nhost = h1\n' $i
		printf 'check = touch %s/slow.a%d; while [ ! -e %s/go ]; do sleep 0.05; done; echo a%d fine\nstart = true\nstop = true\n\n' \
			"$T/run" $i "$T/run" $i
		printf '[component "slow/b%d"]\nhost = h2\n' $i
		printf 'check = echo b%d fine\nstart = true\nstop = true\n\n' $i
	done
	printf '[component "hang/forever"]\nhost = h2\n'
	printf 'check = sleep 30\nstart = true\nstop = true\n\n'
} >"$cfg"
chmod 600 "$cfg"
touch "$T/run/go"

rc() { out=$("$ctl" -c "$cfg" --no-color "$@" 2>&1); st=$?; }
pid_of() { cat "$T/run/$1.pid" 2>/dev/null || echo none; }
pids() { for n in $names; do printf '%s=%s ' "$n" "$(pid_of "$n")"; done; }
# a live process: in /proc and not a zombie (pid 1 here may not reap)
live() {
	[ -r "/proc/$1/stat" ] || return 1
	s=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
	[ -n "$s" ] && [ "$s" != Z ]
}
owner() { stat -c %U "/proc/$1" 2>/dev/null; }

# --- start: all four, in order, on the target side --------------------------
rc start xapp
is "$st" 0 "start xapp over ssh: exit 0" || printf '%s\n' "$out" | sed 's/^/#   /'
order=$(printf '%s\n' "$out" | sed -n 's/.*\[ok\] [0-9]*\/[0-9]* start \(xapp\/[a-z]*\).*/\1/p' |
	tr '\n' ' ')
like "$order" '^(xapp/cache )?xapp/db (xapp/cache )?xapp/app (xapp/cache )?xapp/web( xapp/cache)? ?$' \
	"start: db before app before web"
all=0
for n in $names; do
	p=$(pid_of "$n")
	live "$p" && [ "$(owner "$p")" = "$SSHD_USER" ] || all=1
done
ok $all "start: each daemon is running, as $SSHD_USER"
rc status xapp
is "$st" 0 "status, all up: exit 0"
like "$out" '^xapp: OK \(4 components: 4 OK\)' "status: all four OK"
like "$out" '\[OK\] +xapp/app +on h2 ' "status: app is on h2"

# --- the middle one dies -----------------------------------------------------
before=$(pids)
app_pid=$(pid_of app)
kill "$app_pid"
wait_for 120 eval '! live "$app_pid"'
rc status
is "$st" 2 "status with xapp/app killed: exit 2"
like "$out" '\[CRITICAL\] +xapp/app .*app not running' "status: app marked CRITICAL"

# --- plan changes nothing ----------------------------------------------------
rc plan restart xapp/app
is "$st" 0 "plan restart xapp/app: exit 0"
like "$out" 'xapp/web' "plan: lists the dependent on the other host"
unlike "$out" 'xapp/cache' "plan: not the unrelated component"
is "$(pids)" "$before" "plan: no pid file changed"
live "$app_pid"; is "$?" 1 "plan: the killed one is still down"

# --- restart brings back app and its dependent, nothing else ------------------
db_pid=$(pid_of db); cache_pid=$(pid_of cache); web_pid=$(pid_of web)
rc restart xapp/app
is "$st" 0 "restart xapp/app: exit 0"
like "$out" '\[ok\] [0-9]+/[0-9]+ stop xapp/web' "restart: stops the dependent on h1"
like "$out" '\[ok\] [0-9]+/[0-9]+ start xapp/web' "restart: starts it again"
new_app=$(pid_of app)
live "$new_app" && [ "$new_app" != "$app_pid" ]
ok $? "restart: app has a new live daemon"
new_web=$(pid_of web)
live "$new_web" && [ "$new_web" != "$web_pid" ]
ok $? "restart: web (its dependent) has a new live daemon"
live "$web_pid"; is "$?" 1 "restart: the old web daemon is gone"
is "$(pid_of db) $(pid_of cache)" "$db_pid $cache_pid" \
	"restart: db (required) and cache (unrelated) untouched"
live "$db_pid" && live "$cache_pid"; ok $? "restart: db and cache still live"
rc status xapp
is "$st" 0 "status after the restart: exit 0"

# --- stop everything ---------------------------------------------------------
last=$(pids)
rc stop xapp
is "$st" 0 "stop xapp: exit 0"
order=$(printf '%s\n' "$out" | sed -n 's/.*\[ok\] [0-9]*\/[0-9]* stop \(xapp\/[a-z]*\).*/\1/p' |
	tr '\n' ' ')
like "$order" '^(xapp/cache )?xapp/web (xapp/cache )?xapp/app (xapp/cache )?xapp/db( xapp/cache)? ?$' \
	"stop: web before app before db"
left=
for kv in $last; do
	p=${kv#*=}
	live "$p" && left="$left $kv"
done
is "$left" "" "stop: no daemon left (none live, zombies aside)"
rc status xapp
is "$st" 2 "status after stop: exit 2"

# --- history -------------------------------------------------------------------
rc history xapp
is "$st" 0 "history: exit 0"
like "$out" 'testnode .*start +xapp' "history: the start"
like "$out" 'testnode .*restart +xapp/app' "history: the restart"
like "$out" 'testnode .*stop +xapp' "history: the stop"

# --- check_component: a check that hangs ----------------------------------------
t0=$(now_ms)
out=$("$cc" -f "$cfg" -C hang/forever -t 2 2>&1); st=$?
dt=$(( $(now_ms) - t0 ))
is "$st" 3 "check that hangs, -t 2: UNKNOWN"
like "$(printf '%s\n' "$out" | head -1)" '^COMPONENT UNKNOWN - hang/forever on h2: ' \
	"check that hangs: the status line"
# generous: -t 2 against a check of 30 s (speed is measured in bench/)
[ "$dt" -lt 15000 ]; ok $? "check that hangs: returned in ${dt} ms (< 15000)"
no_sleep30() { ! pgrep -u "$SSHD_USER" -f 'sleep 30' >/dev/null; }
wait_for 120 no_sleep30
left=$(pgrep -u "$SSHD_USER" -f 'sleep 30')
is "$left" "" "check that hangs: no 'sleep 30' left as $SSHD_USER"
[ -n "$left" ] && diag "$(ps -o pid,ppid,stat,args -p "$(echo $left | tr ' ' ,)")"

# --- check_application: h1's sshd killed during the checks ------------------------
# h1's checks wait for run/go, removed here; its sshd (and the sessions
# it started) goes once the three run (an earlier status ran them too)
rm -f "$T"/run/slow.a? "$T/run/go"
t0=$(now_ms)
"$ca" -f "$cfg" -A slow -t 60 >"$T/ca.out" 2>&1 &
bg_pid=$!
wait_for 120 test -e "$T/run/slow.a1" -a -e "$T/run/slow.a2" -a -e "$T/run/slow.a3"
ok $? "h1's three checks running ($WAITED_MS ms)"
sshd_stop h1
wait "$bg_pid"; st=$?
bg_pid=
dt=$(( $(now_ms) - t0 ))
out=$(cat "$T/ca.out")
case $st in 2|3) ok 0 "h1 killed during the check: exit $st (2 or 3)" ;;
*) ok 1 "h1 killed during the check: exit $st (2 or 3)"; diag "$out" ;; esac
# the checks never end by themselves: returning before -t 60 shows the
# lost connection was seen, not waited out
[ "$dt" -lt 60000 ]; ok $? "h1 killed: returned in ${dt} ms (before -t 60)"
is "$(printf '%s\n' "$out" | grep -c '\[UNKNOWN\] .* on h1')" 3 \
	"h1 killed: its three components UNKNOWN"
is "$(printf '%s\n' "$out" | grep -c '\[OK\] .* on h2')" 3 \
	"h1 killed: h2's three OK"
is "$(printf '%s\n' "$out" | grep -c '\[OK\] .* on h1')" 0 \
	"h1 killed: none of h1's OK"

done_testing
