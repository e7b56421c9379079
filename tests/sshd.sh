# tests/sshd.sh - throwaway OpenSSH servers on 127.0.0.1 for the tests.
# Source it (after tests/lib.sh), then:
#   sshd_setup                 temp dir $SSHD_DIR, keys, the user relance-test
#   sshd_start NAME            starts an sshd for host NAME on a free port
#                              (SSHD_EXTRA: more sshd_config lines);
#                              sets SSHD_PORT_<NAME>, adds it to known_hosts
#   sshd_stop NAME             stops it (its pid, then its children's pids)
# Files: $SSHD_DIR/id_ed25519 id_rsa id_ecdsa (user keys, no passphrase),
#        $SSHD_DIR/known_hosts ([127.0.0.1]:PORT entries), host keys
#        $SSHD_DIR/NAME/hostkey. The user is $SSHD_USER (shell /bin/sh).
# Everything started is stopped on exit (trap), by pid.
# bench/plugins.sh's WAN mode sets SSHD_ADDR (default 127.0.0.1) and
# SSHD_EXEC (a prefix such as `nsenter --net=/run/netns/NS`: the sshds
# and their port probes run in that network namespace).

SSHD_USER=relance-test
SSHD_ADDR=${SSHD_ADDR:-127.0.0.1}
SSHD_EXEC=${SSHD_EXEC:-}
SSHD_BIN=/usr/sbin/sshd
SSHD_NAMES=

sshd_skip_unless_possible() {
	[ -x "$SSHD_BIN" ] || skip_all "no $SSHD_BIN"
	[ "$(id -u)" = 0 ] || skip_all "needs root (test user and sshd)"
	command -v ssh-keygen >/dev/null || skip_all "no ssh-keygen"
}

sshd_setup() {
	sshd_skip_unless_possible
	SSHD_DIR=$(mktemp -d /tmp/rl-sshd-XXXXXX) || exit 1
	chmod 755 "$SSHD_DIR"
	trap sshd_cleanup EXIT
	trap 'exit 130' INT TERM
	mkdir -p /run/sshd && chmod 755 /run/sshd
	if ! id "$SSHD_USER" >/dev/null 2>&1; then
		useradd -M -d /tmp -s /bin/sh "$SSHD_USER" 2>/dev/null ||
			id "$SSHD_USER" >/dev/null 2>&1 ||
			{ echo "Bail out! cannot create user $SSHD_USER"; exit 1; }
	fi
	# a useradd password is locked ('!'): with UsePAM no sshd would then
	# refuse even a key; '*' means no password, not a locked account
	usermod -p '*' "$SSHD_USER" 2>/dev/null
	for t in ed25519 rsa ecdsa; do
		ssh-keygen -q -t "$t" -N '' -C "relance-test-$t" \
			-f "$SSHD_DIR/id_$t" || exit 1
	done
	ssh-keygen -q -t ed25519 -N '' -f "$SSHD_DIR/id_other" || exit 1
	cat "$SSHD_DIR/id_ed25519.pub" "$SSHD_DIR/id_rsa.pub" \
		"$SSHD_DIR/id_ecdsa.pub" >"$SSHD_DIR/authorized_keys"
	chmod 644 "$SSHD_DIR/authorized_keys"
	: >"$SSHD_DIR/known_hosts"
}

# A free TCP port on $SSHD_ADDR (the kernel picks it).
sshd_free_port() {
	$SSHD_EXEC python3 -c 'import socket, sys
s = socket.socket(); s.bind((sys.argv[1], 0)); print(s.getsockname()[1])' \
		"$SSHD_ADDR"
}

