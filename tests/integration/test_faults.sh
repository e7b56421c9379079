#!/bin/sh
# The fault matrix of issue 12: what relance leaves when it is killed,
# when its files are hostile, when its peers die. Each group of cases is a
# function of its own (faults_<topic>), called at the end; other groups
# may be added beside them.
#
# faults_signals (issue 12 item 4): relancectl and the handler's worker
# told to stop (SIGTERM, SIGINT) kill the command they run, journal an
# "interrupted" end for the step and the plan, release their locks and
# exit 128+signal; killed by SIGKILL, the command they ran dies with them;
# over SSH, the remote command dies when the channel closes.
#
# The component is a real small process (comp.sh): every start and stop
# writes "begin PID ACTION" / "end PID ACTION" to DIR/svc.log and its own
# pid and its parent's to DIR/ACTION.pid; a start waits while DIR/gate
# exists, a stop while DIR/gate.stop does (relancectl/gated.sh).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/sshd.sh"
. "$top_srcdir/tests/integration/relancectl/config.sh"

ctl=$top_builddir/ctl/relancectl
hc=$top_builddir/handlers/handle_component
[ -x "$ctl" ] && [ -x "$hc" ] ||
	skip_all "relancectl or handle_component not built"
unset RELANCE_CONFIG NO_COLOR

T=$(mktemp -d "${TMPDIR:-/tmp}/faults.XXXXXX") || exit 1
bg_pids=
cleanup() {
	rm -f "$T/gate" "$T/gate.stop"
	for p in $bg_pids; do kill "$p" 2>/dev/null; done
	[ -f "$T/svc.pid" ] && kill "$(cat "$T/svc.pid")" 2>/dev/null
	[ -n "$SSHD_DIR" ] && sshd_cleanup
	rm -rf "$T"
}
trap cleanup EXIT
[ -n "$RELANCE_TEST_KEEP" ] && trap - EXIT # to look around after a failure
trap 'exit 1' INT TERM

# --- shared helpers ------------------------------------------------------------

gone() { ! [ -r "/proc/$1/stat" ] || sed 's/.*) //' "/proc/$1/stat" | grep -q '^Z'; }
alive() { ! gone "$1"; }

# --- faults_signals ----------------------------------------------------------

sig_setup() {
	gated_install "$T"
	C=faults/svc
	cat >"$T/relance.ini" <<EOF
[relance]
node          = faults
journal       = $T/journal.jsonl
lock_dir      = $T/locks
host_lock_dir = $T/hostlocks
hold_dir      = $T/holds

[host "here"]
transport = local

$(gated_component "$C" here "$T")
start_timeout = 90s
stop_timeout  = 90s
restart_limit = 100/1h
EOF
	chmod 600 "$T/relance.ini"
	CFG=$T/relance.ini
}

