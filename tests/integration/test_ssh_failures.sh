#!/bin/sh
# The ssh backend's failures, each at its stage and with its message:
# connect, handshake, host key (unknown, changed, hashed, type trap),
# authentication (wrong key, RSA key, passphrase, agent).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/sshd.sh"
sshd_setup
sshd_start h1
P=$SSHD_PORT_h1
K=$SSHD_DIR/id_ed25519
line() { printf '%s\n' "$1" | grep "^batch=$2 cmd=$3 "; }
has() { # has TEXT SUBSTRING DESC: a fixed-string like()
	case $1 in *"$2"*) ok 0 "$3" ;; *) ok 1 "$3"
		printf '#   no "%s" in:\n#     %s\n' "$2" "$1" ;; esac
}
one() { port=$1; shift; echo 'h1 0 - echo ok' |
	sshd_drive -h "h1=127.0.0.1:$port" "$@"; }

out=$(one "$P" -i "$K")
is "$(field "$out" 0 0 status)" exited \
	"host offers ECDSA+ed25519, known_hosts has ed25519 only: it works"

# connection refused: a port where nothing listens
dead=$(sshd_free_port)
out=$(one "$dead" -i "$K")
is "$(field "$out" 0 0 status)/$(field "$out" 0 0 stage)" failed/connect \
	"sshd down: FAILED at connect"
like "$(line "$out" 0 0)" "host 'h1': cannot connect to 127.0.0.1:$dead: Connection refused" \
	"... saying which host and why"

# a port that accepts and never speaks
lport=$(sshd_free_port)
python3 -c 'import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(5)
conns = []
sys.stdout.write("ready\n"); sys.stdout.flush()
while True:
    c, _ = s.accept(); conns.append(c)' "$lport" >"$SSHD_DIR/mute.out" &
mute=$!
wait_for 120 grep -q ready "$SSHD_DIR/mute.out"
t0=$(date +%s%N)
out=$(one "$lport" -i "$K" -T 1000)
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
kill "$mute"
is "$(field "$out" 0 0 status)/$(field "$out" 0 0 stage)" timeout/handshake \
	"a mute server: TIMEOUT at handshake"
[ "$ms" -ge 950 ] && [ "$ms" -lt 6000 ]
ok $? "... after the connect timeout of 1s ($ms ms)"

# unknown host key: the fingerprint is the one ssh-keygen shows
fp=$(ssh-keygen -lf "$SSHD_DIR/h1/hostkey.pub" | cut -d' ' -f2)
: >"$SSHD_DIR/empty_kh"
out=$(one "$P" -i "$K" -k "$SSHD_DIR/empty_kh")
is "$(field "$out" 0 0 status)/$(field "$out" 0 0 stage)" failed/hostkey \
	"unknown host key: FAILED at hostkey"
has "$(line "$out" 0 0)" "host 'h1': unknown host key ssh-ed25519 $fp at 127.0.0.1:$P — compare it and add it with 'relancectl hostkey h1 --add'" \
	"... with the ed25519 fingerprint as ssh-keygen prints it"
out=$(one "$P" -i "$K" -k "$SSHD_DIR/nonexistent_kh")
is "$(field "$out" 0 0 stage)" hostkey "a missing known_hosts: unknown key"

# changed host key
ssh-keygen -q -t ed25519 -N '' -f "$SSHD_DIR/otherhost"
echo "[127.0.0.1]:$P $(cut -d' ' -f1,2 "$SSHD_DIR/otherhost.pub")" \
	>"$SSHD_DIR/changed_kh"
n0=$(grep -c 'Accepted publickey' "$SSHD_DIR/h1/sshd.log")
out=$(one "$P" -i "$K" -k "$SSHD_DIR/changed_kh")
is "$(field "$out" 0 0 status)/$(field "$out" 0 0 stage)" failed/hostkey \
	"changed host key: FAILED at hostkey"
has "$(line "$out" 0 0)" "host 'h1': HOST KEY MISMATCH at 127.0.0.1:$P: the host offered ssh-ed25519 $fp" \
	"... loudly, with the offered fingerprint"
is "$(grep -c 'Accepted publickey' "$SSHD_DIR/h1/sshd.log")" "$n0" \
	"... and no authentication was attempted"

# hashed known_hosts, with an ECDSA line of another port beside it
cp "$SSHD_DIR/known_hosts" "$SSHD_DIR/hashed_kh"
echo "[127.0.0.1]:1 $(cut -d' ' -f1,2 "$SSHD_DIR/h1/hostkey_ecdsa.pub")" \
	>>"$SSHD_DIR/hashed_kh"
ssh-keygen -q -H -f "$SSHD_DIR/hashed_kh" >/dev/null 2>&1
rm -f "$SSHD_DIR/hashed_kh.old"
grep -q '^|1|' "$SSHD_DIR/hashed_kh"; ok $? "(the known_hosts is hashed)"
out=$(one "$P" -i "$K" -k "$SSHD_DIR/hashed_kh")
is "$(field "$out" 0 0 status)" exited "a hashed known_hosts entry matches"

# only the ECDSA key known: libssh2 must ask for ECDSA then
echo "[127.0.0.1]:$P $(cut -d' ' -f1,2 "$SSHD_DIR/h1/hostkey_ecdsa.pub")" \
	>"$SSHD_DIR/ecdsa_kh"
