#!/bin/sh
# Many commands: more channels than sshd's MaxSessions on one host, many
# hosts at once, a capped number of handshakes, and an sshd killed in the
# middle of a batch.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/sshd.sh"
sshd_setup
for h in h1 h2 h3 h4 h5; do sshd_start $h; done
K="-i $SSHD_DIR/id_ed25519"
hosts() { for h in "$@"; do eval "printf -- '-h %s=127.0.0.1:%s ' $h \$SSHD_PORT_$h"; done; }
count() { printf '%s\n' "$1" | grep -c "$2"; }

cmds() { # cmds N HOST...: N commands spread over the hosts
	i=0
	while [ $i -lt "$1" ]; do
		shift_by=$(( i % ($# - 1) + 2 ))
		eval "h=\${$shift_by}"
		echo "$h 0 - echo c$i; sleep 0.05"
		i=$((i + 1))
	done
}

# shellcheck disable=SC2046
out=$(cmds 15 h1 | sshd_drive $K $(hosts h1))
is "$(count "$out" 'status=exited .*exit=0 ')" 15 \
	"15 commands on one host (MaxSessions 10): all succeed"
is "$(count "$out" 'out=\[c[0-9]*\\n\]')" 15 "... each with its output"

# channels up to sshd's limit: refused opens (-21) are retried
# shellcheck disable=SC2046
out=$(cmds 40 h2 | sshd_drive $K -C 10 $(hosts h2))
is "$(count "$out" 'status=exited .*exit=0 ')" 40 \
	"40 commands with 10 channels per session: all succeed"

# shellcheck disable=SC2046
out=$(cmds 30 h1 h2 h3 h4 h5 | sshd_drive $K -S 2 $(hosts h1 h2 h3 h4 h5))
is "$(count "$out" 'status=exited .*exit=0 ')" 30 \
	"30 commands on 5 hosts, 2 handshakes at a time: all succeed"
ms=$(printf '%s\n' "$out" | sed -n 's/^batch=0 wall_ms=//p')
# generous (a busy machine); speed is measured in bench/
[ "$ms" -lt 30000 ]; ok $? "... in $ms ms"

# sshd of h3 killed (with its sessions) while the batch runs
# h3's commands sleep 86398 s, a time no other command uses, so that the
# test can see them all running on the target before it kills h3's sshd:
# killed earlier, under load, a session not yet forked escaped the kill and
# its commands finished normally. They never end by themselves, so however
# slow the machine they are still running when the kill comes.
cmds 20 h1 h3 h4 | sed 's/sleep 0.05/sleep 1/; /^h3 /s/sleep 1$/sleep 86398/' \
	>"$SSHD_DIR/cmds"
# shellcheck disable=SC2046
sshd_drive $K -d 60000 $(hosts h1 h3 h4) <"$SSHD_DIR/cmds" \
	>"$SSHD_DIR/out" &
drive=$!
seven_h3() { [ "$(pgrep -u "$SSHD_USER" -fc '^sleep 86398$')" -ge 7 ]; }
wait_for 120 seven_h3
sshd_stop h3
t0=$(date +%s%N)
wait $drive
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
out=$(cat "$SSHD_DIR/out")
is "$(count "$out" 'host=h[14] status=exited .*exit=0 ')" 13 \
	"sshd killed mid-batch: the other hosts' commands finish"
n3=$(count "$out" 'host=h3 status=\(failed\|timeout\) ')
is "$n3" 7 "... that host's commands are FAILED or TIMEOUT"
like "$out" "host=h3 status=failed stage=(command|exec) .*connection to 127.0.0.1:[0-9]* lost" \
	"... saying the connection was lost"
# the deadline is 60 s: returning well before it, nothing waited it out
[ "$ms" -lt 30000 ]; ok $? "... and nothing hangs ($ms ms after the kill)"
sshd_drive_ok
done_testing