logged() { grep -q "^begin [0-9]* $1" "$T/svc.log" 2>/dev/null && [ -s "$T/$1.pid" ]; }
# the journal's records of the last run
last_run() { grep "\"run\":\"$(grep '"event":"plan","phase":"begin"' \
	"$T/journal.jsonl" | tail -n 1 | sed 's/.*"run":"\([^"]*\)".*/\1/')\"" "$T/journal.jsonl"; }
# the log's intervals without the killed pid's: each begin followed by its
# own end, nothing open
no_overlap_but() {
	grep -v "^[a-z]* $1 " "$T/svc.log" | awk '
	     $1 == "begin" { if (open != "") bad = 1; open = $2 }
	     $1 == "end" { if (open != $2) bad = 1; open = "" }
	     END { exit bad || open != "" }'
}
host_lock_free() { [ -z "$(ls -A "$T/hostlocks" 2>/dev/null)" ]; }
show() { sed 's/^/#   /' "$@"; }

# sig_ctl_interrupt SIGNAL WANT-EXIT [--json]: relancectl stop, told to
# stop while the stop command waits at its gate
sig_ctl_interrupt() {
	"$ctl" -c "$CFG" start "$C" >/dev/null 2>&1
	ok $? "$1: $C runs"
	: >"$T/svc.log"
	rm -f "$T/stop.pid"
	touch "$T/gate.stop"
	# a script's background job ignores SIGINT: give it back its default
	env --default-signal=INT "$ctl" ${3:-} -c "$CFG" stop "$C" >"$T/ctl.out" 2>&1 &
	p=$!
	bg_pids="$bg_pids $p"
	wait_for 30 logged stop
	ok $? "$1: relancectl stop is inside the stop command"
	read -r stop_pid stop_parent <"$T/stop.pid"
	is "$stop_parent" "$p" "$1: the stop command is relancectl's child"
	kill -"$1" "$p"
	wait "$p"
	is $? "$2" "$1: relancectl exits $2"
	wait_for 10 gone "$stop_pid"
	ok $? "$1: the stop command is gone"
	like "$(cat "$T/ctl.out")" "INTERRUPTED" "$1: relancectl says the stop was interrupted" ||
		show "$T/ctl.out"
	[ "${3:-}" = --json ] && like "$(cat "$T/ctl.out")" '"outcome":"INTERRUPTED"' \
		"$1 --json: the step's outcome is INTERRUPTED, as in the text"
	run=$(last_run)
	like "$run" '"event":"step","phase":"begin","action":"stop"' "$1: journal: the step's begin"
	like "$run" '"event":"step","phase":"end","action":"stop".*"result":"interrupted"' \
		"$1: journal: the step ends interrupted"
	like "$run" '"event":"plan","phase":"end".*"result":"interrupted"' \
		"$1: journal: the plan ends interrupted"
	host_lock_free
	ok $? "$1: the host lock is released" || ls -la "$T/hostlocks" | show
	# the component was left as the stop left it: a restart brings it
	# back, not refused by any lock, and nothing of the killed stop runs
	rm -f "$T/gate.stop"
	"$ctl" -c "$CFG" restart "$C" >"$T/ctl2.out" 2>&1
	is $? 0 "$1: an immediate restart is not refused" || show "$T/ctl2.out"
	! grep -q "^end $stop_pid " "$T/svc.log"
	ok $? "$1: the killed stop never went on"
	no_overlap_but "$stop_pid"
	ok $? "$1: the restart's steps never overlap" || show "$T/svc.log"
}

sig_ctl_kill() {
	: >"$T/svc.log"
	rm -f "$T/stop.pid"
	touch "$T/gate.stop"
	"$ctl" -c "$CFG" stop "$C" >/dev/null 2>&1 &
	p=$!
	bg_pids="$bg_pids $p"
	wait_for 30 logged stop
	ok $? "KILL: relancectl stop is inside the stop command"
	read -r stop_pid stop_parent <"$T/stop.pid"
	kill -KILL "$p"
	wait "$p"
	is $? 137 "KILL: relancectl is killed"
	wait_for 10 gone "$stop_pid"
	ok $? "KILL: its stop command is gone within ${WAITED_MS} ms"
	like "$("$ctl" -c "$CFG" history "$C" | tail -n 1)" \
		"plan stop +$C +no end +- +[0-9a-f]{8} +no end recorded \(killed\?\)" \
		"KILL: history shows the plan without an end as killed"
	rm -f "$T/gate.stop"
	# the dead relancectl's host lock is taken over at once (its owner
	# is a process of this node that is gone), said and journaled
	"$ctl" -c "$CFG" start "$C" >"$T/ctl2.out" 2>&1
	is $? 0 "KILL: a start right after is not refused" || show "$T/ctl2.out"
	grep -q "host lock of $C taken over: its owner on this node is gone" \
		"$T/ctl2.out"
	ok $? "KILL: the start says it took the dead owner's host lock over" ||
		show "$T/ctl2.out"
	grep -Eq '"event":"hostlock".*"result":"taken-over".*"config":"[0-9a-f]{64}"' \
		"$T/journal.jsonl"
	ok $? "KILL: the takeover is journaled, with the config's hash"
}

# sig_worker SIGNAL: the handler's detached worker, inside the start of
# the restart it heals with, gets SIGNAL
sig_worker() {
	"$ctl" -c "$CFG" stop "$C" >/dev/null 2>&1
	ok $? "worker $1: $C is down"
	: >"$T/svc.log"
	rm -f "$T/start.pid"
	touch "$T/gate"
	"$hc" -c "$CFG" -C "$C" --state CRITICAL --state-type HARD --attempt 1 \
		>"$T/hc.out" 2>&1
	is $? 0 "worker $1: the handler decides and returns to the core" ||
		show "$T/hc.out"
	wait_for 30 logged start
	ok $? "worker $1: the worker is inside the start command"
	read -r start_pid worker <"$T/start.pid"
	alive "$worker"
	ok $? "worker $1: its parent, the worker, runs"
	kill -"$1" "$worker"
	wait_for 10 gone "$worker"
	ok $? "worker $1: the worker ends"
	wait_for 10 gone "$start_pid"
	ok $? "worker $1: its start command is gone"
	if [ "$1" = TERM ]; then
		run=$(last_run)
		like "$run" '"event":"step","phase":"end","action":"start".*"result":"interrupted"' \
			"worker TERM: journal: the step ends interrupted"
		like "$run" '"event":"plan","phase":"end".*"result":"interrupted"' \
			"worker TERM: journal: the plan ends interrupted"
		host_lock_free
		ok $? "worker TERM: the host lock is released"
	fi
	rm -f "$T/gate"
	# after a SIGKILL the dead worker's host lock is taken over at once
	"$ctl" -c "$CFG" start "$C" >"$T/ctl2.out" 2>&1
	is $? 0 "worker $1: a start by hand right after is not refused" ||
		show "$T/ctl2.out"
}

# Over SSH: relancectl is killed (SIGKILL) while a remote stop runs; the
# session's TCP connection closes with it, and the remote wrapper kills
# the stop command.
faults_signals_ssh() {
	if ! [ -x "$SSHD_BIN" ] || [ "$(id -u)" != 0 ] ||
		! command -v ssh-keygen >/dev/null; then
		diag "no loopback sshd (root, $SSHD_BIN, ssh-keygen): ssh case skipped"
		return
	fi
	sshd_setup
	trap cleanup EXIT
	sshd_start h1
	R=$T/ssh
	mkdir "$R"
	chmod 755 "$T"
	chmod 777 "$R"
	gated_install "$R"
	cat >"$T/ssh.ini" <<EOF
[relance]
node          = faults
journal       = $T/journal-ssh.jsonl
lock_dir      = $T/locks-ssh
host_lock_dir = $R/hostlocks

[ssh]
user        = $SSHD_USER
identity    = $SSHD_DIR/id_ed25519
known_hosts = $SSHD_DIR/known_hosts
timeout     = 5s

[host "h1"]
address = 127.0.0.1
port    = $SSHD_PORT_h1

$(gated_component faults/remote h1 "$R")
start_timeout = 90s
stop_timeout  = 90s
EOF
	chmod 600 "$T/ssh.ini"
	"$ctl" -c "$T/ssh.ini" start faults/remote >"$T/ssh1.out" 2>&1
	ok $? "ssh: faults/remote runs on h1" || show "$T/ssh1.out"
	touch "$R/gate.stop"
	"$ctl" -c "$T/ssh.ini" stop faults/remote >/dev/null 2>&1 &
	p=$!
	bg_pids="$bg_pids $p"
	wait_for 30 eval '[ -s "$R/stop.pid" ]'
	ok $? "ssh: the remote stop command runs"
	read -r stop_pid stop_parent <"$R/stop.pid"
	alive "$stop_pid"
	ok $? "ssh: it is alive before the kill"
	kill -KILL "$p"
	wait "$p"
	wait_for 10 gone "$stop_pid"
	ok $? "ssh: the remote stop is gone after the channel closed (${WAITED_MS} ms)"
	rm -f "$R/gate.stop"
	[ -f "$R/svc.pid" ] && kill "$(cat "$R/svc.pid")" 2>/dev/null
}

faults_signals() {
	command -v setsid >/dev/null || { diag "setsid needed: signals skipped"; return; }
	sig_setup
	sig_ctl_interrupt TERM 143
	sig_ctl_interrupt INT 130
	sig_ctl_interrupt HUP 129
	sig_ctl_interrupt TERM 143 --json
	sig_ctl_kill
	sig_worker TERM
	sig_worker KILL
}

faults_signals
faults_signals_ssh
done_testing
