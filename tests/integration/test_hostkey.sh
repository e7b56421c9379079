#!/bin/sh
# relancectl hostkey (issue 4) against a throwaway sshd: the key offered
# and its fingerprint, known / unknown / MISMATCH, --add, and a check that
# works once the key is added.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/sshd.sh"

ctl="$top_builddir/ctl/relancectl"
[ -x "$ctl" ] || skip_all "relancectl not built"
sshd_setup
sshd_start h1
port=$SSHD_PORT_h1
T=$SSHD_DIR/hk
mkdir "$T"
unset RELANCE_CONFIG NO_COLOR
export LSAN_OPTIONS="suppressions=$top_srcdir/tests/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"

# conf KNOWN_HOSTS: a config whose [ssh] known_hosts is KNOWN_HOSTS
conf() {
	cat > "$T/relance.ini" <<EOF
[relance]
journal = $T/journal.jsonl
lock_dir = $T/locks
[ssh]
user = $SSHD_USER
identity = $SSHD_DIR/id_ed25519
known_hosts = $1
timeout = 5s
[host "h1"]
transport = ssh
address = 127.0.0.1
port = $port
[component "app/echo"]
host = h1
check = echo alive
start = true
stop = true
EOF
	chmod 600 "$T/relance.ini"
}
C="$ctl -c $T/relance.ini"

want=$(ssh-keygen -lf "$SSHD_DIR/h1/hostkey.pub" | cut -d' ' -f2)
like "$want" "^SHA256:" "ssh-keygen gives the host key's fingerprint"

# unknown: known_hosts does not exist yet
conf "$T/known_hosts"
out=$($C hostkey h1 2> "$T/err"); rc=$?
is $rc 0 "hostkey on an unknown host exits 0"
# (a fingerprint holds '+' and '/': compare it as a fixed string)
is "$(printf '%s\n' "$out" | head -1)" "h1 ([127.0.0.1]:$port): ssh-ed25519 $want" \
	"shows the ed25519 key with ssh-keygen's fingerprint"
like "$out" "known_hosts $T/known_hosts: unknown" "says it is unknown"
[ ! -e "$T/known_hosts" ]; ok $? "without --add, known_hosts is not written"
grep -q 'Accepted\|Postponed' "$SSHD_DIR/h1/sshd.log"
ok $((! $?)) "no authentication was attempted"

# before --add, a check fails on the host key
$C status app/echo > "$T/st" 2>&1
is $? 3 "status before --add: UNKNOWN (the host key stops the check)"
like "$(cat "$T/st")" "unknown host key" "because the host key is unknown"

# --add
out=$($C hostkey h1 --add 2> "$T/err"); rc=$?
is $rc 0 "--add exits 0"
like "$out" "added to $T/known_hosts" "says where it added the key"
is "$(cat "$T/known_hosts")" \
	"[127.0.0.1]:$port $(cut -d' ' -f1,2 "$SSHD_DIR/h1/hostkey.pub")" \
	"the line is OpenSSH's [addr]:port form with the key"
ssh-keygen -F "[127.0.0.1]:$port" -f "$T/known_hosts" > /dev/null
ok $? "ssh-keygen -F finds the host in it"
out=$($C hostkey h1 2> "$T/err")
like "$out" "known_hosts .*: known" "afterwards the key is known"
$C hostkey h1 --add > /dev/null 2>&1
is "$(wc -l < "$T/known_hosts")" 1 "a second --add adds nothing"
out=$($C --json hostkey h1)
printf '%s\n' "$out" | grep -qF "\"fingerprint\":\"$want\",\"known_hosts\":\"known\"}"
ok $? "--json gives the fingerprint and the state"

$C status app/echo > "$T/st" 2>&1
is $? 0 "status after --add: OK"

# one unparsable known_hosts line is skipped, as OpenSSH does, with a
# warning that names it (issue 12): it no longer fails every host
{ echo "this line is not a key"; cat "$T/known_hosts"; } > "$T/kh_odd"
conf "$T/kh_odd"
$C status app/echo > "$T/st" 2>&1
is $? 0 "an unparsable line before the host's line: status OK"
out=$($C hostkey h1 2> "$T/err"); rc=$?
is $rc 0 "hostkey exits 0 beside an unparsable line"
like "$out" "known_hosts .*: known" "the host's key after it is known"
is "$(cat "$T/err")" \
	"relancectl: warning: $T/kh_odd:1: cannot parse this known_hosts line, skipped" \
	"hostkey warns on stderr, naming the file and the line"
echo "[127.0.0.1]:$port ssh-ed25519 !!!" > "$T/kh_odd"
$C --json status app/echo > "$T/st" 2>&1
is $? 3 "only an unparsable line for the host: UNKNOWN"
like "$(cat "$T/st")" "unknown host key .*\\(unparsable known_hosts line 1 skipped\\)" \
	"the unknown-key error says the line was skipped"
conf "$T/known_hosts"

# MISMATCH: known_hosts holds another ed25519 key for the host
ssh-keygen -q -t ed25519 -N '' -f "$T/other" || exit 1
echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$T/other.pub")" > "$T/kh_bad"
conf "$T/kh_bad"
out=$($C hostkey h1 2> "$T/err"); rc=$?
is $rc 1 "a mismatch exits 1"
like "$out" "MISMATCH" "and says MISMATCH"
printf '%s\n' "$out" | grep -qF "ssh-ed25519 $want"
ok $? "still showing the key offered"
like "$(cat "$T/err")" "resolve it by hand" "and says to resolve it by hand"
cp "$T/kh_bad" "$T/kh_bad.before"
$C hostkey h1 --add > /dev/null 2> "$T/err"
is $? 1 "--add on a mismatch is refused (exit 1)"
like "$(cat "$T/err")" "nothing added" "and says so"
cmp -s "$T/kh_bad" "$T/kh_bad.before"
ok $? "known_hosts is left as it was"

# errors
conf "$T/known_hosts"
$C hostkey nosuch > /dev/null 2> "$T/err"
is $? 3 "an unknown host is a usage error (3)"
$C hostkey > /dev/null 2>&1
is $? 3 "no host is a usage error"
sshd_stop h1
$C hostkey h1 > /dev/null 2> "$T/err"
is $? 1 "sshd down: exit 1"
like "$(cat "$T/err")" "cannot connect to 127.0.0.1:$port" \
	"the error names the connect and the address"
# a listener that never speaks SSH: the deadline holds
python3 -c 'import socket,time,sys
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(5)
open(sys.argv[2], "w").close()
c=s.accept(); time.sleep(60)' "$port" "$T/listening" &
lpid=$!
wait_for 120 test -e "$T/listening" || diag "the silent listener did not start"
t0=$(date +%s%N)
$C -t 700ms hostkey h1 > /dev/null 2> "$T/err"; rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
kill "$lpid" 2>/dev/null
wait "$lpid" 2>/dev/null
is $rc 1 "a silent server: exit 1"
like "$(cat "$T/err")" "timeout during the SSH handshake" "a timeout at the handshake"
# generous: the deadline is 700 ms, the listener stays silent for 60 s
[ "$ms" -lt 10000 ]; ok $? "long before the listener gives up ($ms ms)"

done_testing