out=$(one "$P" -i "$K" -k "$SSHD_DIR/ecdsa_kh")
is "$(field "$out" 0 0 status)" exited \
	"the host-key type follows known_hosts (ECDSA only)"

# authentication
out=$(one "$P" -i "$SSHD_DIR/id_other")
is "$(field "$out" 0 0 status)/$(field "$out" 0 0 stage)" failed/auth \
	"a key the server does not know: FAILED at auth"
like "$(line "$out" 0 0)" "the server refused the key '$SSHD_DIR/id_other' for user 'relance-test'" \
	"... naming the key and the user"
out=$(one "$P" -i "$SSHD_DIR/id_rsa")
is "$(field "$out" 0 0 stage)" auth "an RSA user key fails at auth"
like "$(line "$out" 0 0)" "the server refused the RSA key '.*': libssh2 1.10 cannot sign with rsa-sha2; use an ed25519 or ECDSA key" \
	"... with the reason and the cure"
out=$(one "$P" -i "$SSHD_DIR/id_ecdsa")
is "$(field "$out" 0 0 status)" exited "an ECDSA user key works"

ssh-keygen -q -t ed25519 -N 'sesame' -f "$SSHD_DIR/id_pass"
cat "$SSHD_DIR/id_pass.pub" >>"$SSHD_DIR/authorized_keys"
printf 'sesame\n' >"$SSHD_DIR/pass"
printf 'wrong\n' >"$SSHD_DIR/badpass"
out=$(one "$P" -i "$SSHD_DIR/id_pass" -P "$SSHD_DIR/pass")
is "$(field "$out" 0 0 status)" exited "a key with a passphrase from a file"
out=$(one "$P" -i "$SSHD_DIR/id_pass" -P "$SSHD_DIR/badpass")
is "$(field "$out" 0 0 status)/$(field "$out" 0 0 stage)" failed/auth \
	"a wrong passphrase: FAILED at auth"
like "$(line "$out" 0 0)" "cannot use identity '.*id_pass' \\(wrong passphrase" \
	"... saying so"

out=$(echo 'h1 0 - echo ok' | env -u SSH_AUTH_SOCK "$top_builddir/tests/ssh_drive" \
	-k "$SSHD_DIR/known_hosts" -u "$SSHD_USER" -h "h1=127.0.0.1:$P")
like "$(line "$out" 0 0)" "status=failed stage=auth .*no identity configured" \
	"no identity and no agent: FAILED at auth"
if command -v ssh-agent >/dev/null; then
	eval "$(ssh-agent -a "$SSHD_DIR/agent.sock" -s)" >/dev/null
	ssh-add -q "$SSHD_DIR/id_other" "$SSHD_DIR/id_ed25519" 2>/dev/null
	out=$(echo 'h1 0 - echo ok' | "$top_builddir/tests/ssh_drive" \
		-k "$SSHD_DIR/known_hosts" -u "$SSHD_USER" -h "h1=127.0.0.1:$P")
	kill "$SSH_AGENT_PID"
	is "$(field "$out" 0 0 status)" exited \
		"no identity: the agent's second key is accepted"
fi
sshd_drive_ok

# --- relancectl: a host lost in the middle of a stop -------------------------
# h1's sshd (and the session running the stop) is killed while the stop
# runs: the stop fails, and the check after it cannot connect. The
# component's state is then unknown, not down: relancectl's line says
# "state unknown" and "down now: none". (Last: h1 stays down.)
ctl="$top_builddir/ctl/relancectl"
R=$SSHD_DIR/rl		# ours: config, journal, locks
L=$SSHD_DIR/lost	# the target side's, as $SSHD_USER
mkdir -p "$R/locks" "$L"
chown "$SSHD_USER" "$L"
{
	printf '[relance]\njournal = %s/journal.jsonl\nlock_dir = %s/locks\n' "$R" "$R"
	printf 'host_lock_dir = %s/hostlocks\nnode = testnode\n\n' "$L"
	printf '[ssh]\nuser = %s\nidentity = %s\n' "$SSHD_USER" "$K"
	printf 'known_hosts = %s/known_hosts\ntimeout = 3s\n\n' "$SSHD_DIR"
	printf '[host "h1"]\naddress = 127.0.0.1\nport = %s\n\n' "$P"
	printf '[component "lost/a"]\nhost = h1\ncheck = echo a answers\n'
	printf 'start = true\nstop = touch %s/stopping; exec sleep 30\n' "$L"
	printf 'check_timeout = 3s\nstop_timeout = 20s\n'
} >"$R/relance.ini"
chmod 600 "$R/relance.ini"
"$ctl" -c "$R/relance.ini" --no-color stop lost/a >"$R/out" 2>"$R/err" &
stopper=$!
wait_for 15 test -f "$L/stopping"
ok $? "relancectl: the stop of lost/a runs on h1"
sshd_stop h1
wait "$stopper"
is "$?" 1 "h1 lost during the stop: exit 1"
err=$(cat "$R/err")
has "$err" "relancectl: stop lost/a failed; down now: none; state unknown: lost/a" \
	"... its state is unknown, not down"
has "$(cat "$R/out")" "down now: none; state unknown: lost/a" \
	"... on standard output too"
like "$(grep '"event":"plan","phase":"end"' "$R/journal.jsonl")" \
	'"message":"0 of 1 steps done; state unknown: lost/a"' \
	"... and in the journal's end record"
done_testing
