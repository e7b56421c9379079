#!/bin/sh
# One remote command per host (issue 17): the checks of a host run in one
# exec, framed (lib/shell.c rl_shell_compose_batch), with the same results
# as a channel each; stdout and stderr apart; output that looks like a
# frame; megabytes of output; a hanging check with a short timeout while
# the others finish; a host whose batch fails (no usable TMPDIR there)
# falling back to a channel per check; check_application -v and
# relancectl status showing which way they ran.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/sshd.sh"

ca="$top_builddir/plugins/check_application"
ctl="$top_builddir/ctl/relancectl"
[ -x "$ca" ] && [ -x "$ctl" ] || skip_all "programs not built"
sshd_setup
# h1's batches make their directories in a TMPDIR of this test's own
mkdir -m 1777 "$SSHD_DIR/tmp"
SSHD_EXTRA="SetEnv TMPDIR=$SSHD_DIR/tmp" sshd_start h1
# h2's sessions get a TMPDIR that does not exist: the batch cannot make
# its directory there
SSHD_EXTRA="SetEnv TMPDIR=/nonexistent/relance-test" sshd_start h2
unset RELANCE_CONFIG
K="-i $SSHD_DIR/id_ed25519"
H="-h h1=127.0.0.1:$SSHD_PORT_h1 -h h2=127.0.0.1:$SSHD_PORT_h2"

# the same checks, as ssh_drive lines, for HOST
checks() {
	cat <<C
$1 60000 a/ok echo all fine; exit 0
$1 60000 a/warn echo degraded; echo a warning >&2; exit 1
$1 60000 a/crit printf 'RLB1 0123456789abcdef 0 0 5 0\nhello\n'; printf 'RLB1 x\n' >&2; exit 2
$1 60000 a/unknown printf 'no newline at the end'; exit 3
$1 60000 a/big head -c 3000000 /dev/zero | tr '\\\\0' x; echo done >&2
$1 60000 a/sig echo before; kill -TERM \$\$
$1 60000 a/env echo "\$RELANCE_COMPONENT"; printf '\\\\0 NUL\\\\n'
$1 60000 - echo no component
C
}
# the results without the timings and the way they ran
# the duration and the way differ by design; so may the shell's own
# "Terminated" after a check killed by a signal: on a channel the wrapper
# says it before the channel's end, in one remote command the check's
# subshell says it as the report is read (a race the product does not
# hide: it is the shell's word, not the check's output)
strip() { sed 's/ ms=[0-9]* / /; s/ via=\[.*\]$//; s/err=\[Terminated\\n\]/err=[]/'; }

checks h1 >"$SSHD_DIR/c1"
# shellcheck disable=SC2086
per_channel=$(sshd_drive $K $H <"$SSHD_DIR/c1")
# shellcheck disable=SC2086
batched=$(sshd_drive $K -b $H <"$SSHD_DIR/c1")
is "$(printf '%s\n' "$batched" | grep -c "via=\[one remote command for the 8 checks on 'h1'\]")" 8 \
	"-b: the 8 checks of h1 ran as one remote command"
is "$(printf '%s\n' "$per_channel" | grep -c 'via=\[a channel of its own\]')" 8 \
	"without -b: a channel each"
is "$(printf '%s\n' "$batched" | grep cmd= | strip)" \
	"$(printf '%s\n' "$per_channel" | grep cmd= | strip)" \
	"one remote command: the same statuses, exit codes, signals, stdout and stderr as a channel each"
like "$batched" 'cmd=0 .*status=exited .*exit=0 .*out=\[all fine\\n\] err=\[\]' "OK: exit 0, its output"
like "$batched" 'cmd=1 .*exit=1 .*out=\[degraded\\n\] err=\[a warning\\n\]' "WARNING: stderr kept apart"
like "$batched" "cmd=2 .*exit=2 .*out=\[RLB1 0123456789abcdef 0 0 5 0\\\\nhello\\\\n\] err=\[RLB1 x\\\\n\]" \
	"CRITICAL: output that looks like a frame is the check's output"
like "$batched" 'cmd=3 .*exit=3 .*out=\[no newline at the end\]' "UNKNOWN: exit 3, output without a newline"
like "$batched" 'cmd=4 .*exit=0 .*err=\[done\\n\] .*outlen=65536 outcut=1 ' \
	"3 MB of output: cut at 64 KiB, marked cut, its stderr intact"
like "$batched" 'cmd=5 .*status=signaled .*signal=15 .*out=\[before\\n\]' "killed by SIGTERM: reported as the signal"
like "$batched" 'cmd=6 .*out=\[a/env\\n' "RELANCE_COMPONENT set per check"

# a check that hangs, with a short timeout, beside checks that finish
cat >"$SSHD_DIR/c2" <<C
h1 60000 b/one echo one
h1 2000 b/hang echo started; sleep 86397
h1 60000 b/two sleep 0.5; echo two
C
# shellcheck disable=SC2086
sshd_drive $K -b $H <"$SSHD_DIR/c2" >"$SSHD_DIR/out2" &
drive=$!
a_dir() { [ -n "$(ls -A "$SSHD_DIR/tmp")" ]; }
wait_for 60 a_dir
ok $? "while it runs, the batch's directory is in the target's TMPDIR"
wait $drive
out=$(cat "$SSHD_DIR/out2")
like "$out" 'cmd=1 .*status=timeout .*via=\[one remote command for the 3 checks' \
	"the hanging check times out inside the batch"
