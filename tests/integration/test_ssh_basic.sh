#!/bin/sh
# The ssh backend against a real sshd: results, outputs, timeouts that
# leave nothing running on the target, session reuse.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/sshd.sh"
sshd_setup
sshd_start h1
H="-i $SSHD_DIR/id_ed25519 -h h1=127.0.0.1:$SSHD_PORT_h1"
line() { printf '%s\n' "$1" | grep "^batch=$2 cmd=$3 "; }

# shellcheck disable=SC2016
out=$(sshd_drive $H -r 3 <<'CMDS'
h1 0 fx/pricer echo "hello $RELANCE_COMPONENT"; echo oops >&2
h1 0 - exit 3
h1 0 - kill -9 $$
h1 0 - printf 'a b\nc'; printf 'e1\ne2\n' >&2; exit 0
h1 0 - echo "it's" "$(echo quoted \"x\")"
CMDS
)
is "$(field "$out" 0 0 status)/$(field "$out" 0 0 exit)" "exited/0" \
	"a command that succeeds: exited 0"
like "$(line "$out" 0 0)" 'out=\[hello fx/pricer\\n\] err=\[oops\\n\]' \
	"stdout, stderr and RELANCE_COMPONENT come back"
is "$(field "$out" 0 1 status)/$(field "$out" 0 1 exit)" "exited/3" \
	"a failing command: exit 3"
is "$(field "$out" 0 2 status)/$(field "$out" 0 2 signal)" "signaled/9" \
	"a command killed by SIGKILL: the exit signal"
like "$(line "$out" 0 3)" 'out=\[a b\\nc\] err=\[e1\\ne2\\n\]' \
	"outputs are kept whole"
like "$(line "$out" 0 4)" "out=\\[it's quoted \"x\"\\\\n\\]" \
	"quotes in the command survive the remote wrapper"
like "$(line "$out" 2 3)" 'status=exited .*out=\[a b\\nc\]' \
	"the third batch works as the first"
is "$(grep -c 'Accepted publickey' "$SSHD_DIR/h1/sshd.log")" 1 \
	"three batches, one SSH session"

# A hanging command past its own timeout: TIMEOUT in time, and nothing
# of it left on the target.
marker="9$$"
t0=$(date +%s%N)
out=$(printf 'h1 800 - sleep %s; echo never\nh1 0 - echo quick\n' \
	"$marker" | sshd_drive $H -d 5000)
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
is "$(field "$out" 0 0 status)/$(field "$out" 0 0 stage)" "timeout/command" \
	"a hanging command times out at stage command"
like "$(line "$out" 0 0)" "host .h1.: timed out after 0.8s while running the command" \
	"the timeout says how long and where"
is "$(field "$out" 0 1 status)" exited "its neighbour on the session is fine"
# generous (a busy machine): the command would sleep for a day
[ "$ms" -lt 10000 ]; ok $? "the batch ends soon after the timeout ($ms ms)"
gone() { ! pgrep -u "$SSHD_USER" -f "sleep $1" >/dev/null; }
wait_for 120 gone "$marker"
ok $? "the timed-out command does not survive on the target"

# The batch deadline, with no timeout of the command's own: the remote
# side stops it too, and the next batch connects again.
marker="8$$"
t0=$(date +%s%N)
out=$(printf 'h1 0 - sleep %s\n' "$marker" | sshd_drive $H -d 700 -r 2)
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
is "$(field "$out" 0 0 status)" timeout "the batch deadline ends a command"
is "$(field "$out" 1 0 status)" timeout "... in the next batch as well"
[ "$ms" -lt 10000 ]; ok $? "two 700ms batches take $ms ms"
wait_for 120 gone "$marker"
ok $? "a command cut by the batch deadline does not survive"
# The server closes the kept session between two batches: the second
# batch connects again instead of failing.
n0=$(grep -c 'Accepted publickey' "$SSHD_DIR/h1/sshd.log")
echo 'h1 0 - echo again' | sshd_drive $H -r 2 -w 3000 >"$SSHD_DIR/re.out" &
drive=$!
# the first batch is done (its lines are flushed): its session is kept
# for the second, 3 s later
wait_for 120 grep -q '^batch=0 wall_ms=' "$SSHD_DIR/re.out"
for pid in $(pgrep -P "$(cat "$SSHD_DIR/h1/sshd.pid")"); do
	sshd_tree "$pid"
done | xargs -r kill -9
wait $drive
out=$(cat "$SSHD_DIR/re.out")
like "$(line "$out" 1 0)" 'status=exited .*out=\[again\\n\]' \
	"a session closed by the server between batches: reconnected"
is "$(( $(grep -c 'Accepted publickey' "$SSHD_DIR/h1/sshd.log") - n0 ))" 2 \
	"... with a second login"
sshd_drive_ok
done_testing