sshd_start() {
	name=$1
	d=$SSHD_DIR/$name
	mkdir -p "$d"
	# ed25519 and ECDSA host keys, known_hosts gets only ed25519 (as
	# `ssh` would write it): libssh2 must be told to ask for ed25519
	[ -f "$d/hostkey" ] ||
		ssh-keygen -q -t ed25519 -N '' -f "$d/hostkey" || exit 1
	[ -f "$d/hostkey_ecdsa" ] ||
		ssh-keygen -q -t ecdsa -N '' -f "$d/hostkey_ecdsa" || exit 1
	port=$(sshd_free_port)
	cat >"$d/sshd_config" <<EOF
ListenAddress $SSHD_ADDR
Port $port
HostKey $d/hostkey_ecdsa
HostKey $d/hostkey
PidFile $d/sshd.pid
AuthorizedKeysFile $SSHD_DIR/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
UsePAM no
StrictModes no
LogLevel VERBOSE
MaxSessions 10
AllowUsers $SSHD_USER
${SSHD_EXTRA:-}
EOF
	rm -f "$d/sshd.pid"
	$SSHD_EXEC "$SSHD_BIN" -f "$d/sshd_config" -E "$d/sshd.log" ||
		{ echo "Bail out! sshd did not start"; cat "$d/sshd.log"; exit 1; }
	i=0
	while ! [ -s "$d/sshd.pid" ] ||
		! $SSHD_EXEC python3 -c 'import socket,sys
socket.create_connection((sys.argv[2], int(sys.argv[1])), 0.2).close()' \
			"$port" "$SSHD_ADDR" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 2400 ] || { echo "Bail out! sshd on port $port"; exit 1; }
		sleep 0.05
	done
	eval "SSHD_PORT_$name=$port"
	echo "[$SSHD_ADDR]:$port $(cut -d' ' -f1,2 "$d/hostkey.pub")" \
		>>"$SSHD_DIR/known_hosts"
	SSHD_NAMES="$SSHD_NAMES $name"
}

# The pids under pid ($1), deepest last.
sshd_tree() {
	echo "$1"
	for c in $(pgrep -P "$1" 2>/dev/null); do sshd_tree "$c"; done
}

# Kills the sshd of NAME and every process it started (sessions,
# commands), by pid.
sshd_stop() {
	pidf=$SSHD_DIR/$1/sshd.pid
	[ -s "$pidf" ] || return 0
	pids=$(sshd_tree "$(cat "$pidf")")
	# shellcheck disable=SC2086
	kill -9 $pids 2>/dev/null
	rm -f "$pidf"
	# gone (or a zombie: PID 1 here may not reap) before we return, so
	# a test that stops a host meets a closed port, not a dying sshd
	for p in $pids; do
		i=0
		while [ -r "/proc/$p/stat" ] &&
			[ "$(sed 's/^.*) \(.\).*/\1/' "/proc/$p/stat" 2>/dev/null)" != Z ]; do
			i=$((i + 1))
			[ $i -lt 1000 ] || break
			sleep 0.01
		done
	done
}

# Runs the ssh backend driver (tests/ssh_drive) with the test's files;
# extra options first, commands on stdin.
# A run that exits non-zero (a crash, a leak found by ASan) is recorded
# for sshd_drive_ok.
sshd_drive() {
	LSAN_OPTIONS="suppressions=$top_srcdir/tests/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}" \
	ASAN_OPTIONS="fast_unwind_on_malloc=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}" \
	"$top_builddir/tests/ssh_drive" -k "$SSHD_DIR/known_hosts" \
		-u "$SSHD_USER" "$@" 2>>"$SSHD_DIR/drive.err" ||
		echo "exit $? of: ssh_drive $*" >>"$SSHD_DIR/drive.fail"
}

# One test: every sshd_drive run exited 0 (shows their stderr if not).
sshd_drive_ok() {
	if [ -s "$SSHD_DIR/drive.fail" ]; then
		ok 1 "every ssh_drive run exited 0 (no crash, no leak)"
		sed 's/^/#   /' "$SSHD_DIR/drive.fail" "$SSHD_DIR/drive.err" |
			head -40
	else
		ok 0 "every ssh_drive run exited 0 (no crash, no leak)"
	fi
}

# Field F (status, stage, exit, ...) of command I of batch B in output O.
field() { # field OUTPUT B I F
	printf '%s\n' "$1" | grep "^batch=$2 cmd=$3 " |
		sed -n "s/.* $4=\([^ ]*\).*/\1/p"
}

sshd_cleanup() {
	for n in $SSHD_NAMES; do sshd_stop "$n"; done
	[ -n "${SSHD_KEEP:-}" ] || rm -rf "$SSHD_DIR"
}