like "$out" 'cmd=0 .*status=exited .*exit=0 .*out=\[one\\n\]' "... the first still has its result"
like "$out" 'cmd=2 .*status=exited .*exit=0 .*out=\[two\\n\]' "... and the one that takes a while"
ms() { printf '%s\n' "$out" | grep "cmd=$1 " | sed 's/.* ms=\([0-9]*\) .*/\1/'; }
[ "$(ms 0)" -lt "$(ms 1)" ] && [ "$(ms 2)" -lt "$(ms 1)" ]
ok $? "... and theirs came before the hanging one's timeout ($(ms 0), $(ms 2) < $(ms 1) ms)"
no_hang() { ! pgrep -u "$SSHD_USER" -f '^sleep 86397$' >/dev/null; }
wait_for 60 no_hang
ok $? "the hanging check was killed on the target"
no_dir() { [ -z "$(ls -A "$SSHD_DIR/tmp")" ]; }
wait_for 60 no_dir
ok $? "no temporary directory left on the target"

# h2: the batch fails (exit 97: no directory), every check falls back
checks h2 >"$SSHD_DIR/c3"
# shellcheck disable=SC2086
fell=$(sshd_drive $K -b $H <"$SSHD_DIR/c3")
is "$(printf '%s\n' "$fell" | grep -c 'via=\[a channel of its own: the batch failed: no temporary directory or FIFO on the target (exit 97)')" 8 \
	"a host whose batch fails: each check on a channel of its own, the reason given"
is "$(printf '%s\n' "$fell" | grep cmd= | strip | sed 's/host=h2/host=h1/')" \
	"$(printf '%s\n' "$per_channel" | grep cmd= | strip)" \
	"... with the same results as a channel each"

# check_application and relancectl status over both hosts
cfg=$SSHD_DIR/relance.ini
{
	printf '[ssh]\nuser = %s\nidentity = %s/id_ed25519\n' "$SSHD_USER" "$SSHD_DIR"
	printf 'known_hosts = %s/known_hosts\ntimeout = 20s\n\n' "$SSHD_DIR"
	for h in h1 h2; do
		eval "p=\$SSHD_PORT_$h"
		printf '[host "%s"]\naddress = 127.0.0.1\nport = %s\n\n' "$h" "$p"
	done
	for h in h1 h2; do
		printf '[component "app/%s-ok"]\nhost = %s\ncheck_mode = plugin\n' $h $h
		printf 'check = echo fine\nstart = true\nstop = true\n\n'
		printf '[component "app/%s-warn"]\nhost = %s\ncheck_mode = plugin\n' $h $h
		printf 'check = echo "slow | t=1"; echo detail; exit 1\nstart = true\nstop = true\n\n'
		printf '[component "app/%s-crit"]\nhost = %s\ncheck_mode = plugin\n' $h $h
		printf 'check = echo down; exit 2\nstart = true\nstop = true\n\n'
		printf '[component "app/%s-unknown"]\nhost = %s\ncheck_mode = plugin\n' $h $h
		printf 'check = exit 3\nstart = true\nstop = true\n\n'
	done
} >"$cfg"
chmod 600 "$cfg"
out=$("$ca" --config "$cfg" -A app -t 30 -v 2>&1)
is "$?" 2 "check_application: CRITICAL (the worst)"
like "$out" '^APPLICATION CRITICAL - app: 2 of 8 components critical: app/h1-crit, app/h2-crit; 2 warning: app/h1-warn, app/h2-warn; 2 unknown' \
	"check_application: the states of both hosts"
is "$(printf '%s\n' "$out" | grep -c "(via one remote command for the 4 checks on 'h1')")" 4 \
	"check_application -v: h1's checks ran as one remote command"
is "$(printf '%s\n' "$out" | grep -c "(via a channel of its own: the batch failed: ")" 4 \
	"check_application -v: h2's on channels, and why"
# relancectl status: the whole application (two batches) against each
# component alone (one command: a channel of its own)
"$ctl" --config "$cfg" status --json app >"$SSHD_DIR/all.json" 2>&1
for c in h1-ok h1-warn h1-crit h1-unknown; do
	"$ctl" --config "$cfg" status --json "app/$c" 2>&1
done >"$SSHD_DIR/one.json"
pick() { python3 -c 'import json, sys
rows = []
for f in sys.argv[1:]:
    text = open(f).read()
    dec = json.JSONDecoder(); i = 0
    while i < len(text):
        while i < len(text) and text[i].isspace(): i += 1
        if i >= len(text): break
        obj, i = dec.raw_decode(text, i)
        stack = [obj]
        while stack:
            o = stack.pop()
            if isinstance(o, dict):
                if "state" in o and "output" in o and "h1-" in str(o.get("name", o.get("component", ""))):
                    rows.append((str(o.get("name", o.get("component"))), o["state"], o["output"], o.get("long_output")))
                stack.extend(o.values())
            elif isinstance(o, list):
                stack.extend(o)
for r in sorted(rows): print(r)' "$@"; }
is "$(pick "$SSHD_DIR/all.json")" "$(pick "$SSHD_DIR/one.json")" \
	"relancectl status: in one remote command, the same states and outputs as one by one"
[ -n "$(pick "$SSHD_DIR/all.json")" ]
ok $? "... (which are there to compare)"
sshd_drive_ok
done_testing
